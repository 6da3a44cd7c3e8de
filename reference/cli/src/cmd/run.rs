//! `tern run`: the interpreter (default) or the tiered JIT.

use crate::{report, Engine};
use std::path::Path;
use tern_diag::Format;

pub struct RunArgs {
    pub engine: Engine,
    pub stats: bool,
    pub trace_tier: bool,
    pub jit_threshold: Option<u32>,
    pub jit_loop_threshold: Option<u32>,
    pub format: Format,
}

pub fn run(file: &Path, args: RunArgs) -> i32 {
    let _ = (file, args.stats, args.trace_tier, args.jit_threshold, args.jit_loop_threshold, args.format);
    match args.engine {
        Engine::Interp => report::missing("the interpreter (`tern run`)"),
        Engine::Jit => report::missing("the JIT (`tern run --engine jit`)"),
    }
}
