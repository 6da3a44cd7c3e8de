//! Runtime errors in built executables: same diagnostics as the interpreter
//! (LANGUAGE.md §13), exit 70, earlier output kept.
mod common;
use common::*;
use tern_aot::Target;

/// Builds and runs `src` with JSON diagnostics; returns (stdout, the JSON object, exit code).
fn run_json(files: &[(&str, &str)], t: Target) -> (String, serde_json::Value, String, i32) {
    let b = build_files(files, t);
    let r = run_exe(&b.exe, t, true);
    let line = r.stderr.lines().next().unwrap_or_default().to_string();
    let v: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stderr));
    let dir = b.dir.path().to_string_lossy().into_owned() + "/";
    (r.stdout, v, dir, r.code)
}

fn expect_error(name: &str, src: &str, code: &str, kind: &str, line: u64, col: u64, stdout: &str) {
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let (out, v, _, exit) = run_json(&[("main.tern", src)], t);
        assert_eq!(out, stdout, "{name} on {t}");
        assert_eq!(exit, 70, "{name} on {t}");
        assert_eq!(
            (v["code"].as_str().unwrap(), v["kind"].as_str().unwrap(), v["phase"].as_str().unwrap()),
            (code, kind, "runtime"),
            "{name} on {t}: {v}"
        );
        assert_eq!(
            (v["line"].as_u64().unwrap(), v["col"].as_u64().unwrap()),
            (line, col),
            "{name} on {t}: {v}"
        );
        assert!(v["file"].as_str().unwrap().ends_with("main.tern"), "{v}");
    }
}

#[test]
fn div_zero_json_matches_render_json_exactly() {
    let src =
        "fn ratio(a: int, b: int) -> int {\n    return a / b;\n}\nprint(\"before\");\nprint(ratio(1, 0));\n";
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let (out, v, dir, exit) = run_json(&[("main.tern", src)], t);
        assert_eq!((out.as_str(), exit), ("before\n", 70));
        let f = format!("{dir}main.tern");
        let expected = format!(
            r#"{{"code":"E0601","kind":"div-zero","phase":"runtime","file":"{f}","line":2,"col":14,"message":"division by zero","hint":null,"trace":[{{"function":"ratio","file":"{f}","line":2,"col":14}},{{"function":"<main>","file":"{f}","line":5,"col":7}}]}}"#
        );
        assert_eq!(v.to_string(), expected, "{t}");
        // Key order and spelling exactly as tern_diag::render_json.
        let mut sources = tern_diag::SourceMap::new();
        let file = sources.add(f.clone(), src);
        let mut d = tern_diag::Diagnostic::new(
            tern_diag::Code::DivisionByZero,
            tern_diag::Phase::Runtime,
            tern_diag::Span::new(file, src.find(" / ").unwrap() + 1, src.find(" / ").unwrap() + 2),
            "division by zero",
        );
        d.trace = vec![
            tern_diag::Frame { function: "ratio".into(), file: f.clone(), line: 2, col: 14 },
            tern_diag::Frame { function: "<main>".into(), file: f.clone(), line: 5, col: 7 },
        ];
        assert_eq!(tern_diag::render_json(&d, &sources), expected);
    }
}

#[test]
fn human_rendering_has_header_and_trace() {
    let src = "fn ratio(a: int, b: int) -> int {\n    return a % b;\n}\nprint(ratio(1, 0));\n";
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let b = build_files(&[("main.tern", src)], t);
        let r = run_exe(&b.exe, t, false);
        let f = b.entry.clone();
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines[0], format!("error[E0601]: runtime div-zero at {f}:2:14: modulo by zero"), "{t}");
        assert_eq!(lines[1], format!("  at ratio ({f}:2:14)"));
        assert_eq!(lines[2], format!("  at <main> ({f}:4:7)"));
        assert_eq!(r.code, 70);
    }
}

#[test]
fn index_out_of_range_points_after_the_array() {
    expect_error("index", "let a = [1, 2];\nprint(\"x\");\nprint(a[2]);\n", "E0701", "index", 3, 8, "x\n");
    expect_error("negative index", "let a = [1, 2];\na[-1] = 3;\n", "E0701", "index", 2, 2, "");
}

#[test]
fn nil_access_is_e0501() {
    expect_error("field", "struct P { x: int }\nlet p: P = nil;\nprint(p.x);\n", "E0501", "nil", 3, 9, "");
    expect_error("field write", "struct P { x: int }\nlet p: P = nil;\np.x = 1;\n", "E0501", "nil", 3, 3, "");
    expect_error("index", "let a: [int] = nil;\nprint(a[0]);\n", "E0501", "nil", 2, 8, "");
    expect_error("len", "let a: [int] = nil;\nprint(len(a));\n", "E0501", "nil", 2, 7, "");
    expect_error("push", "let a: [int] = nil;\npush(a, 1);\n", "E0501", "nil", 2, 1, "");
}

#[test]
fn conversions_are_value_errors() {
    expect_error("int(nan)", "print(int(0.0 / 0.0));\n", "E0901", "value", 1, 7, "");
    expect_error("int(big)", "print(int(9223372036854775808.0));\n", "E0901", "value", 1, 7, "");
    expect_error("fixed", "print(fixed(1.0, 21));\n", "E0902", "value", 1, 7, "");
    expect_error("fixed negative", "print(fixed(1.0, -1));\n", "E0902", "value", 1, 7, "");
}

#[test]
fn global_read_before_let_is_e0104() {
    expect_error(
        "global",
        "fn show() { print(limit); }\nshow();\nlet limit = 10;\n",
        "E0104",
        "name",
        1,
        19,
        "",
    );
}

#[test]
fn ten_thousand_frames_including_main_is_the_limit() {
    let ok = "fn d(n: int) -> int { if n == 0 { return 0; } return d(n - 1); }\nprint(d(9998));\n";
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let r = run_source(ok, t);
        assert_eq!((r.stdout.as_str(), r.code), ("0\n", 0), "{t}: {}", r.stderr);
    }
    let deep = "fn d(n: int) -> int { if n == 0 { return 0; } return d(n - 1); }\nprint(d(9999));\n";
    expect_error("stack", deep, "E1001", "stack", 1, 54, "");
}

#[test]
fn errors_in_module_code_show_the_module_frame() {
    let main = "print(\"main\");\nimport \"m.tern\" as m;\n";
    let m = "let a = [1];\nprint(a[5]);\n";
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let (out, v, dir, exit) = run_json(&[("main.tern", main), ("m.tern", m)], t);
        assert_eq!((out.as_str(), exit), ("main\n", 70));
        let trace = v["trace"].as_array().unwrap();
        assert_eq!(trace.len(), 2, "{v}");
        assert_eq!(trace[0]["function"], format!("<module {dir}m.tern>"));
        assert_eq!(trace[1]["function"], "<main>");
        assert_eq!((trace[1]["line"].as_u64(), trace[1]["col"].as_u64()), (Some(2), Some(8)));
    }
}

#[test]
fn import_alias_used_before_its_import_ran_is_e0104() {
    let util = "let base = 5;\nfn twice(x: int) -> int { return 2 * x; }\n";
    let call = "fn early() -> int { return u.twice(3); }\nprint(\"start\");\nprint(early());\nimport \"util.tern\" as u;\n";
    let read = "fn early() -> int { return u.base; }\nprint(\"start\");\nprint(early());\nimport \"util.tern\" as u;\n";
    // A function's own (block-scoped) import binds the alias before use; after
    // the outermost import ran, functions may use it.
    let fine = "fn own() -> int { import \"util.tern\" as u; return u.twice(u.base); }\nfn later() -> int { return u.base; }\nprint(own());\nimport \"util.tern\" as u;\nprint(later());\n";
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        for (name, src, col) in [("call", call, 28), ("read", read, 28)] {
            let (out, v, dir, exit) = run_json(&[("main.tern", src), ("util.tern", util)], t);
            assert_eq!((out.as_str(), exit), ("start\n", 70), "{name} on {t}");
            assert_eq!(
                (v["code"].as_str(), v["kind"].as_str()),
                (Some("E0104"), Some("name")),
                "{name} on {t}: {v}"
            );
            assert_eq!(v["message"], "global `u` read before its `let` ran", "{name} on {t}");
            assert_eq!((v["line"].as_u64(), v["col"].as_u64()), (Some(1), Some(col)), "{name} on {t}: {v}");
            assert_eq!(v["trace"][0]["function"], "early");
            assert_eq!(v["trace"][1]["function"], "<main>");
            assert_eq!(v["file"], format!("{dir}main.tern"));
        }
        let b = build_files(&[("main.tern", fine), ("util.tern", util)], t);
        let r = run_exe(&b.exe, t, false);
        assert_eq!((r.stdout.as_str(), r.stderr.as_str(), r.code), ("10\n5\n", "", 0), "{t}");
    }
}

#[test]
fn long_traces_show_both_ends_and_count_the_middle() {
    let src = "fn d(n: int) -> int { return d(n + 1); }\nprint(d(0));\n";
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let (_, v, _, exit) = run_json(&[("main.tern", src)], t);
        assert_eq!(exit, 70);
        let trace = v["trace"].as_array().unwrap();
        assert_eq!(trace.len(), 20, "{t}");
        assert_eq!(v["trace_omitted"], 9980, "{t}");
        assert_eq!(trace[19]["function"], "<main>");
        let b = build_files(&[("main.tern", src)], t);
        let r = run_exe(&b.exe, t, false);
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 1 + 16 + 1 + 4, "{t}: {}", r.stderr);
        assert_eq!(lines[17], "  ... 9980 more frames ...");
        assert!(lines[21].starts_with("  at <main> ("), "{}", lines[21]);
    }
}
