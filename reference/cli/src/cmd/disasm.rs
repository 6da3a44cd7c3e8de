//! `tern disasm`: print bytecode with source lines.

use crate::report;
use std::path::Path;
use tern_diag::Format;

pub fn run(file: &Path, format: Format) -> i32 {
    let _ = (file, format);
    report::missing("the disassembler (`tern disasm`)")
}
