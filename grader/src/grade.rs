//! Grading: exercises in parallel (functional checks), then perf checks one
//! at a time so measurements don't compete with each other for the cores.
use crate::checks;
use crate::course::Course;
use crate::exercise::{EngineBody, EngineTrack, Exercise, ExerciseBody, GroupRef, ProgramBody, QuizBody};
/// Kept here too: callers (and tests) name them `grade::{Job, Source}`.
pub use crate::job::{Job, Source};
use crate::manifest::Engine;
use crate::perf;
use crate::quiz;
use crate::redact::{self, Disclosure};
use crate::result::{CheckResult, ExerciseResult, LevelResult, Status};
use crate::runner::{self, Program, RunOptions};
use crate::snapshot::{self, Snapshot};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct GradeOptions {
    pub run: RunOptions,
    pub perf: bool,
    pub jobs: usize,
    pub progress: bool,
    /// Why there is no engine under test, when the workspace names one that
    /// cannot be used: engine exercises report it; the others are graded.
    pub engine_error: Option<String>,
    /// Which hidden checks `grade_all` shows in full (default: none, the student's view).
    pub disclosure: Disclosure,
}

impl Default for GradeOptions {
    fn default() -> Self {
        GradeOptions {
            run: RunOptions::default(),
            perf: true,
            jobs: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            progress: false,
            engine_error: None,
            disclosure: Disclosure::default(),
        }
    }
}

/// The student's program: exactly the files the exercise's `starter:` lists,
/// read from the exercise's workspace directory as regular files only.
/// Other files there are not graded (the notice says which).
pub fn read_workspace_program(dir: &Path, starter: &Program) -> Result<(Program, Vec<String>), String> {
    let mut program = Program { files: BTreeMap::new(), entry: starter.entry.clone() };
    for name in starter.files.keys() {
        let path = dir.join(name);
        if std::fs::symlink_metadata(&path).is_err() {
            return Err(format!("{name} is missing from {}", dir.display()));
        }
        let bytes = crate::untrusted::read_regular(&path, crate::untrusted::MAX_PROGRAM_FILE)?;
        program.files.insert(name.clone(), bytes);
    }
    let mut extra = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let known = starter.files.keys().any(|k| k == &name || k.starts_with(&format!("{name}/")));
            if !known && !name.starts_with('.') && name != "README.md" && name != "answers.yaml" {
                extra.push(name);
            }
        }
    }
    extra.sort();
    Ok((program, extra))
}

fn options_for(ex: &Exercise, opts: &GradeOptions) -> RunOptions {
    let mut o = opts.run.clone();
    if let Some(ms) = ex.timeout_ms {
        o.limits.timeout = Duration::from_millis(ms);
    }
    o.limits = ex.limits.apply(o.limits);
    o
}

/// The program a job runs, and the names of workspace files it leaves out.
fn program_for(job: &Job) -> Result<(Program, Vec<String>), String> {
    let ex = &job.exercise;
    match &ex.body {
        ExerciseBody::Engine(b) | ExerciseBody::EngineTrack(EngineTrack { runs: b, .. }) => {
            Ok((b.program.clone(), Vec::new()))
        }
        ExerciseBody::Quiz(q) => Ok((q.program.clone(), Vec::new())),
        ExerciseBody::Program(b) => match &job.source {
            Source::Workspace(dir) => read_workspace_program(dir, &b.starter).map_err(|e| format!("cannot read your program: {e}")),
            Source::Solution if ex.published => Err(
                "this is the published (student) copy of the course: it has no solutions; grade your own program in a workspace (`grader init`), or use the full course".into()),
            Source::Solution => Ok((b.solution.clone(), Vec::new())),
            Source::Starter => Ok((b.starter.clone(), Vec::new())),
        },
    }
}

fn load_snapshot(ex: &Exercise, kind: crate::manifest::EngineKind) -> Result<Snapshot, String> {
    let p = snapshot::path_for(ex.dir(), &ex.id, kind);
    Snapshot::load(&p).map_err(|e| format!("snapshot missing or unreadable: {e}"))
}

/// The engine track is graded on the engine.yaml in the exercise's own
/// workspace directory, whatever engine the workspace names for the other exercises.
fn local_engine(job: &Job) -> Option<Result<Engine, String>> {
    let Source::Workspace(dir) = &job.source else { return None };
    let ExerciseBody::EngineTrack(_) = &job.exercise.body else { return None };
    let manifest = dir.join(crate::workspace::LOCAL_ENGINE);
    Some(
        Engine::load(&manifest)
            .map_err(|e| format!("this exercise grades the engine in {}: {e}", dir.display())),
    )
}

/// Output, exit, diagnostic and quiz checks (everything but perf).
pub fn grade_functional(job: &Job, engine: Option<&Engine>, opts: &GradeOptions) -> ExerciseResult {
    let ex = &job.exercise;
    let mut result = ExerciseResult {
        id: ex.id.clone(),
        title: ex.title.clone(),
        kind: ex.kind().as_str().into(),
        path: ex.path.display().to_string(),
        level: job.level.clone(),
        points: ex.points,
        earned: 0.0,
        status: Status::Pass,
        checks: Vec::new(),
        notices: Vec::new(),
        engine: None,
        engine_sha256: None,
        duration_ms: 0,
    };
    let run_opts = options_for(ex, opts);
    let program = match program_for(job) {
        Ok((p, extra)) => {
            if !extra.is_empty() {
                let listed: Vec<&str> = p.files.keys().map(String::as_str).collect();
                result.notices.push(format!(
                    "not graded: {} (only the files this exercise gives you are: {})",
                    extra.join(", "),
                    listed.join(", ")
                ));
            }
            p
        }
        Err(m) => {
            result.checks.push(CheckResult::fail("program", m));
            return result;
        }
    };
    let local = local_engine(job);
    let engine = match &local {
        Some(Ok(e)) => {
            result.engine = Some(e.label());
            result.engine_sha256 = crate::provenance::hash_engine(e);
            Some(e)
        }
        Some(Err(m)) => {
            result.checks.push(CheckResult::new("engine", Status::Error, m.clone()));
            return result;
        }
        None => engine,
    };
    let checks = match &ex.body {
        ExerciseBody::Engine(b) | ExerciseBody::EngineTrack(EngineTrack { runs: b, .. }) => {
            engine_checks(job, b, engine, &program, opts, &run_opts)
        }
        ExerciseBody::Program(b) => Ok(program_checks(job, b, &program, &run_opts)),
        ExerciseBody::Quiz(q) => Ok(quiz_checks(job, q, &run_opts)),
    };
    match checks {
        Ok(checks) => result.checks.extend(checks),
        // Why nothing could be checked: the one result, without the hint.
        Err(why) => {
            result.checks.push(why);
            return result;
        }
    }
    attach_hint(ex, &mut result);
    result
}

/// Each group's program on the engine under test, checked against that group.
fn engine_checks(
    job: &Job,
    body: &EngineBody,
    engine: Option<&Engine>,
    program: &Program,
    opts: &GradeOptions,
    run_opts: &RunOptions,
) -> Result<Vec<CheckResult>, CheckResult> {
    let ex = &job.exercise;
    let Some(engine) = engine else {
        let why = opts.engine_error.clone().unwrap_or_else(|| {
            "this exercise tests an engine, but none was given; pass --engine engine.yaml (or set `engine:` in tern-course.yaml)".into()
        });
        return Err(CheckResult::new("engine", Status::Error, why));
    };
    if engine.is_reference && matches!(job.source, Source::Workspace(_)) {
        return Err(CheckResult::new(
            "engine",
            Status::Error,
            format!(
            "`{}` is the course's own engine, not yours: an `engine` exercise grades the engine you wrote \
             (set `engine:` in tern-course.yaml to your engine.yaml)", engine.name),
        ));
    }
    if !ex.applies_to(engine.kind) {
        return Err(CheckResult::new(
            "engine",
            Status::Skipped,
            format!("no expectations for `{}` engines in this exercise", engine.kind),
        ));
    }
    let mut out = Vec::new();
    for (group, group_program) in body.groups() {
        let Some(expect) = group.expect.for_kind(engine.kind) else { continue };
        // The top-level program is the one the job chose; snapshots belong to it alone.
        let (program, snap) = match group.number {
            None => (program, (expect.snapshot == Some(true)).then(|| load_snapshot(ex, engine.kind))),
            Some(_) => (group_program, None),
        };
        let expected = checks::resolve(&expect, snap.as_ref());
        for run in runner::run_engine(engine, program, run_opts) {
            out.extend(tag(&group, checks::check_run(&run, &expected), &run, program));
        }
    }
    Ok(out)
}

/// One run of the student's program per engine (and target), checked against every group.
fn program_checks(
    job: &Job,
    body: &ProgramBody,
    program: &Program,
    run_opts: &RunOptions,
) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for kind in &body.engines {
        let groups: Vec<_> = body.groups().filter_map(|g| g.expect.for_kind(*kind).map(|e| (g, e))).collect();
        if groups.is_empty() {
            continue;
        }
        let reference = job.refs.get(*kind);
        let top_snap = groups
            .iter()
            .find(|(g, e)| g.number.is_none() && e.snapshot == Some(true))
            .map(|_| load_snapshot(&job.exercise, *kind));
        let expected: Vec<_> = groups
            .iter()
            .map(|(g, expect)| {
                let snap = if g.number.is_none() { top_snap.as_ref() } else { None };
                (g, checks::resolve(expect, snap))
            })
            .collect();
        for run in runner::run_engine(&reference, program, run_opts) {
            for (g, expected) in &expected {
                out.extend(tag(g, checks::check_run(&run, expected), &run, program));
            }
        }
    }
    out
}

/// The student's answers (or the author's, beside the exercise) against the observations.
fn quiz_checks(job: &Job, quiz: &QuizBody, run_opts: &RunOptions) -> Vec<CheckResult> {
    let ex = &job.exercise;
    let answers_path = match &job.source {
        Source::Workspace(dir) => dir.join("answers.yaml"),
        _ => ex.dir().join(format!("{}.answers.yaml", ex.id)),
    };
    let answers = if std::fs::symlink_metadata(&answers_path).is_ok() {
        quiz::load_answers(&answers_path).map_err(|e| e.to_string())
    } else {
        Err(format!("no answers file at {}", answers_path.display()))
    };
    let start = Instant::now();
    let mut checks =
        quiz::grade(quiz, ex.dir(), answers.as_ref().map_err(|s| s.as_str()), &job.refs, run_opts);
    // The questions' runs overlap; each check gets its share of the time.
    let share = start.elapsed().as_millis() as u64 / checks.len().max(1) as u64;
    checks.iter_mut().for_each(|c| c.duration_ms = Some(share));
    checks
}

/// Marks a group's checks with its visibility and number (`check N: ...`),
/// and with the run and program they are about (time, output, test code).
fn tag(
    group: &GroupRef<'_>,
    checks: Vec<CheckResult>,
    run: &runner::EngineRun,
    program: &Program,
) -> Vec<CheckResult> {
    let text = program_text(program);
    let output = crate::result::clip_output(&run.stdout);
    checks
        .into_iter()
        .map(|mut c| {
            if let Some(n) = group.number {
                c.name = format!("check {n}: {}", c.name);
                c.group = Some(n);
            }
            c.visibility = group.visibility;
            c.duration_ms = Some(run.wall.as_millis() as u64);
            c.program = Some(text.clone());
            c.output = (!output.is_empty()).then(|| output.clone());
            c
        })
        .collect()
}

/// A program's files as one text: the entry file alone, or each file under a `// NAME` line.
pub fn program_text(program: &Program) -> String {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match program.files.len() {
        1 => program.files.values().next().map(|b| lossy(b)).unwrap_or_default(),
        _ => program
            .files
            .iter()
            .map(|(name, b)| format!("// {name}\n{}", lossy(b)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The exercise's `hint:` tells a student what to do next: it becomes a note
/// on the exercise and rides on the first failing check (JUnit shows details).
fn attach_hint(ex: &Exercise, result: &mut ExerciseResult) {
    let Some(hint) = &ex.hint else { return };
    let note = format!("hint: {hint}");
    if !result.checks.iter().any(|c| c.status.is_failure()) {
        return;
    }
    // (A hidden check's detail is never shown, so the hint rides on a visible one, or only in the notes.)
    if !result.notices.contains(&note) {
        result.notices.push(note.clone());
    }
    let Some(first) = result
        .checks
        .iter_mut()
        .find(|c| c.status.is_failure() && c.visibility == crate::result::Visibility::Visible)
    else {
        return;
    };
    if first.detail.as_deref().is_some_and(|d| d.contains(&note)) {
        return;
    }
    first.detail = Some(match first.detail.take() {
        Some(d) => format!("{}\n{note}", d.trim_end()),
        None => note,
    });
}

/// Why perf is not measured on a program that failed its functional checks.
pub const PERF_NEEDS_CORRECT: &str =
    "the program's functional checks failed: perf is not measured on a wrong program";

/// Perf rules, after the functional checks in `result` (everything in it so
/// far is functional). They run only on a program that passed those checks:
/// a starter that exits 70, or a wrong answer computed fast, is not timed.
pub fn grade_perf(job: &Job, engine: Option<&Engine>, opts: &GradeOptions, result: &mut ExerciseResult) {
    let ex = &job.exercise;
    if ex.perf().is_empty() {
        return;
    }
    let skip_all = |result: &mut ExerciseResult, why: &str| {
        for rule in ex.perf() {
            result.checks.push(CheckResult::new(rule.name(), Status::Skipped, why));
        }
    };
    if !opts.perf {
        skip_all(result, "perf checks are off (--perf=off)");
        result.notices.push("perf checks skipped: --perf=off".into());
        return;
    }
    // Perf times the top-level program: its own checks gate it (in a `program`
    // exercise every group checks that program); a hidden check is not named.
    let every_group_times_it = matches!(ex.body, ExerciseBody::Program(_));
    let times_program = |c: &&CheckResult| c.group.is_none() || every_group_times_it;
    if let Some(failed) = result.checks.iter().filter(times_program).find(|c| c.status.is_failure()) {
        let name = if failed.visibility == crate::result::Visibility::Visible {
            format!("`{}`", failed.name)
        } else {
            "a hidden check".into()
        };
        let why = format!("{PERF_NEEDS_CORRECT} ({name} is {})", failed.status);
        skip_all(result, &why);
        return;
    }
    let program = match program_for(job) {
        Ok((p, _)) => p,
        Err(_) => return, // already reported by the functional checks
    };
    // An `engine` exercise times the engine under test; the others, reference engines.
    let under_test = ex.engine_body().and(engine);
    let run_opts = options_for(ex, opts);
    for rule in ex.perf() {
        let start = Instant::now();
        let mut check = perf::check_rule(rule, under_test, &job.refs, ex.dir(), &program, &run_opts);
        check.duration_ms = Some(start.elapsed().as_millis() as u64);
        result.checks.push(check);
    }
    attach_hint(ex, result);
}

pub fn grade_all(jobs: &[Job], engine: Option<&Engine>, opts: &GradeOptions) -> Vec<ExerciseResult> {
    let units: Vec<Unit> = jobs.iter().map(|job| Unit { job, engine, opts }).collect();
    grade_units(&units, opts.jobs, opts.progress)
}

/// One exercise to grade, with the engine and options of its workspace.
#[derive(Clone, Copy)]
pub struct Unit<'a> {
    pub job: &'a Job,
    pub engine: Option<&'a Engine>,
    pub opts: &'a GradeOptions,
}

/// Grades `units` (of one workspace or of a whole class) on `workers`
/// threads, then their perf rules one at a time; results in `units` order,
/// finished and redacted.
pub fn grade_units(units: &[Unit<'_>], workers: usize, progress: bool) -> Vec<ExerciseResult> {
    let bar = crate::progress::Progress::new(progress, units.len());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<(ExerciseResult, Duration)>>> = Mutex::new(vec![None; units.len()]);
    let workers = workers.max(1).min(units.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(u) = units.get(i) else { break };
                bar.start(&u.job.exercise.id);
                let start = Instant::now();
                let r = grade_functional(u.job, u.engine, u.opts);
                bar.graded(&r, u.opts.perf && !u.job.exercise.perf().is_empty());
                results.lock().unwrap()[i] = Some((r, start.elapsed()));
            });
        }
    });
    let mut results: Vec<(ExerciseResult, Duration)> =
        results.into_inner().unwrap().into_iter().map(|r| r.expect("graded")).collect();
    for (u, (r, took)) in units.iter().zip(results.iter_mut()) {
        if !u.job.exercise.perf().is_empty() {
            bar.measuring(&u.job.exercise.id);
            let start = Instant::now();
            grade_perf(u.job, u.engine, u.opts, r);
            *took += start.elapsed();
        }
    }
    bar.finish();
    units
        .iter()
        .zip(results)
        .map(|(u, (r, took))| {
            let mut r = r.finish();
            r.duration_ms = took.as_millis() as u64;
            // The one place where hidden checks lose their details: every report
            // format, and the workspace's saved results, read these.
            redact::redact(std::slice::from_mut(&mut r), u.opts.disclosure);
            r
        })
        .collect()
}

/// Per-level points and XP for the levels of `course` that appear in `results`
/// (or all levels with `all`); a level's XP is earned when all its exercises pass.
pub fn level_results(course: &Course, results: &[ExerciseResult], all: bool) -> Vec<LevelResult> {
    let mut out: Vec<LevelResult> = course
        .levels
        .iter()
        .filter(|level| all || results.iter().any(|r| r.level.as_deref() == Some(&level.name)))
        .map(|level| LevelResult {
            name: level.name.clone(),
            title: level.title.clone(),
            xp: level.xp,
            earned_xp: 0,
            points: level.exercises.iter().map(|e| e.points).sum(),
            earned: 0.0,
            passed: 0,
            total: level.exercises.len(),
            locked_by: Vec::new(),
            prerequisites: level.prerequisites.clone(),
            exercises: level.exercises.iter().map(|e| e.id.clone()).collect(),
        })
        .collect();
    crate::result::recount_levels(&mut out, results);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::Level;
    use crate::result::CheckResult;
    use std::path::PathBuf;

    fn result(id: &str, path: &str, pass: bool) -> ExerciseResult {
        let check = if pass {
            CheckResult::pass("interp: stdout", "")
        } else {
            CheckResult::fail("interp: stdout", "")
        };
        ExerciseResult {
            id: id.into(),
            title: id.into(),
            kind: "program".into(),
            path: path.into(),
            level: Some("l1".into()),
            points: 5,
            earned: 0.0,
            status: Status::Pass,
            checks: vec![check],
            notices: vec![],
            engine: None,
            engine_sha256: None,
            duration_ms: 0,
        }
        .finish()
    }

    #[test]
    fn xp_never_counts_a_failed_exercise_behind_a_namesake() {
        let src = "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\n";
        let ex = Exercise::parse(Path::new("a/hello.yaml"), src).unwrap();
        let course = Course {
            dir: PathBuf::from("."),
            title: "c".into(),
            language: "tern".into(),
            reference: BTreeMap::new(),
            levels: vec![Level {
                name: "l1".into(),
                title: "L".into(),
                xp: 10,
                prerequisites: vec![],
                exercises: vec![ex.clone(), ex],
            }],
            published: false,
        };
        let rs = [result("hello", "a/hello.yaml", false), result("hello", "b/hello.yaml", true)];
        let l = &level_results(&course, &rs, false)[0];
        assert_eq!((l.passed, l.earned_xp), (0, 0), "{l:?}");
        let rs = [result("hello", "a/hello.yaml", true)];
        let l = &level_results(&course, &rs, false)[0];
        assert_eq!(l.earned_xp, 10);
    }
}
