//! Builtins native code runs through a runtime helper (print, int, push, len of a string).
mod common;
use common::*;

#[test]
fn a_loop_that_prints_is_compiled_and_prints_in_order() {
    let src = "let s = 0;\nprint(\"before\");\nfor i in 0..3000 { s = s + i; if i % 500 == 0 { print(s); print(1.5); print(true); print(nil); } }\nprint(\"after\");\nlet a = [];\nfor i in 0..3000 { push(a, i * 2); }\nprint(len(a));\nprint(a[2999]);\n";
    agree(src);
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), &[("main.tern", src)]);
    let (run, events) = jit(&path, tern_jit::DEFAULT_THRESHOLD, tern_jit::DEFAULT_LOOP_THRESHOLD);
    assert_eq!(run, interp(&path));
    assert!(events.iter().any(|e| e.starts_with("tier: event=osr fn=<main> ")), "{events:#?}");
    assert!(!events.iter().any(|e| e.contains("event=refuse")), "{events:#?}");
}

#[test]
fn helper_builtin_errors_are_the_interpreters() {
    agree("let t = 0;\nlet x = 1.5;\nfor i in 0..3000 { t = t + int(x); if i == 2500 { x = 0.0 / 0.0; } }\n");
    agree("let a = [1];\nfor i in 0..3000 { push(a, i); if i == 2500 { a = nil; } }\n");
    agree("fn n(s) { return len(s); }\nlet t = 0;\nfor i in 0..3000 { t = t + n(\"héllo\"); }\nprint(t);\nprint(n(5));\n");
}
