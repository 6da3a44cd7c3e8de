//! Every instruction, exercised through the programs that compile to it.
mod common;
use common::ok;

#[test]
fn loads_moves_and_constants() {
    // nil, bool, int, const (big int, float, str), move
    let out = ok(
        "let a = nil; let b = true; let c = 7; let d = 9223372036854775807; let e = 2.5; let f = \"s\";\n\
                  { let g = c; let h = g; print(h); }\nprint(a); print(b); print(d); print(e); print(f);",
    );
    assert_eq!(out, "7\nnil\ntrue\n9223372036854775807\n2.5\ns\n");
}

#[test]
fn globals_define_read_and_assign() {
    let out =
        ok("let g = 1; fn bump() { g = g + 10; } bump(); bump(); print(g); let g = \"shadow\"; print(g);");
    assert_eq!(out, "21\nshadow\n");
}

#[test]
fn arithmetic_int_float_and_strings() {
    let out = ok("print(7 + 3); print(7 - 10); print(6 * 7); print(7 / 2); print(-7 / 2); print(-7 % 3); print(7 % -3);\n\
                  print(1.5 + 1.0); print(1.0 - 2.5); print(1.5 * 2.0); print(1.0 / 4.0); print(7.5 % 2.0);\n\
                  print(\"ab\" + \"cd\"); let x = 5; print(x + 1); print(x - 1); print(-x); print(-2.5); let y = 2.0; print(-y);");
    assert_eq!(out, "10\n-3\n42\n3\n-3\n-1\n1\n2.5\n-1.5\n3.0\n0.25\n1.5\nabcd\n6\n4\n-5\n-2.5\n-2.0\n");
}

#[test]
fn int_arithmetic_wraps() {
    let out = ok("let max = 9223372036854775807; let min = -9223372036854775807 - 1;\n\
                  print(max + 1); print(min - 1); print(max * 2); print(min / -1); print(min % -1); print(-min);");
    assert_eq!(
        out,
        "-9223372036854775808\n9223372036854775807\n-2\n-9223372036854775808\n0\n-9223372036854775808\n"
    );
}

#[test]
fn float_division_follows_ieee() {
    assert_eq!(ok("print(1.0 / 0.0); print(-1.0 / 0.0); print(0.0 / 0.0);"), "inf\n-inf\nnan\n");
}

#[test]
fn comparisons_as_values_and_branches() {
    let out = ok("let a = 1; let b = 2; print(a < b); print(a <= b); print(a > b); print(a >= b); print(a == b); print(a != b);\n\
                  print(\"abc\" < \"abd\"); print(1.5 >= 1.5); print(nil == nil); print([1] == nil); let r = [1]; print(r == r); print(!true);\n\
                  if a < b { print(\"lt\"); } if a <= b { print(\"le\"); } if b > a { print(\"gt\"); } if b >= a { print(\"ge\"); }\n\
                  if a == 1 { print(\"eq\"); } if a != b { print(\"ne\"); } if 2.0 > 1.0 { print(\"f\"); } if \"a\" == \"a\" { print(\"s\"); }\n\
                  if a > b { print(\"no\"); } else { print(\"else\"); }");
    assert_eq!(out, "true\ntrue\nfalse\nfalse\nfalse\ntrue\ntrue\ntrue\ntrue\nfalse\ntrue\nfalse\nlt\nle\ngt\nge\neq\nne\nf\ns\nelse\n");
}

#[test]
fn logical_operators_short_circuit() {
    let out = ok("fn t(s: str) -> bool { print(s); return true; } fn f(s: str) -> bool { print(s); return false; }\n\
                  print(f(\"a\") && t(\"b\")); print(t(\"c\") || f(\"d\")); print(t(\"e\") && f(\"f\")); let c = true; if c { print(\"y\"); }\n\
                  let x = true; x = x && false; print(x);");
    assert_eq!(out, "a\nfalse\nc\ntrue\ne\nf\nfalse\ny\nfalse\n");
}

#[test]
fn loops_while_for_break_continue() {
    let out =
        ok("let i = 0; while i < 5 { i = i + 1; if i == 2 { continue; } if i == 4 { break; } print(i); }\n\
                  for j in 0..6 { if j == 1 { continue; } if j == 4 { break; } print(j * 10); }\n\
                  for k in 3..3 { print(\"never\"); } for k in 0..3 { k = 100; print(k); }\n\
                  let lo = 2; let hi = 4; for m in lo..hi { print(m); }");
    assert_eq!(out, "1\n3\n0\n20\n30\n100\n100\n100\n2\n3\n");
}

#[test]
fn calls_returns_and_builtins() {
    let out = ok("fn add(a: int, b: int) -> int { return a + b; } fn nothing() { } fn early(x: int) -> int { if x > 0 { return 1; } return 2; }\n\
                  print(add(2, 3)); print(nothing()); print(early(5)); print(early(-5));\n\
                  print(str(1.0) + str(2) + str(true)); print(int(2.9)); print(int(-2.9)); print(float(3)); print(sqrt(16.0));\n\
                  print(fixed(3.14159, 2)); print(len(\"héllo\")); let a = [1]; push(a, 2); print(len(a)); print(a); print(clock() > 0);");
    assert_eq!(out, "5\nnil\n1\n2\n1.02true\n2\n-2\n3.0\n4.0\n3.14\n5\n2\n[1, 2]\ntrue\n");
}

#[test]
fn recursion_uses_register_windows() {
    let out = ok("fn fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); } print(fib(20));\n\
                  fn depth(n: int) -> int { if n == 0 { return 0; } return 1 + depth(n - 1); } print(depth(9000));");
    assert_eq!(out, "6765\n9000\n");
}

#[test]
fn arrays_and_indexing() {
    let out = ok("let a = [1, \"two\", 3.0, nil, [4]]; print(a); print(a[1]); a[0] = 10; print(a[0]); print(len(a));\n\
                  let b = a; b[2] = \"x\"; print(a[2]); let e = []; print(e);");
    assert_eq!(out, "[1, \"two\", 3.0, nil, [4]]\ntwo\n10\n5\nx\n[]\n");
}

#[test]
fn records_fields_and_printing() {
    let out = ok("struct P { x: int, y: float, name: str } struct N { next: N, v: int }\n\
                  let p = P { name: \"pt\", y: 2.5, x: 1 }; print(p); print(p.x); p.x = 5; print(p.x + 1);\n\
                  let n = N { next: nil, v: 1 }; let m = N { next: n, v: 2 }; print(m.next.v); print(m); let q = p; q.y = 0.5; print(p.y);");
    assert_eq!(
        out,
        "P { x: 1, y: 2.5, name: \"pt\" }\n1\n6\n1\nN { next: N { next: nil, v: 1 }, v: 2 }\n0.5\n"
    );
}

#[test]
fn annotations_accept_matching_values() {
    let out = ok("struct P { x: int } fn f(a: [int], p: P, s: str, b: bool, x: float) -> P { return p; }\n\
                  let r: P = f(nil, nil, \"s\", true, 1.0); print(r); let q: P = P { x: 1 }; let arr: [int] = [1]; print(arr);");
    assert_eq!(out, "nil\n[1]\n");
}

#[test]
fn float_printing_matches_python_repr() {
    let out = ok("print(1e16); print(0.1); print(25.0); print(1e-05); print(123456789012345.6); print(1e15); print(0.0001); print(-0.0);\n\
                  print([1.5, 1e22]); print(str(2.0e-7));");
    assert_eq!(
        out,
        "1e+16\n0.1\n25.0\n1e-05\n123456789012345.6\n1000000000000000.0\n0.0001\n-0.0\n[1.5, 1e+22]\n2e-07\n"
    );
}

#[test]
fn fixed_is_c_printf() {
    let out = ok("print(fixed(0.125, 2)); print(fixed(2.5, 0)); print(fixed(-1.0, 3)); print(fixed(1.0 / 3.0, 20)); print(fixed(1.0 / 0.0, 2));");
    assert_eq!(out, "0.12\n2\n-1.000\n0.33333333333333331483\ninf\n");
}

#[test]
fn output_is_flushed_at_exit_and_before_errors() {
    let r = common::run("print(\"before\"); let x = 1 / 0;");
    assert_eq!(r.out, "before\n");
    assert_eq!(r.code, 70);
}

#[test]
fn nesting_deeper_than_16_prints_ellipsis() {
    let out = ok("let a = [1]; for i in 0..20 { a = [a]; } print(a);");
    assert!(out.starts_with("[[[[[[[[[[[[[[[[...]]]]]]]]]]]]]]]]"), "{out}");
}
