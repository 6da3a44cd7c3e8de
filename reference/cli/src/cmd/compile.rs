//! `tern compile`: source -> portable bytecode file.

use crate::report;
use std::path::Path;
use tern_diag::Format;

pub fn run(file: &Path, output: &Path, format: Format) -> i32 {
    if let Err(code) = report::output_not_input(file, output) {
        return code;
    }
    let program = match report::compile_entry(file, format) {
        Ok(p) => p,
        Err(code) => return code,
    };
    match std::fs::write(output, tern_bytecode::tbc::write(&program)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("tern: cannot write {}: {e}", output.display());
            1
        }
    }
}
