//! `tern fmt`: parse, then print in canonical layout.

use crate::report;
use std::path::Path;
use tern_diag::{Format, SourceMap};

pub fn run(file: &Path, write: bool, check: bool, format: Format) -> i32 {
    let text = match report::read_entry(file) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut sources = SourceMap::new();
    let id = sources.add(file.to_string_lossy(), text.clone());
    let module = match tern_syntax::parse(id, &text) {
        Ok(m) => m,
        Err(d) => return report::diagnostics(&[d], &sources, format),
    };
    let pretty = tern_syntax::pretty::print_module(&module);
    if check {
        if pretty == text {
            return 0;
        }
        eprintln!("tern: {} is not formatted (run `tern fmt --write {}`)", file.display(), file.display());
        return 1;
    }
    if write {
        if let Err(e) = std::fs::write(file, pretty) {
            eprintln!("tern: cannot write {}: {e}", file.display());
            return 1;
        }
        return 0;
    }
    print!("{pretty}");
    0
}
