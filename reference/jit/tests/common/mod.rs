//! Runs one program under the interpreter and under the JIT and captures both.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct Buf(pub Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[derive(Debug, PartialEq)]
pub struct Run {
    pub out: String,
    pub err: String,
    pub code: i32,
}

pub fn write_program(dir: &std::path::Path, files: &[(&str, &str)]) -> String {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir.join(files[0].0).to_string_lossy().into_owned()
}

pub fn interp(path: &str) -> Run {
    let (out, err) = (Buf::default(), Buf::default());
    let o = tern_vm::run_file(
        path,
        tern_vm::RunOptions {
            stats: false,
            format: tern_diag::Format::Human,
            out: Box::new(out.clone()),
            err: Box::new(err.clone()),
        },
    );
    Run { out: out.text(), err: err.text(), code: o.exit_code }
}

/// (result with tier lines removed, the tier lines)
pub fn jit(path: &str, threshold: u32, loop_threshold: u32) -> (Run, Vec<String>) {
    let (out, err) = (Buf::default(), Buf::default());
    let mut opts = tern_jit::JitOptions {
        threshold,
        loop_threshold,
        trace_tier: true,
        out: Box::new(out.clone()),
        err: Box::new(err.clone()),
        ..Default::default()
    };
    let o = tern_jit::run_file(path, &mut opts);
    let all = err.text();
    let (tier, rest): (Vec<&str>, Vec<&str>) =
        all.split_inclusive('\n').partition(|l| l.starts_with("tier: "));
    (
        Run { out: out.text(), err: rest.concat(), code: o.exit_code },
        tier.iter().map(|s| s.trim_end().to_string()).collect(),
    )
}

/// Runs `src` under the interpreter and the JIT (default thresholds and
/// threshold 0), asserts they agree, returns the tier events of the threshold-0 run.
pub fn agree(src: &str) -> Vec<String> {
    agree_files(&[("main.tern", src)])
}

pub fn agree_files(files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), files);
    let want = interp(&path);
    let (got, _) = jit(&path, tern_jit::DEFAULT_THRESHOLD, tern_jit::DEFAULT_LOOP_THRESHOLD);
    assert_eq!(got, want, "default thresholds disagree with the interpreter");
    let (got0, events) = jit(&path, 0, 1);
    assert_eq!(got0, want, "threshold 0 disagrees with the interpreter; events: {events:#?}");
    events
}

/// [`agree`], then the tier events of a run at the default thresholds
/// (whose result must also be the interpreter's).
pub fn agree_traced(src: &str) -> Vec<String> {
    agree_files_traced(&[("main.tern", src)])
}

/// [`agree_traced`] for a program of several files (the first is run).
pub fn agree_files_traced(files: &[(&str, &str)]) -> Vec<String> {
    agree_files(files);
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), files);
    let (run, events) = jit(&path, tern_jit::DEFAULT_THRESHOLD, tern_jit::DEFAULT_LOOP_THRESHOLD);
    assert_eq!(run, interp(&path), "default thresholds disagree with the interpreter; events: {events:#?}");
    events
}

/// Each function in `funcs` was compiled and never left native code
/// except to free displaced values (`displaced-budget`).
pub fn assert_stays_native(events: &[String], funcs: &[&str]) {
    for f in funcs {
        assert!(
            events.iter().any(|e| e.starts_with(&format!("tier: event=compile fn={f} "))),
            "{f} not compiled: {events:#?}"
        );
        let left = events.iter().any(|e| {
            e.starts_with(&format!("tier: event=deopt fn={f} ")) && !e.contains("reason=displaced-budget")
        });
        assert!(!left, "{f} left native code: {events:#?}");
    }
}
