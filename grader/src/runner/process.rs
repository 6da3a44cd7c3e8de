//! Running an untrusted engine process: stdin closed, its own process group
//! (so a timeout kills everything it spawned), output capped, resource
//! limits enforced, rusage collected; optionally inside the sandbox
//! (`sandbox.rs`), whose init reports the time of the whole process tree.
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub use super::limits::{Limit, Limits, MIB};
pub use super::which::find_on_path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    Timeout,
    OutputCap,
    Limit(Limit),
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

/// Where a run happens: plainly, or in the sandbox with these grants.
#[derive(Debug, Clone, Copy)]
pub enum Isolation<'a> {
    Plain,
    Sandboxed { bwrap: &'a Path, init: &'a Path, grants: &'a super::sandbox::Grants },
}

/// Runs `argv` in `cwd` without a sandbox.
pub fn run(argv: &[String], cwd: &Path, limits: &Limits) -> ProcessOutput {
    run_isolated(argv, cwd, limits, Isolation::Plain)
}

pub fn run_isolated(argv: &[String], cwd: &Path, limits: &Limits, isolation: Isolation) -> ProcessOutput {
    let started = Instant::now();
    let Some(program) = argv.first() else {
        return ProcessOutput::failed("empty command".into());
    };
    let (full_argv, report) = match isolation {
        Isolation::Plain => (argv.to_vec(), None),
        Isolation::Sandboxed { bwrap, init, grants } => {
            let mut a = super::sandbox::bwrap_argv(bwrap, init, cwd, grants);
            a.extend(argv.iter().cloned());
            match Pipe::new() {
                Ok(p) => (a, Some(p)),
                Err(e) => {
                    return ProcessOutput::failed(format!("cannot create the sandbox's report pipe: {e}"))
                }
            }
        }
    };
    let mut child = match spawn(&full_argv, cwd, limits, report.as_ref().map(|p| p.write)) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return ProcessOutput::failed(format!(
            "command `{program}` not found (is it installed and on PATH, or spelled right in the manifest?)"
        ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return ProcessOutput::failed(format!("command `{program}` is not executable (chmod +x?): {e}"))
        }
        Err(e) => return ProcessOutput::failed(format!("cannot start `{program}`: {e}")),
    };
    let report = report.map(Pipe::into_reader);
    let pid = child.id() as libc::pid_t;
    let readers = Readers::start(&mut child, limits.output_cap);
    let waited = match wait(pid, limits, started, &readers) {
        Ok(w) => w,
        Err(m) => return ProcessOutput::failed(format!("waiting for `{program}` failed: {m}")),
    };
    // Grandchildren left behind would hold our pipes open forever; the group dies with the engine.
    kill_group(pid);
    let escaped = readers.finish();
    let tree =
        if waited.stopped.is_none() { report.and_then(|r| r.read(Duration::from_secs(2))) } else { None };
    finish(waited, tree, readers, escaped, limits, started)
}

impl ProcessOutput {
    /// A run that never started.
    pub fn failed(msg: String) -> ProcessOutput {
        ProcessOutput {
            exit: Exit::SpawnError(msg),
            stdout: String::new(),
            stderr: String::new(),
            wall: Duration::ZERO,
            cpu: Duration::ZERO,
        }
    }
}

fn spawn(
    argv: &[String],
    cwd: &Path,
    limits: &Limits,
    report_fd: Option<RawFd>,
) -> std::io::Result<std::process::Child> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let rlimits = [
        (libc::RLIMIT_FSIZE, limits.file_size, limits.file_size),
        (libc::RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1),
        (libc::RLIMIT_CORE, 0, 0),
    ];
    // SAFETY: the closure runs in the forked child before exec and calls only
    // async-signal-safe functions (dup2, setrlimit) on values captured by copy.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(fd) = report_fd {
                // dup2 clears close-on-exec on fd 3 only: the sandbox init inherits it.
                let ok = if fd == 3 { libc::fcntl(3, libc::F_SETFD, 0) } else { libc::dup2(fd, 3) };
                if ok < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for (resource, soft, hard) in rlimits {
                let rl = libc::rlimit { rlim_cur: soft, rlim_max: hard };
                libc::setrlimit(resource, &rl);
            }
            Ok(())
        });
    }
    cmd.spawn()
}

/// The engine's stdout and stderr, read on threads as they arrive.
struct Readers {
    streams: [Arc<Mutex<Captured>>; 2],
    inodes: Vec<u64>,
    done: mpsc::Receiver<usize>,
}

impl Readers {
    fn start(child: &mut std::process::Child, cap: usize) -> Readers {
        let streams: [Arc<Mutex<Captured>>; 2] = Default::default();
        let mut inodes = Vec::new();
        let (tx, done) = mpsc::channel();
        let pipes = [
            child.stdout.take().map(|p| (p.as_raw_fd(), Box::new(p) as Box<dyn Read + Send>)),
            child.stderr.take().map(|p| (p.as_raw_fd(), Box::new(p) as Box<dyn Read + Send>)),
        ];
        for (idx, pipe) in pipes.into_iter().enumerate() {
            let (fd, mut pipe) = pipe.expect("piped");
            inodes.extend(pipe_inode(fd));
            let (tx, captured) = (tx.clone(), streams[idx].clone());
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
                            // Over the cap: keep draining so the child never blocks on a full pipe before we kill it.
                            c.truncated |= n > room;
                        }
                    }
                }
                let _ = tx.send(idx);
            });
        }
        Readers { streams, inodes, done }
    }

    fn flooded(&self) -> bool {
        self.streams.iter().any(|s| s.lock().unwrap_or_else(|e| e.into_inner()).truncated)
    }

    /// Waits for both streams to close. A process that left the group (setsid)
    /// may still hold a pipe: give it a moment, then kill whatever holds our
    /// pipes and keep what was read either way. Returns whether that happened.
    fn finish(&self) -> bool {
        let (mut finished, mut escaped) = (0, false);
        for grace in [Duration::from_millis(500), Duration::from_millis(1500)] {
            let deadline = Instant::now() + grace;
            while finished < 2 {
                match self.done.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(_) => finished += 1,
                    Err(_) => break,
                }
            }
            if finished == 2 {
                break;
            }
            escaped = true;
            kill_pipe_holders(&self.inodes);
        }
        escaped
    }

    fn take(&self, i: usize) -> Captured {
        std::mem::take(&mut *self.streams[i].lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// How the wait ended, before the output is looked at.
struct Waited {
    status: libc::c_int,
    usage: libc::rusage,
    /// The grader stopped the run: over time, or over a watched limit.
    stopped: Option<Exit>,
}

/// Polls the child until it exits, killing it when it goes over its time,
/// its output cap or a limit the tree watcher enforces.
fn wait(pid: libc::pid_t, limits: &Limits, started: Instant, readers: &Readers) -> Result<Waited, String> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut nap = Duration::from_micros(200);
    let mut next_watch = Instant::now();
    loop {
        // SAFETY: plain syscall on our own child's pid with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            return Ok(Waited { status, usage, stopped: None });
        }
        if r < 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(err.to_string());
        }
        let mut stopped = None;
        if started.elapsed() >= limits.timeout {
            stopped = Some(Exit::Timeout);
        } else if readers.flooded() {
            stopped = Some(Exit::OutputCap);
        } else if Instant::now() >= next_watch {
            stopped = super::tree::over_limit(pid, limits).map(Exit::Limit);
            next_watch = Instant::now() + Duration::from_millis(5);
        }
        if let Some(exit) = stopped {
            kill_group(pid);
            // SAFETY: as above; this wait blocks until the killed child is gone.
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            return Ok(Waited { status, usage, stopped: Some(exit) });
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(5));
    }
}

fn finish(
    waited: Waited,
    tree: Option<TreeReport>,
    readers: Readers,
    escaped: bool,
    limits: &Limits,
    started: Instant,
) -> ProcessOutput {
    let (out, err) = (readers.take(0), readers.take(1));
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
    // The sandbox's init timed the engine's whole tree, detached work included,
    // and knows how the command ended; without it, the child's rusage is all we have.
    let (wall, cpu, status) = match &tree {
        Some(t) => (t.wall, t.cpu, t.status),
        None => (
            started.elapsed(),
            timeval(waited.usage.ru_utime) + timeval(waited.usage.ru_stime),
            waited.status,
        ),
    };
    // Decided from what was read, not from when we happened to look: output
    // over the cap is `output-cap` whether the engine flooded or exited right after.
    let exec_error = tree.as_ref().and_then(|t| t.exec_error.clone());
    let exit = match waited.stopped {
        _ if exec_error.is_some() => Exit::SpawnError(exec_error.unwrap_or_default()),
        Some(Exit::Timeout) => Exit::Timeout,
        _ if out.truncated || err.truncated => Exit::OutputCap,
        Some(stopped) => stopped,
        None if libc::WIFSIGNALED(status) => signal_exit(libc::WTERMSIG(status)),
        None => match libc::WEXITSTATUS(status) {
            c if c > 128 && [libc::SIGXCPU, libc::SIGXFSZ].contains(&(c - 128)) => signal_exit(c - 128),
            c => Exit::Code(c),
        },
    };
    let mut stderr = render(&err);
    if escaped {
        if !stderr.ends_with('\n') && !stderr.is_empty() {
            stderr.push('\n');
        }
        stderr
            .push_str(&format!("{ESCAPE_MARKER}; it was killed, and the output read until then is kept]\n"));
    }
    ProcessOutput { exit, stdout: render(&out), stderr, wall, cpu }
}

/// SIGXCPU and SIGXFSZ are how the kernel enforces RLIMIT_CPU and RLIMIT_FSIZE.
fn signal_exit(sig: i32) -> Exit {
    match sig {
        libc::SIGXCPU => Exit::Limit(Limit::CpuTime),
        libc::SIGXFSZ => Exit::Limit(Limit::FileSize),
        s => Exit::Signal(s),
    }
}

/// What the sandbox's init wrote to fd 3 when the last process had exited.
struct TreeReport {
    wall: Duration,
    cpu: Duration,
    status: libc::c_int,
    /// The command could not be started at all.
    exec_error: Option<String>,
}

/// A pipe whose write end becomes fd 3 of the sandbox init.
struct Pipe {
    read: RawFd,
    write: RawFd,
}

impl Pipe {
    fn new() -> std::io::Result<Pipe> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: pipe2 fills the two-element array on success.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Pipe { read: fds[0], write: fds[1] })
    }

    /// Closes our copy of the write end (the child has its own), so the read
    /// end sees EOF once the init and everything it started are gone.
    fn into_reader(self) -> ReportReader {
        // SAFETY: we own both fds; each is closed or wrapped exactly once.
        unsafe { libc::close(self.write) };
        // SAFETY: `self.read` is an open pipe fd that nothing else owns; the File takes it over.
        ReportReader(unsafe { std::fs::File::from_raw_fd(self.read) })
    }
}

struct ReportReader(std::fs::File);

impl ReportReader {
    /// Reads until EOF, for at most `limit`: a sandbox that failed to die with
    /// its parent must not hang the grader.
    fn read(mut self, limit: Duration) -> Option<TreeReport> {
        let deadline = Instant::now() + limit;
        let fd = self.0.as_raw_fd();
        let mut buf = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
            // SAFETY: poll on one valid pollfd for at most `left`.
            let ready =
                unsafe { libc::poll(&mut pfd, 1, left.as_millis().min(i32::MAX as u128) as libc::c_int) };
            if ready <= 0 {
                return None;
            }
            let mut chunk = [0u8; 512];
            match self.0.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        parse_tree_report(&String::from_utf8_lossy(&buf))
    }
}

fn parse_tree_report(s: &str) -> Option<TreeReport> {
    let exec_error =
        s.lines().find_map(|l| l.strip_prefix("tern-sandbox-init exec-error ")).map(str::to_string);
    let line = s.lines().find(|l| l.starts_with("tern-sandbox-init v1 "))?;
    let field = |k: &str| -> Option<i64> {
        line.split_whitespace().find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=')?.parse().ok())
    };
    let us = |k| field(k).map(|v| Duration::from_micros(v.max(0) as u64));
    let status = field("status")? as libc::c_int;
    Some(TreeReport { wall: us("wall_us")?, cpu: us("user_us")? + us("sys_us")?, status, exec_error })
}

/// Appended to stderr when a process started by the engine left its process
/// group (e.g. `setsid`) and kept stdout or stderr open after the engine exited.
pub const ESCAPE_MARKER: &str =
    "[grader: a process started by the engine left its process group and kept its output open";

#[derive(Default)]
struct Captured {
    buf: Vec<u8>,
    truncated: bool,
}

fn pipe_inode(fd: std::os::fd::RawFd) -> Option<u64> {
    // SAFETY: `stat` is plain old data, for which all-zero bytes are a valid value.
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
        let ps = std::process::Command::new("sh")
            .args(["-c", "ps -eo args | grep -c '^sleep 987654$' || true"])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ps.stdout).trim(),
            "0",
            "the escaped sleep 987654 is still running"
        );
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
