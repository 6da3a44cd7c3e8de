//! The C side of a build: compile the embedded runtime once per target and
//! runtime version (cached), then link it with the program object.

use crate::target::Target;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Embedded so the `tern` binary works from any directory.
pub const RUNTIME_C: &str = include_str!("../runtime/tern_rt.c");
pub const RUNTIME_H: &str = include_str!("../runtime/tern_rt.h");

/// Returns the runtime object for `target`, compiling it if the cache has none.
pub fn runtime_object(target: Target) -> Result<PathBuf, String> {
    let cc = target.c_compiler();
    let mut h = DefaultHasher::new();
    (RUNTIME_C, RUNTIME_H, cc, target.triple()).hash(&mut h);
    let dir = cache_dir();
    let obj = dir.join(format!("rt-{}-{:016x}.o", target.name(), h.finish()));
    if obj.is_file() {
        return Ok(obj);
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create cache directory {}: {e}", dir.display()))?;
    // A private scratch dir per process keeps concurrent builds from clobbering each other.
    let scratch = dir.join(format!("build-{}-{}", target.name(), std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let c = scratch.join("tern_rt.c");
    std::fs::write(&c, RUNTIME_C)
        .and_then(|_| std::fs::write(scratch.join("tern_rt.h"), RUNTIME_H))
        .map_err(|e| format!("cannot write runtime source: {e}"))?;
    let tmp = scratch.join("tern_rt.o");
    run(
        target,
        Command::new(cc)
            .args(["-O2", "-fPIE", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-c"])
            .arg(&c)
            .arg("-o")
            .arg(&tmp),
    )?;
    std::fs::rename(&tmp, &obj).map_err(|e| format!("cannot store runtime object {}: {e}", obj.display()))?;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(obj)
}

/// `cc -o out prog.o rt.o -lm` (PIE, the distribution default).
pub fn link(target: Target, program: &Path, runtime: &Path, out: &Path) -> Result<(), String> {
    run(
        target,
        Command::new(target.c_compiler()).arg("-pie").arg("-o").arg(out).arg(program).arg(runtime).arg("-lm"),
    )
}

fn run(target: Target, cmd: &mut Command) -> Result<(), String> {
    let output = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            missing(target)
        } else {
            format!("cannot run {}: {e}", target.c_compiler())
        }
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    // A cross compiler without the target libc fails at link or include time.
    if stderr.contains("cannot find crt1.o")
        || stderr.contains("stdio.h: No such file")
        || stderr.contains("cannot find -lm")
    {
        return Err(missing(target));
    }
    Err(format!("{} failed: {}", target.c_compiler(), stderr.trim()))
}

fn missing(target: Target) -> String {
    format!(
        "tern build --target {}: `{}` not found or incomplete; install the Debian packages: {}",
        target.name(),
        target.c_compiler(),
        target.debian_packages()
    )
}

fn cache_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("tern");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home).join(".cache").join("tern");
    }
    std::env::temp_dir().join("tern-cache")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_compiler_names_the_debian_packages() {
        let err = run(Target::Aarch64, &mut Command::new("tern-no-such-compiler-xyz")).unwrap_err();
        assert!(err.contains("gcc-aarch64-linux-gnu") && err.contains("libc6-dev-arm64-cross"), "{err}");
        assert_eq!(err.lines().count(), 1);
    }
}
