//! Instructor mode: `grader run --course COURSE_DIR WORKSPACE...`.
//!
//! The course at COURSE_DIR is the only truth: exercises, expectations,
//! snapshots, perf rules, points and XP come from it. A workspace supplies
//! only its student's files (what each exercise's `starter:` lists), quiz
//! answers and engine; its `course:` key is ignored.
use crate::collect;
use crate::course::Course;
use crate::error::{GradeError, Result};
use crate::grade::{self, GradeOptions, Unit};
use crate::job::{Job, Source};
use crate::manifest::Engine;
use crate::provenance::{self, Provenance};
use crate::result::{Partition, Report};
use crate::workspace::WorkspaceFile;
use std::path::{Path, PathBuf};

/// The engine a workspace names, resolved inside the workspace only: a
/// manifest outside it (the course's, a classmate's) is not the student's.
pub fn workspace_engine(ws: &Path, spec: &str) -> std::result::Result<Engine, String> {
    if spec.starts_with("reference:") {
        return Engine::resolve(spec, ws).map_err(|e| e.to_string());
    }
    let root = ws.canonicalize().map_err(|e| format!("{}: {e}", ws.display()))?;
    let path = root.join(spec);
    let path = if path.is_dir() { path.join("engine.yaml") } else { path };
    let real = path.canonicalize().map_err(|e| format!("engine `{spec}` ({}): {e}", path.display()))?;
    if !real.starts_with(&root) {
        return Err(format!(
            "engine `{spec}` is outside the workspace ({}); an engine is graded from the student's own files",
            real.display()
        ));
    }
    Engine::load(&path).map_err(|e| e.to_string())
}

/// Grades one workspace against `course`. `engine_override` is the
/// instructor's `--engine`, if given.
pub fn grade_workspace(
    course: &Course,
    ws: &Path,
    engine_override: Option<&str>,
    opts: &GradeOptions,
) -> Result<Report> {
    let mut reports = grade_class(course, &[ws.to_path_buf()], engine_override, opts, None)?;
    Ok(reports.remove(0))
}

/// A workspace ready to grade: its engine, options and jobs (this shard's only).
struct Prepared {
    ws: PathBuf,
    engine: Option<Engine>,
    opts: GradeOptions,
    jobs: Vec<Job>,
    notices: Vec<String>,
}

fn prepare(
    course: &Course,
    ws: &Path,
    engine_override: Option<&str>,
    opts: &GradeOptions,
    partition: Option<Partition>,
) -> Result<Prepared> {
    let (_, _, file) = WorkspaceFile::read(ws)?;
    let mut notices = vec![format!(
        "the workspace's `course: {}` is ignored: graded against the course at {}",
        file.course,
        course.dir.display()
    )];
    let spec = engine_override.map(str::to_string).or(file.engine.clone());
    let mut opts = opts.clone();
    let engine = match spec.as_deref().map(|s| workspace_engine(ws, s)) {
        Some(Ok(e)) => Some(e),
        Some(Err(m)) => {
            notices.push(format!("engine: {m}"));
            opts.engine_error = Some(m);
            None
        }
        None => None,
    };
    let mut jobs = collect::course_jobs(course, |level, ex| Source::Workspace(ws.join(level).join(&ex.id)));
    if let Some(p) = partition {
        jobs.retain(|j| p.owns(&unit_name(ws, j)));
    }
    Ok(Prepared { ws: ws.to_path_buf(), engine, opts, jobs, notices })
}

/// The name a shard is chosen by: the workspace as given, the level and the exercise.
fn unit_name(ws: &Path, job: &Job) -> String {
    format!("{}/{}/{}", ws.display(), job.level.as_deref().unwrap_or(""), job.exercise.id)
}

/// Grades every workspace against `course` in one pool of `opts.jobs`
/// workers (exercises of different students run side by side; perf rules
/// still run one at a time), one report per workspace. With a partition,
/// only that shard's exercises are graded; every workspace still gets a
/// report, so `grader merge` can tell a missing shard from an empty one.
pub fn grade_class(
    course: &Course,
    workspaces: &[PathBuf],
    engine_override: Option<&str>,
    opts: &GradeOptions,
    partition: Option<Partition>,
) -> Result<Vec<Report>> {
    let prepared: Vec<Prepared> = workspaces
        .iter()
        .map(|ws| prepare(course, ws, engine_override, opts, partition))
        .collect::<Result<_>>()?;
    let units: Vec<Unit> = prepared
        .iter()
        .flat_map(|p| p.jobs.iter().map(move |job| Unit { job, engine: p.engine.as_ref(), opts: &p.opts }))
        .collect();
    let mut results = grade::grade_units(&units, opts.jobs, opts.progress).into_iter();
    let course_sha256 = course.sha256();
    let course_commit = provenance::git_commit(&course.dir);
    Ok(prepared
        .into_iter()
        .map(|p| {
            let exercises: Vec<_> = results.by_ref().take(p.jobs.len()).collect();
            let levels = grade::level_results(course, &exercises, true);
            let engine = p.engine.as_ref();
            let provenance = Provenance {
                workspace: Some(p.ws.display().to_string()),
                workspace_sha256: Some(provenance::hash_tree(&p.ws)),
                engine: engine.map(Engine::label),
                engine_sha256: engine.and_then(provenance::hash_engine),
                course: Some(course.dir.display().to_string()),
                course_commit: course_commit.clone(),
                course_sha256: Some(course_sha256.clone()),
                sandboxed: crate::runner::sandbox::active(opts.run.sandbox),
            };
            Report {
                engine: engine.map(Engine::label).unwrap_or_default(),
                exercises,
                levels,
                notices: p.notices,
                provenance,
                partition,
            }
        })
        .collect())
}

/// Checks every argument is a workspace before anything is graded.
pub fn workspaces(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if paths.is_empty() {
        return Err(GradeError::new("instructor mode needs workspaces to grade")
            .hint("grader run --course COURSE_DIR WORKSPACE..."));
    }
    paths
        .iter()
        .map(|p| {
            if p.join(crate::workspace::MANIFEST).exists() {
                Ok(p.clone())
            } else {
                Err(GradeError::in_file(
                    p,
                    format!("not a workspace: no {} here", crate::workspace::MANIFEST),
                ))
            }
        })
        .collect()
}
