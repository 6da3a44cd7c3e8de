#![allow(dead_code)]
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use tern_diag::{Diagnostic, Format};
use tern_vm::{RunOptions, RunOutcome};

#[derive(Clone, Default)]
pub struct Sink(pub Rc<RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Sink {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).unwrap()
    }
}

pub struct Ran {
    pub code: i32,
    pub out: String,
    pub err: String,
    pub diag: Option<Diagnostic>,
    pub outcome: RunOutcome,
}

/// Writes `files` (name, text) into a temp dir and runs the first one.
pub fn run_files(files: &[(&str, &str)]) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let entry = dir.path().join(files[0].0);
    run_path(entry.to_str().unwrap(), Format::Human)
}

pub fn run_path(path: &str, format: Format) -> Ran {
    let out = Sink::default();
    let err = Sink::default();
    let opts = RunOptions { stats: false, format, out: Box::new(out.clone()), err: Box::new(err.clone()) };
    let outcome =
        if path.ends_with(".tbc") { tern_vm::run_tbc(path, opts) } else { tern_vm::run_file(path, opts) };
    Ran {
        code: outcome.exit_code,
        out: out.text(),
        err: err.text(),
        diag: outcome.diagnostic.clone(),
        outcome,
    }
}

pub fn run(src: &str) -> Ran {
    run_files(&[("main.tern", src)])
}

/// Runs and expects success; returns stdout.
pub fn ok(src: &str) -> String {
    let r = run(src);
    assert_eq!(r.code, 0, "program failed:\n{}\n{}", src, r.err);
    r.out
}

/// Runs and expects a runtime error; returns (code, line, col, stdout).
pub fn fails(src: &str) -> (String, u32, u32, Ran) {
    let r = run(src);
    let d = r.diag.clone().unwrap_or_else(|| panic!("expected an error, got output:\n{}", r.out));
    let loc = d.resolve(&r.outcome.sources);
    (d.code.as_str().to_string(), loc.line, loc.col, r)
}
