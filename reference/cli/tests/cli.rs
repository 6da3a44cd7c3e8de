//! The `tern` command line as a student meets it: exit codes, messages,
//! both diagnostic formats.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn tern() -> Command {
    let mut c = Command::cargo_bin("tern").unwrap();
    c.env_remove("TERN_DIAGNOSTICS");
    c
}

fn program(dir: &Path, name: &str, src: &str) -> String {
    std::fs::write(dir.join(name), src).unwrap();
    name.to_string()
}

#[test]
fn help_lists_every_subcommand() {
    let out = tern().arg("--help").assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    for sub in ["check", "run", "compile", "disasm", "build", "fmt"] {
        assert!(text.contains(sub), "{sub} missing from --help:\n{text}");
    }
    assert!(text.contains("65"), "help explains exit codes");
}

#[test]
fn unreadable_entry_file_exits_66() {
    tern()
        .args(["check", "no/such/file.tern"])
        .assert()
        .code(66)
        .stderr(predicate::str::contains("cannot read no/such/file.tern"));
}

#[test]
fn bad_diagnostics_format_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(dir.path(), "ok.tern", "print(1);\n");
    tern().current_dir(dir.path()).args(["--diagnostics=xml", "check", &f]).assert().code(2);
}

#[test]
fn check_accepts_a_well_typed_program_silently() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(
        dir.path(),
        "tour.tern",
        "struct Point { x: float, y: float }\n\
         fn norm2(p) { return p.x * p.x + p.y * p.y; }\n\
         let p = Point { x: 3.0, y: 4.0 };\n\
         print(norm2(p));\n",
    );
    tern().current_dir(dir.path()).args(["check", &f]).assert().success().stdout("").stderr("");
}

#[test]
fn check_reports_a_dead_path_type_error_at_build_with_header_snippet_and_hint() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(dir.path(), "dead.tern", "print(\"start\");\nif false {\n    print(1 + \"a\");\n}\n");
    let out =
        tern().current_dir(dir.path()).args(["check", &f]).assert().code(65).get_output().stderr.clone();
    let text = String::from_utf8(out).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(first, "error[E0201]: build type at dead.tern:3:13: cannot add int and str");
    assert!(text.contains("print(1 + \"a\");"), "snippet:\n{text}");
    assert!(text.contains("hint:"), "hint:\n{text}");
}

#[test]
fn json_diagnostics_by_flag_and_by_environment() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(dir.path(), "field.tern", "struct P { x: int }\nlet p = P { x: 1 };\nprint(p.y);\n");
    let by_flag = tern()
        .current_dir(dir.path())
        .args(["--diagnostics=json", "check", &f])
        .assert()
        .code(65)
        .get_output()
        .stderr
        .clone();
    let by_env = tern()
        .current_dir(dir.path())
        .env("TERN_DIAGNOSTICS", "json")
        .args(["check", &f])
        .assert()
        .code(65)
        .get_output()
        .stderr
        .clone();
    assert_eq!(by_flag, by_env);
    let line = String::from_utf8(by_flag).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(v["code"], "E0301");
    assert_eq!(v["kind"], "field");
    assert_eq!(v["phase"], "build");
    assert_eq!(v["file"], "field.tern");
    assert_eq!((v["line"].as_u64(), v["col"].as_u64()), (Some(3), Some(9)));
    assert!(v["message"].as_str().unwrap().contains("`y`"));
}

#[test]
fn check_reports_syntax_errors_in_imported_modules_at_build() {
    let dir = tempfile::tempdir().unwrap();
    program(dir.path(), "broken.tern", "fn f( { }\n");
    let f = program(dir.path(), "main.tern", "print(1);\nif false { import \"broken.tern\" as b; }\n");
    let out = tern()
        .current_dir(dir.path())
        .args(["--diagnostics=json", "check", &f])
        .assert()
        .code(65)
        .get_output()
        .stderr
        .clone();
    let v: serde_json::Value = serde_json::from_slice(out.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(v["kind"], "syntax");
    assert_eq!(v["phase"], "build");
    assert_eq!(v["file"], "broken.tern");
}

#[test]
fn fmt_prints_canonical_layout_and_check_mode_detects_drift() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(dir.path(), "messy.tern", "fn f(a:int)->int{return a*(2+3);}\nprint( f(1) );\n");
    let expected = "fn f(a: int) -> int {\n    return a * (2 + 3);\n}\nprint(f(1));\n";
    tern().current_dir(dir.path()).args(["fmt", &f]).assert().success().stdout(expected);
    tern().current_dir(dir.path()).args(["fmt", "--check", &f]).assert().code(1);
    tern().current_dir(dir.path()).args(["fmt", "--write", &f]).assert().success();
    tern().current_dir(dir.path()).args(["fmt", "--check", &f]).assert().success();
}

#[test]
fn fmt_keeps_every_comment_in_print_check_and_write_modes() {
    let dir = tempfile::tempdir().unwrap();
    let src = "// header\nfn f(a) { // trailing\n  // inside\n  return a; }\nprint(f(1));\nlet xs = [1, // one\n 2]; // \"quoted\" // twice\n// end";
    let expected = "// header\nfn f(a) { // trailing\n    // inside\n    return a;\n}\nprint(f(1));\nlet xs = [\n    1, // one\n    2,\n]; // \"quoted\" // twice\n// end\n";
    let f = program(dir.path(), "commented.tern", src);
    tern().current_dir(dir.path()).args(["fmt", &f]).assert().success().stdout(expected);
    tern().current_dir(dir.path()).args(["fmt", "--check", &f]).assert().code(1);
    assert_eq!(std::fs::read_to_string(dir.path().join(&f)).unwrap(), src, "--check writes nothing");
    tern().current_dir(dir.path()).args(["fmt", "--write", &f]).assert().success().stdout("");
    assert_eq!(std::fs::read_to_string(dir.path().join(&f)).unwrap(), expected);
    tern().current_dir(dir.path()).args(["fmt", "--check", &f]).assert().success();
    tern().current_dir(dir.path()).args(["fmt", &f]).assert().success().stdout(expected);
    tern().current_dir(dir.path()).args(["run", &f]).assert().success().stdout("1\n");
}

#[test]
fn fmt_write_leaves_a_file_with_a_syntax_error_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let src = "// keep me\nprint(1) // no semicolon\n";
    let f = program(dir.path(), "broken.tern", src);
    tern().current_dir(dir.path()).args(["fmt", "--write", &f]).assert().code(65);
    assert_eq!(std::fs::read_to_string(dir.path().join(&f)).unwrap(), src);
}

#[test]
fn hostile_bytes_give_a_diagnostic_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bin.tern"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    tern().current_dir(dir.path()).args(["check", "bin.tern"]).assert().code(predicate::in_iter([65, 66]));
    let nested = "print(".repeat(5000);
    std::fs::write(dir.path().join("deep.tern"), nested).unwrap();
    tern()
        .current_dir(dir.path())
        .args(["check", "deep.tern"])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("nesting"));
}

#[test]
fn stats_are_one_key_value_line_for_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(dir.path(), "loop.tern", "let s = 0;\nfor i in 0..3000 { s = s + i; }\nprint(s);\n");
    let interp = tern()
        .current_dir(dir.path())
        .args(["run", "--stats", &f])
        .assert()
        .success()
        .stdout("4498500\n")
        .get_output()
        .stderr
        .clone();
    let line = String::from_utf8(interp).unwrap();
    assert!(line.starts_with("stats: engine=interp instructions="), "{line}");
    let jit = tern()
        .current_dir(dir.path())
        .args(["run", "--engine", "jit", "--stats", &f])
        .assert()
        .success()
        .stdout("4498500\n")
        .get_output()
        .stderr
        .clone();
    let line = String::from_utf8(jit).unwrap();
    assert!(line.starts_with("stats: ") && line.contains("native_us="), "{line}");
}

#[test]
fn jit_options_need_the_jit_engine() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(dir.path(), "p.tern", "print(1);\n");
    tern()
        .current_dir(dir.path())
        .args(["run", "--trace-tier", &f])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--engine jit"));
}

#[test]
fn bytecode_files_round_trip_and_corrupt_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(dir.path(), "p.tern", "fn sq(x: int) -> int { return x * x; }\nprint(sq(12));\n");
    tern().current_dir(dir.path()).args(["compile", &f, "-o", "p.tbc"]).assert().success();
    let bytes = std::fs::read(dir.path().join("p.tbc")).unwrap();
    assert_eq!(&bytes[..7], b"TERNBC\0");
    tern().current_dir(dir.path()).args(["run", "p.tbc"]).assert().success().stdout("144\n");
    tern()
        .current_dir(dir.path())
        .args(["disasm", "p.tbc"])
        .assert()
        .success()
        .stdout(predicate::str::contains("p.tern:1"));
    std::fs::write(dir.path().join("cut.tbc"), &bytes[..bytes.len() / 2]).unwrap();
    tern()
        .current_dir(dir.path())
        .args(["run", "cut.tbc"])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("not a valid .tbc"));
}

/// Left-associative chains are parsed by loops, but the checker, the bytecode
/// compiler and the AOT emitter walk the tree recursively: a long one used to
/// overflow the stack (SIGABRT) in `check` and `build`. The parser now refuses
/// expressions taller than its limit with an E0001 diagnostic, so every
/// subcommand reports the same error instead of crashing.
#[test]
fn long_flat_chains_are_a_diagnostic_in_every_subcommand_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let n = 200_000;
    let programs = [
        ("add.tern", format!("let x = 1{};\nprint(x);\n", " + 1".repeat(n)), "1:40007"),
        ("or.tern", format!("let x = false{};\nprint(x);\n", " || false".repeat(n)), "1:90006"),
        ("field.tern", format!("let a = nil;\nif false {{ print(a{}); }}\n", ".b".repeat(n)), "2:20018"),
        ("index.tern", format!("let a = [1];\nif false {{ print(a{}); }}\n", "[0]".repeat(n)), "2:30016"),
        (
            "method.tern",
            format!("import \"m.tern\" as m;\nif false {{ print(m{}); }}\n", ".f()".repeat(n)),
            "2:40016",
        ),
    ];
    program(dir.path(), "m.tern", "fn f() { return 1; }\n");
    for (name, src, at) in &programs {
        program(dir.path(), name, src);
        for args in [
            &["check"][..],
            &["build", "-o", "out"],
            &["run"],
            &["run", "--engine", "jit"],
            &["compile", "-o", "out.tbc"],
            &["disasm"],
            &["fmt"],
        ] {
            let out = tern()
                .current_dir(dir.path())
                .args(args)
                .arg(name)
                .assert()
                .code(65)
                .get_output()
                .stderr
                .clone();
            let text = String::from_utf8_lossy(&out);
            let first = text.lines().next().unwrap_or("");
            assert!(first.starts_with("error[E0001]:"), "{args:?} {name}: {first:.200}");
            assert!(
                first.contains(&format!("{name}:{at}: expression nested deeper than")),
                "{args:?} {name}: {first:.200}"
            );
            assert!(!text.contains("overflow") && !text.contains("panicked"), "{args:?} {name}");
        }
    }
    // Far longer ones too (the file is 4 MB), and chains that only add up through parentheses.
    program(dir.path(), "huge.tern", &format!("let x = 1{};\nprint(x);\n", " * 1".repeat(1_000_000)));
    let mut nested = "1".to_string();
    for _ in 0..40 {
        nested = format!("({nested}{})", " - 1".repeat(5000));
    }
    program(dir.path(), "parens.tern", &format!("let x = {nested};\nprint(x);\n"));
    for name in ["huge.tern", "parens.tern"] {
        for sub in ["check", "run"] {
            tern()
                .current_dir(dir.path())
                .args([sub, name])
                .assert()
                .code(65)
                .stderr(predicate::str::starts_with("error[E0001]:"));
        }
    }
    // A long chain under the limit still checks, runs and builds.
    let f = program(dir.path(), "long.tern", &format!("let x = 1{};\nprint(x);\n", " + 1".repeat(9_000)));
    tern().current_dir(dir.path()).args(["check", &f]).assert().success();
    tern().current_dir(dir.path()).args(["run", &f]).assert().success().stdout("9001\n");
    tern().current_dir(dir.path()).args(["build", &f, "-o", "long"]).assert().success();
    std::process::Command::new(dir.path().join("long"))
        .output()
        .map(|o| assert_eq!(o.stdout, b"9001\n"))
        .unwrap();
}

/// `-o` naming the input used to overwrite the source with the executable
/// (`build`) or the bytecode (`compile`) and exit 0.
#[test]
fn output_naming_an_input_is_a_usage_error_and_the_source_survives() {
    let dir = tempfile::tempdir().unwrap();
    let src = "import \"lib.tern\" as l;\nprint(l.x);\n";
    let f = program(dir.path(), "main.tern", src);
    program(dir.path(), "lib.tern", "let x = 2;\n");
    std::fs::hard_link(dir.path().join("main.tern"), dir.path().join("hard.tern")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("main.tern", dir.path().join("sym.tern")).unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    for out in ["main.tern", "./main.tern", "sub/../main.tern", "hard.tern", "sym.tern"] {
        for cmd in ["build", "compile"] {
            tern()
                .current_dir(dir.path())
                .args([cmd, &f, "-o", out])
                .assert()
                .code(2)
                .stderr(predicate::str::contains("is the same as output file"));
            assert_eq!(std::fs::read_to_string(dir.path().join("main.tern")).unwrap(), src, "{cmd} -o {out}");
        }
    }
    // A module the program imports is a source too.
    tern()
        .current_dir(dir.path())
        .args(["build", &f, "-o", "lib.tern"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lib.tern"));
    assert_eq!(std::fs::read_to_string(dir.path().join("lib.tern")).unwrap(), "let x = 2;\n");
    // Other outputs still work.
    tern().current_dir(dir.path()).args(["build", &f, "-o", "main"]).assert().success();
    tern().current_dir(dir.path()).args(["compile", &f, "-o", "main.tbc"]).assert().success();
    tern().current_dir(dir.path()).args(["run", "main.tbc"]).assert().success().stdout("2\n");
}

/// `tern run` (the interpreter) read the entry itself and reported an
/// unreadable or non-UTF-8 entry as a diagnostic (E0801 / E0005, exit 65
/// for the latter); every other subcommand prints one plain line and exits 66.
#[test]
fn every_subcommand_reports_an_unreadable_entry_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notutf.tern"), b"print(\"\xff\");\n").unwrap();
    std::fs::create_dir(dir.path().join("dir.tern")).unwrap();
    let cases = [
        ("notutf.tern", "tern: notutf.tern is not UTF-8 text\n".to_string()),
        (
            "missing.tern",
            "tern: cannot read missing.tern: No such file or directory (os error 2)\n".to_string(),
        ),
        ("dir.tern", "tern: cannot read dir.tern: Is a directory (os error 21)\n".to_string()),
    ];
    for (file, expected) in &cases {
        for args in [
            &["run"][..],
            &["run", "--engine", "jit"],
            &["check"],
            &["build", "-o", "out"],
            &["compile", "-o", "out.tbc"],
            &["disasm"],
            &["fmt"],
        ] {
            for json in [false, true] {
                let mut cmd = tern();
                if json {
                    cmd.arg("--diagnostics=json");
                }
                cmd.current_dir(dir.path())
                    .args(args)
                    .arg(file)
                    .assert()
                    .code(66)
                    .stdout("")
                    .stderr(expected.clone());
            }
        }
    }
    tern()
        .current_dir(dir.path())
        .args(["run", "missing.tbc"])
        .assert()
        .code(66)
        .stderr("tern: cannot read missing.tbc: No such file or directory (os error 2)\n");
}

/// An import of a file outside the entry's directory must not print that
/// file's lines: the snippet would let a program read any file (a solution).
#[test]
fn diagnostics_never_quote_a_file_outside_the_entry_directory() {
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(secret.path().join("answer.tern"), "let SECRET_ANSWER = 42 +;\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let outside = secret.path().join("answer.tern").display().to_string();
    std::fs::write(dir.path().join("main.tern"), format!("import \"{outside}\" as s;\nprint(1);\n")).unwrap();
    std::fs::write(dir.path().join("lib.tern"), "let inside_line = 1 +;\n").unwrap();
    std::fs::write(dir.path().join("inner.tern"), "import \"lib.tern\" as l;\n").unwrap();
    for engine in ["interp", "jit"] {
        let out =
            tern().current_dir(dir.path()).args(["run", "--engine", engine, "main.tern"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("answer.tern:1:"), "{engine}: the header still names the file: {err}");
        assert!(!err.contains("SECRET_ANSWER"), "{engine} quoted a file outside the run directory: {err}");
        let out =
            tern().current_dir(dir.path()).args(["run", "--engine", engine, "inner.tern"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("inside_line"), "{engine}: files beside the entry are quoted: {err}");
    }
    let out = tern().current_dir(dir.path()).args(["check", "main.tern"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("SECRET_ANSWER"));
}
