//! The "runtimes" course graded for real: level 1 against the reference
//! engines (`tern` must be built: `cargo build -p tern-cli`), the starters a
//! student gets, the command line of the student CI template, and the
//! "add a level" walkthrough of ci/README.md.
//!
//! Perf thresholds (steady-state, startup) are timed, so they run only in the
//! ignored test `perf_exercises_meet_their_thresholds` (`-- --ignored`).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use tern_grader::course::Course;
use tern_grader::exercise::{EngineTrack, Exercise, ExerciseBody, ExerciseKind, ProgramBody};
use tern_grader::grade::{self, GradeOptions, Job, Source};
use tern_grader::manifest::{tern_bin, Engine, EngineKind};
use tern_grader::result::{ExerciseResult, Report, Status};
use tern_grader::runner::Program;
use tern_grader::workspace::Workspace;
use tern_grader::{collect, harness, report, validate};

const LEVEL: &str = "01-compiled-interpreted-jit";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("grader/ has a parent").to_path_buf()
}

fn course_dir() -> PathBuf {
    repo().join("courses/runtimes")
}

/// The reference engines are the `tern` binary; grading without it would only test error paths.
fn require_tern() {
    let tern = tern_bin();
    let ok = Command::new(&tern).arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(ok, "`{}` does not run: build it first with `cargo build -p tern-cli`", tern.display());
}

fn options(perf: bool) -> GradeOptions {
    let mut o = GradeOptions { perf, ..GradeOptions::default() };
    o.run.limits.timeout = std::time::Duration::from_secs(60);
    o
}

fn level_exercises(course: &Course) -> Vec<Exercise> {
    course
        .levels
        .iter()
        .find(|l| l.name == LEVEL)
        .expect("level 1 is listed in course.yaml")
        .exercises
        .clone()
}

/// The files a student is given: the starter, the top-level program.
fn given(e: &Exercise) -> Vec<&Program> {
    e.programs().into_iter().filter(|p| !solution(e).is_some_and(|s| std::ptr::eq(*p, s))).collect()
}

fn solution(e: &Exercise) -> Option<&Program> {
    match &e.body {
        ExerciseBody::Program(ProgramBody { solution, .. })
        | ExerciseBody::EngineTrack(EngineTrack { solution, .. }) => Some(solution),
        ExerciseBody::Engine(_) | ExerciseBody::Quiz(_) => None,
    }
}

fn explain(results: &[ExerciseResult]) -> String {
    report::human::render(&Report { exercises: results.to_vec(), ..Report::default() }, false)
}

#[test]
fn level_one_has_every_exercise_the_lesson_names() {
    let course = Course::load(&course_dir()).expect("course loads");
    let level = course.levels.iter().find(|l| l.name == LEVEL).expect("level listed");
    assert_eq!(level.xp, 200);
    assert!(level.prerequisites.is_empty());
    let ids: BTreeMap<&str, ExerciseKind> =
        level.exercises.iter().map(|e| (e.id.as_str(), e.kind())).collect();
    let named = [
        ("hello-three-ways", ExerciseKind::Program),
        ("phase-syntax-entry", ExerciseKind::Engine),
        ("phase-syntax-import", ExerciseKind::Engine),
        ("phase-type-mismatch", ExerciseKind::Engine),
        ("phase-unknown-field", ExerciseKind::Engine),
        ("phase-unknown-name", ExerciseKind::Engine),
        ("phase-runtime-errors", ExerciseKind::Engine),
        ("dead-path-type-error", ExerciseKind::Program),
        ("where-errors-surface", ExerciseKind::Quiz),
        ("steady-state", ExerciseKind::Program),
        ("startup", ExerciseKind::Program),
        ("warm-up", ExerciseKind::Quiz),
        ("portability", ExerciseKind::Quiz),
        ("how-to-tell", ExerciseKind::Quiz),
        ("engine-starter", ExerciseKind::Engine),
    ];
    for (id, kind) in named {
        assert_eq!(ids.get(id), Some(&kind), "exercise `{id}` ({kind:?}) is missing from level 1");
    }
    assert!(level.exercises.len() >= 12);
    for ex in &level.exercises {
        assert!(ex.hint.is_some(), "{} has no `hint:` telling a student what to do next", ex.id);
        if let ExerciseBody::Engine(body) = &ex.body {
            // Every phase-table row states what each of the three engines reports.
            let kinds = body.expect.kinds();
            assert_eq!(
                kinds,
                EngineKind::ALL.to_vec(),
                "{} must set expectations for interp, jit and aot",
                ex.id
            );
        }
    }
}

/// `grader validate courses/runtimes`: solutions pass, starters fail, quizzes can be
/// observed, and each reference engine meets the expectations it sets for students.
#[test]
fn validate_finds_no_problems() {
    require_tern();
    let (jobs, _) = collect::jobs_for_paths(&[course_dir()], &Source::Solution).expect("course loads");
    let findings = validate::validate(&jobs, &options(false));
    let text: Vec<String> = findings.iter().map(|f| format!("{}: {}", f.exercise, f.message)).collect();
    assert!(findings.is_empty(), "grader validate found problems:\n{}", text.join("\n"));
}

/// The libtest-mimic harness a course author (or a student engine) uses, once per
/// reference engine: engine exercises on that engine, program exercises' solutions on
/// the references, quizzes with the author's answers. Any trial below full marks fails.
#[test]
fn harness_gives_reference_solutions_full_marks() {
    require_tern();
    for spec in ["reference:interp", "reference:jit", "reference:aot"] {
        let trials = harness::trials(&course_dir(), Some(spec)).expect("course loads");
        let total = trials.len();
        let args = libtest_mimic::Arguments { quiet: true, ..libtest_mimic::Arguments::default() };
        let conclusion = libtest_mimic::run(&args, trials);
        assert!(
            !conclusion.has_failed(),
            "{spec}: {} of {total} exercises are below full marks (see above)",
            conclusion.num_failed
        );
        assert!(conclusion.num_passed >= 12, "{spec}: only {} exercises graded", conclusion.num_passed);
    }
}

/// The engine track: the skeleton engine a student starts from fails with a hint;
/// the reference solution engine passes both steps.
#[test]
fn engine_track_solution_passes_and_skeleton_does_not() {
    require_tern();
    let course = Course::load(&course_dir()).expect("course loads");
    let refs = course.references();
    for (ex, track) in level_exercises(&course).into_iter().filter_map(|e| match &e.body {
        ExerciseBody::EngineTrack(t) => Some((e.clone(), t.clone())),
        _ => None,
    }) {
        for (label, files, want_pass) in
            [("solution", &track.solution.files, true), ("starter", &track.starter.files, false)]
        {
            let dir = tempfile::tempdir().unwrap();
            // The step-2 starter runs ../engine-starter/engine.py, as in a workspace.
            let own = dir.path().join(&ex.id);
            let sibling = dir.path().join("engine-starter");
            for d in [&own, &sibling] {
                std::fs::create_dir_all(d).unwrap();
            }
            let skeleton = level_exercises(&course).into_iter().find(|e| e.id == "engine-starter").unwrap();
            let ExerciseBody::EngineTrack(skeleton) = &skeleton.body else {
                panic!("engine-starter has a starter")
            };
            for (name, bytes) in &skeleton.starter.files {
                std::fs::write(sibling.join(name), bytes).unwrap();
            }
            for (name, bytes) in files {
                std::fs::write(own.join(name), bytes).unwrap();
            }
            let engine = Engine::load(&own.join("engine.yaml")).expect("engine.yaml parses");
            let job = Job {
                exercise: ex.clone(),
                level: Some(LEVEL.into()),
                refs: refs.clone(),
                source: Source::Solution,
            };
            let r = grade::grade_functional(&job, Some(&engine), &options(false)).finish();
            if want_pass {
                assert!(
                    r.full_marks(),
                    "{} {label} engine is not at full marks:\n{}",
                    ex.id,
                    explain(std::slice::from_ref(&r))
                );
            } else {
                assert!(
                    !r.full_marks() && r.earned < r.points as f64,
                    "{} {label} engine already passes",
                    ex.id
                );
                assert!(
                    r.notices.iter().any(|n| n.starts_with("hint: ")),
                    "{}: the failing skeleton shows no hint",
                    ex.id
                );
            }
        }
    }
}

fn grader(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_grader")).args(args).current_dir(cwd).output().expect("grader runs")
}

/// `grader init` a workspace for the course, pointing engine exercises at `engine`.
fn init_workspace(engine: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let out = grader(&["init", course_dir().to_str().unwrap(), ws.to_str().unwrap()], tmp.path());
    assert!(out.status.success(), "grader init failed: {}", String::from_utf8_lossy(&out.stderr));
    let manifest = ws.join("tern-course.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}engine: {engine}\n")).unwrap();
    (tmp, ws)
}

/// Copies each reference solution where a student would put theirs.
fn fill_with_solutions(ws: &Path, course: &Course) {
    for ex in level_exercises(course) {
        let dir = ws.join(LEVEL).join(&ex.id);
        match ex.kind() {
            ExerciseKind::Program | ExerciseKind::Engine => {
                for (name, bytes) in solution(&ex).map(|s| &s.files).into_iter().flatten() {
                    std::fs::write(dir.join(name), bytes).unwrap();
                }
            }
            ExerciseKind::Quiz => {
                let answers = ex.dir().join(format!("{}.answers.yaml", ex.id));
                std::fs::copy(&answers, dir.join("answers.yaml"))
                    .unwrap_or_else(|e| panic!("{}: {e}", answers.display()));
            }
        }
    }
}

/// What a student sees on day one: every exercise with something to do is below
/// full marks, and says what to do next.
#[test]
fn fresh_workspace_starters_fail_with_a_hint() {
    require_tern();
    let (_tmp, ws) = init_workspace("reference:interp");
    let w = Workspace::open(&ws).expect("workspace opens");
    let engine = Engine::resolve("reference:interp", Path::new(".")).unwrap();
    let results = grade::grade_all(&w.jobs(&[]), Some(&engine), &options(false));
    let mut starters = 0;
    for r in &results {
        let ex = w.course.levels[0]
            .exercises
            .iter()
            .find(|e| e.id == r.id)
            .expect("graded exercise is in the level");
        let has_starter = !matches!(ex.body, ExerciseBody::Engine(_));
        if !has_starter {
            continue;
        }
        starters += 1;
        assert!(
            !r.full_marks(),
            "{}: the starter already gets full marks:\n{}",
            r.id,
            explain(std::slice::from_ref(r))
        );
        assert!(
            r.notices.iter().any(|n| n.starts_with("hint: ")),
            "{}: no hint for the student:\n{}",
            r.id,
            explain(std::slice::from_ref(r))
        );
    }
    assert!(starters >= 10, "only {starters} exercises have starters");
}

/// The student copy of the course (`grader publish`): no solution or answer
/// key, its exercises moved inside it, and a workspace made from it grades the
/// reference solutions at full marks without anything that was left out.
#[test]
fn published_course_has_no_solutions_and_grades_a_workspace() {
    require_tern();
    let tmp = tempfile::tempdir().unwrap();
    let published = tmp.path().join("published");
    let out = grader(&["publish", course_dir().to_str().unwrap(), published.to_str().unwrap()], tmp.path());
    assert!(out.status.success(), "grader publish failed: {}", String::from_utf8_lossy(&out.stderr));
    let full = Course::load(&course_dir()).unwrap();
    // (A solution file some starter has too, byte for byte, such as an engine.yaml, is no secret.)
    let exercises = level_exercises(&full);
    let given: Vec<&Vec<u8>> = exercises.iter().flat_map(given).flat_map(|p| p.files.values()).collect();
    let secrets: Vec<&Vec<u8>> = exercises
        .iter()
        .flat_map(|e| solution(e).into_iter().flat_map(|s| s.files.values()))
        .filter(|b| b.len() > 40 && !given.contains(b))
        .collect();
    assert!(secrets.len() >= 4, "the course has solutions to look for");
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out)
            } else {
                out.push(p)
            }
        }
    }
    let mut all = Vec::new();
    files(&published, &mut all);
    for p in &all {
        let name = p.display().to_string();
        assert!(!name.ends_with(".answers.yaml") && !name.contains("solution"), "{name}");
        let bytes = std::fs::read(p).unwrap();
        assert!(
            !secrets.iter().any(|s| bytes.windows(s.len()).any(|w| w == &s[..])),
            "{name} holds a solution"
        );
    }
    let copy = Course::load(&published).expect("the published copy loads");
    assert!(copy.published);
    assert_eq!(level_exercises(&copy).len(), level_exercises(&full).len());
    assert!(level_exercises(&copy)
        .iter()
        .all(|e| solution(e).is_none_or(|s| s.files.is_empty()) && e.path.starts_with(&published)));

    let ws = tmp.path().join("ws");
    let out = grader(&["init", published.to_str().unwrap(), ws.to_str().unwrap()], tmp.path());
    assert!(out.status.success(), "grader init failed: {}", String::from_utf8_lossy(&out.stderr));
    // The student's engine: their own copy of the interpreter (a `reference:` engine is not a student's).
    let engine_dir = ws.join("my-engine");
    std::fs::create_dir(&engine_dir).unwrap();
    let tern = tern_bin().canonicalize().expect("tern is built");
    std::fs::hard_link(&tern, engine_dir.join("tern"))
        .or_else(|_| std::fs::copy(&tern, engine_dir.join("tern")).map(|_| ()))
        .unwrap();
    std::fs::write(
        engine_dir.join("engine.yaml"),
        "protocol: 1\nname: my-interp\nkind: interp\nrun: [./tern, run, \"{file}\"]\n",
    )
    .unwrap();
    let manifest = ws.join("tern-course.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}engine: my-engine/engine.yaml\n")).unwrap();
    fill_with_solutions(&ws, &full);
    let w = Workspace::open(&ws).expect("workspace opens");
    let engine = Engine::load(&engine_dir.join("engine.yaml")).unwrap();
    let results = grade::grade_all(&w.jobs(&[]), Some(&engine), &options(false));
    let failed: Vec<ExerciseResult> = results.into_iter().filter(|r| r.status.is_failure()).collect();
    assert!(failed.is_empty(), "{}", explain(&failed));
}

/// The `grader run` line of ci/github/student.yml, byte for byte.
fn student_template_command() -> String {
    let yml =
        std::fs::read_to_string(repo().join("ci/github/student.yml")).expect("ci/github/student.yml exists");
    let lines: Vec<&str> = yml.lines().map(str::trim).filter(|l| l.contains("grader run ")).collect();
    assert_eq!(lines.len(), 1, "student.yml should run `grader run` exactly once: {lines:?}");
    lines[0].to_string()
}

#[test]
fn student_template_command_grades_reference_solutions_at_full_marks() {
    require_tern();
    let course = Course::load(&course_dir()).expect("course loads");
    // `reference:*` is never graded as a student's engine, so the student here
    // ships their own copy of the interpreter (what code review, not the grader, catches).
    let (_tmp, ws) = init_workspace("my-engine/engine.yaml");
    let engine_dir = ws.join("my-engine");
    std::fs::create_dir(&engine_dir).unwrap();
    let tern = tern_grader::manifest::tern_bin().canonicalize().expect("tern is built");
    std::fs::hard_link(&tern, engine_dir.join("tern"))
        .or_else(|_| std::fs::copy(&tern, engine_dir.join("tern")).map(|_| ()))
        .unwrap();
    std::fs::write(
        engine_dir.join("engine.yaml"),
        "protocol: 1\nname: my-interp\nkind: interp\nrun: [./tern, run, \"{file}\"]\n",
    )
    .unwrap();
    fill_with_solutions(&ws, &course);
    let command = student_template_command();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_grader")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash")
        .args(["-c", &command])
        .current_dir(&ws)
        .env("PATH", path)
        // The template measures perf in CI; timing is not for cargo test.
        .env("GRADER_PERF", "off")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("bash runs");
    let junit_path = ws.join("grader-junit.xml");
    let junit = std::fs::read_to_string(&junit_path).unwrap_or_default();
    assert!(
        out.status.success(),
        "`{command}` failed ({}):\n{}\n{junit}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = roxmltree::Document::parse(&junit).expect("the report is JUnit XML");
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert!(cases.len() > 50, "only {} checks in the JUnit report", cases.len());
    let failed: Vec<String> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure") || n.has_tag_name("error")))
        .map(|c| format!("{} {}", c.attribute("classname").unwrap_or(""), c.attribute("name").unwrap_or("")))
        .collect();
    assert!(failed.is_empty(), "checks failed on reference solutions: {failed:?}");
    let suites: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    for ex in level_exercises(&course) {
        assert!(
            suites.contains(&format!("{LEVEL}/{}", ex.id).as_str()),
            "{} is missing from the report",
            ex.id
        );
    }
    // `grader status` (what the template prints for humans) sees the level's XP earned.
    let status = grader(&["status"], &ws);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("200/200 XP"), "grader status:\n{text}");
}

/// ci/README.md "Course authors: add a level": copy the course, add a level with one
/// program exercise, list it in course.yaml, validate it. A broken stub must not validate.
#[test]
fn new_level_walkthrough_validates() {
    require_tern();
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("courses/runtimes");
    copy_dir(&course_dir(), &copy);
    copy_dir(&repo().join("exercises/runtimes"), &tmp.path().join("exercises/runtimes"));
    let level = copy.join("02-stub");
    std::fs::create_dir_all(&level).unwrap();
    std::fs::write(level.join("level.yaml"), "title: A stub level\nxp: 50\nprerequisites: [01-compiled-interpreted-jit]\nexercises:\n  - path: countdown.yaml\n    points: 10\n").unwrap();
    let exercise = "kind: program\ntitle: Count down\ndescription: Print 3, 2, 1 on separate lines.\nhint: Use a `for` loop and print `3 - i`.\nstarter:\n  main.tern: \"// TODO\\n\"\nsolution:\n  main.tern: \"for i in 0..3 { print(3 - i); }\\n\"\nengines: [interp, jit, aot]\nexpect:\n  all:\n    stdout: \"3\\n2\\n1\\n\"\n    exit: 0\n";
    std::fs::write(level.join("countdown.yaml"), exercise).unwrap();
    let course_yaml = copy.join("course.yaml");
    let text = std::fs::read_to_string(&course_yaml).unwrap();
    std::fs::write(&course_yaml, format!("{}  - 02-stub\n", text.trim_end().to_string() + "\n")).unwrap();

    let out = grader(&["validate", level.to_str().unwrap()], tmp.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "validate failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 exercises checked, 0 problems"), "{stdout}");
    let loaded = Course::load(&copy).expect("the extended course loads");
    assert_eq!(loaded.levels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), [LEVEL, "02-stub"]);

    // A starter that already passes is a problem validate must report.
    std::fs::write(
        level.join("countdown.yaml"),
        exercise.replace("\"// TODO\\n\"", "\"for i in 0..3 { print(3 - i); }\\n\""),
    )
    .unwrap();
    let out = grader(&["validate", level.to_str().unwrap()], tmp.path());
    assert!(!out.status.success(), "validate accepted a starter that already passes");
    assert!(String::from_utf8_lossy(&out.stdout).contains("starter already passes"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Timed: the perf thresholds of steady-state and startup on their reference
/// solutions (interleaved runs, ratios measured in the same run).
#[test]
#[ignore = "timed: run with `cargo test -p tern-grader --test course_runtimes -- --ignored`"]
fn perf_exercises_meet_their_thresholds() {
    require_tern();
    let course = Course::load(&course_dir()).expect("course loads");
    let refs = course.references();
    let mut bad = Vec::new();
    for ex in level_exercises(&course).into_iter().filter(|e| !e.perf().is_empty()) {
        let job = Job {
            exercise: ex.clone(),
            level: Some(LEVEL.into()),
            refs: refs.clone(),
            source: Source::Solution,
        };
        let mut r = grade::grade_functional(&job, None, &options(true));
        grade::grade_perf(&job, None, &options(true), &mut r);
        let r = r.finish();
        if r.status != Status::Pass {
            bad.push(r);
        }
    }
    assert!(bad.is_empty(), "{}", explain(&bad));
}

/// A CI template as YAML (the same parser the grader uses for course files).
fn template(name: &str) -> serde_yaml::Value {
    let path = repo().join("ci/github").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn jobs(workflow: &serde_yaml::Value) -> Vec<(String, &serde_yaml::Value)> {
    let jobs = workflow.get("jobs").and_then(|j| j.as_mapping()).expect("a workflow has jobs");
    jobs.iter().map(|(k, v)| (k.as_str().unwrap_or("?").to_string(), v)).collect()
}

fn steps(job: &serde_yaml::Value) -> Vec<&serde_yaml::Value> {
    job.get("steps").and_then(|s| s.as_sequence()).map(|s| s.iter().collect()).unwrap_or_default()
}

fn uses(step: &serde_yaml::Value) -> &str {
    step.get("uses").and_then(|u| u.as_str()).unwrap_or("")
}

fn with<'a>(step: &'a serde_yaml::Value, key: &str) -> Option<&'a serde_yaml::Value> {
    step.get("with").and_then(|w| w.get(key))
}

/// The commands of a `run:` script, comment lines left out.
fn run_lines(step: &serde_yaml::Value) -> Vec<&str> {
    let script = step.get("run").and_then(|r| r.as_str()).unwrap_or("");
    script.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

fn is_false(v: Option<&serde_yaml::Value>) -> bool {
    matches!(v, Some(serde_yaml::Value::Bool(false))) || v.and_then(|v| v.as_str()) == Some("false")
}

/// Every `actions/checkout` step leaves no credentials behind for later steps.
fn checkout_problems(workflow: &serde_yaml::Value) -> Vec<String> {
    let mut bad = Vec::new();
    for (name, job) in jobs(workflow) {
        for step in steps(job) {
            if uses(step).starts_with("actions/checkout@") && !is_false(with(step, "persist-credentials")) {
                bad.push(format!("job `{name}`: a checkout without `persist-credentials: false`"));
            }
        }
    }
    bad
}

/// The trust properties of ci/github/instructor.yml that can be read off the file.
fn instructor_problems(workflow: &serde_yaml::Value) -> Vec<String> {
    let mut bad = checkout_problems(workflow);
    let top = workflow.get("permissions");
    if top.and_then(|p| p.get("contents")).and_then(|c| c.as_str()) != Some("read") {
        bad.push("no top-level `permissions: contents: read`".into());
    }
    if top.and_then(|p| p.as_mapping()).is_some_and(|m| m.values().any(|v| v.as_str() == Some("write"))) {
        bad.push("the top-level permissions grant a write".into());
    }
    let build = regex::Regex::new(r"(^|[\s;&|(])(make|cargo\s+build)(\s|;|\)|$)").unwrap();
    let (mut grading, mut builds) = (0, 0);
    for (name, job) in jobs(workflow) {
        let text = serde_yaml::to_string(job).unwrap();
        let downloads_tools = steps(job).iter().any(|s| {
            uses(s).starts_with("actions/download-artifact@")
                && with(s, "name").and_then(|n| n.as_str()) == Some("tools")
        });
        for step in steps(job) {
            for line in run_lines(step) {
                if line.contains("grader run") {
                    grading += 1;
                    if !line.contains("--course") {
                        bad.push(format!("job `{name}`: `{line}` does not grade with --course"));
                    }
                }
                if line.contains("tern-course.yaml") && line.contains("sed ") {
                    bad.push(format!("job `{name}`: rewrites tern-course.yaml: `{line}`"));
                }
                if build.is_match(line) {
                    builds += 1;
                    if text.contains("secrets.") {
                        bad.push(format!(
                            "job `{name}` runs a student build (`{line}`) and references a secret"
                        ));
                    }
                    if downloads_tools {
                        bad.push(format!(
                            "job `{name}` runs a student build (`{line}`) and downloads the tools"
                        ));
                    }
                }
            }
        }
    }
    if grading == 0 {
        bad.push("no step runs `grader run`".into());
    }
    if builds == 0 {
        bad.push("no step builds the student's engine (cargo build / make)".into());
    }
    bad
}

#[test]
fn instructor_template_keeps_student_code_away_from_secrets_and_tools() {
    let problems = instructor_problems(&template("instructor.yml"));
    assert!(problems.is_empty(), "ci/github/instructor.yml:\n{}", problems.join("\n"));
    let problems = checkout_problems(&template("student.yml"));
    assert!(problems.is_empty(), "ci/github/student.yml:\n{}", problems.join("\n"));
}

/// The checks above catch the shape the instructor template used to have.
#[test]
fn instructor_template_check_flags_a_shared_build_job() {
    let old = r#"
on: workflow_dispatch
jobs:
  grade:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          repository: alice/ws
          token: ${{ secrets.STUDENT_REPOS_TOKEN }}
      - uses: actions/download-artifact@v4
        with:
          name: tools
      - run: |
          if [ -f Cargo.toml ]; then cargo build --release; fi
          if [ -f Makefile ]; then make; fi
      - run: |
          sed -i "s|^course:.*|course: x|" tern-course.yaml
          grader run --format json > ../report.json
"#;
    let problems = instructor_problems(&serde_yaml::from_str(old).unwrap());
    for expected in [
        "persist-credentials",
        "contents: read",
        "does not grade with --course",
        "rewrites tern-course.yaml",
        "references a secret",
        "downloads the tools",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "missing `{expected}` in:\n{}",
            problems.join("\n")
        );
    }
}
