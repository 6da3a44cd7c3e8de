mod common;
use common::*;

const FIB: &str = "fn fib(n) { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }\nprint(fib(25));\n";

#[test]
fn fib_agrees_and_is_compiled() {
    let events = agree(FIB);
    assert!(events.iter().any(|e| e.starts_with("tier: event=compile fn=fib ")), "{events:#?}");
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), &[("main.tern", FIB)]);
    let (run, events) = jit(&path, 1000, 1000);
    assert_eq!(run.out, "75025\n");
    assert!(events.iter().any(|e| e.starts_with("tier: event=compile fn=fib reason=calls count=1000 ")), "{events:#?}");
}
