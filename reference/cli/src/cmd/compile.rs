//! `tern compile`: source -> portable bytecode file.

use crate::report;
use std::path::Path;
use tern_diag::Format;

pub fn run(file: &Path, output: &Path, format: Format) -> i32 {
    let _ = (file, output, format);
    report::missing("the bytecode compiler (`tern compile`)")
}
