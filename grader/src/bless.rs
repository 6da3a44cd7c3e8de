//! `grader bless`: records snapshots from the reference engines.
use crate::exercise::ExerciseBody;
use crate::job::Job;
use crate::runner::{self, RunOptions, RunStatus};
use crate::snapshot::{self, Snapshot};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum Blessed {
    Written(PathBuf),
    Unchanged(PathBuf),
    Failed(PathBuf, String),
}

/// `review`: write `.snap.new` beside the snapshot for `cargo insta review` instead of replacing it.
pub fn bless(jobs: &[Job], opts: &RunOptions, review: bool) -> Vec<Blessed> {
    let mut out = Vec::new();
    for job in jobs {
        let ex = &job.exercise;
        for kind in ex.snapshot_kinds() {
            let path = snapshot::path_for(ex.dir(), &ex.id, kind);
            // Snapshots record the top-level program: a `program` exercise's solution.
            let program = match &ex.body {
                ExerciseBody::Program(_) if ex.published => {
                    out.push(Blessed::Failed(
                        path,
                        "a published copy of a course has no solution to record; bless the full course"
                            .into(),
                    ));
                    continue;
                }
                ExerciseBody::Program(b) => &b.solution,
                ExerciseBody::Engine(b) => &b.program,
                ExerciseBody::EngineTrack(t) => &t.runs.program,
                ExerciseBody::Quiz(_) => continue,
            };
            let engine = job.refs.get(kind);
            let mut o = opts.clone();
            o.targets = Some(engine.targets.first().copied().into_iter().collect());
            let Some(run) = runner::run_engine(&engine, program, &o).into_iter().next() else {
                out.push(Blessed::Failed(path, format!("{} has no targets", engine.name)));
                continue;
            };
            if run.status != RunStatus::Completed {
                out.push(Blessed::Failed(
                    path,
                    format!("{} did not run cleanly: {:?}", engine.name, run.status),
                ));
                continue;
            }
            let source = ex.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            let snap = Snapshot::from_run(&source, &run);
            if Snapshot::load(&path).ok().as_ref() == Some(&snap) {
                out.push(Blessed::Unchanged(path));
                continue;
            }
            let target = if review { PathBuf::from(format!("{}.new", path.display())) } else { path.clone() };
            match snap.write(&target) {
                Ok(()) => out.push(Blessed::Written(target)),
                Err(e) => out.push(Blessed::Failed(target, e.to_string())),
            }
        }
    }
    out
}
