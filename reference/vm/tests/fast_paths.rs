//! The dispatch loop's fast paths (cached field slots, annotation masks,
//! sqrt) must behave exactly like the general paths they skip.

mod common;
use common::{fails, ok};

#[test]
fn setfield_fast_path_still_checks_annotations_after_the_cache_is_warm() {
    // The first iterations warm the site's cache with a passing value; the
    // last one must still be rejected.
    let (code, line, _, r) = fails(
        "struct P { x: float, n: P }\nlet p = P { x: 0.0, n: nil };\nfor i in 0..5 { p.x = p.x + 1.0; }\nprint(p.x);\nlet v = [1.0, 2.0, 3];\nfor i in 0..3 { p.x = v[i]; }\n",
    );
    assert_eq!((code.as_str(), line), ("E0202", 6));
    assert_eq!(r.out, "5.0\n");
}

#[test]
fn struct_typed_fields_accept_nil_and_their_struct_only() {
    let out = ok("struct A { n: A }\nstruct B { v: int }\nlet a = A { n: nil };\na.n = A { n: nil };\na.n.n = nil;\nprint(a.n.n);\n");
    assert_eq!(out, "nil\n");
    let (code, line, _, _) =
        fails("struct A { n: A }\nstruct B { v: int }\nlet a = A { n: nil };\na.n = B { v: 1 };\n");
    assert_eq!((code.as_str(), line), ("E0202", 4));
}

#[test]
fn a_field_site_seeing_two_shapes_reads_the_right_slot() {
    let out = ok("struct A { x: int, y: int }\nstruct B { y: int, x: int }\nfn gx(o) { return o.x; }\nfn sx(o, v) { o.x = v; }\nlet a = A { x: 1, y: 2 };\nlet b = B { y: 3, x: 4 };\nfor i in 0..3 { sx(a, gx(a) + 10); sx(b, gx(b) + 100); }\nprint(a);\nprint(b);\n");
    assert_eq!(out, "A { x: 31, y: 2 }\nB { y: 3, x: 304 }\n");
}

#[test]
fn argument_checks_pass_and_fail_like_the_general_check() {
    let out = ok("fn f(a: int, b: float, s: str, xs: [int], q: bool) -> int { return a; }\nprint(f(1, 2.0, \"s\", nil, true));\nprint(f(2, 2.0, \"s\", [1], false));\n");
    assert_eq!(out, "1\n2\n");
    let (code, _, _, _) = fails("fn f(xs: [int]) { }\nf(1);\n");
    assert_eq!(code, "E0203");
    let (code, _, _, _) = fails("struct P { x: int }\nfn f(p: P) { }\nf(nil);\nf(1.5);\n");
    assert_eq!(code, "E0203");
}

#[test]
fn sqrt_fast_path_and_its_error() {
    assert_eq!(ok("print(sqrt(2.25));\nprint(sqrt(-1.0));\n"), "1.5\nnan\n");
    let (code, _, _, _) = fails("let x = 4;\nprint(sqrt(x));\n");
    assert_eq!(code, "E0203");
}

#[test]
fn a_register_overwritten_by_its_own_field_or_element_keeps_the_value() {
    // `p = p.next` / `a = a[0]`: the source lives inside what the destination
    // register owns; the last reference to the container goes away.
    let out = ok("struct N { v: str, next: N }\nlet p = N { v: \"a\", next: N { v: \"b\", next: nil } };\np = p.next;\nprint(p.v);\nlet a = [[\"x\"]];\na = a[0];\nprint(a);\na = a[0];\nprint(a);\nfn first(xs) { return xs[0]; }\nprint(first([N { v: \"c\", next: nil }]).v);\n");
    assert_eq!(out, "b\n[\"x\"]\nx\nc\n");
}

#[test]
fn elided_checks_behave_like_the_checks() {
    assert_eq!(ok("fn fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }\nprint(fib(15));\n"), "610\n");
    let (code, line, _, _) = fails("fn g() -> int { return 1; }\nfn f() -> float { return g(); }\nf();\n");
    assert_eq!((code.as_str(), line), ("E0202", 2));
    let src = "fn f(c: bool) -> int { let x = 1; if c { x = \"s\"; } return x; }\nprint(f(false));\nprint(f(true));\n";
    let (code, line, _, r) = fails(src);
    assert_eq!((code.as_str(), line, r.out.as_str()), ("E0202", 1, "1\n"));
    let (code, _, _, _) = fails("fn f() -> int { }\nf();\n");
    assert_eq!(code, "E0202");
    let (code, _, _, _) = fails("fn f(a: int) -> int { a = 1; let b: str = a; return a; }\nf(1);\n");
    assert_eq!(code, "E0202");
}
