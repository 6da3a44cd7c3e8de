//! Helpers: write a program (one or more files) into a temp dir, check it,
//! and describe diagnostics as `CODE kind line:col`.
#![allow(dead_code)]

use std::path::Path;
use tern_check::{check_file, Checked};
use tern_diag::{Diagnostic, SourceMap};

pub struct Outcome {
    pub sources: SourceMap,
    pub result: Result<Checked, Vec<Diagnostic>>,
    _dir: tempfile::TempDir,
}

/// `files[0]` is the entry, named `main.tern`; the others are `(name, text)`.
pub fn run(files: &[(&str, &str)]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let entry = dir.path().join(files[0].0);
    let (sources, result) = check_file(entry.to_str().unwrap());
    Outcome { sources, result, _dir: dir }
}

pub fn ok(src: &str) -> Checked {
    ok_files(&[("main.tern", src)])
}

pub fn ok_files(files: &[(&str, &str)]) -> Checked {
    let out = run(files);
    match out.result {
        Ok(c) => c,
        Err(ds) => panic!(
            "expected success, got:\n{}",
            ds.iter().map(|d| tern_diag::render_human(d, &out.sources)).collect::<String>()
        ),
    }
}

/// Every diagnostic as `E0201 type 3:9 main.tern: message`.
pub fn errs_files(files: &[(&str, &str)]) -> Vec<String> {
    let out = run(files);
    match out.result {
        Ok(_) => panic!("expected errors, the program checked"),
        Err(ds) => ds
            .iter()
            .map(|d| {
                let loc = d.resolve(&out.sources);
                assert_eq!(d.phase, tern_diag::Phase::Build);
                let file = Path::new(&loc.file).file_name().unwrap().to_string_lossy().into_owned();
                format!("{} {} {}:{} {}: {}", d.code.as_str(), d.kind(), loc.line, loc.col, file, d.message)
            })
            .collect(),
    }
}

pub fn errs(src: &str) -> Vec<String> {
    errs_files(&[("main.tern", src)])
}

/// Exactly one diagnostic, with this code, kind and position; returns its message.
pub fn one(src: &str, code: &str, kind: &str, line: u32, col: u32) -> String {
    let es = errs(src);
    assert_eq!(es.len(), 1, "expected one diagnostic, got {es:#?}");
    let prefix = format!("{code} {kind} {line}:{col} ");
    assert!(es[0].starts_with(&prefix), "expected `{prefix}...`, got `{}`", es[0]);
    es[0].clone()
}

/// The hint of the only diagnostic.
pub fn hint(src: &str) -> String {
    let out = run(&[("main.tern", src)]);
    let ds = out.result.err().expect("expected errors");
    ds[0].hint.clone().unwrap_or_default()
}
