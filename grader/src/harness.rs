//! `cargo test` integration: a course × an engine becomes libtest-mimic
//! trials, one per exercise. A student's engine in Rust needs only:
//!
//! ```no_run
//! // tests/course.rs, with `[[test]] name = "course" harness = false` in Cargo.toml
//! # #[allow(clippy::needless_doctest_main)]
//! fn main() {
//!     tern_grader::harness::main("path/to/courses/tern-basics", Some("engine.yaml"));
//! }
//! ```
use crate::collect::course_jobs;
use crate::course::Course;
use crate::error::Result;
use crate::exercise::ExerciseBody;
use crate::grade::{self, GradeOptions};
use crate::job::{Job, Source};
use crate::manifest::Engine;
use crate::report::human;
use crate::result::{Report, Status};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::Path;
use std::sync::Arc;

/// Perf thresholds make `cargo test` slow and load-sensitive; opt in with TERN_GRADER_PERF=1.
fn options() -> GradeOptions {
    GradeOptions {
        perf: std::env::var("TERN_GRADER_PERF").is_ok_and(|v| v == "1"),
        jobs: 1,
        ..GradeOptions::default()
    }
}

/// One trial per exercise. `engine`: the engine under test for `engine`
/// exercises (a manifest path or `reference:KIND`); `program` exercises run
/// their reference solution on the course's reference engines.
pub fn trials(course_dir: &Path, engine: Option<&str>) -> Result<Vec<Trial>> {
    let course = Course::load(course_dir)?;
    let engine = match engine {
        Some(spec) => Some(Arc::new(Engine::resolve(spec, Path::new("."))?)),
        None => None,
    };
    let jobs = course_jobs(&course, |_, _| Source::Solution);
    Ok(jobs
        .into_iter()
        .map(|job| {
            let name = format!("{}::{}", job.level.clone().unwrap_or_default(), job.exercise.id);
            let kind = job.exercise.kind().as_str();
            let ignored = match (&job.exercise.body, &engine) {
                (ExerciseBody::Engine(_) | ExerciseBody::EngineTrack(_), Some(e)) => {
                    !job.exercise.applies_to(e.kind)
                }
                (ExerciseBody::Engine(_) | ExerciseBody::EngineTrack(_), None) => true,
                (ExerciseBody::Quiz(_), _) => {
                    !job.exercise.dir().join(format!("{}.answers.yaml", job.exercise.id)).is_file()
                }
                (ExerciseBody::Program(_), _) => false,
            };
            let engine = engine.clone();
            Trial::test(name, move || run_trial(&job, engine.as_deref()))
                .with_kind(kind)
                .with_ignored_flag(ignored)
        })
        .collect())
}

fn run_trial(job: &Job, engine: Option<&Engine>) -> std::result::Result<(), Failed> {
    let opts = options();
    let mut r = grade::grade_functional(job, engine, &opts);
    grade::grade_perf(job, engine, &opts, &mut r);
    let r = r.finish();
    if r.status.is_failure() {
        let report = Report { exercises: vec![r], ..Report::default() };
        return Err(Failed::from(human::render(&report, false)));
    }
    if r.status == Status::Skipped {
        return Err(Failed::from("every check was skipped"));
    }
    Ok(())
}

/// Entry point for a `harness = false` test file.
pub fn main(course_dir: impl AsRef<Path>, engine: Option<&str>) -> ! {
    let args = Arguments::from_args();
    match trials(course_dir.as_ref(), engine) {
        Ok(trials) => libtest_mimic::run(&args, trials).exit(),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(101);
        }
    }
}
