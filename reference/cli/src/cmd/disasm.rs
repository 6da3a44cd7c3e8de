//! `tern disasm`: print bytecode with source lines, from source or a .tbc file.

use crate::report;
use std::path::Path;
use tern_diag::Format;

pub fn run(file: &Path, format: Format) -> i32 {
    let program = if file.extension().is_some_and(|e| e == "tbc") {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("tern: cannot read {}: {e}", file.display());
                return tern_diag::EXIT_NO_INPUT;
            }
        };
        match tern_bytecode::tbc::read(&bytes) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("tern: {} is not a valid bytecode file: {e}", file.display());
                return tern_diag::EXIT_BEFORE_RUN;
            }
        }
    } else {
        match report::compile_entry(file, format) {
            Ok(p) => p,
            Err(code) => return code,
        }
    };
    print!("{}", tern_bytecode::disasm(&program));
    0
}
