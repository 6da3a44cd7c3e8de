//! What `build` produces: refusals at build time, real ELF executables with a
//! symbol per Tern function and no interpreter inside.
mod common;
use common::*;
use std::process::Command;
use tern_aot::{build, BuildError, BuildOptions, Target};

fn try_build(
    files: &[(&str, &str)],
    t: Target,
) -> (tempfile::TempDir, Result<tern_aot::BuildReport, BuildError>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let entry = dir.path().join(files[0].0).to_string_lossy().into_owned();
    let opts = BuildOptions { out: dir.path().join("prog"), target: t, emit_obj: true };
    let r = build(&entry, &opts);
    (dir, r)
}

fn first_diag(r: Result<tern_aot::BuildReport, BuildError>) -> (serde_json::Value, i32) {
    match r {
        Ok(_) => panic!("build should have failed"),
        Err(e) => {
            let text = e.render(tern_diag::Format::Json);
            let v = serde_json::from_str(text.lines().next().unwrap()).unwrap();
            (v, e.exit_code())
        }
    }
}

#[test]
fn dead_path_type_error_fails_the_build() {
    let src = "let debug = false;\nif debug { print(1 + \"x\"); }\nprint(\"done\");\n";
    let (dir, r) = try_build(&[("main.tern", src)], Target::host());
    let (v, code) = first_diag(r);
    assert_eq!(code, 65);
    assert_eq!(
        (v["code"].as_str(), v["phase"].as_str(), v["kind"].as_str()),
        (Some("E0201"), Some("build"), Some("type"))
    );
    assert_eq!((v["line"].as_u64(), v["col"].as_u64()), (Some(2), Some(20)));
    assert!(!dir.path().join("prog").exists(), "no executable after a failed build");
}

#[test]
fn syntax_error_in_an_imported_module_is_a_build_error() {
    let (_dir, r) = try_build(
        &[("main.tern", "print(1);\nif false { import \"b.tern\" as b; }\n"), ("b.tern", "let = 3;\n")],
        Target::host(),
    );
    let (v, code) = first_diag(r);
    assert_eq!(code, 65);
    assert_eq!((v["kind"].as_str(), v["phase"].as_str()), (Some("syntax"), Some("build")));
    assert!(v["file"].as_str().unwrap().ends_with("b.tern"));
}

#[test]
fn unreadable_entry_exits_66() {
    let r = build("/nonexistent/dir/x.tern", &BuildOptions::new("/tmp/never-written"));
    assert_eq!(r.expect_err("must fail").exit_code(), 66);
}

fn nm(exe: &std::path::Path, t: Target) -> String {
    for tool in ["nm", if t == Target::Aarch64 { "aarch64-linux-gnu-nm" } else { "x86_64-linux-gnu-nm" }] {
        if let Ok(o) = Command::new(tool).arg(exe).output() {
            if o.status.success() {
                return String::from_utf8_lossy(&o.stdout).into_owned();
            }
        }
    }
    panic!("no working nm for {t}");
}

#[test]
fn executables_are_native_elf_with_a_symbol_per_function() {
    let main = "import \"util.tern\" as util;\nfn fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }\nfn unused(s: str) -> int { return len(s); }\nprint(fib(10) + util.f(1));\n";
    let util = "fn f(x: int) -> int { return x + 1; }\n";
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let (dir, r) = try_build(&[("main.tern", main), ("util.tern", util)], t);
        let report = r.unwrap_or_else(|e| panic!("{}", e.render(tern_diag::Format::Human)));
        let exe = dir.path().join("prog");
        let bytes = std::fs::read(&exe).unwrap();
        assert_eq!(&bytes[..4], b"\x7fELF");
        assert_eq!(u16::from_le_bytes([bytes[18], bytes[19]]), t.elf_machine(), "{t}");
        assert!(bytes.len() < 1_000_000, "{t}: {} bytes", bytes.len());
        let object = report.object.expect("emit_obj keeps the object");
        let obj = std::fs::read(object).unwrap();
        assert_eq!(u16::from_le_bytes([obj[16], obj[17]]), 1, "ET_REL object");
        let syms = nm(&exe, t);
        for s in ["tern_main", "tern_fn_fib", "tern_fn_unused", "tern$util$f", "tern$init$util", "tern_print"]
        {
            assert!(syms.lines().any(|l| l.ends_with(&format!(" {s}"))), "{t}: no symbol {s} in\n{syms}");
        }
        for banned in ["tern_vm", "dispatch", "interp", "bytecode"] {
            assert!(!syms.to_lowercase().contains(banned), "{t}: interpreter symbol `{banned}` in\n{syms}");
        }
        let r = run_exe(&exe, t, false);
        assert_eq!(r.stdout, "57\n", "{t}");
    }
}
