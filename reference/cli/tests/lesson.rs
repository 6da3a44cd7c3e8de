//! The lesson's commands are part of the product: every command in a `sh`
//! block of level 1's lesson.md runs here, in a copy of the level's
//! `examples/` folder, with `tern` on PATH, and must succeed.

use std::path::Path;
use std::process::Command;

fn lesson_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../courses/runtimes/01-compiled-interpreted-jit")
}

/// Every non-empty line of every ```sh block, comments stripped.
fn sh_commands(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in markdown.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_sh = !in_sh && t == "```sh";
            continue;
        }
        if in_sh {
            let cmd = t.split(" #").next().unwrap_or("").trim();
            if !cmd.is_empty() && !cmd.starts_with('#') {
                out.push(cmd.to_string());
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn every_command_in_the_lesson_runs() {
    let lesson = std::fs::read_to_string(lesson_dir().join("lesson.md")).unwrap();
    let commands = sh_commands(&lesson);
    assert!(commands.len() >= 10, "expected the lesson's command blocks, found {commands:?}");
    let work = tempfile::tempdir().unwrap();
    copy_dir(&lesson_dir().join("examples"), work.path());
    let tern_dir = Path::new(env!("CARGO_BIN_EXE_tern")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", tern_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut failures = Vec::new();
    for cmd in &commands {
        let out = Command::new("bash")
            .args(["-o", "pipefail", "-c", cmd])
            .current_dir(work.path())
            .env("PATH", &path)
            .env_remove("TERN_DIAGNOSTICS")
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "`{cmd}` exited {:?}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "lesson commands failed:\n{}", failures.join("\n"));
}

#[test]
fn the_dead_path_example_behaves_as_the_lesson_says() {
    let dir = lesson_dir().join("examples");
    let tern = env!("CARGO_BIN_EXE_tern");
    for engine in ["interp", "jit"] {
        let out = Command::new(tern)
            .args(["run", "--engine", engine, "dead.tern"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{engine}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "start\ndone\n", "{engine}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let exe = tmp.path().join("dead");
    let out =
        Command::new(tern).args(["build", "dead.tern", "-o"]).arg(&exe).current_dir(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error[E0201]: build type at dead.tern:5:13"));
}
