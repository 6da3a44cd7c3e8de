//! Differential tests: random programs must give identical results from
//! every engine. Well-typed programs (also with their functions in an
//! imported module) and programs over records, arrays and nil:
//! interpreter, JIT (default thresholds and compile-everything), AOT
//! x86-64. Dynamic programs (types change mid-run, forcing
//! deoptimisation): interpreter and JIT.

use proptest::prelude::*;
use std::process::{Command, Output};

const TERN: &str = env!("CARGO_BIN_EXE_tern");

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out: Output =
        Command::new(TERN).args(args).current_dir(dir).env("TERN_DIAGNOSTICS", "json").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// `tern run --engine jit EXTRA.. main.tern`.
fn run_jit(dir: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["run", "--engine", "jit"];
    args.extend_from_slice(extra);
    args.push("main.tern");
    run(dir, &args)
}

/// `tern build main.tern -o prog` (which must succeed), then `./prog`.
fn build_and_run(dir: &std::path::Path) -> (i32, String, String) {
    let built = run(dir, &["build", "main.tern", "-o", "prog"]);
    assert_eq!(built.0, 0, "build failed: {}", built.2);
    let out =
        Command::new(dir.join("prog")).current_dir(dir).env("TERN_DIAGNOSTICS", "json").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The interpreter runs main.tern in `d` without an error, and the JIT
/// (default thresholds, compile-everything, low thresholds) and the AOT
/// executable print exactly what it printed. `shown`: the program, for failures.
fn all_engines_agree(d: &std::path::Path, shown: &str) -> Result<(), TestCaseError> {
    let interp = run(d, &["run", "main.tern"]);
    prop_assert_eq!(interp.0, 0, "interp failed on\n{}\n{}", shown, interp.2);
    for extra in [
        &[][..],
        &["--jit-threshold", "0", "--jit-loop-threshold", "0"][..],
        &["--jit-threshold", "5", "--jit-loop-threshold", "10"][..],
    ] {
        let jit = run_jit(d, extra);
        prop_assert_eq!(&jit, &interp, "jit {:?} vs interp on\n{}", extra, shown);
    }
    let aot = build_and_run(d);
    prop_assert_eq!(&aot, &interp, "aot vs interp on\n{}", shown);
    Ok(())
}

fn write_program(src: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tern"), src).unwrap();
    dir
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("TERN_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(64), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn well_typed_programs_agree_across_engines(seed in any::<u64>()) {
        let src = tern_tests::well_typed(seed);
        let dir = write_program(&src);
        let d = dir.path();
        let checked = run(d, &["check", "main.tern"]);
        prop_assert_eq!(checked.0, 0, "generator made a program the checker rejects:\n{}\n{}", src, checked.2);
        let interp = run(d, &["run", "main.tern"]);
        let jit = run(d, &["run", "--engine", "jit", "main.tern"]);
        prop_assert_eq!(&jit, &interp, "jit vs interp on\n{}", src);
        let jit0 = run(d, &["run", "--engine", "jit", "--jit-threshold", "0", "--jit-loop-threshold", "0", "main.tern"]);
        prop_assert_eq!(&jit0, &interp, "jit (threshold 0) vs interp on\n{}", src);
        let aot = build_and_run(d);
        prop_assert_eq!(&aot, &interp, "aot vs interp on\n{}", src);
    }

    #[test]
    fn module_programs_agree_across_engines(seed in any::<u64>()) {
        let (main, lib) = tern_tests::well_typed_modules(seed);
        let dir = write_program(&main);
        std::fs::write(dir.path().join("lib.tern"), &lib).unwrap();
        all_engines_agree(dir.path(), &format!("{main}\n// lib.tern:\n{lib}"))?;
    }

    #[test]
    fn heap_programs_agree_across_engines(seed in any::<u64>()) {
        let src = tern_tests::heapy(seed);
        let dir = write_program(&src);
        all_engines_agree(dir.path(), &src)?;
    }

    #[test]
    fn type_changes_mid_run_agree_between_interpreter_and_jit(seed in any::<u64>()) {
        let src = tern_tests::dynamic(seed);
        let dir = write_program(&src);
        let d = dir.path();
        let interp = run(d, &["run", "main.tern"]);
        prop_assert_eq!(interp.0, 0, "interp failed on\n{}\n{}", src, interp.2);
        for extra in [&[][..], &["--jit-threshold", "0"][..], &["--jit-threshold", "5", "--jit-loop-threshold", "10"][..]] {
            let jit = run_jit(d, extra);
            prop_assert_eq!(&jit, &interp, "jit {:?} vs interp on\n{}", extra, src);
        }
    }
}
