//! Running a program on an engine per the protocol: a fresh temp dir with the
//! program's files, the manifest's command (in the sandbox where it can run),
//! the outcome classified into a status.
pub mod limits;
pub mod process;
pub mod sandbox;
pub mod tree;
pub mod which;

use crate::diag::{self, Diagnostic};
use crate::manifest::{Engine, EngineKind, Target};
use process::{Exit, Isolation, Limit, Limits};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Program {
    /// Relative path -> contents.
    pub files: BTreeMap<String, Vec<u8>>,
    pub entry: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "message", rename_all = "kebab-case")]
pub enum RunStatus {
    /// The engine ran and exited with a code; the checks decide pass/fail.
    Completed,
    /// The engine could not run at all (missing binary, exit 2, no output file...).
    Error(String),
    Timeout,
    Crash(String),
    OutputCap,
    /// Over a resource limit; the message names the limit that applied.
    Limit(Limit, String),
    Skipped(String),
}

impl RunStatus {
    /// The grade status and message of a run that did not complete, phrased
    /// for `what` ("engine", "observed engine").
    pub fn failure(&self, what: &str) -> Option<(crate::result::Status, String)> {
        use crate::result::Status;
        Some(match self {
            RunStatus::Completed => return None,
            RunStatus::Error(m) => (Status::Error, format!("{what} could not run: {m}")),
            RunStatus::Timeout => (Status::Timeout, format!("{what} timed out; the grader killed it")),
            RunStatus::Crash(m) => (Status::Crash, format!("{what} crashed: {m}")),
            RunStatus::OutputCap => {
                (Status::OutputCap, format!("{what} printed more than the output cap; the grader stopped it"))
            }
            RunStatus::Limit(l, m) => (Status::from_limit(*l), format!("{what} stopped: {m}")),
            RunStatus::Skipped(m) => (Status::Skipped, format!("skipped: {m}")),
        })
    }
}

#[derive(Debug, Clone)]
pub struct EngineRun {
    pub engine: String,
    pub kind: Option<EngineKind>,
    pub target: Option<Target>,
    pub status: RunStatus,
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub diag: Option<Diagnostic>,
    pub wall: Duration,
    pub cpu: Duration,
    /// Leading bytes of files the caller asked for (quiz observations of artifacts).
    pub captured: BTreeMap<String, Vec<u8>>,
}

impl EngineRun {
    /// `interp`, `jit`, `aot[aarch64]`: how checks name the run they looked at.
    pub fn label(&self) -> String {
        let k = self.kind.map(|k| k.as_str()).unwrap_or("command");
        match self.target {
            Some(t) => format!("{k}[{t}]"),
            None => k.to_string(),
        }
    }
    fn skeleton(engine: &Engine, target: Option<Target>) -> EngineRun {
        EngineRun::empty(engine.name.clone(), Some(engine.kind), target)
    }

    /// A completed run that has produced nothing yet.
    fn empty(engine: String, kind: Option<EngineKind>, target: Option<Target>) -> EngineRun {
        EngineRun {
            engine,
            kind,
            target,
            status: RunStatus::Completed,
            exit_code: None,
            stdout: String::new(),
            stderr: String::new(),
            diag: None,
            wall: Duration::ZERO,
            cpu: Duration::ZERO,
            captured: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub limits: Limits,
    /// Inserted before the `{file}` argument (e.g. `--trace-tier`).
    pub extra_args: Vec<String>,
    /// Restrict an aot engine to these targets.
    pub targets: Option<Vec<Target>>,
    /// Files (relative to the run dir, or `{out}`) whose leading bytes to keep.
    pub capture: Vec<String>,
    pub capture_bytes: usize,
    /// Overrides PATH when looking for qemu (tests use it to simulate a machine without qemu).
    pub tool_path: Option<String>,
    pub sysroot_base: String,
    /// Whether engine processes run in the sandbox (sandbox.rs).
    pub sandbox: sandbox::Policy,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            limits: Limits::default(),
            extra_args: Vec::new(),
            targets: None,
            capture: Vec::new(),
            capture_bytes: 64,
            tool_path: None,
            sysroot_base: "/usr".into(),
            sandbox: sandbox::Policy::default(),
        }
    }
}

struct RunDir {
    dir: tempfile::TempDir,
}

impl RunDir {
    fn new(program: &Program) -> std::io::Result<RunDir> {
        let dir = tempfile::Builder::new().prefix("tern-grader-").tempdir()?;
        for (name, bytes) in &program.files {
            let p = dir.path().join(name);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, bytes)?;
        }
        Ok(RunDir { dir })
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// What a run of `engine` may read inside the sandbox: a manifest engine its
/// own directory; a reference engine the `tern` binary and, for a build, the
/// C runtime it links (compiled beforehand, outside, into a read-only cache).
fn grants_for(engine: &Engine, target: Option<Target>) -> sandbox::Grants {
    let mut g = sandbox::Grants::default();
    if let Some(dir) = &engine.dir {
        g.read_only.push(dir.clone());
    }
    if engine.is_reference {
        let argv0 = engine.run.first().or(engine.build.first()).cloned().unwrap_or_default();
        if let Some(bin) = process::find_on_path(&argv0).and_then(|p| p.canonicalize().ok()) {
            g.read_only.push(bin);
        }
        if let Some(t) = target {
            match reference_runtime_cache(&argv0, t) {
                Some(base) => {
                    g.read_only.push(base.join("tern"));
                    g.env.push(("XDG_CACHE_HOME".into(), base.display().to_string()));
                }
                // Let `tern build` try in the private /tmp and say what is missing.
                None => g.env.push(("XDG_CACHE_HOME".into(), "/tmp/.cache".into())),
            }
        }
    }
    g
}

/// The cache base holding `tern`'s compiled C runtime for `target`, filled
/// once per grader process by building a one-line program outside the
/// sandbox (trusted: the reference compiler on our own program). None when
/// that build fails (e.g. no cross compiler).
fn reference_runtime_cache(tern: &str, target: Target) -> Option<PathBuf> {
    static CACHE: OnceLock<Mutex<BTreeMap<Target, Option<PathBuf>>>> = OnceLock::new();
    let mut done = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    done.entry(target)
        .or_insert_with(|| {
            let base = std::env::var_os("XDG_CACHE_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME")
                        .filter(|v| !v.is_empty())
                        .map(|h| PathBuf::from(h).join(".cache"))
                })
                .unwrap_or_else(|| std::env::temp_dir().join("tern-grader-cache"));
            let dir = tempfile::tempdir().ok()?;
            std::fs::write(dir.path().join("main.tern"), "print(1);\n").ok()?;
            let ok = std::process::Command::new(tern)
                .args(["build", "main.tern", "-o", "main.out", "--target", target.as_str()])
                .current_dir(dir.path())
                .env("XDG_CACHE_HOME", &base)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            ok.then_some(base)
        })
        .clone()
}

/// Runs one engine command under the options' sandbox policy.
fn run_step(
    argv: &[String],
    dir: &Path,
    limits: &Limits,
    opts: &RunOptions,
    grants: &sandbox::Grants,
) -> process::ProcessOutput {
    match (opts.sandbox, sandbox::available()) {
        (sandbox::Policy::Off, _) | (sandbox::Policy::Preferred, Err(_)) => process::run(argv, dir, limits),
        (sandbox::Policy::Required, Err(why)) => process::ProcessOutput::failed(format!(
            "the sandbox is required but unavailable: {why} (pass --no-sandbox to grade without it)"
        )),
        (_, Ok(tools)) => process::run_isolated(
            argv,
            dir,
            limits,
            Isolation::Sandboxed { bwrap: &tools.bwrap, init: &tools.init, grants },
        ),
    }
}

fn substitute(argv: &[String], vars: &[(&str, &str)], extra: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut inserted = extra.is_empty();
    for a in argv {
        if !inserted && a.contains("{file}") {
            out.extend(extra.iter().cloned());
            inserted = true;
        }
        let mut s = a.clone();
        for (k, v) in vars {
            s = s.replace(k, v);
        }
        out.push(s);
    }
    if !inserted {
        out.extend(extra.iter().cloned());
    }
    out
}

/// The limits a run of `engine` gets. `instructor` holds what the grader was
/// told (`--timeout-ms`, `--output-cap`, overridden by the exercise's own
/// `timeout_ms`): those are ceilings. A manifest is written by whoever wrote
/// the engine (a student), so its `timeout_ms` may only *lower* the timeout,
/// never raise it; the output cap is not the manifest's to set at all.
pub fn effective_limits(engine: &Engine, instructor: &Limits) -> Limits {
    let timeout = match engine.timeout_ms.map(Duration::from_millis) {
        Some(asked) => asked.min(instructor.timeout),
        None => instructor.timeout,
    };
    Limits { timeout, ..*instructor }
}

/// Runs the program on the engine: one run for interp/jit, one per target for aot.
pub fn run_engine(engine: &Engine, program: &Program, opts: &RunOptions) -> Vec<EngineRun> {
    let limits = effective_limits(engine, &opts.limits);
    match engine.kind {
        EngineKind::Interp | EngineKind::Jit => vec![run_interpreted(engine, program, opts, &limits)],
        EngineKind::Aot => {
            let targets: Vec<Target> = match &opts.targets {
                Some(only) => engine.targets.iter().copied().filter(|t| only.contains(t)).collect(),
                None => engine.targets.clone(),
            };
            targets.into_iter().map(|t| run_compiled(engine, program, opts, &limits, t)).collect()
        }
    }
}

fn run_interpreted(engine: &Engine, program: &Program, opts: &RunOptions, limits: &Limits) -> EngineRun {
    let mut run = EngineRun::skeleton(engine, None);
    let run_dir = match RunDir::new(program) {
        Ok(s) => s,
        Err(e) => return with_status(run, RunStatus::Error(format!("cannot create temp dir: {e}"))),
    };
    let dir = run_dir.path().display().to_string();
    let argv = substitute(&engine.run, &[("{file}", &program.entry), ("{dir}", &dir)], &opts.extra_args);
    let out = run_step(&argv, run_dir.path(), limits, opts, &grants_for(engine, None));
    classify(&mut run, limits, out);
    capture(&mut run, run_dir.path(), None, opts);
    run
}

fn run_compiled(
    engine: &Engine,
    program: &Program,
    opts: &RunOptions,
    limits: &Limits,
    target: Target,
) -> EngineRun {
    let mut run = EngineRun::skeleton(engine, Some(target));
    let run_dir = match RunDir::new(program) {
        Ok(s) => s,
        Err(e) => return with_status(run, RunStatus::Error(format!("cannot create temp dir: {e}"))),
    };
    let stem = Path::new(&program.entry).file_stem().and_then(|s| s.to_str()).unwrap_or("program");
    let out_rel = format!("{stem}.out");
    let dir = run_dir.path().display().to_string();
    let argv = substitute(
        &engine.build,
        &[("{file}", &program.entry), ("{out}", &out_rel), ("{target}", target.as_str()), ("{dir}", &dir)],
        &opts.extra_args,
    );
    let built = run_step(&argv, run_dir.path(), limits, opts, &grants_for(engine, Some(target)));
    let build_stderr = built.stderr.clone();
    if built.exit != Exit::Code(0) {
        // A failed build is the program's result (exit 65 + build diagnostic), not an engine error.
        classify(&mut run, limits, built);
        capture(&mut run, run_dir.path(), Some(&out_rel), opts);
        return run;
    }
    let out_abs = run_dir.path().join(&out_rel);
    capture(&mut run, run_dir.path(), Some(&out_rel), opts);
    if !out_abs.is_file() {
        return with_status(
            run,
            RunStatus::Error(format!(
                "the build command exited 0 but wrote no executable at {{out}} ({out_rel})"
            )),
        );
    }
    let exec = out_abs.display().to_string();
    let argv = if Some(target) == Target::host() {
        vec![exec]
    } else {
        let qemu = format!("qemu-{target}");
        let found = match &opts.tool_path {
            Some(p) => std::env::split_paths(p).map(|d| d.join(&qemu)).find(|p| p.is_file()),
            None => process::find_on_path(&qemu),
        };
        let Some(qemu_path) = found else {
            return with_status(
                run,
                RunStatus::Skipped(format!("{qemu} not installed (apt-get install qemu-user)")),
            );
        };
        let sysroot = format!("{}/{target}-linux-gnu", opts.sysroot_base);
        if !Path::new(&sysroot).is_dir() {
            return with_status(
                run,
                RunStatus::Skipped(format!(
                    "cross toolchain not installed: {sysroot} is missing (apt-get install gcc-{}-linux-gnu)",
                    target.as_str().replace('_', "-")
                )),
            );
        }
        vec![qemu_path.display().to_string(), "-L".into(), sysroot, exec]
    };
    // The executable may use files beside the engine's manifest (a runtime library), read-only.
    let ran = run_step(&argv, run_dir.path(), limits, opts, &grants_for(engine, None));
    classify(&mut run, limits, ran);
    if !build_stderr.is_empty() {
        run.stderr = format!("{build_stderr}{}", run.stderr);
    }
    run
}

/// Runs an arbitrary command (a quiz observation) in a run dir holding the program.
pub fn run_command(argv: &[String], program: &Program, opts: &RunOptions) -> EngineRun {
    let mut run = EngineRun::empty(argv.first().cloned().unwrap_or_default(), None, None);
    let run_dir = match RunDir::new(program) {
        Ok(s) => s,
        Err(e) => return with_status(run, RunStatus::Error(format!("cannot create temp dir: {e}"))),
    };
    let dir = run_dir.path().display().to_string();
    let tern = crate::manifest::tern_bin().display().to_string();
    let argv = substitute(argv, &[("{file}", &program.entry), ("{dir}", &dir), ("{tern}", &tern)], &[]);
    // Course-defined commands on course programs: nothing of the student's runs here.
    let out = process::run(&argv, run_dir.path(), &opts.limits);
    classify(&mut run, &opts.limits, out);
    capture(&mut run, run_dir.path(), None, opts);
    run
}

fn with_status(mut run: EngineRun, status: RunStatus) -> EngineRun {
    run.status = status;
    run
}

fn classify(run: &mut EngineRun, limits: &Limits, out: process::ProcessOutput) {
    run.wall = out.wall;
    run.cpu = out.cpu;
    run.diag = diag::parse_stderr(&out.stderr);
    run.status = match &out.exit {
        Exit::SpawnError(m) => RunStatus::Error(m.clone()),
        Exit::Timeout => RunStatus::Timeout,
        Exit::OutputCap => RunStatus::OutputCap,
        Exit::Limit(l) => RunStatus::Limit(*l, l.describe(limits)),
        Exit::Signal(s) => RunStatus::Crash(format!("killed by {}", process::signal_name(*s))),
        Exit::Code(c) => {
            run.exit_code = Some(*c);
            if let Some(sig) = process::crash_exit_code(*c) {
                RunStatus::Crash(format!("exit {c}: a child was killed by {}", process::signal_name(sig)))
            } else if *c == 2 && run.diag.is_none() {
                let first =
                    out.stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("no message on stderr");
                RunStatus::Error(format!("engine exited 2 (usage error or missing engine): {first}"))
            } else {
                RunStatus::Completed
            }
        }
    };
    run.stdout = out.stdout;
    run.stderr = out.stderr;
}

fn capture(run: &mut EngineRun, dir: &Path, out_rel: Option<&str>, opts: &RunOptions) {
    for want in &opts.capture {
        let rel = if want == "{out}" { out_rel.unwrap_or("") } else { want.as_str() };
        if rel.is_empty() {
            continue;
        }
        if let Ok(bytes) = std::fs::read(dir.join(rel)) {
            run.captured.insert(want.clone(), bytes.into_iter().take(opts.capture_bytes).collect());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_timeout(ms: Option<u64>) -> Engine {
        let mut e = Engine::reference(EngineKind::Interp);
        e.timeout_ms = ms;
        e
    }

    #[test]
    fn a_manifest_timeout_never_raises_the_instructors_limit() {
        let instructor =
            Limits { timeout: Duration::from_millis(1000), output_cap: 100, ..Limits::default() };
        let got = effective_limits(&with_timeout(Some(8000)), &instructor);
        assert_eq!(
            got.timeout,
            Duration::from_millis(1000),
            "a student's manifest must not extend the limit"
        );
        assert_eq!(got.output_cap, 100);
        let got = effective_limits(&with_timeout(Some(200)), &instructor);
        assert_eq!(got.timeout, Duration::from_millis(200), "a manifest may ask for less");
        let got = effective_limits(&with_timeout(None), &instructor);
        assert_eq!(got.timeout, Duration::from_millis(1000));
    }

    #[test]
    fn extra_args_go_before_the_file() {
        let argv: Vec<String> = ["tern", "run", "{file}"].iter().map(|s| s.to_string()).collect();
        let got = substitute(&argv, &[("{file}", "main.tern")], &["--trace-tier".into()]);
        assert_eq!(got, ["tern", "run", "--trace-tier", "main.tern"]);
    }
}
