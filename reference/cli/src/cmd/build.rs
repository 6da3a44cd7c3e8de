//! `tern build`: ahead-of-time compilation to a native executable.

use crate::{report, Emit, TargetArg};
use std::path::Path;
use tern_aot::{BuildOptions, Target};
use tern_diag::Format;

pub fn run(file: &Path, output: &Path, target: Option<TargetArg>, emit: Option<Emit>, format: Format) -> i32 {
    if let Err(code) = report::read_entry(file) {
        return code;
    }
    if let Err(code) = report::output_not_input(file, output) {
        return code;
    }
    let target = match target {
        Some(TargetArg::X86_64) => Target::X86_64,
        Some(TargetArg::Aarch64) => Target::Aarch64,
        None => Target::host(),
    };
    let opts = BuildOptions { out: output.to_path_buf(), target, emit_obj: emit == Some(Emit::Obj) };
    match tern_aot::build(&file.to_string_lossy(), &opts) {
        Ok(_) => 0,
        Err(e) => {
            eprint!("{}", e.render(format));
            e.exit_code()
        }
    }
}
