//! Builds Tern programs into executables in a temp dir and runs them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use tern_aot::{build, BuildOptions, Target};

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

pub struct Built {
    pub dir: tempfile::TempDir,
    pub exe: PathBuf,
    pub entry: String,
}

/// Writes `files` (the first is the entry) and builds them for `target`.
pub fn build_files(files: &[(&str, &str)], target: Target) -> Built {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let entry = dir.path().join(files[0].0).to_string_lossy().into_owned();
    let exe = dir.path().join("prog");
    let opts = BuildOptions { out: exe.clone(), target, emit_obj: false };
    if let Err(e) = build(&entry, &opts) {
        panic!("build failed:\n{}", e.render(tern_diag::Format::Human));
    }
    Built { dir, exe, entry }
}

/// Can this machine build and run `target` executables? Prints a loud notice if not.
pub fn can_run(target: Target) -> bool {
    if target == Target::host() {
        return true;
    }
    let tools = [target.c_compiler(), "qemu-aarch64"];
    for t in tools {
        if Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {t}"))
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            eprintln!("\n!!!!! SKIPPING {target} test: `{t}` is not installed (CI installs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user) !!!!!\n");
            return false;
        }
    }
    true
}

pub fn run_exe(exe: &Path, target: Target, json: bool) -> Run {
    let mut cmd = if target == Target::host() {
        Command::new(exe)
    } else {
        let mut c = Command::new("qemu-aarch64");
        c.arg("-L").arg("/usr/aarch64-linux-gnu").arg(exe);
        c
    };
    if json {
        cmd.env("TERN_DIAGNOSTICS", "json");
    } else {
        cmd.env_remove("TERN_DIAGNOSTICS");
    }
    let out = cmd.output().unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

pub fn run_source(src: &str, target: Target) -> Run {
    let b = build_files(&[("main.tern", src)], target);
    run_exe(&b.exe, target, false)
}

pub const TARGETS: [Target; 2] = [Target::X86_64, Target::Aarch64];
