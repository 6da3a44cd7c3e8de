//! Programs built for both targets; stdout must be exactly what LANGUAGE.md says.
mod common;
use common::*;

fn check(name: &str, files: &[(&str, &str)], expected: &str) {
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let b = build_files(files, t);
        let r = run_exe(&b.exe, t, false);
        assert_eq!(r.stdout, expected, "{name} on {t}\nstderr: {}", r.stderr);
        assert_eq!(r.code, 0, "{name} on {t}\nstderr: {}", r.stderr);
    }
}

fn check1(name: &str, src: &str, expected: &str) {
    check(name, &[("main.tern", src)], expected)
}

#[test]
fn hello() {
    check1("hello", "print(\"hello\");\nprint(1 + 2 * 3);\n", "hello\n7\n");
}

#[test]
fn int_arithmetic_wraps_and_truncates() {
    let src = r#"
let min = -9223372036854775807 - 1;
print(9223372036854775807 + 1);
print(-min);
print(3037000500 * 3037000500);
print(7 / 2); print(7 % 2);
print(-7 / 2); print(-7 % 2);
print(7 / -2); print(7 % -2);
print(-7 / -2); print(-7 % -2);
let m1 = -1;
print(min / m1); print(min % m1);
"#;
    check1("ints", src, "-9223372036854775808\n-9223372036854775808\n-9223372036709301616\n3\n1\n-3\n-1\n-3\n1\n3\n-1\n-9223372036854775808\n0\n");
}

#[test]
fn floats_print_like_python_repr() {
    let src = r#"
print(25.0); print(0.1); print(0.1 + 0.2); print(1.0 / 3.0); print(1e15); print(1e16);
print(0.0001); print(0.00001); print(1.5e300); print(float(9223372036854775807));
print(1.0 / 0.0); print(-1.0 / 0.0); print(0.0 / 0.0); print(-0.0);
print(7.5 % 2.0); print(-7.5 % 2.0); print(sqrt(2.0)); print(float(9007199254740993));
print(0.0 == -0.0); let n = 0.0 / 0.0; print(n == n); print(n != n); print(n < 1.0);
"#;
    check1(
        "floats",
        src,
        "25.0\n0.1\n0.30000000000000004\n0.3333333333333333\n1000000000000000.0\n1e+16\n0.0001\n1e-05\n1.5e+300\n9.223372036854776e+18\ninf\n-inf\nnan\n-0.0\n1.5\n-1.5\n1.4142135623730951\n9007199254740992.0\ntrue\nfalse\ntrue\nfalse\n",
    );
}

#[test]
fn builtins_convert_and_format() {
    let src = r#"
print(int(3.9)); print(int(-3.9)); print(int(7)); print(float(2));
print(fixed(2.5, 0)); print(fixed(3.5, 0)); print(fixed(1.005, 2)); print(fixed(0.1, 20)); print(fixed(-0.001, 2));
print(fixed(1.0 / 0.0, 3)); print(fixed(0.0 / 0.0, 1));
print(str(12) + str(true) + str(nil) + str(1.5));
print(len("héllo")); print(len("🦀")); print(len([1, 2, 3]));
let t0 = clock(); let t1 = clock(); print(t1 >= t0);
"#;
    check1(
        "builtins",
        src,
        "3\n-3\n7\n2.0\n2\n4\n1.00\n0.10000000000000000555\n-0.00\ninf\nnan\n12truenil1.5\n5\n1\n3\ntrue\n",
    );
}

#[test]
fn strings_compare_bytewise_and_by_content() {
    let src = r#"
let a = "ab" + "cd";
print(a); print(a == "abcd"); print(a != "abcd");
print("Z" < "a"); print("ab" < "abc"); print("abc" < "abd"); print("" < "a"); print("é" > "z");
print("b" >= "b"); print("b" <= "a");
"#;
    check1("strings", src, "abcd\ntrue\nfalse\ntrue\ntrue\ntrue\ntrue\ntrue\ntrue\nfalse\n");
}

#[test]
fn arrays_and_records_print_and_compare_by_identity() {
    let src = r#"
struct Point { x: int, y: float }
struct Box { items: [str], p: Point }
struct Empty {}
let a = [1, 2, 3];
push(a, 4);
a[0] = 10;
print(a); print(len(a)); print(a[3]);
let p = Point { y: 2.5, x: 1 };
print(p);
p.x = p.x + 1;
print(p.x);
let b = Box { items: ["a", "b\n", "q\"\\"], p: nil };
print(b);
print([p, nil]);
print([[1, 2], [3]]);
print(Empty {});
print([1] == [1]); print(a == a); print(b.p == nil); print(nil == nil);
let e: [float] = [];
print(e);
print(str([true, false]));
let fs = [0.5, 1e20];
print(fs);
"#;
    check1(
        "aggregates",
        src,
        "[10, 2, 3, 4]\n4\n4\nPoint { x: 1, y: 2.5 }\n2\nBox { items: [\"a\", \"b\\n\", \"q\\\"\\\\\"], p: nil }\n[Point { x: 2, y: 2.5 }, nil]\n[[1, 2], [3]]\nEmpty {}\nfalse\ntrue\ntrue\ntrue\n[]\n[true, false]\n[0.5, 1e+20]\n",
    );
}

#[test]
fn self_reference_prints_sixteen_levels() {
    let src =
        "struct Node { v: int, next: Node }\nlet n = Node { v: 1, next: nil };\nn.next = n;\nprint(n);\n";
    let expected = format!("{}...{}\n", "Node { v: 1, next: ".repeat(16), " }".repeat(16));
    check1("depth", src, &expected);
}

#[test]
fn control_flow_and_functions() {
    let src = r#"
fn fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }
fn is_even(n) { if n == 0 { return true; } return is_odd(n - 1); }
fn is_odd(n) { if n == 0 { return false; } return is_even(n - 1); }
fn nothing() { }
print(fib(20));
print(is_even(10));
print(nothing());
let s = 0;
for i in 0..10 { if i == 3 { continue; } if i == 7 { break; } s = s + i; i = 100; }
print(s);
let k = 0;
while k < 5 && !(k == 4) { k = k + 1; }
print(k);
print(true || 1 / 0 == 0);
print(false && 1 / 0 == 0);
for i in 9223372036854775805..9223372036854775807 { print(i); }
{ let s = "inner"; print(s); }
print(s);
"#;
    check1(
        "control",
        src,
        "6765\ntrue\nnil\n18\n4\ntrue\nfalse\n9223372036854775805\n9223372036854775806\ninner\n18\n",
    );
}

#[test]
fn modules_run_at_their_first_import() {
    let main = r#"
print("start");
fn later() { import "lib/util.tern" as u; return u.twice(u.base); }
print(later());
import "lib/util.tern" as v;
print(v.base);
v.set(7);
print(later());
return;
print("not reached");
"#;
    let util = r#"
import "../main.tern" as m;
print("util init");
let base = 21;
fn twice(x: int) -> int { return 2 * x; }
fn set(x: int) { base = x; }
"#;
    check("modules", &[("main.tern", main), ("lib/util.tern", util)], "start\nutil init\n42\n21\n14\n");
}
