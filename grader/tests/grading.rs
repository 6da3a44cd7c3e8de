//! End-to-end grading against fake engines (tests/fixtures/engines): no test
//! here needs the reference `tern` engines.
use std::path::{Path, PathBuf};
use std::process::Command;
use tern_grader::collect;
use tern_grader::grade::{self, GradeOptions, Source};
use tern_grader::manifest::Engine;
use tern_grader::result::{CheckResult, ExerciseResult, Status};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn engine(name: &str) -> Engine {
    Engine::load(&fixtures().join("engines").join(name)).unwrap()
}

fn opts() -> GradeOptions {
    GradeOptions { perf: false, ..GradeOptions::default() }
}

fn grade(paths: &[PathBuf], engine: Option<&Engine>, opts: &GradeOptions) -> Vec<ExerciseResult> {
    let (jobs, _) = collect::jobs_for_paths(paths, &Source::Solution).unwrap();
    grade::grade_all(&jobs, engine, opts)
}

fn ex<'a>(rs: &'a [ExerciseResult], id: &str) -> &'a ExerciseResult {
    rs.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no result for {id}"))
}

fn check<'a>(r: &'a ExerciseResult, name: &str) -> &'a CheckResult {
    r.checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no check {name} in {:#?}", r.checks))
}

fn grader(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(!e.contains("panicked"), "grader panicked: {e}");
    (out.status.code().unwrap_or(-1), o, e)
}

#[test]
fn every_check_kind_passes_on_a_conforming_engine() {
    let rs = grade(&[fixtures().join("course/01-basics")], Some(&engine("interp.yaml")), &opts());
    for r in &rs {
        assert_eq!(r.status, Status::Pass, "{r:#?}");
        assert_eq!(r.earned, r.points as f64);
    }
    let div = ex(&rs, "div");
    for name in ["interp: exit", "interp: error", "interp: stdout_before_error"] {
        assert_eq!(check(div, name).status, Status::Pass);
    }
    assert_eq!(check(ex(&rs, "hello"), "interp: stdout").status, Status::Pass);
    // Snapshot-backed stdout, exit and error.
    let snap = ex(&rs, "snap");
    assert_eq!(snap.checks.len(), 3);
    assert_eq!(ex(&rs, "div").points, 20, "points come from level.yaml");
}

#[test]
fn every_check_kind_fails_on_a_silent_engine_with_explanations() {
    let rs = grade(&[fixtures().join("course/01-basics")], Some(&engine("silent.yaml")), &opts());
    let hello = ex(&rs, "hello");
    let c = check(hello, "interp: stdout");
    assert_eq!(c.status, Status::Fail);
    assert_eq!(c.message, "the engine printed nothing");
    assert_eq!(c.detail.as_deref(), Some("-hello\n"));
    assert_eq!(check(hello, "interp: exit").status, Status::Pass);
    assert_eq!(hello.earned, 5.0, "partial credit: one of two checks");
    let div = ex(&rs, "div");
    assert!(check(div, "interp: exit")
        .message
        .contains("expected exit 70 (failed while running), got exit 0"));
    assert!(check(div, "interp: error").message.contains("no diagnostic header"));
    assert_eq!(check(div, "interp: stdout_before_error").status, Status::Fail);
    assert_eq!(div.earned, 0.0);
    let snap = ex(&rs, "snap");
    assert!(check(snap, "interp: stdout").message.contains("from the snapshot"));
    assert_eq!(check(snap, "interp: exit").status, Status::Fail);
}

#[test]
fn phases_differ_per_engine_kind() {
    let p = [fixtures().join("course/01-basics/phases.yaml")];
    for (manifest, prefix) in [("jit.yaml", "jit"), ("aot.yaml", "aot[x86_64]")] {
        let rs = grade(&p, Some(&engine(manifest)), &opts());
        assert_eq!(rs[0].status, Status::Pass, "{:#?}", rs[0]);
        assert!(check(&rs[0], &format!("{prefix}: error")).message.contains(if prefix == "jit" {
            "runtime type"
        } else {
            "build type"
        }));
    }
}

#[test]
fn missing_qemu_is_a_visible_skip_not_a_failure() {
    let mut o = opts();
    let empty = tempfile::tempdir().unwrap();
    o.run.tool_path = Some(empty.path().display().to_string());
    let rs = grade(&[fixtures().join("course/01-basics/hello.yaml")], Some(&engine("aot-cross.yaml")), &o);
    let r = &rs[0];
    assert_eq!(check(r, "aot[x86_64]: stdout").status, Status::Pass);
    let c = check(r, "aot[aarch64]: stdout");
    assert_eq!(c.status, Status::Skipped);
    assert_eq!(c.message, "skipped: qemu-aarch64 not installed (apt-get install qemu-user)");
    assert_eq!(r.status, Status::Pass, "skips neither earn nor cost");
    assert_eq!(r.earned, 10.0);
}

#[test]
fn timeout_crash_and_flood_get_their_own_status() {
    let bad = fixtures().join("bad");
    let rs = grade(
        &[bad.join("timeout.yaml"), bad.join("crash.yaml"), bad.join("flood.yaml")],
        Some(&engine("interp.yaml")),
        &opts(),
    );
    let t = check(ex(&rs, "timeout"), "interp: stdout");
    assert_eq!(t.status, Status::Timeout);
    assert!(t.message.contains("timed out"));
    let c = check(ex(&rs, "crash"), "interp: exit");
    assert_eq!(c.status, Status::Crash);
    assert!(c.message.contains("SIGSEGV"), "{}", c.message);
    let f = check(ex(&rs, "flood"), "interp: stdout");
    assert_eq!(f.status, Status::OutputCap);
    assert!(f.message.contains("output cap"));
    for id in ["timeout", "crash", "flood"] {
        assert_eq!(ex(&rs, id).earned, 0.0);
    }
}

#[test]
fn missing_binary_and_unbuilt_engine_are_errors() {
    let p = [fixtures().join("course/01-basics/hello.yaml")];
    let rs = grade(&p, Some(&engine("missing-binary.yaml")), &opts());
    let c = check(&rs[0], "interp: stdout");
    assert_eq!(c.status, Status::Error);
    assert!(c.message.contains("`no-such-engine-binary-anywhere` not found"), "{}", c.message);
    let rs = grade(&p, Some(&engine("exit2.yaml")), &opts());
    let c = check(&rs[0], "jit: stdout");
    assert_eq!(c.status, Status::Error);
    assert!(
        c.message.contains("exited 2") && c.message.contains("not available in this build"),
        "{}",
        c.message
    );
}

#[test]
fn malformed_manifest_and_exercise_name_file_line_and_column() {
    let f = fixtures();
    let (code, _, err) =
        grader(&["run", "course/01-basics/hello.yaml", "--engine", "engines/malformed.yaml"], &f);
    assert_eq!(code, 2);
    assert!(err.contains("engines/malformed.yaml:4:1: error: unknown field `command`"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    let (code, _, err) = grader(&["run", "bad/malformed.yaml", "--engine", "engines/interp.yaml"], &f);
    assert_eq!(code, 2);
    assert!(err.contains("bad/malformed.yaml:8:5: error: expect.all: unknown field `exitcode`"), "{err}");
    let (code, _, err) = grader(&["run", "nowhere.yaml"], &f);
    assert_eq!(code, 2);
    assert!(err.contains("nowhere.yaml does not exist"), "{err}");
}

#[test]
fn junit_output_parses_back() {
    let (code, out, _) = grader(
        &["run", "course/01-basics", "--engine", "engines/silent.yaml", "--format", "junit"],
        &fixtures(),
    );
    assert_eq!(code, 1);
    let doc = roxmltree::Document::parse(&out).expect("valid XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 4);
    let hello = suites.iter().find(|s| s.attribute("name") == Some("01-basics/hello")).unwrap();
    let cases: Vec<_> = hello.children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 2);
    let stdout = cases.iter().find(|c| c.attribute("name") == Some("interp: stdout")).unwrap();
    let failure = stdout.children().find(|n| n.has_tag_name("failure")).expect("failure element");
    assert_eq!(failure.attribute("message"), Some("the engine printed nothing"));
    let exit = cases.iter().find(|c| c.attribute("name") == Some("interp: exit")).unwrap();
    assert!(exit.children().all(|n| !n.has_tag_name("failure")));
    assert_eq!(hello.attribute("failures"), Some("1"));
}

#[test]
fn json_output_and_github_annotations() {
    let (code, out, _) = grader(
        &["run", "course/01-basics/hello.yaml", "--engine", "engines/silent.yaml", "--format", "json"],
        &fixtures(),
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["points"]["earned"], 5.0);
    assert_eq!(v["exercises"][0]["checks"][0]["status"], "fail");
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["run", "course/01-basics/hello.yaml", "--engine", "engines/silent.yaml"])
        .current_dir(fixtures())
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("::error "),
        "annotations stay off stdout (it may be a JUnit file)"
    );
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().find(|l| l.starts_with("::error ")).expect("annotation");
    assert!(line.contains("hello.yaml,line=8,"), "{line}");
    assert!(line.contains("::interp: stdout [fail] the engine printed nothing"), "{line}");
}

#[test]
fn python_engine_gets_its_exact_partial_score() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../exercises/examples/py-engine");
    let py = Engine::load(&dir.join("engine.yaml")).unwrap();
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(dir.join("exercises")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let rs = grade(&paths, Some(&py), &opts());
    let earned: f64 = rs.iter().map(|r| r.earned).sum();
    let total: u32 = rs.iter().map(|r| r.points).sum();
    assert_eq!((earned, total), (60.0, 80));
    let mut failing: Vec<&str> =
        rs.iter().filter(|r| r.status != Status::Pass).map(|r| r.id.as_str()).collect();
    failing.sort();
    assert_eq!(failing, ["functions", "structs"]);
    for id in ["functions", "structs"] {
        let r = ex(&rs, id);
        assert_eq!(check(r, "interp: stdout").status, Status::Fail);
        let exit = check(r, "interp: exit");
        assert!(exit.message.contains("got exit 65 (failed before running)"), "{}", exit.message);
    }
    // The CLI prints a readable report with the same score.
    let (code, out, _) = grader(&["run", "exercises", "--engine", "engine.yaml"], &dir);
    assert_eq!(code, 2, "a plain directory is not a course: {out}");
    let mut args = vec!["run".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(["--engine".into(), "engine.yaml".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, _) = grader(&args, &dir);
    assert_eq!(code, 1);
    assert!(out.contains("points: 60/80"), "{out}");
    assert!(out.contains("FAIL       structs (engine) — 0/10 points"), "{out}");
}

#[test]
fn engine_check_explains_conformance() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../exercises/examples/py-engine");
    let (code, out, _) = grader(&["engine-check", "engine.yaml"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("speaks protocol 1"));
    let (code, out, _) = grader(&["engine-check", "engines/silent.yaml"], &fixtures());
    assert_eq!(code, 1);
    assert!(out.contains("rule: a syntax error exits 65"), "{out}");
    assert!(out.contains("does not follow the protocol"), "{out}");
}

#[test]
fn quiz_answers_are_checked_against_observations() {
    let rs = grade(&[fixtures().join("course/02-programs/quiz.yaml")], None, &opts());
    let r = &rs[0];
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert_eq!(r.checks.len(), 5);
}

#[test]
fn workspace_init_run_and_status() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let course = fixtures().join("course");
    let (code, out, err) = grader(&["init", course.to_str().unwrap(), ws.to_str().unwrap()], tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    // Starters only: the hidden solution never reaches the student.
    let starter = std::fs::read_to_string(ws.join("02-programs/sum/main.tern")).unwrap();
    assert!(starter.contains("Print the sum"));
    let all: Vec<String> = walk(&ws);
    assert!(all.iter().all(|p| !p.contains("solution")), "{all:?}");
    assert!(all.iter().all(|p| !std::fs::read_to_string(p).unwrap_or_default().contains("@all print 55")));
    assert!(std::fs::read_to_string(ws.join("02-programs/quiz/answers.yaml"))
        .unwrap()
        .contains("phase-aot: ~"));

    // Untouched workspace: the program and quiz fail, the engine exercises need an engine.
    let (code, out, _) = grader(&["run", "--perf=off", "02-programs"], &ws);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL       02-programs/sum"), "{out}");

    // The student solves the program and answers the quiz (one answer wrong).
    std::fs::write(ws.join("02-programs/sum/main.tern"), "// @all print 55\nprint(55);\n").unwrap();
    std::fs::write(
        ws.join("02-programs/quiz/answers.yaml"),
        "phase-interp: runtime\nphase-aot: Runtime\nexit-aot: 65\ntier-up: 1000\nobject-machine: aarch64\n",
    )
    .unwrap();
    std::fs::write(
        ws.join("tern-course.yaml"),
        format!(
            "course: {}\nengine: {}\n",
            course.display(),
            fixtures().join("engines/interp.yaml").display()
        ),
    )
    .unwrap();
    let (code, out, _) = grader(&["run"], &ws);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("PASS       02-programs/sum"), "{out}");
    assert!(
        out.contains("FAIL       question phase-aot: your answer `Runtime` is not what reference:aot does"),
        "{out}"
    );
    assert!(out.contains("level 01-basics"), "{out}");

    std::fs::write(
        ws.join("02-programs/quiz/answers.yaml"),
        "phase-interp: runtime\nphase-aot: build\nexit-aot: 65\ntier-up: 1000\nobject-machine: aarch64\n",
    )
    .unwrap();
    let (code, out, _) = grader(&["run", "quiz"], &ws.join("02-programs"));
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = grader(&["status"], &ws.join("01-basics"));
    assert_eq!(code, 0);
    assert!(out.contains("XP: 150/150"), "{out}");
    assert!(
        out.contains(
            "level 02-programs — Programs and questions: 2/2 exercises, 30.00/30 points, 100/100 XP"
        ),
        "{out}"
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p.display().to_string())
        }
    }
    out
}

/// Only the direction of a ratio is asserted, with a margin wide enough for a
/// loaded 2-core machine: the slow side burns 300 ms of CPU, the fast side
/// only starts Python, and the threshold is 1.1x.
#[test]
fn perf_ratios_point_the_right_way() {
    let jit = engine("jit.yaml");
    let mut o = opts();
    o.perf = true;
    let rs = grade(&[fixtures().join("perf")], Some(&jit), &o);
    let wins = check(ex(&rs, "jit-wins"), "perf: jit at least 1.1x faster than interp");
    assert_eq!(wins.status, Status::Pass, "{wins:#?}");
    let detail = wins.detail.as_deref().unwrap();
    assert!(detail.contains("median") && detail.contains("ratio interp/jit"), "{detail}");
    let loses = check(ex(&rs, "jit-loses"), "perf: jit at least 1.1x faster than interp");
    assert_eq!(loses.status, Status::Fail, "{loses:#?}");
    // Same engine on both sides: well within 2x.
    let within = check(ex(&rs, "jit-loses"), "perf: within 3x of reference");
    assert_eq!(within.status, Status::Pass, "{within:#?}");

    let rs = grade(&[fixtures().join("perf")], Some(&jit), &opts());
    let off = &ex(&rs, "jit-wins");
    assert!(off.checks.iter().any(|c| c.status == Status::Skipped && c.message.contains("--perf=off")));
    assert!(off.notices.iter().any(|n| n.contains("--perf=off")));
}

/// Ratio rules measure CPU time unless a rule says `measure: wall`: an
/// interpreter that sleeps is slow by the clock, not by the CPU it uses.
#[test]
fn perf_measures_cpu_time_by_default() {
    let mut o = opts();
    o.perf = true;
    let rs = grade(&[fixtures().join("perf/fast/sleeper.yaml")], Some(&engine("jit.yaml")), &o);
    let r = ex(&rs, "sleeper");
    let (cpu, wall) = (&r.checks[r.checks.len() - 2], &r.checks[r.checks.len() - 1]);
    assert_eq!(cpu.status, Status::Fail, "{cpu:#?}");
    assert!(cpu.detail.as_deref().unwrap().contains("(cpu time,"), "{cpu:#?}");
    assert_eq!(wall.status, Status::Pass, "{wall:#?}");
    assert!(wall.detail.as_deref().unwrap().contains("(wall time,"), "{wall:#?}");
}

/// A rule that misses its threshold is measured again before it fails. The
/// fake JIT burns CPU on cue (a counter file counts its runs): cheap for the
/// functional run, slow for two of the three runs of round 1 (so round 1
/// misses, narrowly), then fast. Round 2 pools six pairs and passes.
#[test]
fn a_perf_rule_that_misses_is_measured_again_before_it_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let counter = tmp.path().join("runs");
    let src = format!(
        "kind: engine\ntitle: noisy\nfiles:\n  main.tern: \"// @jit burn-seq {} 10,140,140,10\\n// @interp burn 150\\n// @all print done\\n\"\n\
         expect: {{all: {{stdout: \"done\\n\"}}}}\nperf:\n  - faster: jit\n    than: interp\n    by_at_least: 1.5\n    runs: 3\n",
        counter.display());
    let path = tmp.path().join("noisy.yaml");
    std::fs::write(&path, &src).unwrap();
    let exercise = tern_grader::exercise::Exercise::load(&path).unwrap();
    let refs = tern_grader::course::Course::load(&fixtures().join("perf")).unwrap().references();
    let job = grade::Job { exercise, level: None, refs, source: Source::Solution };
    let mut o = opts();
    o.perf = true;
    // The counter lives outside the run dir, across runs: exactly what the
    // sandbox forbids, so this test of the perf logic runs without it.
    o.run.sandbox = tern_grader::runner::sandbox::Policy::Off;
    let r = grade::grade_all(&[job], Some(&engine("jit.yaml")), &o).remove(0);
    let rule = check(&r, "perf: jit at least 1.5x faster than interp");
    assert_eq!(rule.status, Status::Pass, "{rule:#?}");
    assert!(rule.message.contains("2 rounds, 6 runs each"), "{rule:#?}");
    let detail = rule.detail.as_deref().unwrap();
    assert!(
        detail.contains("round 1 (3 runs each):") && detail.contains(" miss; round 2 (6 runs each):"),
        "{detail}"
    );
    // Every sample is shown, round by round.
    let jit_line =
        detail.lines().find(|l| l.trim_start().starts_with("fake-jit") && l.contains('|')).unwrap();
    assert_eq!(jit_line.split_whitespace().filter(|w| *w != "|").count(), 1 + 6, "{detail}");
    // One functional run and six timed ones: nothing more was run.
    assert_eq!(std::fs::read_to_string(&counter).unwrap(), "7");
}

/// Perf rules run only on a program that passed its functional checks: a
/// starter that exits 70 is not timed (its rule is skipped, saying why).
#[test]
fn perf_is_not_measured_on_a_program_that_fails_its_checks() {
    let mut o = opts();
    o.perf = true;
    let gated = fixtures().join("perf/fast/gated.yaml");
    let (jobs, _) = collect::jobs_for_paths(std::slice::from_ref(&gated), &Source::Starter).unwrap();
    let r = grade::grade_all(&jobs, None, &o).remove(0);
    let rule = check(&r, "perf: jit at least 1.1x faster than interp");
    assert_eq!(rule.status, Status::Skipped, "{rule:#?}");
    assert!(
        rule.message.contains("functional checks failed: perf is not measured on a wrong program"),
        "{rule:#?}"
    );
    assert!(rule.detail.is_none(), "nothing was measured: {rule:#?}");
    // The solution is timed, and passes.
    let rs = grade(&[gated], None, &o);
    assert_eq!(
        check(&rs[0], "perf: jit at least 1.1x faster than interp").status,
        Status::Pass,
        "{:#?}",
        rs[0]
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest)
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn snapshots_bless_review_and_diff() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), tmp.path());
    let snaps = tmp.path().join("course/01-basics/snapshots");
    std::fs::remove_dir_all(&snaps).unwrap();
    let (code, out, _) = grader(&["validate", "course"], tmp.path());
    assert_eq!(code, 1);
    assert!(out.contains("snapshot for `interp` is missing"), "{out}");
    let (code, out, _) = grader(&["bless", "course"], tmp.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("wrote     course/01-basics/snapshots/snap__interp.snap"), "{out}");
    let (_, out, _) = grader(&["bless", "course/01-basics/snap.yaml"], tmp.path());
    assert!(out.contains("unchanged"), "{out}");

    let snap = snaps.join("snap__interp.snap");
    let text = std::fs::read_to_string(&snap).unwrap();
    assert!(text.starts_with("---\nsource: snap.yaml\nexpression: fake-interp\n"), "{text}");
    std::fs::write(&snap, text.replace("two", "three")).unwrap();
    let (code, out, _) =
        grader(&["run", "course/01-basics/snap.yaml", "--engine", "engines/interp.yaml"], tmp.path());
    assert_eq!(code, 1);
    assert!(out.contains("output differs (- expected, + got) from the snapshot"), "{out}");
    assert!(out.contains("| -three") && out.contains("| +two"), "{out}");
    let (code, _, _) = grader(&["bless", "--review", "course/01-basics/snap.yaml"], tmp.path());
    assert_eq!(code, 0);
    assert!(snaps.join("snap__interp.snap.new").is_file());
}

#[test]
fn validate_flags_a_starter_that_already_passes() {
    let (code, out, _) = grader(&["validate", "course"], &fixtures());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("6 exercises checked, 0 problems"), "{out}");
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), tmp.path());
    let sum = tmp.path().join("course/02-programs/sum.yaml");
    let text = std::fs::read_to_string(&sum).unwrap();
    std::fs::write(&sum, text.replace("// Print the sum of 1..10 here.", "// @all print 55")).unwrap();
    let (code, out, _) = grader(&["validate", "course"], tmp.path());
    assert_eq!(code, 1);
    assert!(out.contains("the starter already passes every check"), "{out}");
}

/// A student's manifest may lower the timeout but never raise the instructor's
/// (`--timeout-ms`) or the exercise's (`timeout_ms`) limit.
#[test]
fn a_manifest_cannot_extend_the_instructors_timeout() {
    let greedy = engine("greedy-timeout.yaml");
    let started = std::time::Instant::now();
    let rs = grade(&[fixtures().join("bad/timeout.yaml")], Some(&greedy), &opts());
    assert_eq!(check(ex(&rs, "timeout"), "interp: stdout").status, Status::Timeout);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "the exercise's 500 ms won: {:?}",
        started.elapsed()
    );

    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("hang.yaml"),
        "kind: engine\ntitle: hangs\nfiles:\n  main.tern: \"// @all hang\\n\"\nexpect:\n  all: {exit: 0}\n",
    )
    .unwrap();
    let manifest = fixtures().join("engines/greedy-timeout.yaml");
    let started = std::time::Instant::now();
    let (code, out, _) = grader(
        &["run", "hang.yaml", "--engine", manifest.to_str().unwrap(), "--timeout-ms", "1000"],
        tmp.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("timed out"), "{out}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "--timeout-ms 1000 won: {:?}",
        started.elapsed()
    );
}

/// Two exercises with one id in a level would share a workspace directory and
/// a result; a level that requires itself could never be unlocked.
#[test]
fn duplicate_ids_and_prerequisite_cycles_are_load_errors() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), tmp.path());
    let course = tmp.path().join("course");
    for (sub, n) in [("a", 1), ("b", 2)] {
        let d = tmp.path().join("ex").join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("hello.yaml"), format!(
            "kind: program\ntitle: prints {n}\nstarter:\n  main.tern: \"// print {n}\\n\"\nsolution:\n  main.tern: \"// @all print {n}\\n\"\nexpect:\n  all: {{stdout: \"{n}\\n\"}}\n")).unwrap();
    }
    let level = course.join("02-programs/level.yaml");
    let original = std::fs::read_to_string(&level).unwrap();
    std::fs::write(
        &level,
        format!("{original}  - path: ../../ex/a/hello.yaml\n  - path: ../../ex/b/hello.yaml\n"),
    )
    .unwrap();
    for cmd in [&["validate", "course"][..], &["run", "course"], &["init", "course", "ws"]] {
        let (code, out, err) = grader(cmd, tmp.path());
        assert_eq!(code, 2, "{cmd:?}: {out}{err}");
        assert!(
            err.contains(
                "course/02-programs/level.yaml:10:5: error: exercise id `hello` is used twice in this level"
            ),
            "{cmd:?}: {err}"
        );
    }
    assert!(!tmp.path().join("ws").exists(), "no workspace is written for a broken course");

    std::fs::write(&level, original.replace("prerequisites: [01-basics]", "prerequisites: [02-programs]"))
        .unwrap();
    let (code, _, err) = grader(&["validate", "course"], tmp.path());
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "course/02-programs/level.yaml:3:1: error: level `02-programs` lists itself in its prerequisites"
        ),
        "{err}"
    );

    std::fs::write(&level, &original).unwrap();
    let basics = course.join("01-basics/level.yaml");
    let text = std::fs::read_to_string(&basics).unwrap();
    std::fs::write(&basics, text.replace("xp: 50\n", "xp: 50\nprerequisites: [02-programs]\n")).unwrap();
    let (code, _, err) = grader(&["validate", "course"], tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("course/01-basics/level.yaml:3:1: error: prerequisites form a cycle: 01-basics -> 02-programs -> 01-basics"), "{err}");
}

/// Points are bounded in the schema, so no total of them can overflow.
#[test]
fn huge_points_in_a_level_are_a_load_error() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), tmp.path());
    let level = tmp.path().join("course/02-programs/level.yaml");
    let text = std::fs::read_to_string(&level).unwrap();
    std::fs::write(&level, text.replace("points: 20", "points: 4294967295")).unwrap();
    let (code, _, err) = grader(&["validate", "course"], tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "course/02-programs/level.yaml:8:5: error: points: 4294967295 is more than the maximum of 10000"
        ),
        "{err}"
    );
    std::fs::write(&level, text.replace("xp: 100", "xp: 4294967295")).unwrap();
    let (code, _, err) = grader(&["validate", "course"], tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "course/02-programs/level.yaml:2:1: error: xp: 4294967295 is more than the maximum of 1000000"
        ),
        "{err}"
    );
}

/// What a hidden or after-due check must never show a student: its program and its expected output.
const SECRETS: [&str; 4] =
    ["hidden-output-7f3a", "HIDDEN-PROGRAM-MARKER", "after-due-output-91c", "AFTER-DUE-PROGRAM-MARKER"];

fn github_annotations(args: &[&str], cwd: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(cwd)
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn hidden_checks_show_status_and_points_in_every_format() {
    let f = fixtures();
    let run = ["run", "hidden", "--engine", "engines/silent.yaml"];
    let (code, human, _) = grader(&run, &f);
    assert_eq!(code, 1, "{human}");
    assert!(human.contains("FAIL       hidden check 2.1: 0/2.40 points; this check is hidden\n"), "{human}");
    assert!(
        human.contains("PASS       hidden check 2.2: 2.40/2.40 points; this check is hidden\n"),
        "{human}"
    );
    assert!(
        human.contains("FAIL       hidden check 3: 0/2.40 points"),
        "an after_due check is hidden before the due date: {human}"
    );
    assert!(
        human.contains("PASS       hidden check 1: 5/5 points"),
        "a hidden check on a program exercise: {human}"
    );
    assert!(human.contains("| -second-visible"), "a visible group keeps its diff: {human}");
    assert!(human.contains("01-hidden/echo (engine) — 2.40/12 points"), "hidden checks count: {human}");

    let json = grader(&[&run[..], &["--format", "json"]].concat(), &f).1;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let checks = v["exercises"][0]["checks"].as_array().unwrap();
    let hidden: Vec<_> =
        checks.iter().filter(|c| c["name"].as_str().unwrap().starts_with("hidden check")).collect();
    assert_eq!(hidden.len(), 3);
    assert_eq!(hidden[0]["visibility"], "hidden");
    assert_eq!(hidden[0]["group"], 2);
    assert_eq!(hidden[2]["visibility"], "after_due");
    assert!(hidden.iter().all(|c| c.get("detail").is_none() && c.get("line").is_none()), "{hidden:#?}");
    assert_eq!(checks[0]["visibility"], "visible");
    assert_eq!(v["points"]["earned"], 12.4);

    let junit = grader(&[&run[..], &["--format", "junit"]].concat(), &f).1;
    roxmltree::Document::parse(&junit).expect("valid XML");
    assert!(junit.contains("hidden check 2.1"), "{junit}");
    let annotations = github_annotations(&run, &f);
    assert!(
        annotations.contains("::hidden check 2.1 [fail] 0/2.40 points; this check is hidden"),
        "{annotations}"
    );
    for (format, text) in [("human", &human), ("json", &json), ("junit", &junit), ("github", &annotations)] {
        for s in SECRETS.iter().chain(&["edge.tern"]) {
            assert!(!text.contains(s), "{format} output shows `{s}`:\n{text}");
        }
    }

    // Instructor output shows everything.
    let (_, revealed, _) = grader(&[&run[..], &["--reveal"]].concat(), &f);
    assert!(revealed.contains("FAIL       hidden check 2: interp: stdout: the engine printed nothing\n        | -hidden-output-7f3a"), "{revealed}");
    assert!(revealed.contains("after-due check 3: interp: stdout"), "{revealed}");
    let json = grader(&[&run[..], &["--reveal", "--format", "json"]].concat(), &f).1;
    assert!(json.contains("-hidden-output-7f3a"), "{json}");
    // After the due date, after_due checks are shown; hidden ones still are not.
    let (_, after, _) = grader(&[&run[..], &["--after-due"]].concat(), &f);
    assert!(
        after.contains(
            "FAIL       check 3: interp: stdout: the engine printed nothing\n        | -after-due-output-91c"
        ),
        "{after}"
    );
    assert!(
        after.contains("hidden check 2.1: 0/2.40 points") && !after.contains("hidden-output-7f3a"),
        "{after}"
    );

    // A conforming engine passes the hidden checks too.
    let (code, out, _) = grader(&["run", "hidden", "--engine", "engines/interp.yaml"], &f);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("points: 22/22"), "{out}");
}

#[test]
fn init_never_writes_a_hidden_program() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let (code, out, err) =
        grader(&["init", fixtures().join("hidden").to_str().unwrap(), ws.to_str().unwrap()], tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    let echo = ws.join("01-hidden/echo");
    assert!(std::fs::read_to_string(echo.join("main.tern")).unwrap().contains("visible-output"));
    assert!(
        std::fs::read_to_string(echo.join("check-1/main.tern")).unwrap().contains("second-visible"),
        "a visible group's program is written"
    );
    assert!(!echo.join("check-2").exists() && !echo.join("check-3").exists());
    let readme = std::fs::read_to_string(echo.join("README.md")).unwrap();
    assert!(readme.contains("2 more check groups that you cannot see"), "{readme}");
    for p in walk(&ws) {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        for s in SECRETS.iter().chain(&["SOLUTION-MARKER"]) {
            assert!(!text.contains(s), "{p} holds `{s}`");
        }
    }
    // The student's grade of the full course redacts too (and so do the saved results).
    std::fs::write(
        ws.join("tern-course.yaml"),
        format!(
            "course: {}\nengine: {}\n",
            fixtures().join("hidden").display(),
            fixtures().join("engines/silent.yaml").display()
        ),
    )
    .unwrap();
    let (code, out, _) = grader(&["run"], &ws);
    assert_eq!(code, 1);
    assert!(out.contains("hidden check 2.1") && !out.contains("hidden-output-7f3a"), "{out}");
    let saved = std::fs::read_to_string(ws.join(".grader/results.json")).unwrap();
    assert!(!saved.contains("hidden-output-7f3a"), "{saved}");
}

#[test]
fn publish_writes_a_student_copy_that_init_and_run_use() {
    let tmp = tempfile::tempdir().unwrap();
    let published = tmp.path().join("published");
    let (code, out, err) = grader(
        &["publish", fixtures().join("hidden").to_str().unwrap(), published.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("2 exercises") && out.contains("withheld 2 files and 3 hidden check groups"),
        "{out}"
    );
    let files = walk(&published);
    for p in &files {
        let text = std::fs::read_to_string(p).unwrap();
        for s in SECRETS.iter().chain(&["SOLUTION-MARKER", "solution", "after_due", "visibility: hidden"]) {
            assert!(!text.contains(s), "{p} holds `{s}`:\n{text}");
        }
    }
    assert!(files.iter().all(|p| !p.contains("solution") && !p.contains("edge.tern")), "{files:?}");
    assert!(
        published.join("01-hidden/lesson.md").is_file()
            && published.join("01-hidden/programs/visible.tern").is_file()
    );
    let echo = std::fs::read_to_string(published.join("01-hidden/echo.yaml")).unwrap();
    assert!(
        echo.contains("second-visible") && echo.contains("visibility: visible"),
        "visible groups stay: {echo}"
    );
    assert!(std::fs::read_to_string(published.join("course.yaml")).unwrap().contains("published: true"));

    // `validate` needs the full course; a second publish into the same place is refused.
    let (code, _, err) = grader(&["validate", "published"], tmp.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("published/course.yaml:")
            && err.contains("this is the published (student) copy of a course"),
        "{err}"
    );
    let (code, _, err) = grader(
        &["publish", fixtures().join("hidden").to_str().unwrap(), published.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("already exists and is not an empty directory"), "{err}");

    // A student works from the published copy; grading needs only what it holds.
    let ws = tmp.path().join("ws");
    let (code, out, err) = grader(&["init", "published", "ws"], tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    std::fs::write(ws.join("01-hidden/sum/main.tern"), "// @all print 55\nprint(55);\n").unwrap();
    std::fs::write(
        ws.join("tern-course.yaml"),
        format!(
            "course: {}\nengine: {}\n",
            published.display(),
            fixtures().join("engines/interp.yaml").display()
        ),
    )
    .unwrap();
    let (code, out, _) = grader(&["run"], &ws);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS       01-hidden/echo (engine) — 12/12 points"), "{out}");
    assert!(out.contains("check 1: interp: stdout") && !out.contains("hidden check"), "{out}");

    // The test course: its answer key and solution stay behind; its quiz helper comes along.
    let fixture = tmp.path().join("fixture");
    let (code, out, err) = grader(
        &["publish", fixtures().join("course").to_str().unwrap(), fixture.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !fixture.join("02-programs/quiz.answers.yaml").exists()
            && !fixture.join("02-programs/solution").exists()
    );
    assert!(
        fixture.join("02-programs/helpers/compile.py").is_file()
            && fixture.join("01-basics/snapshots/snap__interp.snap").is_file()
    );
    let (code, out, err) = grader(&["init", "fixture", "ws2"], tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    let ws2 = tmp.path().join("ws2");
    std::fs::write(
        ws2.join("02-programs/quiz/answers.yaml"),
        "phase-interp: runtime\nphase-aot: build\nexit-aot: 65\ntier-up: 1000\nobject-machine: aarch64\n",
    )
    .unwrap();
    std::fs::write(ws2.join("02-programs/sum/main.tern"), "// @all print 55\n").unwrap();
    std::fs::write(
        ws2.join("tern-course.yaml"),
        format!(
            "course: {}\nengine: {}\n",
            fixture.display(),
            fixtures().join("engines/interp.yaml").display()
        ),
    )
    .unwrap();
    let (code, out, _) = grader(&["run", "--perf=off"], &ws2);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("XP: 150/150"), "{out}");
}

#[test]
fn bad_visibility_is_a_load_error_at_file_line_col() {
    let tmp = tempfile::tempdir().unwrap();
    let base = "kind: engine\ntitle: t\nfiles: {main.tern: \"// @all print 1\\n\"}\nexpect: {all: {stdout: \"1\\n\"}}\nchecks:\n";
    for (group, want) in [
        ("  - visibility: secret\n    files: {main.tern: x}\n    expect: {all: {exit: 0}}\n",
         "v.yaml:6:17: error: checks[0].visibility: unknown variant `secret`, expected one of `visible`, `hidden`, `after_due`"),
        ("  - visibility: Hidden\n    files: {main.tern: x}\n    expect: {all: {exit: 0}}\n", "v.yaml:6:17: error: checks[0].visibility: unknown variant `Hidden`"),
        ("  - files: {main.tern: x}\n    expect: {all: {exit: 0}}\n", "v.yaml:6:3: error: check 1 (in `checks:`) needs `visibility:`"),
        ("  - visibility: [hidden]\n    files: {main.tern: x}\n    expect: {all: {exit: 0}}\n", "v.yaml:6:17: error: checks[0].visibility: "),
    ] {
        std::fs::write(tmp.path().join("v.yaml"), format!("{base}{group}")).unwrap();
        let (code, _, err) = grader(&["run", "v.yaml", "--engine", fixtures().join("engines/interp.yaml").to_str().unwrap()], tmp.path());
        assert_eq!(code, 2, "{err}");
        assert!(err.starts_with(want), "{err}");
    }
    // The top-level files:/expect: are always visible.
    std::fs::write(tmp.path().join("v.yaml"), format!("visibility: hidden\n{base}")).unwrap();
    let (code, _, err) = grader(&["run", "v.yaml"], tmp.path());
    assert_eq!(code, 2);
    assert!(err.starts_with("v.yaml:1:1: error: unknown field `visibility`"), "{err}");
}
