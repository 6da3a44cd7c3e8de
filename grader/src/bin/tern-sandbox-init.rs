//! PID 1 of a grading sandbox (bubblewrap `--as-pid-1`).
//!
//! bubblewrap's own reaper ends the sandbox as soon as the first process
//! exits, killing whatever it left behind. A grade needs the opposite: a run
//! is over when the *last* process of the run has exited, so that detached
//! work is waited for, timed and bounded like any other. This init starts the
//! command, reaps every process of the pid namespace until none is left, and
//! writes the run's wall and CPU time to fd 3 (a pipe only the grader reads;
//! the command never inherits it) before exiting with the command's status.
//!
//! Usage: `tern-sandbox-init COMMAND [ARGS...]`
#![deny(clippy::undocumented_unsafe_blocks)]
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::time::Instant;

const REPORT_FD: libc::c_int = 3;

fn main() {
    let args: Vec<CString> = std::env::args_os()
        .skip(1)
        .map(|a| CString::new(a.as_bytes()).unwrap_or_else(|_| die("an argument contains a NUL byte")))
        .collect();
    if args.is_empty() {
        die("usage: tern-sandbox-init COMMAND [ARGS...]");
    }
    // SAFETY: prctl and fcntl take plain integer arguments. Not dumpable means
    // no process of the run can ptrace this one or open its fds via /proc.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        libc::fcntl(REPORT_FD, libc::F_SETFD, libc::FD_CLOEXEC);
    }
    let started = Instant::now();
    // SAFETY: fork in a single-threaded process; the child only calls
    // async-signal-safe functions (execvp, write, _exit) before exec.
    let child = unsafe { libc::fork() };
    if child < 0 {
        die("fork failed");
    }
    if child == 0 {
        exec(&args);
    }
    let status = reap_all(child);
    let wall = started.elapsed();
    report(wall, status);
    exit_like(status);
}

fn exec(args: &[CString]) -> ! {
    let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    // SAFETY: argv is a NULL-terminated array of pointers into `args`, which
    // outlives the call; execvp only returns on failure.
    unsafe { libc::execvp(argv[0], argv.as_ptr()) };
    let err = std::io::Error::last_os_error();
    let name = args[0].to_string_lossy();
    let msg = match err.kind() {
        std::io::ErrorKind::NotFound => format!(
            "command `{name}` not found inside the sandbox (is it installed in a system directory, or beside the engine's manifest?)"),
        std::io::ErrorKind::PermissionDenied => format!("command `{name}` is not executable (chmod +x?): {err}"),
        _ => format!("cannot start `{name}` inside the sandbox: {err}"),
    };
    // fd 3 is still open until exec succeeds: tell the grader it was the exec
    // that failed, not the engine that exited 127.
    let line = format!("tern-sandbox-init exec-error {msg}\n");
    let text = format!("{msg}\n");
    // SAFETY: write(2) of valid buffers, then _exit without unwinding.
    unsafe {
        libc::write(REPORT_FD, line.as_ptr().cast(), line.len());
        libc::write(2, text.as_ptr().cast(), text.len());
        libc::_exit(127)
    }
}

/// Waits for every process in the namespace (orphans are re-parented to us);
/// returns the wait status of `first`.
fn reap_all(first: libc::pid_t) -> libc::c_int {
    let mut first_status = 0;
    loop {
        let mut status = 0;
        // SAFETY: wait(2) with a valid out-pointer.
        let pid = unsafe { libc::wait(&mut status) };
        if pid == first {
            first_status = status;
        } else if pid < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return first_status; // ECHILD: nobody is left
        }
    }
}

fn report(wall: std::time::Duration, status: libc::c_int) {
    // SAFETY: `rusage` is plain old data, for which all-zero bytes are a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage with a valid out-pointer.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    let line = format!(
        "tern-sandbox-init v1 wall_us={} user_us={} sys_us={} maxrss_kb={} status={status}\n",
        wall.as_micros(),
        us(ru.ru_utime),
        us(ru.ru_stime),
        ru.ru_maxrss
    );
    // SAFETY: write(2) of a valid buffer; a closed fd 3 just fails (EBADF).
    unsafe { libc::write(REPORT_FD, line.as_ptr().cast(), line.len()) };
}

fn exit_like(status: libc::c_int) -> ! {
    if libc::WIFSIGNALED(status) {
        // Report a signal as the shell does; the grader also reads the status from fd 3.
        std::process::exit(128 + libc::WTERMSIG(status));
    }
    std::process::exit(libc::WEXITSTATUS(status));
}

fn die(msg: &str) -> ! {
    eprintln!("tern-sandbox-init: {msg}");
    std::process::exit(127);
}
