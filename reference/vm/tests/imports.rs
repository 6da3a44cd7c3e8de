//! Lazy imports: a module loads when its `import` runs, once.
mod common;
use common::run_files;

#[test]
fn module_runs_once_and_members_work() {
    let r = run_files(&[
        ("main.tern", "print(\"start\");\nimport \"lib/util.tern\" as u;\nimport \"lib/util.tern\" as v;\nprint(u.twice(21));\nprint(v.count);\nfn f() -> int { return u.twice(1); }\nprint(f());\n"),
        ("lib/util.tern", "print(\"loading util\");\nlet count = 7;\nfn twice(x: int) -> int { return 2 * x; }\n"),
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(r.out, "start\nloading util\n42\n7\n2\n");
}

#[test]
fn import_errors_keep_earlier_output() {
    let r =
        run_files(&[("main.tern", "print(\"before\");\nimport \"missing.tern\" as m;\nprint(\"after\");\n")]);
    assert_eq!(r.out, "before\n");
    assert_eq!(r.code, 70);
    let d = r.diag.unwrap();
    assert_eq!(d.code.as_str(), "E0801");
    assert_eq!(d.phase, tern_diag::Phase::Import);
    assert!(r.err.starts_with("error[E0801]: import import at "), "{}", r.err);

    let r = run_files(&[("main.tern", "print(1);\nimport \"bad.tern\" as b;\n"), ("bad.tern", "let = 3;\n")]);
    assert_eq!(r.out, "1\n");
    assert_eq!(r.code, 70);
    let d = r.diag.unwrap();
    assert_eq!(d.phase, tern_diag::Phase::Import);
    assert_eq!(d.code.as_str(), "E0001");
}

#[test]
fn import_that_never_runs_never_loads() {
    let r = run_files(&[("main.tern", "if false { import \"missing.tern\" as m; }\nprint(\"ok\");\n")]);
    assert_eq!((r.code, r.out.as_str()), (0, "ok\n"));
}

#[test]
fn module_errors_show_module_frames() {
    let r = run_files(&[
        ("main.tern", "import \"m.tern\" as m;\nprint(m.f());\n"),
        ("m.tern", "fn f() -> int { return g(); }\nfn g() -> int { return 1 / 0; }\n"),
    ]);
    let d = r.diag.unwrap();
    let names: Vec<&str> = d.trace.iter().map(|f| f.function.as_str()).collect();
    assert_eq!(names, vec!["g", "f", "<main>"]);
    assert!(d.trace[0].file.ends_with("m.tern"));

    let r =
        run_files(&[("main.tern", "import \"m.tern\" as m;\n"), ("m.tern", "print(1);\nlet x = nope;\n")]);
    let d = r.diag.unwrap();
    assert!(
        d.trace[0].function.starts_with("<module ") && d.trace[0].function.ends_with("m.tern>"),
        "{:?}",
        d.trace
    );
    assert_eq!(d.trace[1].function, "<main>");
}

#[test]
fn cycles_bind_partially_initialised_modules() {
    let r = run_files(&[
        ("main.tern", "import \"a.tern\" as a;\nprint(a.done);\n"),
        ("a.tern", "let early = 1;\nimport \"b.tern\" as b;\nlet done = b.seen;\n"),
        ("b.tern", "import \"a.tern\" as a;\nlet seen = a.early;\nprint(\"b ran\");\n"),
    ]);
    assert_eq!((r.code, r.out.as_str()), (0, "b ran\n1\n"), "{}", r.err);
    let r = run_files(&[
        ("main.tern", "import \"a.tern\" as a;\n"),
        ("a.tern", "import \"b.tern\" as b;\nlet late = 1;\n"),
        ("b.tern", "import \"a.tern\" as a;\nprint(a.late);\n"),
    ]);
    assert_eq!(r.diag.unwrap().code.as_str(), "E0104");
}

#[test]
fn member_errors() {
    let r =
        run_files(&[("main.tern", "import \"m.tern\" as m;\nm.nope();\n"), ("m.tern", "fn f(a: int) { }\n")]);
    assert_eq!(r.diag.unwrap().code.as_str(), "E0105");
    let r =
        run_files(&[("main.tern", "import \"m.tern\" as m;\nm.f();\n"), ("m.tern", "fn f(a: int) { }\n")]);
    assert_eq!(r.diag.unwrap().code.as_str(), "E0401");
    let r =
        run_files(&[("main.tern", "import \"m.tern\" as m;\nprint(m.zz);\n"), ("m.tern", "let x = 1;\n")]);
    assert_eq!(r.diag.unwrap().code.as_str(), "E0105");
}
