//! `grader validate`: what a course author runs before publishing. Schema
//! errors, reference solutions that don't pass, starters that already pass,
//! missing snapshots, observations that cannot be made.
use crate::exercise::ExerciseBody;
use crate::grade::{self, GradeOptions};
use crate::job::{Job, Source};
use crate::result::Status;
use crate::snapshot;

#[derive(Debug, Clone)]
pub struct Finding {
    pub exercise: String,
    pub message: String,
}

/// `validate` needs solutions, answer keys and hidden checks: a published
/// (student) copy of a course has none of them.
pub fn full_course(jobs: &[Job]) -> crate::Result<()> {
    let Some(job) = jobs.iter().find(|j| j.exercise.published) else { return Ok(()) };
    let root = crate::course::Course::find_root(&job.exercise.path).unwrap_or_default();
    let file = root.join("course.yaml");
    let src = std::fs::read_to_string(&file).unwrap_or_default();
    Err(crate::GradeError::at_key(&file, &src, "published",
        "this is the published (student) copy of a course: it has no solutions, answer keys or hidden checks to validate")
        .hint("run `grader validate` on the full course (the one `grader publish` was given)"))
}

/// Checks each job; an empty list means the exercises are ready for students.
pub fn validate(jobs: &[Job], opts: &GradeOptions) -> Vec<Finding> {
    let mut opts = opts.clone();
    opts.perf = false;
    let mut findings = Vec::new();
    for job in jobs {
        let ex = &job.exercise;
        let at = ex.path.display().to_string();
        let mut add = |m: String| findings.push(Finding { exercise: at.clone(), message: m });
        for kind in ex.snapshot_kinds() {
            let p = snapshot::path_for(ex.dir(), &ex.id, kind);
            if let Err(err) = snapshot::Snapshot::load(&p) {
                add(format!("snapshot for `{kind}` is missing: {err}"));
            }
        }
        match &ex.body {
            ExerciseBody::Program(_) => {
                let sol =
                    grade::grade_functional(&Job { source: Source::Solution, ..job.clone() }, None, &opts)
                        .finish();
                for c in sol.checks.iter().filter(|c| c.status.is_failure()) {
                    add(format!("the reference solution fails `{}`: {}", c.name, c.message));
                }
                let starter =
                    grade::grade_functional(&Job { source: Source::Starter, ..job.clone() }, None, &opts)
                        .finish();
                if starter.status == Status::Pass {
                    add("the starter already passes every check; a student would have nothing to do".into());
                }
            }
            ExerciseBody::Quiz(quiz) => {
                for q in &quiz.questions {
                    if let Err((status, m)) =
                        crate::quiz::observe(q, &quiz.program, ex.dir(), &job.refs, &opts.run)
                    {
                        if status != Status::Skipped {
                            add(format!("question `{}` cannot be observed ({status}): {m}", q.id));
                        }
                    }
                }
            }
            ExerciseBody::Engine(_) | ExerciseBody::EngineTrack(_) => {
                // The reference engine of each kind must meet the expectations it sets for students.
                for kind in ex.kinds() {
                    let reference = job.refs.get(kind);
                    let r = grade::grade_functional(job, Some(&reference), &opts).finish();
                    for c in r.checks.iter().filter(|c| c.status.is_failure()) {
                        add(format!("{} fails its own exercise `{}`: {}", reference.name, c.name, c.message));
                    }
                }
            }
        }
    }
    findings
}
