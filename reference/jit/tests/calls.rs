//! Native-to-native calls with parameters and results in machine registers.
mod common;
use common::*;

fn run_default(src: &str) -> (Run, Vec<String>, Run) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), &[("main.tern", src)]);
    let (run, events) = jit(&path, tern_jit::DEFAULT_THRESHOLD, tern_jit::DEFAULT_LOOP_THRESHOLD);
    (run, events, interp(&path))
}

#[test]
fn typed_parameters_of_every_kind_pass_through_native_calls() {
    let src = "struct B { v: float }\nfn pick(c: bool, i: int, x: float, b: B, s) { if c { return float(i) + x + b.v; } return s; }\nfn go(n) { let t = 0.0; let b = B { v: 0.25 }; for k in 0..n { t = t + pick(k % 2 == 0, k, 0.5, b, 1.0); } return t; }\nprint(go(5000));\nprint(pick(false, 1, 1.0, nil, \"str\"));\n";
    agree(src);
    let (run, events, want) = run_default(src);
    assert_eq!(run, want);
    assert!(events.iter().any(|e| e.starts_with("tier: event=compile fn=pick ")), "{events:#?}");
}

#[test]
fn speculated_parameter_type_failing_recompiles_untyped_and_stays_right() {
    let src = "fn half(x) { return x / 2.0; }\nfn twice(x) { return x + x; }\nlet t = 0.0;\nfor i in 0..3000 { t = t + half(float(i)); }\nprint(t);\nlet s = 0;\nfor i in 0..3000 { s = s + twice(i); }\nlet u = \"\";\nfor i in 0..3000 { if i % 100 == 0 { u = twice(\"ab\"); } }\nprint(s);\nprint(u);\nprint(half(3));\n";
    let events = agree(src);
    let (run, events2, want) = run_default(src);
    assert_eq!(run, want);
    assert!(
        events
            .iter()
            .chain(&events2)
            .any(|e| e.contains("event=deopt fn=twice") || e.contains("event=deopt fn=<main>")),
        "{events2:#?}"
    );
}

#[test]
fn deep_native_recursion_raises_the_interpreters_stack_error() {
    agree("fn down(n: int) -> int { if n == 0 { return 0; } return down(n - 1) + 1; }\nfor i in 0..2000 { down(20); }\nprint(down(9000));\nprint(down(20000));\n");
    agree("fn f(x: float) -> float { return f(x + 1.0); }\nprint(f(0.0));\n");
    // Two calls in one expression: the depth is checked once for both.
    agree("fn two(n: int) -> int { if n == 0 { return 1; } return two(n - 1) + two(0); }\nfor i in 0..2000 { two(8); }\nprint(two(9000));\nprint(two(20000));\n");
}

#[test]
fn errors_inside_a_natively_called_callee_keep_the_whole_trace() {
    agree("fn inner(a: [int], i: int) -> int { return a[i]; }\nfn outer(a: [int], i: int) -> int { return inner(a, i) + 1; }\nlet a = [1, 2, 3];\nfor k in 0..3000 { outer(a, k % 3); }\nprint(outer(a, 3));\n");
}

#[test]
fn result_types_known_from_the_callee_and_mixed_results_agree() {
    // Always int (self-recursive), always float, mixed int/float/nil, mutual recursion.
    let src = "fn fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }\nfn half(x: float) -> float { return x / 2.0; }\nfn mixed(i) { if i % 3 == 0 { return 1.5; } if i % 3 == 1 { return nil; } return i; }\nfn num(i) { if i % 3 == 0 { return 1.5; } return i; }\nfn even(n) { if n == 0 { return true; } return odd(n - 1); }\nfn odd(n) { if n == 0 { return false; } return even(n - 1); }\nfn go() { let t = 0.0; let c = 0; let e = 0; for i in 0..3000 { t = t + half(float(i)) + float(fib(i % 12)); mixed(i); if i % 3 == 0 { t = t + num(i); } else { c = c + num(i); } if even(i % 40) { e = e + 1; } } print(t); print(c); print(e); }\ngo();\nprint(mixed(3000));\nprint(mixed(3001));\n";
    agree(src);
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), &[("main.tern", src)]);
    let (run, events) = jit(&path, tern_jit::DEFAULT_THRESHOLD, tern_jit::DEFAULT_LOOP_THRESHOLD);
    assert_eq!(run, interp(&path));
    assert!(events.iter().any(|e| e.contains("event=compile fn=fib ")), "{events:#?}");
}

/// A parameter first used as an array is passed as its box pointer; a
/// caller with something else (nil, a string whose `len` is also fine)
/// leaves to the interpreter, from native code or from the entry check.
#[test]
fn array_parameters_are_specialised_and_checked_by_callers() {
    let src = "fn count(a) { return len(a); }\n\
fn sum(a: [int]) -> int { let s = 0; for i in 0..len(a) { s = s + a[i]; } return s; }\n\
fn over(xs, n: int) -> int { let t = 0; for i in 0..n { t = t + count(xs[i % len(xs)]) + sum(xs[0]); } return t; }\n\
let rows = [[1, 2, 3], [4, 5], [6]];\n\
print(over(rows, 5000));\n\
print(count(\"hello\"));\n\
for i in 0..40 { count(\"abc\"); }\n\
print(over([[1, 2], \"four\", [3]], 3000));\n\
print(sum(nil));\n";
    let events = agree_traced(src);
    assert!(events.iter().any(|e| e.starts_with("tier: event=compile fn=sum ")), "{events:#?}");
    // Specialised to arrays (by `len`, by the annotation): a string or nil fails the entry check.
    for f in ["count", "sum"] {
        assert!(
            events
                .iter()
                .any(|e| e.starts_with(&format!("tier: event=deopt fn={f} pc=0 reason=entry-guard"))),
            "{f}: {events:#?}"
        );
    }
}

/// The interpreter calls compiled functions of every parameter count and
/// mix: up to 16 integer and 8 float arguments through one Rust function
/// type (`entry.rs`), more through a compiled trampoline. Every argument
/// must arrive in its own parameter, and a wrong type must leave at entry.
#[test]
fn the_interpreter_enters_compiled_functions_of_every_parameter_shape() {
    let defs = "fn i5(a: int, b: int, c: int, d: int, e: int) -> int { return a + b * 10 + c * 100 + d * 1000 + e * 10000; }\n\
fn mix(a: int, x: float, b, y: float, c: bool) { if c { return float(a) + x * 10.0 + y * 100.0; } return b; }\n\
fn f9(a: float, b: float, c: float, d: float, e: float, f: float, g: float, h: float, i: float) -> float { return a + b * 2.0 + c * 3.0 + d * 4.0 + e * 5.0 + f * 6.0 + g * 7.0 + h * 8.0 + i * 9.0; }\n\
fn i14(a: int, b: int, c: int, d: int, e: int, f: int, g: int, h: int, i: int, j: int, k: int, l: int, m: int, n: int) -> int { return a - b + c - d + e - f + g - h + i - j + k - l + m * n; }\n\
fn d6(a, b, c, d, e, f) { if a { return f; } return e; }\n\
fn d7(a, b, c, d, e, f, g) { if a { return g; } return b; }\n\
let t = 0;\n\
let x = 0.0;\n\
for k in 0..50 {\n\
  t = t + i5(k, 1, 2, 3, 4) + i14(k, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, k);\n\
  x = x + mix(k, 0.5, nil, 0.25, true) + f9(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, float(k));\n\
  print(mix(k, 0.5, k * 3, 0.25, false));\n\
  print(d6(k % 2 == 0, 1, 2.5, nil, \"e\", k));\n\
  print(d7(k % 2 == 0, \"b\", 2, 3, 4, 5, k));\n\
}\n\
print(t);\n\
print(x);\n";
    // The last call of each has an argument of the wrong type (an error).
    for (wrong, f) in [
        ("print(i5(1, 2, 3, 4.5, 5));\n", "i5"),
        ("print(f9(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9));\n", "f9"),
    ] {
        let src = format!("{defs}{wrong}");
        agree(&src);
        let dir = tempfile::tempdir().unwrap();
        let path = write_program(dir.path(), &[("main.tern", &src)]);
        // Compiled at the first call; the loop stays interpreted, so every call is an entry.
        let (run, events) = jit(&path, 0, u32::MAX);
        assert_eq!(run, interp(&path));
        for g in ["i5", "mix", "f9", "i14", "d6", "d7"] {
            assert!(
                events.iter().any(|e| e.starts_with(&format!("tier: event=compile fn={g} "))),
                "{g}: {events:#?}"
            );
        }
        assert!(
            events
                .iter()
                .any(|e| e.starts_with(&format!("tier: event=deopt fn={f} pc=0 reason=entry-guard"))),
            "{f}: {events:#?}"
        );
    }
}
