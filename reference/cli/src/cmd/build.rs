//! `tern build`: ahead-of-time compilation to a native executable.

use crate::{report, Emit, TargetArg};
use std::path::Path;
use tern_diag::Format;

pub fn run(file: &Path, output: &Path, target: Option<TargetArg>, emit: Option<Emit>, format: Format) -> i32 {
    let _ = (file, output, target, emit, format);
    report::missing("the AOT compiler (`tern build`)")
}
