//! The corpus: every program under reference/tests/programs/ is run by every
//! engine. The checker's and the interpreter's results are kept as insta
//! snapshots (review with `cargo insta review`); the JIT and the AOT
//! executables must then agree with the interpreter exactly, except where
//! the phase model says otherwise:
//!   - a module that fails to load is a `parse` error for the JIT and a
//!     `build` error for AOT, before anything runs;
//!   - any error the checker finds fails the AOT build (`build`, exit 65).
//!
//! Each (engine, program) pair is its own test: `cargo test --test corpus jit::basics/fib`.

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TERN: &str = env!("CARGO_BIN_EXE_tern");

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs")
}

/// A program: its directory (the cwd for every run) and entry file name.
#[derive(Clone)]
struct Program {
    name: String,
    dir: PathBuf,
    entry: String,
}

fn discover() -> Vec<Program> {
    let mut out = Vec::new();
    let root = corpus_root();
    let mut areas: Vec<_> =
        std::fs::read_dir(&root).map(|r| r.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    areas.sort();
    for area in areas.into_iter().filter(|p| p.is_dir()) {
        let mut entries: Vec<_> = std::fs::read_dir(&area).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        let area_name = area.file_name().unwrap().to_string_lossy().to_string();
        for path in entries {
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            if path.is_dir() && path.join("main.tern").exists() {
                out.push(Program {
                    name: format!("{area_name}/{stem}"),
                    dir: path.clone(),
                    entry: "main.tern".into(),
                });
            } else if path.extension().is_some_and(|e| e == "tern") {
                out.push(Program {
                    name: format!("{area_name}/{stem}"),
                    dir: area.clone(),
                    entry: format!("{stem}.tern"),
                });
            }
        }
    }
    out
}

/// What one engine did with one program.
#[derive(Debug, PartialEq, Clone)]
struct Outcome {
    exit: i32,
    stdout: String,
    diags: Vec<Value>,
}

impl Outcome {
    fn from_output(out: &Output) -> Outcome {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let diags = stderr.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).collect();
        Outcome {
            exit: out.status.code().unwrap_or_else(|| 128 + signal_of(out)),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            diags,
        }
    }

    fn render(&self) -> String {
        let mut s = format!("exit: {}\n", self.exit);
        if !self.stdout.is_empty() {
            s.push_str("stdout:\n");
            for line in self.stdout.lines() {
                s.push_str(&format!("  {line}\n"));
            }
        }
        for d in &self.diags {
            s.push_str(&format!("diagnostic: {d}\n"));
        }
        s
    }

    /// The same diagnostics, re-phased (module load failures move phase by engine).
    fn with_phase(&self, phase: &str) -> Vec<Value> {
        self.diags
            .iter()
            .map(|d| {
                let mut d = d.clone();
                d["phase"] = Value::String(phase.into());
                d
            })
            .collect()
    }
}

#[cfg(unix)]
fn signal_of(out: &Output) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    out.status.signal().unwrap_or(0)
}

fn tern(p: &Program, args: &[&str]) -> Output {
    Command::new(TERN)
        .args(args)
        .current_dir(&p.dir)
        .env("TERN_DIAGNOSTICS", "json")
        .output()
        .expect("run tern")
}

fn check(p: &Program) -> Outcome {
    Outcome::from_output(&tern(p, &["check", &p.entry]))
}

fn interp(p: &Program) -> Outcome {
    Outcome::from_output(&tern(p, &["run", &p.entry]))
}

/// True when the checker failed because a module could not be loaded —
/// the one error the JIT reports up front too.
fn load_failure(check: &Outcome) -> bool {
    check.exit == 65
        && check.diags.len() == 1
        && matches!(check.diags[0]["kind"].as_str(), Some("syntax") | Some("import"))
}

fn compare(engine: &str, got: &Outcome, want: &Outcome) -> Result<(), Failed> {
    if got == want {
        return Ok(());
    }
    Err(format!(
        "{engine} disagrees with the reference\n--- expected\n{}--- got\n{}",
        want.render(),
        got.render()
    )
    .into())
}

fn missing_engine(out: &Outcome) -> bool {
    out.exit == 2 && out.diags.is_empty()
}

fn snapshot_trial(p: Program) -> Trial {
    Trial::test(format!("snapshot::{}", p.name), move || {
        let c = check(&p);
        let i = interp(&p);
        let text = format!(
            "# {}\n== tern check ==\n{}== tern run (interpreter) ==\n{}",
            p.name,
            c.render(),
            i.render()
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        let name = p.name.replace('/', "__");
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(name, text))
        }));
        result.map_err(|e| {
            Failed::from(e.downcast_ref::<String>().cloned().unwrap_or_else(|| "snapshot mismatch".into()))
        })
    })
}

fn jit_trial(p: Program, threshold: Option<&'static str>) -> Trial {
    let label = match threshold {
        Some(_) => "jit-threshold-0",
        None => "jit",
    };
    Trial::test(format!("{label}::{}", p.name), move || {
        let mut args = vec!["run", "--engine", "jit"];
        if let Some(t) = threshold {
            args.extend(["--jit-threshold", t]);
        }
        args.push(&p.entry);
        let got = Outcome::from_output(&tern(&p, &args));
        if missing_engine(&got) {
            return Err("the JIT is not available in this build".into());
        }
        let c = check(&p);
        let want = if load_failure(&c) {
            Outcome { exit: 65, stdout: String::new(), diags: c.with_phase("parse") }
        } else {
            interp(&p)
        };
        compare(label, &got, &want)
    })
}

#[derive(Clone, Copy)]
enum Target {
    X86_64,
    Aarch64,
}

fn aarch64_tools() -> Result<(), String> {
    for (tool, pkg) in [("qemu-aarch64", "qemu-user"), ("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu")] {
        if Command::new(tool).arg("--version").output().is_err() {
            return Err(format!("{tool} not found (apt-get install {pkg})"));
        }
    }
    Ok(())
}

fn aot_trial(p: Program, target: Target) -> Trial {
    let label = match target {
        Target::X86_64 => "aot-x86_64",
        Target::Aarch64 => "aot-aarch64",
    };
    let ignored =
        matches!(target, Target::Aarch64) && aarch64_tools().is_err() && std::env::var("CI").is_err();
    Trial::test(format!("{label}::{}", p.name), move || {
        if matches!(target, Target::Aarch64) {
            aarch64_tools()?;
        }
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let exe = tmp.path().join("prog");
        let exe_s = exe.to_string_lossy().to_string();
        let target_name = match target {
            Target::X86_64 => "x86_64",
            Target::Aarch64 => "aarch64",
        };
        let built =
            Outcome::from_output(&tern(&p, &["build", &p.entry, "-o", &exe_s, "--target", target_name]));
        if missing_engine(&built) {
            return Err("the AOT compiler is not available in this build".into());
        }
        let c = check(&p);
        if c.exit != 0 {
            let want = Outcome { exit: 65, stdout: String::new(), diags: c.with_phase("build") };
            return compare(label, &built, &want);
        }
        if built.exit != 0 {
            return Err(format!("build failed on a program the checker accepts:\n{}", built.render()).into());
        }
        let mut cmd = match target {
            Target::X86_64 => Command::new(&exe),
            Target::Aarch64 => {
                let mut c = Command::new("qemu-aarch64");
                c.args(["-L", "/usr/aarch64-linux-gnu"]).arg(&exe);
                c
            }
        };
        let out =
            cmd.current_dir(&p.dir).env("TERN_DIAGNOSTICS", "json").output().map_err(|e| e.to_string())?;
        compare(label, &Outcome::from_output(&out), &interp(&p))
    })
    .with_ignored_flag(ignored)
}

fn main() {
    let args = Arguments::from_args();
    if let Err(why) = aarch64_tools() {
        eprintln!("\n!!! corpus: the ARM64 half is SKIPPED: {why} !!!\n");
    }
    let mut trials = Vec::new();
    for p in discover() {
        trials.push(snapshot_trial(p.clone()));
        trials.push(jit_trial(p.clone(), None));
        trials.push(jit_trial(p.clone(), Some("0")));
        trials.push(aot_trial(p.clone(), Target::X86_64));
        trials.push(aot_trial(p, Target::Aarch64));
    }
    libtest_mimic::run(&args, trials).exit();
}
