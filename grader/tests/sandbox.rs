//! The sandbox around student code, attacked as a student who wants marks
//! without the work would (issue #13): each test is one attack and the
//! status it must now get. Needs bubblewrap (`ci/setup.sh` installs it).
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tern_grader::runner::process::{self, Exit, Isolation, Limit, Limits, ProcessOutput};
use tern_grader::runner::sandbox::{self, Grants};

fn bwrap() -> &'static Path {
    let tools = sandbox::available()
        .unwrap_or_else(|why| panic!("these tests need a working bubblewrap (bash ci/setup.sh): {why}"));
    &tools.bwrap
}

fn init() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tern-sandbox-init"))
}

fn boxed_in(dir: &Path, script: &str, limits: Limits, grants: &Grants) -> ProcessOutput {
    let init = init();
    let argv = ["sh".to_string(), "-c".into(), script.into()];
    process::run_isolated(&argv, dir, &limits, Isolation::Sandboxed { bwrap: bwrap(), init: &init, grants })
}

fn boxed(script: &str, limits: Limits) -> ProcessOutput {
    let dir = tempfile::tempdir().unwrap();
    boxed_in(dir.path(), script, limits, &Grants::default())
}

fn limits() -> Limits {
    Limits { timeout: Duration::from_secs(20), ..Limits::default() }
}

fn running(pattern: &str) -> usize {
    let out = std::process::Command::new("ps").args(["-eo", "args"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.trim() == pattern).count()
}

#[test]
fn a_plain_run_works_inside_and_keeps_its_exit_code() {
    let out = boxed("echo hi; echo oops >&2; exit 70", limits());
    assert_eq!(out.exit, Exit::Code(70), "{out:?}");
    assert_eq!(out.stdout, "hi\n");
    assert_eq!(out.stderr, "oops\n");
}

#[test]
fn detached_work_is_waited_for_and_timed() {
    // Attack 7: a grandchild that finishes after the engine exits used to go untimed.
    let out = boxed(
        "(sleep 0.6; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo late) & echo early; exit 0",
        limits(),
    );
    assert_eq!(out.exit, Exit::Code(0), "{out:?}");
    assert_eq!(out.stdout, "early\nlate\n", "the run ends when its last process does");
    assert!(out.wall >= Duration::from_millis(600), "wall {:?} misses the detached work", out.wall);
    assert!(out.cpu >= Duration::from_millis(50), "cpu {:?} misses the detached loop", out.cpu);
}

#[test]
fn a_daemon_cannot_outlive_its_run() {
    // Attack 2: a setsid daemon with closed descriptors used to survive the grader.
    let started = Instant::now();
    let short = Limits { timeout: Duration::from_millis(800), ..limits() };
    let out = boxed("setsid sh -c 'exec sleep 987651' </dev/null >/dev/null 2>&1 & exit 0", short);
    assert_eq!(out.exit, Exit::Timeout, "a run is over only when its last process is: {out:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(running("sleep 987651"), 0, "the daemon outlived its run");
}

#[test]
fn the_grader_is_not_reachable_through_proc() {
    // Attack 2 and 4: /proc/$PPID/fd/1 was the grader's report; /proc/$PPID/exe its binary.
    let out = boxed(
        "echo ppid=$PPID; ls /proc | grep -c '^[0-9]' ; readlink /proc/$PPID/exe || echo no-exe; \
         echo forged > /proc/$PPID/fd/1 || echo no-fd",
        limits(),
    );
    assert!(out.stdout.contains("ppid=1\n"), "the engine's parent is the sandbox init: {}", out.stdout);
    assert!(out.stdout.contains("no-exe") && out.stdout.contains("no-fd"), "{}", out.stdout);
    let pids: usize = out.stdout.lines().nth(1).and_then(|l| l.trim().parse().ok()).unwrap_or(999);
    assert!(pids <= 6, "only the run's own processes are visible, saw {pids}: {}", out.stdout);
}

#[test]
fn only_the_run_dir_and_tmp_are_writable_and_the_course_is_invisible() {
    // Attack 5 and 6: solutions beside the course, and the tools, were readable and writable.
    let course = tempfile::tempdir().unwrap();
    std::fs::create_dir(course.path().join("solutions")).unwrap();
    let secret = course.path().join("solutions/answer.tern");
    std::fs::write(&secret, "print(42);\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "cat {} || echo no-solution; touch /usr/x 2>/dev/null || echo no-usr; touch $HOME/x && echo home-ok; \
         touch /x 2>/dev/null || echo no-root; echo ok > here && echo run-dir-ok; ls /etc/shadow 2>/dev/null || echo no-shadow; \
         ls {} 2>/dev/null || echo no-course",
        secret.display(),
        course.path().display()
    );
    let out = boxed_in(dir.path(), &script, limits(), &Grants::default());
    for want in ["no-solution", "no-usr", "home-ok", "no-root", "run-dir-ok", "no-shadow", "no-course"] {
        assert!(out.stdout.lines().any(|l| l == want), "{want} missing: {}\n{}", out.stdout, out.stderr);
    }
    assert!(!out.stdout.contains("print(42)"));
    assert_eq!(std::fs::read_to_string(dir.path().join("here")).unwrap(), "ok\n");
}

#[test]
fn granted_directories_are_read_only() {
    let engine = tempfile::tempdir().unwrap();
    std::fs::write(engine.path().join("engine.sh"), "echo engine\n").unwrap();
    let grants = Grants { read_only: vec![engine.path().to_path_buf()], env: vec![] };
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "sh {0}/engine.sh; echo x > {0}/engine.sh 2>/dev/null || echo read-only",
        engine.path().display()
    );
    let out = boxed_in(dir.path(), &script, limits(), &grants);
    assert_eq!(out.stdout, "engine\nread-only\n", "{out:?}");
}

#[test]
fn there_is_no_network() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = format!(
        "python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2); print('connected')\" 2>/dev/null || echo no-network"
    );
    let out = boxed(&script, limits());
    assert_eq!(out.stdout, "no-network\n", "{out:?}");
}

#[test]
fn the_environment_is_not_inherited() {
    // Attack 3: secrets in the grader's environment (tokens) reached the engine.
    std::env::set_var("TERN_TEST_SECRET_TOKEN", "hunter2");
    let out = boxed("env", limits());
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
    assert!(out.stdout.contains("HOME=/tmp"), "{}", out.stdout);
}

#[test]
fn memory_over_the_limit_is_its_own_status() {
    // Attack 8: a 2.1 GB engine passed.
    let small = Limits { memory: 100 * process::MIB, ..limits() };
    let out = boxed("python3 -c \"x = b'a' * (400 * 1024 * 1024); import time; time.sleep(5)\"", small);
    assert_eq!(out.exit, Exit::Limit(Limit::Memory), "{out:?}");
    assert!(Limit::Memory.describe(&small).contains("100 MiB"));
}

#[test]
fn a_bounded_fork_bomb_is_stopped_at_the_process_limit() {
    let few = Limits { processes: 40, ..limits() };
    let started = Instant::now();
    let out = boxed("i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done; wait", few);
    assert_eq!(out.exit, Exit::Limit(Limit::Processes), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(running("sleep 30"), 0, "children of the bomb outlived it");
}

#[test]
fn file_size_and_cpu_time_limits_have_their_statuses() {
    let tiny = Limits { file_size: process::MIB, ..limits() };
    // The engine process itself writes the file (a child that dies of it is the engine's to report).
    let out = boxed("exec head -c 3000000 /dev/zero > big", tiny);
    assert_eq!(out.exit, Exit::Limit(Limit::FileSize), "{out:?}");
    let cpu = Limits { cpu_seconds: 1, ..limits() };
    let out = boxed("while :; do :; done", cpu);
    assert_eq!(out.exit, Exit::Limit(Limit::CpuTime), "{out:?}");
}

#[test]
fn a_missing_command_inside_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let init = init();
    let argv = ["/no/such/engine".to_string()];
    let grants = Grants::default();
    let out = process::run_isolated(
        &argv,
        dir.path(),
        &limits(),
        Isolation::Sandboxed { bwrap: bwrap(), init: &init, grants: &grants },
    );
    match out.exit {
        Exit::SpawnError(m) => assert!(m.contains("`/no/such/engine` not found inside the sandbox"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A shell's own 127 is the engine's exit code, not a spawn error.
    assert_eq!(boxed("exit 127", limits()).exit, Exit::Code(127));
}
