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
    let path = file.to_string_lossy();
    let is_tbc = file.extension().is_some_and(|e| e == "tbc");
    match args.engine {
        Engine::Interp => {
            if args.trace_tier || args.jit_threshold.is_some() || args.jit_loop_threshold.is_some() {
                eprintln!("tern: --trace-tier and --jit-* options need `--engine jit`");
                return tern_diag::EXIT_USAGE;
            }
            let opts = tern_vm::RunOptions { stats: args.stats, format: args.format, ..Default::default() };
            // The entry is read here, like every other subcommand does: an unreadable or
            // non-UTF-8 entry is a plain `tern: ...` line and exit 66, never a diagnostic.
            let outcome = if is_tbc {
                if let Err(code) = report::read_entry_bytes(file) {
                    return code;
                }
                tern_vm::run_tbc(&path, opts)
            } else {
                match report::read_entry(file) {
                    Ok(text) => tern_vm::run_source(&path, text, opts),
                    Err(code) => return code,
                }
            };
            if args.stats {
                eprintln!("{}", outcome.stats.render());
            }
            outcome.exit_code
        }
        Engine::Jit => {
            if is_tbc {
                eprintln!("tern: the JIT runs .tern sources (it loads the whole import graph first); run the .tbc with the interpreter");
                return tern_diag::EXIT_USAGE;
            }
            if let Err(code) = report::read_entry(file) {
                return code;
            }
            let mut opts = tern_jit::JitOptions {
                threshold: args.jit_threshold.unwrap_or(tern_jit::DEFAULT_THRESHOLD),
                loop_threshold: args.jit_loop_threshold.unwrap_or(tern_jit::DEFAULT_LOOP_THRESHOLD),
                trace_tier: args.trace_tier,
                stats: args.stats,
                format: args.format,
                ..Default::default()
            };
            tern_jit::run_file(&path, &mut opts).exit_code
        }
    }
}
