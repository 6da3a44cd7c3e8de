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
    assert!(
        events.iter().any(|e| e.starts_with("tier: event=compile fn=fib reason=calls count=1000 ")),
        "{events:#?}"
    );
}

#[test]
fn hot_loop_in_top_level_function_enters_by_osr() {
    let src = "fn work(n) { let s = 0; let i = 0; while i < n { s = s + i % 7; i = i + 1; } return s; }\nprint(work(5000));\nlet t = 0.0;\nfor k in 0..3000 { t = t + 0.5; }\nprint(t);\n";
    agree(src);
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), &[("main.tern", src)]);
    let (run, events) = jit(&path, 1000, 1000);
    assert_eq!(run.out, interp(&path).out);
    assert!(events.iter().any(|e| e.starts_with("tier: event=osr fn=work pc=")), "{events:#?}");
}

#[test]
fn type_change_deopts_and_result_stays_right() {
    let src = "fn add(a, b) { return a + b; }\nlet i = 0;\nwhile i < 1500 { add(i, 1); i = i + 1; }\nprint(add(1.5, 2.25));\nprint(add(\"a\", \"b\"));\nprint(add(2, 3));\n";
    let events = agree(src);
    assert!(events.iter().any(|e| e.starts_with("tier: event=deopt fn=add ")), "{events:#?}");
}

#[test]
fn runtime_errors_in_native_code_match_the_interpreter() {
    agree("fn f(a, b) { return a / b; }\nfn g(n) { return f(n, n - 3); }\nlet i = 0;\nwhile i < 2000 { g(4); i = i + 1; }\nprint(g(3));\n");
    agree("fn r(n) { return r(n + 1) + 1; }\nprint(r(0));\n");
    agree("fn h(x) { if x > 10 { return x + true; } return x; }\nlet i = 0;\nwhile i < 2000 { h(i % 5); i = i + 1; }\nprint(h(11));\n");
}

#[test]
fn a_syntax_error_in_an_imported_module_stops_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(
        dir.path(),
        &[("main.tern", "print(1);\nimport \"m.tern\" as m;\n"), ("m.tern", "let x = ;\n")],
    );
    let (run, _) = jit(&path, 1000, 1000);
    assert_eq!(run.code, 65);
    assert_eq!(run.out, "");
    assert!(run.err.contains("parse syntax"), "{}", run.err);
}

#[test]
fn constant_divisors_from_the_prologue_agree_with_the_interpreter() {
    let src = "fn f(n) { let s = 0; for i in 0 - n..n { s = s + i % 7 + i / 3 + i % -5 + i / -9; } return s; }\nprint(f(4000));\nlet t = 0;\nlet u = 0.0;\nfor i in 0 - 4000..4000 { t = t + i % 7 - i / 3; u = u + 2.5; }\nprint(t);\nprint(u);\nprint(f(3) + (0 - 9223372036854775807 - 1) / 7);\n";
    let events = agree(src);
    assert!(events.iter().any(|e| e.contains("event=compile")), "{events:#?}");
}

/// An OSR unit writes back only what it changed (its slots still hold the
/// rest): a guard failing mid-loop, in the loop itself or in a natively
/// called callee, must resume with the loop counter, the accumulators and
/// the untouched registers all as the interpreter would have them.
#[test]
fn a_loop_leaving_mid_way_resumes_with_every_register_right() {
    let src = "fn twice(a: [any], i: int) -> float { return float(a[i]) * 2.0; }\n\
fn walk(a: [any], n: int) -> float {\n    let keep = 7;\n    let s = 0;\n    let t = 0.5;\n    for i in 0..n {\n        let v = a[i];\n        s = s + 1;\n        t = t + float(v) + float(keep);\n    }\n    // nothing after the loop may reuse the counter register\n    S = s;\n    return t;\n}\n\
fn walk2(a: [any], n: int) -> float {\n    let keep = 3.0;\n    let s = 0.0;\n    let j = 0;\n    while j < n {\n        s = s + twice(a, j);\n        j = j + 1;\n    }\n    return s * keep + float(j);\n}\n\
fn make() -> [any] {\n    let a: [any] = [];\n    for i in 0..5000 { push(a, i); }\n    a[3000] = 0.25;\n    return a;\n}\n\
let S = 0;\nlet a = make();\nprint(walk(a, 5000));\nprint(S);\nprint(walk2(a, 5000));\n";
    let events = agree(src);
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), &[("main.tern", src)]);
    let (run, events2) = jit(&path, 1000, 1000);
    assert_eq!(run, interp(&path));
    assert!(run.out.lines().count() == 3 && run.code == 0, "{run:?}");
    for f in ["walk", "walk2"] {
        assert!(
            events2.iter().any(|e| e.starts_with(&format!("tier: event=osr fn={f} "))),
            "{f}: {events2:#?}"
        );
    }
    assert!(events2.iter().any(|e| e.starts_with("tier: event=deopt fn=walk ")), "{events2:#?}");
    assert!(
        events2.iter().chain(&events).any(|e| e.starts_with("tier: event=deopt fn=twice ")),
        "{events2:#?}"
    );
}

/// An unsupported instruction that never ran (here: building an error
/// message) does not keep its loop interpreted: it becomes an exit, taken
/// only when the branch finally runs, and the result stays right.
#[test]
fn a_cold_branch_with_strings_does_not_keep_its_loop_interpreted() {
    let src = "fn scan(a: [int]) -> int {\n    let s = 0;\n    for i in 0..len(a) {\n        if a[i] < 0 {\n            print(\"negative at \" + str(i) + \": \" + str(a[i]));\n        }\n        s = s + a[i];\n    }\n    return s;\n}\n\
let a: [int] = [];\nfor i in 0..5000 { push(a, i % 100); }\nlet t = 0;\nfor k in 0..5 { t = t + scan(a); }\nprint(t);\na[2500] = -1;\nprint(scan(a));\n";
    let events = agree_traced(src);
    let dir = tempfile::tempdir().unwrap();
    assert!(interp(&write_program(dir.path(), &[("main.tern", src)])).out.contains("negative at 2500: -1"));
    assert!(!events.iter().any(|e| e.starts_with("tier: event=refuse fn=scan")), "{events:#?}");
    assert!(events.iter().any(|e| e.starts_with("tier: event=osr fn=scan ")), "{events:#?}");
    assert!(events.iter().any(|e| e.starts_with("tier: event=deopt fn=scan ") && e.contains("reason=unsupported-op:const")), "{events:#?}");
}

/// A loop that only gets hot across many short calls is not entered by
/// OSR (that unit would serve the rest of one call): the function's entry
/// is compiled instead, and the next calls run natively.
#[test]
fn a_loop_hot_across_many_short_calls_compiles_the_entry_not_an_osr_unit() {
    let src = "fn step(n: int) -> int { let s = 0; for i in 0..n { s = s + i * i; } return s; }\nlet t = 0;\nfor k in 0..400 { t = t + step(10); }\nprint(t);\n";
    let events = agree_traced(src);
    assert!(events.iter().any(|e| e.starts_with("tier: event=compile fn=step reason=calls ")), "{events:#?}");
    assert!(!events.iter().any(|e| e.starts_with("tier: event=osr fn=step ")), "{events:#?}");
}

/// A run where nothing gets hot spends no time compiling (it is the
/// interpreter); the first hot function pays for the compiler's setup,
/// counted in the run's compile time.
#[test]
fn a_run_where_nothing_gets_hot_compiles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cold = write_program(dir.path(), &[("cold.tern", "fn f(x) { return x + 1; }\nprint(f(1));\n")]);
    let hot = write_program(dir.path(), &[("hot.tern", FIB)]);
    let run = |path: &str| {
        let mut opts = tern_jit::JitOptions {
            out: Box::new(std::io::sink()),
            err: Box::new(std::io::sink()),
            ..Default::default()
        };
        tern_jit::run_file(path, &mut opts).stats
    };
    let (c, h) = (run(&cold), run(&hot));
    assert_eq!((c.compiled, c.compiling), (0, std::time::Duration::ZERO), "{c:?}");
    assert!(h.compiled >= 1 && h.compiling > std::time::Duration::ZERO, "{h:?}");
}

/// A function that runs once but has two hot loops is entered by OSR at
/// each; it is never compiled as if it had been called many times.
#[test]
fn two_hot_loops_in_a_function_run_once_are_two_osr_entries_only() {
    let src = "let s = 0;\nfor i in 0..3000 { s = s + i % 7; }\nlet t = 0;\nfor j in 0..3000 { t = t + j % 5; }\nprint(s + t);\n";
    let events = agree_traced(src);
    assert_eq!(
        events.iter().filter(|e| e.starts_with("tier: event=osr fn=<main> ")).count(),
        2,
        "{events:#?}"
    );
    assert!(
        !events.iter().any(|e| e.starts_with("tier: event=compile fn=<main> reason=calls")),
        "{events:#?}"
    );
}

/// A `for` loop's variable is a copy of its hidden counter: a body that
/// assigns to it, loops back to its own start (`while`) or skips ahead
/// (`continue`) must leave the counter alone, entered by call and by OSR.
#[test]
fn a_for_loop_variable_assigned_in_the_body_agrees() {
    let src = "fn f(n: int) -> int { let s = 0; for i in 0..n { s = s + i; i = i * 2; s = s + i; } return s; }\n\
fn g(n: int) -> int { let s = 0; for i in 0..n { while i % 7 != 0 { i = i + 1; s = s + 1; } s = s + i; } return s; }\n\
fn h(n: int) -> int { let s = 0; for i in 0..n { if i % 3 == 0 { continue; } s = s + i; } return s; }\n\
let t = 0;\n\
for k in 0..200 { t = t + f(k) + g(k) + h(k); }\n\
print(t);\n\
let u = 0;\n\
for i in 0..100000 { u = u + i; i = i + 3; u = u + i; }\n\
print(u);\n\
let w = 0.0;\n\
for i in 0..5000 { w = w + float(i); if i == 4000 { w = w + 0.5; i = 7; } }\n\
print(w);\n";
    let events = agree_traced(src);
    assert_stays_native(&events, &["f", "g", "h"]);
    assert!(
        events.iter().filter(|e| e.starts_with("tier: event=osr fn=<main> ")).count() >= 2,
        "{events:#?}"
    );
}
