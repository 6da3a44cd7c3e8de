//! `tern`: the command line over the Tern toolchain. Each subcommand is a
//! thin shell over one library crate; this file only parses arguments.
#![deny(clippy::undocumented_unsafe_blocks)]

mod cmd;
mod malloc;
mod report;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "tern",
    version,
    about = "The Tern toolchain: one small language, three ways to run it.",
    long_about = "The Tern toolchain: one small language, three ways to run it.\n\n\
  tern run hello.tern                   interpret it (bytecode + a dispatch loop, no native code)\n\
  tern run --engine jit hello.tern      interpret, profile, compile hot code to native code\n\
  tern build hello.tern -o hello        compile everything ahead of time to an executable\n\n\
Exit codes: 0 ok, 65 failed before running (parse/build), 70 failed while running\n\
(import/runtime), 66 input file unreadable, 2 usage error or missing tool."
)]
struct Cli {
    /// How to print diagnostics: `human` (default) or `json` (one object per line on stderr).
    /// The environment variable TERN_DIAGNOSTICS=json does the same.
    #[arg(long, global = true, value_name = "FORMAT")]
    diagnostics: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum Engine {
    /// The bytecode interpreter (default).
    Interp,
    /// The tiered JIT: interprets first, compiles hot functions and loops.
    Jit,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum TargetArg {
    #[value(name = "x86_64", alias = "x86-64")]
    X86_64,
    #[value(name = "aarch64", alias = "arm64")]
    Aarch64,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum Emit {
    /// Keep the object file (OUT.o) beside the executable.
    Obj,
}

#[derive(Subcommand)]
enum Command {
    /// Type-check a program and every module it imports, without running it
    /// (what `tern build` does first). Prints nothing when the program is fine.
    Check {
        /// The entry file.
        file: PathBuf,
    },
    /// Run a program (a .tern source file or a .tbc bytecode file).
    Run {
        /// The .tern entry file or a .tbc file written by `tern compile`.
        file: PathBuf,
        /// Which engine runs it.
        #[arg(long, value_enum, default_value = "interp")]
        engine: Engine,
        /// Print statistics (instructions executed, time, tiering) to stderr at exit.
        #[arg(long)]
        stats: bool,
        /// JIT: print one line per tiering event (compile, OSR entry, deopt, refusal) to stderr.
        #[arg(long)]
        trace_tier: bool,
        /// JIT: compile a function after this many calls (0 = on its first call).
        #[arg(long, value_name = "CALLS")]
        jit_threshold: Option<u32>,
        /// JIT: compile a loop after this many iterations (back-edges).
        #[arg(long, value_name = "ITERATIONS")]
        jit_loop_threshold: Option<u32>,
    },
    /// Compile a program to a portable bytecode file (.tbc) that `tern run` accepts.
    Compile {
        file: PathBuf,
        /// Where to write the bytecode.
        #[arg(short, long, value_name = "OUT")]
        output: PathBuf,
    },
    /// Print a program's bytecode with the source line of each instruction.
    Disasm {
        /// A .tern file or a .tbc file.
        file: PathBuf,
    },
    /// Compile a program ahead of time to a native executable.
    Build {
        file: PathBuf,
        /// The executable to write.
        #[arg(short, long, value_name = "OUT")]
        output: PathBuf,
        /// The CPU to compile for (default: this machine's).
        #[arg(long, value_enum)]
        target: Option<TargetArg>,
        /// Also keep intermediate files.
        #[arg(long, value_enum)]
        emit: Option<Emit>,
    },
    /// Print a program in canonical layout.
    Fmt {
        file: PathBuf,
        /// Rewrite the file in place instead of printing it.
        #[arg(long)]
        write: bool,
        /// Exit 1 if the file is not already formatted.
        #[arg(long, conflicts_with = "write")]
        check: bool,
    },
}

fn main() {
    malloc::tune();
    // Deeply nested (but legal) programs recurse in the checker and compilers;
    // give them room instead of the 8 MB main-thread default.
    let code = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(real_main)
        .expect("spawn main thread")
        .join()
        .unwrap_or(101);
    std::process::exit(code);
}

fn real_main() -> i32 {
    let cli = Cli::parse();
    let format = tern_diag::Format::from_env(cli.diagnostics.as_deref());
    if let Some(f) = cli.diagnostics.as_deref() {
        if f != "json" && f != "human" {
            eprintln!("tern: --diagnostics takes `human` or `json`, not `{f}`");
            return tern_diag::EXIT_USAGE;
        }
    }
    match cli.command {
        Command::Check { file } => cmd::check::run(&file, format),
        Command::Run { file, engine, stats, trace_tier, jit_threshold, jit_loop_threshold } => cmd::run::run(
            &file,
            cmd::run::RunArgs { engine, stats, trace_tier, jit_threshold, jit_loop_threshold, format },
        ),
        Command::Compile { file, output } => cmd::compile::run(&file, &output, format),
        Command::Disasm { file } => cmd::disasm::run(&file, format),
        Command::Build { file, output, target, emit } => {
            cmd::build::run(&file, &output, target, emit, format)
        }
        Command::Fmt { file, write, check } => cmd::fmt::run(&file, write, check, format),
    }
}
