//! Redundant `checktype`s are dropped; needed ones stay.

use tern_bytecode::{compile_source, Instr, Program};

fn checks_in(p: &Program, name: &str) -> usize {
    let f = p.functions.iter().find(|f| f.name == name).expect("function");
    f.code.iter().filter(|i| matches!(i, Instr::CheckType { .. })).count()
}

fn compile(src: &str) -> Program {
    let p = compile_source("t.tern", src).expect("compiles").0;
    tern_bytecode::verify(&p).expect("still verifies");
    p
}

#[test]
fn fib_keeps_only_the_entry_check_and_the_fall_off_check() {
    let p = compile("fn fib(n: int) -> int {\n if n < 2 { return n; }\n return fib(n - 1) + fib(n - 2);\n}\nprint(fib(5));\n");
    // entry `n: int`, and `-> int` on falling off the end (nil: must raise).
    assert_eq!(checks_in(&p, "fib"), 2);
}

#[test]
fn checks_that_can_fail_stay() {
    // A float-returning function returning an int call result.
    let p = compile("fn g() -> int { return 1; }\nfn f() -> float { return g(); }\n");
    assert_eq!(checks_in(&p, "f"), 2, "return g() and fall-off");
    // A value whose type differs on two paths: the join is a jump target.
    let p = compile("fn f(c: bool) -> int { let x = 1; if c { x = \"s\"; } return x; }\n");
    assert_eq!(checks_in(&p, "f"), 3, "entry, return x, fall-off");
    // Unknown operand types (field reads, untyped params).
    let p = compile("fn f(a) -> int { return a * 2; }\n");
    assert_eq!(checks_in(&p, "f"), 2);
}

#[test]
fn literal_and_arithmetic_results_are_known() {
    let p = compile("fn f(a: float) -> float { let y: float = a * 2.0; return y - a; }\nfn g() -> str { return str(1) + \"x\"; }\nfn h() -> int { return len(\"abc\") % 2; }\n");
    assert_eq!(checks_in(&p, "f"), 2, "entry and fall-off only");
    assert_eq!(checks_in(&p, "g"), 1);
    assert_eq!(checks_in(&p, "h"), 1);
}

#[test]
fn jumps_are_re_aimed_after_removal() {
    let p = compile("fn f(n: int) -> int {\n let s = 0;\n for i in 0..n { if i % 2 == 0 { s = s + i; } else { continue; } }\n while s > 100 { s = s - 1; }\n return s;\n}\n");
    for f in &p.functions {
        for (pc, ins) in f.code.iter().enumerate() {
            if let Some(off) = ins.jump_offset() {
                let t = pc as i64 + 1 + off as i64;
                assert!(t >= 0 && t <= f.code.len() as i64, "jump out of range at {pc}");
            }
        }
    }
}
