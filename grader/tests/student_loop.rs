//! The student's loop, end to end through the `grader` binary against the
//! fake engines: terminal manners, honest progress, next/hint/watch, HTML.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn grader_cmd(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_grader"));
    c.args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    c
}

fn grader(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = grader_cmd(args, cwd).output().unwrap();
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(!e.contains("panicked"), "grader panicked: {e}");
    (out.status.code().unwrap_or(-1), o, e)
}

/// A fresh workspace of the fixture course.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let course = fixtures().join("course");
    let (code, out, err) = grader(&["init", course.to_str().unwrap(), ws.to_str().unwrap()], tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    (tmp, ws.canonicalize().unwrap())
}

/// `to` spelled relative to `from` (both absolute): `../..` up to `/`, then down.
fn relative(from: &Path, to: &Path) -> String {
    let ups = from.components().count() - 1;
    format!("{}{}", "../".repeat(ups), to.strip_prefix("/").unwrap().display())
}

/// The start of a colour (SGR foreground) escape; a progress bar's line clears are not colour.
const ESC: &str = "\x1b[3";

#[test]
fn a_closed_pipe_ends_quietly() {
    let (_tmp, ws) = workspace();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader); // the reader (`head -1`) is already gone: every write gets EPIPE
    let out = grader_cmd(&["status"], &ws).stdout(writer).stderr(Stdio::piped()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let (_tmp, ws) = workspace();
    let run = ["run", "--perf=off", "02-programs/sum"];
    let (_, plain, _) = grader(&run, &ws);
    assert!(!plain.contains(ESC), "no colour into a pipe: {plain}");
    let (_, always, _) = grader(&["--color", "always", "run", "--perf=off", "02-programs/sum"], &ws);
    assert!(always.contains(ESC), "{always}");
    let forced = grader_cmd(&run, &ws).env("CLICOLOR_FORCE", "1").output().unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains(ESC));
    let (_, never, _) = grader(&["run", "--color=never", "--perf=off", "02-programs/sum"], &ws);
    assert!(!never.contains(ESC));

    // On a terminal (script(1) gives it one), colour is on unless NO_COLOR is set.
    let bin = env!("CARGO_BIN_EXE_grader");
    let tty = |no_color: bool| {
        let mut c = Command::new("script");
        c.args(["-qec", &format!("{bin} run --perf=off 02-programs/sum"), "/dev/null"]).current_dir(&ws);
        c.env("TERM", "xterm-256color").env_remove("CLICOLOR_FORCE").env_remove("CI");
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&c.output().expect("script(1) from util-linux").stdout).into_owned()
    };
    let on = tty(false);
    assert!(on.contains("FAIL") && on.contains(ESC), "{on}");
    let off = tty(true);
    assert!(off.contains("FAIL") && !off.contains(ESC), "NO_COLOR on a terminal: {off:?}");
}

#[test]
fn progress_is_plain_lines_when_stderr_is_not_a_terminal() {
    let (_tmp, ws) = workspace();
    let (_, _, err) = grader(&["run", "--perf=off", "02-programs"], &ws);
    assert!(err.contains("[1/2] 02-programs/"), "{err}");
    assert!(err.contains("[2/2] 02-programs/"), "{err}");
}

#[test]
fn engine_and_paths_are_relative_to_the_current_directory() {
    let (_tmp, ws) = workspace();
    let here = ws.join("01-basics");
    let engine = relative(&here, &fixtures().join("engines/interp.yaml"));
    let (code, out, err) = grader(&["run", "--perf=off", "--engine", &engine, "hello"], &here);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("PASS       01-basics/hello"), "{out}");
}

#[test]
fn init_keeps_results_out_of_git_and_help_documents_arguments_and_exit_codes() {
    let (_tmp, ws) = workspace();
    let ignore = std::fs::read_to_string(ws.join(".grader/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    let (_, help, _) = grader(&["--help"], &ws);
    assert!(help.contains("Exit codes:") && help.contains("  2  usage error"), "{help}");
    let (_, help, _) = grader(&["init", "--help"], &ws);
    assert!(
        help.contains("The course directory") && help.contains("Where to create the workspace"),
        "{help}"
    );
    let (_, help, _) = grader(&["run", "--help"], &ws);
    assert!(help.contains("Exercise files, level or course directories"), "{help}");
}

#[test]
fn a_run_without_the_engine_never_lowers_a_recorded_pass() {
    let (_tmp, ws) = workspace();
    let engine = fixtures().join("engines/interp.yaml");
    let (code, out, _) =
        grader(&["run", "--perf=off", "--engine", engine.to_str().unwrap(), "01-basics/hello"], &ws);
    assert_eq!(code, 0, "{out}");
    // The README's own command, without --engine: the engine exercise cannot run.
    let (code, out, _) = grader(&["run", "--perf=off", "01-basics/hello"], &ws);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("01-basics/hello: this run earned 0.00/") && out.contains("stays recorded"),
        "{out}"
    );
    let (_, status, _) = grader(&["status"], &ws);
    let line = status.lines().find(|l| l.contains(" hello ")).unwrap();
    assert!(line.starts_with("  pass ") && line.contains("interp"), "{status}");
    // No temporary file is left beside the results.
    let names: Vec<_> =
        std::fs::read_dir(ws.join(".grader")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn next_names_the_first_exercise_not_done_and_hint_prints_on_request() {
    let (_tmp, ws) = workspace();
    let (code, out, _) = grader(&["next"], &ws);
    assert_eq!(code, 1);
    assert!(out.starts_with("next: 01-basics/hello — Print a greeting"), "{out}");
    assert!(out.contains("The smallest program an engine must run."), "{out}");
    let (code, out, _) = grader(&["hint", "sum"], &ws);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "hint for sum: A `for` loop over `1..11` adds them up; `print` the total once.\n");
    let (code, _, err) = grader(&["hint", "nope"], &ws);
    assert_eq!(code, 2);
    assert!(err.contains("no exercise `nope`") && err.contains("sum"), "{err}");
}

#[test]
fn watch_regrades_a_saved_exercise_and_moves_on_when_it_passes() {
    let (_tmp, ws) = workspace();
    // Everything before `sum` passes, so `sum` is next and, once solved, `quiz` is.
    let engine = fixtures().join("engines/interp.yaml");
    let (code, out, _) =
        grader(&["run", "--perf=off", "--engine", engine.to_str().unwrap(), "01-basics"], &ws);
    assert_eq!(code, 0, "{out}");
    let mut child = grader_cmd(&["watch"], &ws).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut until = |needle: &str| -> Vec<String> {
        let mut seen = Vec::new();
        for l in lines.by_ref() {
            let l = l.unwrap();
            seen.push(l.clone());
            if l.contains(needle) {
                return seen;
            }
        }
        panic!("watch ended before `{needle}`: {seen:#?}");
    };
    until("watching");
    std::fs::write(ws.join("02-programs/sum/main.tern"), "// @all print 55\nprint(55);\n").unwrap();
    let seen = until("next: 02-programs/quiz");
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.iter().any(|l| l.starts_with("PASS       02-programs/sum")), "{seen:#?}");
}

#[test]
fn html_report_renders_every_exercise_and_a_chart_per_perf_rule() {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()));
    let Some(chromium) = chromium else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs chromium (ci/setup.sh installs it)");
        eprintln!("skipped: no chromium here (ci/setup.sh installs it)");
        return;
    };
    let perf = fixtures().join("perf/fast");
    let engine = fixtures().join("engines/jit.yaml");
    let (_, html, err) = grader(
        &["run", "--format", "html", "--engine", engine.to_str().unwrap(), "jit-wins.yaml", "jit-loses.yaml"],
        &perf,
    );
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}{err}");
    assert!(!html.contains("http://") || !html.contains("src=\"http"), "self-contained");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/html-report");
    std::fs::create_dir_all(&out).unwrap();
    let page = out.join("report.html");
    std::fs::write(&page, &html).unwrap();
    let headless = |extra: &[&str]| {
        let o = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--window-size=1000,1400",
            ])
            .args(extra)
            .arg(format!("file://{}", page.canonicalize().unwrap().display()))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let dom = headless(&["--dump-dom"]);
    assert!(dom.contains("<span id=\"exercise-count\">2</span> exercises"), "{dom}");
    assert_eq!(dom.matches("class=\"exercise\"").count(), 2, "{dom}");
    // jit-wins has one perf rule, jit-loses two: three charts, each with its samples.
    assert_eq!(dom.matches("<svg class=\"perf-chart\"").count(), 3, "{dom}");
    assert!(dom.matches("<circle").count() >= 3 * 2 * 3, "{dom}");
    let shot = out.join("report.png");
    headless(&[&format!("--screenshot={}", shot.display())]);
    assert!(
        std::fs::metadata(&shot).map(|m| m.len() > 0).unwrap_or(false),
        "no screenshot at {}",
        shot.display()
    );
}
