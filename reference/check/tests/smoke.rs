mod common;
use common::*;
use tern_check::Type;

#[test]
fn fib_checks() {
    let c = ok("fn fib(n) { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }\nprint(fib(20));\n");
    assert_eq!(c.functions[0].params, vec![Type::Int]);
    assert_eq!(c.functions[0].ret, Type::Int);
}

#[test]
fn add_int_str() {
    let m = one("let x = 1 + \"a\";\n", "E0201", "type", 1, 11);
    assert!(m.contains("cannot add int and str"), "{m}");
}
