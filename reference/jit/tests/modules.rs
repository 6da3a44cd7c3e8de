//! `m.f()` calls into imported modules, compiled as native calls guarded
//! on the module the call site saw.
mod common;
use common::*;

const LIB: &str = "fn sq(x: int) -> int { return x * x; }\nfn half(x: float) -> float { return x / 2.0; }\nfn at(a, i: int) { return a[i] + a[i]; }\nfn tag() -> int { return 1; }\n";
const OTHER: &str = "fn tag() -> int { return 2; }\nfn sq(x: int) -> int { return x * x * x; }\n";

/// Loops calling module functions run natively, calls included.
#[test]
fn module_calls_in_hot_loops_run_natively() {
    let main = "import \"lib.tern\" as m;\n\
fn run(n: int) -> int { let s = 0; for i in 0..n { s = s + m.sq(i % 100); } return s; }\n\
fn f(n: int) -> float { let t = 0.0; for i in 0..n { t = t + m.half(float(i)); } return t; }\n\
print(run(100000));\nprint(f(100000));\nlet k = 0;\nfor i in 0..5000 { k = k + m.sq(i % 7); }\nprint(k);\n";
    let events0 = agree_files(&[("main.tern", main), ("lib.tern", LIB)]);
    assert!(!events0.iter().any(|e| e.contains("event=refuse")), "{events0:#?}");
    let events = agree_files_traced(&[("main.tern", main), ("lib.tern", LIB)]);
    assert_stays_native(&events, &["run", "f", "sq", "half"]);
    assert!(events.iter().any(|e| e.starts_with("tier: event=osr fn=<main> ")), "{events:#?}");
}

/// A callee that leaves native code mid-call hands its result back to
/// the register its `m.f()` wanted it in, and errors inside a module
/// function keep the whole stack trace.
#[test]
fn deopts_and_errors_under_a_native_module_call_agree() {
    let main = "import \"lib.tern\" as m;\n\
fn run(xs, n: int) { let s = 0.0; let c = 0; for i in 0..n { let v = m.at(xs, i % 4); c = c + 1; s = s + float(v) * 2.0; } print(s); print(c); }\n\
let xs = [1, 2, 3, 4];\nrun(xs, 3000);\nxs[2] = 2.5;\nrun(xs, 3000);\n\
fn bad(ys: [int], n: int) -> int { let s = 0; for i in 0..n { s = s + m.at(ys, i % 5 - i / 2999); } return s; }\n\
print(bad([1, 2, 3, 4, 5], 2999));\nprint(bad([1, 2, 3, 4, 5], 3000));\n";
    let events = agree_files(&[("main.tern", main), ("lib.tern", LIB)]);
    assert!(events.iter().any(|e| e.starts_with("tier: event=deopt fn=at ")), "{events:#?}");
}

/// A module value that changes (another module at the same call site, a
/// module passed as an argument) leaves to the interpreter, which calls
/// the right function.
#[test]
fn another_module_at_a_compiled_call_site_is_the_interpreters() {
    let main = "import \"lib.tern\" as a;\nimport \"other.tern\" as b;\n\
fn pick(k: int) { if k < 4000 { return a; } return b; }\n\
fn via(mm, x: int) -> int { return mm.sq(x) + mm.tag(); }\n\
let s = 0;\nfor i in 0..6000 { s = s + via(pick(i), i % 10); }\nprint(s);\n\
let t = 0;\nfor i in 0..3000 { let mm = a; if i > 2500 { mm = b; } t = t + mm.tag(); }\nprint(t);\n";
    agree_files(&[("main.tern", main), ("lib.tern", LIB), ("other.tern", OTHER)]);
}
