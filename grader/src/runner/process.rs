//! Running an untrusted engine process: stdin closed, its own process group
//! (so a timeout kills everything it spawned), output capped, rusage collected.
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::os::fd::AsRawFd;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    /// Per stream, in bytes.
    pub output_cap: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(10), output_cap: 1 << 20 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    Timeout,
    OutputCap,
    SpawnError(String),
}

#[derive(Debug, Clone)]
pub struct ProcessOutput {
    pub exit: Exit,
    pub stdout: String,
    pub stderr: String,
    pub wall: Duration,
    /// User + system time of the child (and the descendants it waited for).
    pub cpu: Duration,
}

pub const TRUNCATION_MARKER: &str = "[grader: output truncated at";

pub fn run(argv: &[String], cwd: &Path, limits: &Limits) -> ProcessOutput {
    let started = Instant::now();
    let fail = |msg: String| ProcessOutput {
        exit: Exit::SpawnError(msg),
        stdout: String::new(),
        stderr: String::new(),
        wall: Duration::ZERO,
        cpu: Duration::ZERO,
    };
    let Some(program) = argv.first() else {
        return fail("empty command".into());
    };
    let mut cmd = Command::new(program);
    cmd.args(&argv[1..])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return fail(format!("command `{program}` not found (is it installed and on PATH, or spelled right in the manifest?)"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return fail(format!("command `{program}` is not executable (chmod +x?): {e}"))
        }
        Err(e) => return fail(format!("cannot start `{program}`: {e}")),
    };
    let pid = child.id() as libc::pid_t;
    let streams: [Arc<Mutex<Captured>>; 2] = Default::default();
    let mut pipe_inodes = Vec::new();
    let (tx, rx) = mpsc::channel();
    for (idx, pipe) in [
        child.stdout.take().map(|p| (p.as_raw_fd(), Box::new(p) as Box<dyn Read + Send>)),
        child.stderr.take().map(|p| (p.as_raw_fd(), Box::new(p) as Box<dyn Read + Send>)),
    ]
    .into_iter()
    .enumerate()
    {
        let (fd, mut pipe) = pipe.expect("piped");
        pipe_inodes.extend(pipe_inode(fd));
        let (tx, captured, cap) = (tx.clone(), streams[idx].clone(), limits.output_cap);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        // Everything read is kept as it arrives, so a reader we stop
                        // waiting for (a process escaped the group) loses nothing.
                        let mut c = captured.lock().unwrap_or_else(|e| e.into_inner());
                        let room = cap.saturating_sub(c.buf.len());
                        c.buf.extend_from_slice(&chunk[..n.min(room)]);
                        if n > room {
                            c.truncated = true;
                            // Keep draining so the child never blocks on a full pipe before we kill it.
                        }
                    }
                }
            }
            let _ = tx.send(idx);
        });
    }
    drop(tx);
    let flooded = || streams.iter().any(|s| s.lock().unwrap_or_else(|e| e.into_inner()).truncated);

    let mut status: libc::c_int = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    let mut nap = Duration::from_micros(200);
    loop {
        // SAFETY: plain syscall on our own child's pid with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if r < 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return fail(format!("waiting for `{program}` failed: {err}"));
        }
        let over_time = started.elapsed() >= limits.timeout;
        if over_time || flooded() {
            timed_out = over_time;
            kill_group(pid);
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            break;
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(5));
    }
    let wall = started.elapsed();
    // Grandchildren left behind would hold our pipes open forever; the group dies with the engine.
    kill_group(pid);

    // The readers finish once every writer is gone. A process that left the
    // group (setsid) may still hold a pipe: give it a moment, then kill
    // whatever holds our pipes and keep what was read either way.
    let mut finished = 0;
    let mut escaped = false;
    for grace in [Duration::from_millis(500), Duration::from_millis(1500)] {
        let deadline = Instant::now() + grace;
        while finished < 2 {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(_) => finished += 1,
                Err(_) => break,
            }
        }
        if finished == 2 {
            break;
        }
        escaped = true;
        kill_pipe_holders(&pipe_inodes);
    }
    let take = |i: usize| std::mem::take(&mut *streams[i].lock().unwrap_or_else(|e| e.into_inner()));
    let (out, err) = (take(0), take(1));
    let render = |c: &Captured| {
        let mut s = String::from_utf8_lossy(&c.buf).into_owned();
        if c.truncated {
            if !s.ends_with('\n') && !s.is_empty() {
                s.push('\n');
            }
            s.push_str(&format!("{TRUNCATION_MARKER} {} bytes]\n", limits.output_cap));
        }
        s
    };
    let cpu = timeval(usage.ru_utime) + timeval(usage.ru_stime);
    // Decided from what was read, not from when we happened to look: output
    // over the cap is `output-cap` whether the engine flooded or exited right after.
    let exit = if timed_out {
        Exit::Timeout
    } else if out.truncated || err.truncated {
        Exit::OutputCap
    } else if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(libc::WEXITSTATUS(status))
    };
    let mut stderr = render(&err);
    if escaped {
        if !stderr.ends_with('\n') && !stderr.is_empty() {
            stderr.push('\n');
        }
        stderr.push_str(&format!("{ESCAPE_MARKER}; it was killed, and the output read until then is kept]\n"));
    }
    ProcessOutput { exit, stdout: render(&out), stderr, wall, cpu }
}

/// Appended to stderr when a process started by the engine left its process
/// group (e.g. `setsid`) and kept stdout or stderr open after the engine exited.
pub const ESCAPE_MARKER: &str = "[grader: a process started by the engine left its process group and kept its output open";

#[derive(Default)]
struct Captured {
    buf: Vec<u8>,
    truncated: bool,
}

fn pipe_inode(fd: std::os::fd::RawFd) -> Option<u64> {
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat on a file descriptor we own, with a valid out-pointer.
    (unsafe { libc::fstat(fd, &mut st) } == 0).then_some(st.st_ino as u64)
}

/// Kills the processes (other than this one) that hold one of our pipes open:
/// descendants of an engine that escaped its process group. Linux only (/proc).
fn kill_pipe_holders(inodes: &[u64]) {
    let me = std::process::id();
    let names: Vec<String> = inodes.iter().map(|i| format!("pipe:[{i}]")).collect();
    let Ok(procs) = std::fs::read_dir("/proc") else { return };
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else { continue };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|l| names.iter().any(|n| l.as_os_str() == n.as_str()))
        });
        if holds {
            // SAFETY: plain kill(2) of a process that holds our engine's pipe.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
    }
}

fn kill_group(pid: libc::pid_t) {
    // SAFETY: the child was started with process_group(0), so its pgid is its pid.
    unsafe {
        libc::killpg(pid, libc::SIGKILL);
    }
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGSEGV => "SIGSEGV (segmentation fault)",
        libc::SIGABRT => "SIGABRT (abort)",
        libc::SIGBUS => "SIGBUS (bus error)",
        libc::SIGILL => "SIGILL (illegal instruction)",
        libc::SIGFPE => "SIGFPE (arithmetic exception)",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGTRAP => "SIGTRAP",
        _ => return format!("signal {sig}"),
    };
    format!("signal {sig}, {name}")
}

/// `sh engine.sh` whose child crashed reports 128+N; treat the fatal signals as a crash too.
pub fn crash_exit_code(code: i32) -> Option<i32> {
    let sig = code - 128;
    [libc::SIGSEGV, libc::SIGABRT, libc::SIGBUS, libc::SIGILL, libc::SIGFPE].contains(&sig).then_some(sig)
}

/// A program on PATH (or a path), for deciding up front whether a tool such as qemu exists.
pub fn find_on_path(name: &str) -> Option<std::path::PathBuf> {
    if name.contains('/') {
        let p = std::path::PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, limits: Limits) -> ProcessOutput {
        run(&["sh".into(), "-c".into(), script.into()], Path::new("."), &limits)
    }

    #[test]
    fn captures_output_and_exit_code() {
        let out = sh("echo hi; echo oops >&2; exit 70", Limits::default());
        assert_eq!(out.exit, Exit::Code(70));
        assert_eq!(out.stdout, "hi\n");
        assert_eq!(out.stderr, "oops\n");
    }

    #[test]
    fn stdin_is_closed() {
        let out = sh("cat; echo done", Limits::default());
        assert_eq!(out.stdout, "done\n");
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let limits = Limits { timeout: Duration::from_millis(300), ..Limits::default() };
        // The background sleeper inherits stdout; without killpg the read would hang.
        let out = sh("sleep 30 & sleep 30; echo never", limits);
        assert_eq!(out.exit, Exit::Timeout);
        assert!(!out.stdout.contains("never"));
    }

    #[test]
    fn flood_is_capped_with_marker() {
        let limits = Limits { output_cap: 1000, ..Limits::default() };
        let out = sh("yes flood", limits);
        assert_eq!(out.exit, Exit::OutputCap);
        assert!(out.stdout.contains(TRUNCATION_MARKER), "{}", out.stdout);
        assert!(out.stdout.len() < 1100);
    }

    #[test]
    fn output_over_the_cap_then_a_normal_exit_is_output_cap() {
        let limits = Limits { output_cap: 100, ..Limits::default() };
        for _ in 0..20 {
            let out = sh("head -c 150 /dev/zero | tr '\\0' x; exit 70", limits);
            assert_eq!(out.exit, Exit::OutputCap, "{out:?}");
            assert!(out.stdout.contains(TRUNCATION_MARKER), "{}", out.stdout);
            let out = sh("head -c 150 /dev/zero | tr '\\0' x >&2; exit 0", limits);
            assert_eq!(out.exit, Exit::OutputCap, "stderr is capped too: {out:?}");
        }
        let out = sh("head -c 100 /dev/zero | tr '\\0' x; exit 0", limits);
        assert_eq!(out.exit, Exit::Code(0), "exactly at the cap is not over it");
    }

    #[test]
    fn output_is_kept_when_a_child_escapes_the_group() {
        let started = Instant::now();
        let out = sh("setsid sleep 987654 & sleep 0.3; echo hello; exit 0", Limits::default());
        assert_eq!(out.exit, Exit::Code(0));
        assert_eq!(out.stdout, "hello\n");
        assert!(out.stderr.contains(ESCAPE_MARKER), "{}", out.stderr);
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        // The escaped sleeper was killed: nothing holds a pipe any more.
        let ps = std::process::Command::new("sh").args(["-c", "ps -eo args | grep -c '^sleep 987654$' || true"]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&ps.stdout).trim(), "0", "the escaped sleep 987654 is still running");
    }

    #[test]
    fn signal_is_reported() {
        let out = sh("kill -SEGV $$", Limits::default());
        assert_eq!(out.exit, Exit::Signal(libc::SIGSEGV));
        assert!(signal_name(libc::SIGSEGV).contains("SIGSEGV"));
    }

    #[test]
    fn missing_binary_is_a_spawn_error() {
        let out = run(&["definitely-not-a-real-engine-xyz".into()], Path::new("."), &Limits::default());
        match out.exit {
            Exit::SpawnError(m) => assert!(m.contains("not found"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
