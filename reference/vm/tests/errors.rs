//! Runtime errors: exact codes, positions, traces, and the phase model.
mod common;
use common::{fails, run};

fn check(src: &str, code: &str, line: u32, col: u32) -> common::Ran {
    let (c, l, k, r) = fails(src);
    assert_eq!((c.as_str(), l, k), (code, line, col), "{}", r.err);
    let d = r.diag.as_ref().unwrap();
    if d.phase == tern_diag::Phase::Runtime {
        assert_eq!(r.code, 70);
        assert!(!d.trace.is_empty(), "runtime errors carry a trace");
    }
    r
}

#[test]
fn division_by_zero_with_trace() {
    let r = check("fn f(a: int) -> int {\n  return a / 0;\n}\nprint(f(1));\n", "E0601", 2, 12);
    let d = r.diag.unwrap();
    let names: Vec<(&str, u32)> = d.trace.iter().map(|f| (f.function.as_str(), f.line)).collect();
    assert_eq!(names, vec![("f", 2), ("<main>", 4)]);
    assert!(r.err.starts_with("error[E0601]: runtime div-zero at "), "{}", r.err);
    assert!(r.err.contains("main.tern:2:12: division by zero"), "{}", r.err);
    assert!(r.err.contains("  at f ("), "{}", r.err);
    check("let x = 5 % 0;", "E0601", 1, 11);
}

#[test]
fn type_mismatches_surface_only_when_executed() {
    let r = check("print(\"ok\");\nif false { print(1 + 2.0); }\nprint(1 + \"s\");", "E0201", 3, 9);
    assert_eq!(r.out, "ok\n");
    check("let a = 1 == 1.0;", "E0201", 1, 11);
    check("let a = -\"s\";", "E0201", 1, 9);
    check("let a = !1;", "E0201", 1, 9);
    check("let a = 1 < \"s\";", "E0201", 1, 11);
    check("let a = 1 && true;", "E0201", 1, 9);
    check("for i in 0..2.0 { }", "E0201", 1, 10);
    check("if 1 { }", "E0205", 1, 4);
    check("while nil { }", "E0205", 1, 7);
}

#[test]
fn unknown_names_surface_when_reached() {
    let r = check("print(1);\nprint(nope);", "E0101", 2, 7);
    assert_eq!(r.out, "1\n");
    check("fn f() { g(); }\nprint(0);\nf();", "E0102", 1, 10);
    check("let p = Q { x: 1 };", "E0103", 1, 9);
    check("print(later);\nlet later = 1;", "E0104", 1, 7);
    check("fn f() { } let x = f;", "E0208", 1, 20);
    check("let v = 1; v(2);", "E0204", 1, 12);
    assert_eq!(run("if false { print(nope); nope2(); }\nprint(\"fine\");").out, "fine\n");
}

#[test]
fn fields_and_records() {
    check("struct P { x: int }\nlet p = P { x: 1 };\nprint(p.y);", "E0301", 3, 9);
    check("struct P { x: int }\nlet p = P { x: 1 };\np.y = 2;", "E0301", 3, 3);
    check("struct P { x: int }\nlet p = P { x: 1, y: 2 };", "E0301", 2, 19);
    check("struct P { x: int, y: int }\nlet p = P { x: 1 };", "E0302", 2, 9);
    check("struct P { x: int }\nlet p = P { x: 1, x: 2 };", "E0303", 2, 19);
    check("struct P { x: int }\nlet p: P = nil;\nprint(p.x);", "E0501", 3, 9);
    check("let a = 5;\nprint(a.x);", "E0209", 2, 9);
}

#[test]
fn arity_and_annotations() {
    check("fn f(a: int) { }\nf(1, 2);", "E0401", 2, 1);
    check("print(1, 2);", "E0401", 1, 1);
    check("fn f(a: int) { }\nf(\"s\");", "E0203", 1, 6);
    check("fn f() -> int { return \"s\"; }\nf();", "E0202", 1, 24);
    check("fn f() -> int { }\nf();", "E0202", 1, 17);
    check("let x: int = 2.0;", "E0202", 1, 5);
    check("let x: int = 1; x = \"s\";", "E0202", 1, 17);
    check("struct P { x: int }\nlet p = P { x: 1.5 };", "E0202", 2, 9);
    check("struct P { x: int }\nlet p = P { x: 1 };\np.x = \"s\";", "E0202", 3, 3);
    check("let x: Nope = 1;", "E0106", 1, 5);
}

#[test]
fn nil_index_value_and_stack_errors() {
    check("let a = [1, 2];\nprint(a[2]);", "E0701", 2, 8);
    check("let a = [1, 2];\na[-1] = 0;", "E0701", 2, 2);
    check("let a = nil;\nprint(a[0]);", "E0501", 2, 8);
    check("print(int(1.0 / 0.0));", "E0901", 1, 7);
    check("print(int(0.0 / 0.0));", "E0901", 1, 7);
    check("print(fixed(1.0, 21));", "E0902", 1, 7);
    check("print(sqrt(4));", "E0203", 1, 7);
    let r = check("fn down(n: int) -> int { return down(n + 1); }\ndown(0);", "E1001", 1, 33);
    assert_eq!(r.diag.unwrap().trace.len(), 10_000);
}

#[test]
fn break_outside_loop_is_deferred() {
    check("print(1);\nbreak;", "E0210", 2, 1);
}

#[test]
fn syntax_errors_stop_before_anything_runs() {
    let r = run("print(\"x\");\nlet = ;");
    assert_eq!(r.code, 65);
    assert_eq!(r.out, "");
    assert_eq!(r.diag.unwrap().phase, tern_diag::Phase::Parse);
}

#[test]
fn missing_entry_exits_66() {
    let r = common::run_path("/nonexistent/dir/main.tern", tern_diag::Format::Human);
    assert_eq!(r.code, 66);
}

#[test]
fn json_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.tern");
    std::fs::write(&p, "fn f() { print(1 / 0); }\nf();\n").unwrap();
    let r = common::run_path(p.to_str().unwrap(), tern_diag::Format::Json);
    let v: serde_json_shim::Value = serde_json_shim::parse(&r.err);
    assert!(v.0.contains("\"code\":\"E0601\""), "{}", r.err);
    assert!(v.0.contains("\"phase\":\"runtime\""), "{}", r.err);
    assert!(v.0.contains("\"function\":\"f\""), "{}", r.err);
}

mod serde_json_shim {
    pub struct Value(pub String);
    pub fn parse(s: &str) -> Value {
        assert_eq!(s.lines().count(), 1, "one JSON object per line: {s}");
        assert!(s.starts_with('{') && s.trim_end().ends_with('}'));
        Value(s.to_string())
    }
}
