//! Running an untrusted engine process: stdin closed, its own process group
//! (so a timeout kills everything it spawned), output capped, rusage collected.
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
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
    let flooded = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    for (idx, pipe) in [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .enumerate()
    {
        let (tx, flooded, cap) = (tx.clone(), flooded.clone(), limits.output_cap);
        let mut pipe = pipe.expect("piped");
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            let mut truncated = false;
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let room = cap.saturating_sub(buf.len());
                        buf.extend_from_slice(&chunk[..n.min(room)]);
                        if n > room {
                            truncated = true;
                            flooded.store(true, Ordering::SeqCst);
                            // Keep draining so the child never blocks on a full pipe before we kill it.
                        }
                    }
                }
            }
            let _ = tx.send((idx, buf, truncated));
        });
    }
    drop(tx);

    let mut status: libc::c_int = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    let mut capped = false;
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
        let over_cap = flooded.load(Ordering::SeqCst);
        if over_time || over_cap {
            timed_out = over_time;
            capped = over_cap && !over_time;
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

    let mut streams: [(Vec<u8>, bool); 2] = [(Vec::new(), false), (Vec::new(), false)];
    let deadline = Instant::now() + Duration::from_secs(2);
    for _ in 0..2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((idx, buf, trunc)) => streams[idx] = (buf, trunc),
            Err(_) => break, // a process that escaped the group keeps a pipe open; give up on it
        }
    }
    let render = |(buf, trunc): &(Vec<u8>, bool)| {
        let mut s = String::from_utf8_lossy(buf).into_owned();
        if *trunc {
            if !s.ends_with('\n') && !s.is_empty() {
                s.push('\n');
            }
            s.push_str(&format!("{TRUNCATION_MARKER} {} bytes]\n", limits.output_cap));
        }
        s
    };
    let cpu = timeval(usage.ru_utime) + timeval(usage.ru_stime);
    let exit = if timed_out {
        Exit::Timeout
    } else if capped {
        Exit::OutputCap
    } else if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(libc::WEXITSTATUS(status))
    };
    ProcessOutput { exit, stdout: render(&streams[0]), stderr: render(&streams[1]), wall, cpu }
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
