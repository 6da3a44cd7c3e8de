//! Instructor mode attacked by a student who wants marks without the work
//! (issue #13): each test is one attack from the issue and the grade it now
//! gets. The course is the fake-engine fixture course; no `tern` needed.
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn course() -> PathBuf {
    fixtures().join("course")
}

fn grader_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grader"));
    cmd.args(args).current_dir(cwd).env_remove("GITHUB_ACTIONS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(!e.contains("panicked"), "grader panicked: {e}");
    (out.status.code().unwrap_or(-1), o, e)
}

fn grader(args: &[&str], cwd: &Path) -> (i32, String, String) {
    grader_env(args, cwd, &[])
}

/// A fresh `grader init` workspace of the fixture course.
fn workspace(tmp: &Path) -> PathBuf {
    let ws = tmp.join("ws");
    let (code, out, err) = grader(&["init", course().to_str().unwrap(), ws.to_str().unwrap()], tmp);
    assert_eq!(code, 0, "{out}{err}");
    ws
}

/// An engine inside the workspace: the fake engine plus `script` run first.
fn student_engine(ws: &Path, script: &str) {
    let dir = ws.join("my-engine");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixtures().join("engines/fake_engine.py"), dir.join("fake_engine.py")).unwrap();
    std::fs::write(
        dir.join("engine.sh"),
        format!("{script}\nexec python3 \"$(dirname \"$0\")/fake_engine.py\" interp run \"$1\"\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("engine.yaml"),
        "protocol: 1\nname: mine\nkind: interp\nrun: [sh, engine.sh, \"{file}\"]\n",
    )
    .unwrap();
    set_manifest(ws, "course: /somewhere/else\nengine: my-engine/engine.yaml\n");
}

fn set_manifest(ws: &Path, text: &str) {
    std::fs::write(ws.join("tern-course.yaml"), text).unwrap();
}

fn instructor_json(ws: &Path) -> Value {
    let (code, out, err) = grader(
        &[
            "run",
            "--perf=off",
            "--format",
            "json",
            "--course",
            course().to_str().unwrap(),
            ws.to_str().unwrap(),
        ],
        ws,
    );
    assert!(code == 0 || code == 1, "exit {code}: {out}{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("the report is not JSON ({e}): {out}"))
}

fn exercise<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no {id}: {report}"))
}

fn points(report: &Value) -> f64 {
    report["points"]["earned"].as_f64().unwrap()
}

#[test]
fn the_workspace_cannot_choose_the_course() {
    // Attack 1: a fake course with the same ids, named in tern-course.yaml.
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    let fake = tmp.path().join("fake-course");
    copy_dir(&course(), &fake);
    copy_dir(&fixtures().join("engines"), &tmp.path().join("engines"));
    std::fs::write(fake.join("02-programs/sum.yaml"),
        "kind: program\ntitle: t\nstarter:\n  main.tern: \"x\"\nsolution:\n  main.tern: \"x\"\nengines: [interp]\nexpect:\n  all: {exit: 0}\n").unwrap();
    set_manifest(&ws, &format!("course: {}\n", fake.display()));
    let (_, out, _) = grader(&["run", "--perf=off", "02-programs/sum"], &ws);
    assert!(out.contains("PASS       02-programs/sum"), "the self-check trusts the student's course: {out}");

    let report = instructor_json(&ws);
    let sum = exercise(&report, "sum");
    assert_eq!(sum["status"], "fail", "graded by the instructor's expectations: {sum}");
    let notices = report["notices"].to_string();
    assert!(notices.contains("is ignored: graded against the course at"), "{notices}");
}

#[test]
fn a_reference_engine_is_never_the_students() {
    // Attack 4: `engine: reference:interp` earned engine points without an engine.
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    set_manifest(&ws, &format!("course: {}\nengine: reference:interp\n", course().display()));
    let report = instructor_json(&ws);
    let hello = exercise(&report, "hello");
    assert_eq!(hello["status"], "error", "{hello}");
    assert!(
        hello["checks"][0]["message"].as_str().unwrap().contains("is the course's own engine, not yours"),
        "{hello}"
    );
    // Self-check runs refuse it too.
    let (_, out, _) = grader(&["run", "--perf=off", "01-basics/hello"], &ws);
    assert!(out.contains("ERROR      01-basics/hello"), "{out}");
    assert!(out.contains("is the course's own engine, not yours"), "{out}");
}

#[test]
fn an_engine_outside_the_workspace_is_not_the_students() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    set_manifest(&ws, &format!("course: x\nengine: {}\n", fixtures().join("engines/interp.yaml").display()));
    let report = instructor_json(&ws);
    let hello = exercise(&report, "hello");
    assert_eq!(hello["status"], "error");
    assert!(hello["checks"][0]["message"].as_str().unwrap().contains("is outside the workspace"), "{hello}");
    assert_eq!(exercise(&report, "sum")["status"], "fail", "other exercises are still graded");
}

#[test]
fn an_honest_engine_in_the_workspace_is_graded_and_traced() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    student_engine(&ws, "");
    let report = instructor_json(&ws);
    assert_eq!(exercise(&report, "hello")["status"], "pass", "{report}");
    let p = &report["provenance"];
    assert_eq!(p["workspace"], ws.display().to_string());
    assert!(p["engine"].as_str().unwrap().contains("my-engine/engine.yaml"), "{p}");
    for key in ["workspace_sha256", "engine_sha256", "course_sha256"] {
        assert_eq!(p[key].as_str().map(str::len), Some(64), "{key}: {p}");
    }
    assert_eq!(p["sandboxed"], true);
    // The hash follows the engine's files.
    std::fs::write(ws.join("my-engine/notes.txt"), "changed").unwrap();
    let again = instructor_json(&ws);
    assert_ne!(again["provenance"]["engine_sha256"], p["engine_sha256"]);
    assert_eq!(again["provenance"]["course_sha256"], p["course_sha256"]);
    // Human and JUnit reports name the same things.
    let (_, human, _) =
        grader(&["run", "--perf=off", "--course", course().to_str().unwrap(), ws.to_str().unwrap()], &ws);
    assert!(
        human.contains(&format!("workspace: {}", ws.display()))
            && human.contains("engine graded: mine")
            && human.contains("sandbox: on"),
        "{human}"
    );
    let (_, junit, _) = grader(
        &[
            "run",
            "--perf=off",
            "--format",
            "junit",
            "--course",
            course().to_str().unwrap(),
            ws.to_str().unwrap(),
        ],
        &ws,
    );
    assert!(junit.contains("name=\"engine_sha256\""), "{junit}");
}

#[test]
fn an_engine_cannot_forge_the_report_read_the_course_or_touch_the_tools() {
    // Attacks 2, 4, 5 and 6: write the grader's stdout through /proc, kill it,
    // read expectations and solutions, replace `tern` for later exercises.
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    let tools = tmp.path().join("tools");
    std::fs::create_dir(&tools).unwrap();
    std::fs::write(tools.join("tern"), "#!/bin/sh\necho genuine\n").unwrap();
    let course = course();
    let script = format!(
        "echo '{{\"points\": {{\"earned\": 999}}}}' > /proc/$PPID/fd/1 2>/dev/null; kill -9 $PPID 2>/dev/null\n\
         cat {c}/02-programs/solution/sum.tern 2>/dev/null && exit 0\n\
         cat {c}/01-basics/hello.yaml 2>/dev/null && exit 0\n\
         echo 'echo forged' > {t}/tern 2>/dev/null; echo 'echo forged' > \"$(command -v tern)\" 2>/dev/null\n\
         command -v tern >/dev/null && [ -s \"$(command -v tern)\" ] && echo tern-visible >&2",
        c = course.display(),
        t = tools.display()
    );
    student_engine(&ws, &script);
    let path = format!("{}:{}", tools.display(), std::env::var("PATH").unwrap());
    let (code, out, err) = grader_env(
        &[
            "run",
            "--perf=off",
            "--format",
            "json",
            "--course",
            course.to_str().unwrap(),
            ws.to_str().unwrap(),
        ],
        &ws,
        &[("PATH", &path)],
    );
    assert_eq!(code, 1, "{out}{err}");
    let report: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("forged or broken report ({e}): {out}"));
    assert!(points(&report) < 100.0, "{report}");
    assert_eq!(
        exercise(&report, "hello")["status"],
        "pass",
        "the honest part of the engine still runs: {report}"
    );
    // The forged line must not reach stdout; match it whole, as "999" alone can occur in a hash.
    assert!(!out.contains(r#"{"points": {"earned": 999}}"#), "{out}");
    assert_ne!(report["points"]["earned"], 999, "{report}");
    assert!(!out.contains("@all print 55") && !out.contains("expect:"), "the engine read the course: {out}");
    assert!(!out.contains("tern-visible"), "{out}");
    assert_eq!(std::fs::read_to_string(tools.join("tern")).unwrap(), "#!/bin/sh\necho genuine\n");
}

#[test]
fn special_files_in_a_workspace_are_refused_by_name() {
    // Attacks 5 and 8: a symlink to the solution, a FIFO that hung the grader, /dev/zero.
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    let main = ws.join("02-programs/sum/main.tern");
    let check = |what: &str| {
        let started = Instant::now();
        let report = instructor_json(&ws);
        assert!(started.elapsed() < Duration::from_secs(60));
        let sum = exercise(&report, "sum");
        let msg = sum["checks"][0]["message"].as_str().unwrap().to_string();
        assert!(msg.contains(what) && msg.contains("main.tern"), "{what}: {sum}");
        assert_eq!(sum["earned"], 0.0);
    };
    std::fs::remove_file(&main).unwrap();
    std::os::unix::fs::symlink(course().join("02-programs/solution/sum.tern"), &main).unwrap();
    check("is a symbolic link");
    std::fs::remove_file(&main).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &main).unwrap();
    check("is a symbolic link");
    std::fs::remove_file(&main).unwrap();
    let c = std::ffi::CString::new(main.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    check("is a FIFO");
}

#[test]
fn only_the_files_an_exercise_lists_are_graded() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    std::fs::write(ws.join("02-programs/sum/main.tern"), "// @all print 55\nprint(55);\n").unwrap();
    std::fs::write(ws.join("02-programs/sum/extra.tern"), "print(1);\n").unwrap();
    let report = instructor_json(&ws);
    let sum = exercise(&report, "sum");
    assert_eq!(sum["status"], "pass", "{sum}");
    assert!(sum["notices"].to_string().contains("not graded: extra.tern"), "{sum}");
}

#[test]
fn a_deeply_nested_answers_file_is_refused_before_parsing() {
    // Attack 8: a 200 KB nested-bracket answers.yaml took 38 s to parse.
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    let deep = format!("phase-aot: {}{}\n", "[".repeat(30_000), "]".repeat(30_000));
    std::fs::write(ws.join("02-programs/quiz/answers.yaml"), &deep).unwrap();
    let started = Instant::now();
    let report = instructor_json(&ws);
    let quiz = exercise(&report, "quiz");
    let msg = quiz["checks"].to_string();
    assert!(msg.contains("nested more than 32 levels deep"), "{quiz}");
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    let big = format!("phase-aot: \"{}\"\n", "x".repeat(100_000));
    std::fs::write(ws.join("02-programs/quiz/answers.yaml"), big).unwrap();
    let report = instructor_json(&ws);
    assert!(exercise(&report, "quiz")["checks"].to_string().contains("more than the 65536 bytes"));
}

#[test]
fn a_level_name_cannot_leave_the_workspace() {
    // Attack 8: `levels: [../x]` made init write outside the workspace.
    let tmp = tempfile::tempdir().unwrap();
    let c = tmp.path().join("course");
    copy_dir(&course(), &c);
    std::fs::create_dir(tmp.path().join("x")).unwrap();
    std::fs::copy(c.join("01-basics/level.yaml"), tmp.path().join("x/level.yaml")).unwrap();
    for f in ["hello.yaml", "div.yaml", "phases.yaml", "snap.yaml"] {
        std::fs::copy(c.join("01-basics").join(f), tmp.path().join("x").join(f)).unwrap();
    }
    std::fs::write(c.join("course.yaml"), "title: t\nlevels:\n  - 01-basics\n  - ../x\n").unwrap();
    let ws = tmp.path().join("deep/ws");
    let (code, _, err) = grader(&["init", c.to_str().unwrap(), ws.to_str().unwrap()], tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("course.yaml:4:5: error: level `../x` must be a plain name"), "{err}");
    assert!(!tmp.path().join("deep/x").exists() && !ws.exists());
}

#[test]
fn instructor_mode_refuses_to_grade_without_the_sandbox_unless_told() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    let no_bwrap = [("TERN_GRADER_BWRAP", "/nonexistent/bwrap")];
    let c = course();
    let args =
        ["run", "--perf=off", "--format", "json", "--course", c.to_str().unwrap(), ws.to_str().unwrap()];
    let (code, out, err) = grader_env(&args, &ws, &no_bwrap);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("instructor mode grades student code only in the sandbox"), "{err}");
    let mut with = args.to_vec();
    with.push("--no-sandbox");
    let (code, out, err) = grader_env(&with, &ws, &no_bwrap);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["provenance"]["sandboxed"], false);
    assert!(report["notices"].to_string().contains("WITHOUT the sandbox"), "{report}");
    // A self-check run goes on without it, with one notice.
    let (_, out, _) = grader_env(&["run", "--perf=off", "02-programs/sum"], &ws, &no_bwrap);
    assert_eq!(out.matches("engines run without a sandbox here").count(), 1, "{out}");
}

#[test]
fn several_workspaces_make_one_report() {
    let tmp = tempfile::tempdir().unwrap();
    let a = workspace(tmp.path());
    let b = tmp.path().join("ws2");
    copy_dir(&a, &b);
    std::fs::write(b.join("02-programs/sum/main.tern"), "// @all print 55\nprint(55);\n").unwrap();
    let (_, out, err) = grader(
        &[
            "run",
            "--perf=off",
            "--format",
            "json",
            "--course",
            course().to_str().unwrap(),
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let ws = v["workspaces"].as_array().unwrap();
    assert_eq!(ws.len(), 2);
    assert_eq!(exercise(&ws[0], "sum")["status"], "fail");
    assert_eq!(exercise(&ws[1], "sum")["status"], "pass");
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
