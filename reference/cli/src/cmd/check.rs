//! `tern check`: the static checker alone — what `tern build` runs first.

use crate::report;
use std::path::Path;
use tern_diag::{Format, SourceMap};

pub fn run(file: &Path, format: Format) -> i32 {
    if let Err(code) = report::read_entry(file) {
        return code;
    }
    let mut sources = SourceMap::new();
    let program = match tern_syntax::loader::load_program(
        &file.to_string_lossy(),
        &mut sources,
        tern_diag::Phase::Build,
    ) {
        Ok(p) => p,
        Err(d) => return report::diagnostics(&[d], &sources, format),
    };
    match tern_check::check(program) {
        Ok(_) => 0,
        Err(diags) => report::diagnostics(&diags, &sources, format),
    }
}
