//! The bubblewrap sandbox around every process that runs student code.
//!
//! A run sees a read-only view of the system directories, the directories
//! it is granted (the engine's own directory, the reference `tern` binary
//! for a reference engine), a writable run directory and a private /tmp —
//! nothing else: not the course, its solutions, the grader, the other
//! exercises of a workspace or the report. It gets new user, pid, network,
//! ipc and uts namespaces, no capabilities, and dies with the grader. Its
//! PID 1 is `tern-sandbox-init`, which waits for the last process of the run.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Whether runs are sandboxed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Sandbox when bubblewrap works here; otherwise run plainly (self-check runs).
    #[default]
    Preferred,
    /// Refuse to run without the sandbox (instructor mode).
    Required,
    /// Never sandbox (`--no-sandbox`).
    Off,
}

/// What one sandboxed run may see besides the system directories.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    /// Read-only paths (files or directories), mounted at the same path.
    pub read_only: Vec<PathBuf>,
    /// Environment variables set inside (after a cleared environment).
    pub env: Vec<(String, String)>,
}

/// System directories every run may read. /etc is not among them: it holds
/// host secrets on some machines, so only the files programs need are shown.
const SYSTEM_DIRS: &[&str] = &["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
const ETC_FILES: &[&str] = &[
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "passwd",
    "group",
    "nsswitch.conf",
    "os-release",
    "debian_version",
    "mime.types",
    "python3",
    "python3.11",
    "python3.12",
];

/// The two programs a sandboxed run needs, both found and tried together.
#[derive(Debug)]
pub struct Tools {
    pub bwrap: PathBuf,
    pub init: PathBuf,
}

/// bubblewrap and the sandbox init, if they can create a sandbox on this
/// machine. Probed once: a missing package and a kernel that refuses user
/// namespaces look the same to a grade, and the message says which it was.
pub fn available() -> Result<&'static Tools, &'static str> {
    static PROBE: OnceLock<Result<Tools, String>> = OnceLock::new();
    let probe = PROBE.get_or_init(|| {
        // TERN_GRADER_BWRAP names another bwrap (tests use a missing one).
        let name = std::env::var("TERN_GRADER_BWRAP").unwrap_or_else(|_| "bwrap".into());
        let bwrap = super::which::find_on_path(&name)
            .ok_or_else(|| format!("bubblewrap (`{name}`) is not installed (apt-get install bubblewrap)"))?;
        let init =
            init_bin().ok_or_else(|| "tern-sandbox-init was not found beside the grader".to_string())?;
        let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temp dir: {e}"))?;
        let mut argv = bwrap_argv(&bwrap, &init, dir.path(), &Grants::default());
        argv.push("true".into());
        let out =
            Command::new(&argv[0]).args(&argv[1..]).output().map_err(|e| format!("cannot run bwrap: {e}"))?;
        if out.status.success() {
            Ok(Tools { bwrap, init })
        } else {
            let why = String::from_utf8_lossy(&out.stderr);
            Err(format!("bwrap cannot create a sandbox here: {}", why.trim()))
        }
    });
    probe.as_ref().map_err(|e| e.as_str())
}

/// Whether runs under `policy` are sandboxed here.
pub fn active(policy: Policy) -> bool {
    policy != Policy::Off && available().is_ok()
}

/// The init binary: $TERN_SANDBOX_INIT, else beside the running executable.
pub fn init_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TERN_SANDBOX_INIT") {
        return Some(PathBuf::from(p));
    }
    crate::manifest::beside_exe("tern-sandbox-init")
}

/// `bwrap ... tern-sandbox-init`; the command to run follows.
pub fn bwrap_argv(bwrap: &Path, init: &Path, run_dir: &Path, grants: &Grants) -> Vec<String> {
    let mut a: Vec<String> = [
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",
        "--cap-drop",
        "ALL",
        "--hostname",
        "tern-sandbox",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.insert(0, bwrap.display().to_string());
    let mut push = |v: &[&str]| a.extend(v.iter().map(|s| s.to_string()));
    for dir in SYSTEM_DIRS {
        let p = Path::new(dir);
        match std::fs::read_link(p) {
            Ok(target) => push(&["--symlink", &target.display().to_string(), dir]),
            Err(_) if p.is_dir() => push(&["--ro-bind", dir, dir]),
            Err(_) => {}
        }
    }
    for f in ETC_FILES {
        let p = format!("/etc/{f}");
        push(&["--ro-bind-try", &p, &p]);
    }
    push(&["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]);
    for p in tool_dirs() {
        let s = p.display().to_string();
        push(&["--ro-bind-try", &s, &s]);
    }
    // The grading tools stay out of sight even where their directory is
    // visible; a reference engine's grant below puts `tern` back.
    for p in hidden_tools() {
        let s = p.display().to_string();
        push(&["--ro-bind", "/dev/null", &s]);
    }
    for p in grants.read_only.iter().chain(std::iter::once(&init.to_path_buf())) {
        let s = p.display().to_string();
        push(&["--ro-bind-try", &s, &s]);
    }
    let run = run_dir.display().to_string();
    push(&["--bind", &run, &run, "--chdir", &run, "--remount-ro", "/", "--clearenv"]);
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), path),
        ("HOME".into(), "/tmp".into()),
        ("TMPDIR".into(), "/tmp".into()),
        ("LANG".into(), "C.UTF-8".into()),
    ];
    env.extend(grants.env.iter().cloned());
    for (k, v) in &env {
        push(&["--setenv", k, v]);
    }
    push(&["--", &init.display().to_string()]);
    a
}

/// Toolchains outside the system directories that PATH names (pyenv, a
/// user's cargo bin): read-only, so `python3` means inside what it means
/// outside. A `shims` directory needs its tool's root (pyenv's versions).
fn tool_dirs() -> &'static [PathBuf] {
    static DIRS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    DIRS.get_or_init(|| {
        let Some(path) = std::env::var_os("PATH") else { return Vec::new() };
        let mut out: Vec<PathBuf> = Vec::new();
        for dir in std::env::split_paths(&path).filter(|d| d.is_absolute() && d.is_dir()) {
            if SYSTEM_DIRS.iter().any(|s| dir.starts_with(s)) {
                continue;
            }
            let dir =
                if dir.ends_with("shims") { dir.parent().map(Path::to_path_buf).unwrap_or(dir) } else { dir };
            if !out.iter().any(|o| dir.starts_with(o)) {
                out.push(dir);
            }
        }
        out
    })
}

/// `tern` and `grader` wherever a run could otherwise see them: the binaries
/// this grader uses, and any copy in a visible tool directory. Without this
/// an engine could exec the reference engine and pass as its own.
fn hidden_tools() -> &'static [PathBuf] {
    static TOOLS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let visible = |p: &Path| {
            SYSTEM_DIRS.iter().any(|s| p.starts_with(s)) || tool_dirs().iter().any(|d| p.starts_with(d))
        };
        let mut out: Vec<PathBuf> = Vec::new();
        let mut consider = |p: PathBuf| {
            if let Ok(real) = p.canonicalize() {
                for q in [p, real] {
                    if q.is_file() && visible(&q) && !out.contains(&q) {
                        out.push(q);
                    }
                }
            }
        };
        consider(crate::manifest::tern_bin());
        if let Some(found) = super::which::find_on_path("tern") {
            consider(found);
        }
        if let Ok(exe) = std::env::current_exe() {
            consider(exe);
        }
        for dir in tool_dirs()
            .iter()
            .map(PathBuf::as_path)
            .chain([Path::new("/usr/local/bin"), Path::new("/usr/bin")])
        {
            for name in ["tern", "grader"] {
                consider(dir.join(name));
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_is_read_only_except_the_run_dir_and_nothing_is_inherited() {
        let argv = bwrap_argv(
            Path::new("/usr/bin/bwrap"),
            Path::new("/x/tern-sandbox-init"),
            Path::new("/tmp/run"),
            &Grants::default(),
        );
        let joined = argv.join(" ");
        for flag in [
            "--unshare-user",
            "--unshare-pid",
            "--unshare-net",
            "--die-with-parent",
            "--as-pid-1",
            "--clearenv",
            "--remount-ro /",
        ] {
            assert!(joined.contains(flag), "{flag} missing: {joined}");
        }
        assert!(joined.contains("--bind /tmp/run /tmp/run"), "{joined}");
        assert_eq!(
            argv.iter().filter(|a| *a == "--bind").count(),
            1,
            "only the run dir is writable: {joined}"
        );
        assert!(!joined.contains("--ro-bind /etc /etc"), "{joined}");
        assert!(joined.ends_with("-- /x/tern-sandbox-init"), "{joined}");
    }
}
