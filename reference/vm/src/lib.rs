//! tern-vm: Tern's reference interpreter (a register-bytecode VM that never
//! emits native code). Instruction set: reference/BYTECODE.md.
//!
//! # Library API (what the CLI calls)
//!
//! ```no_run
//! use tern_vm::{run_file, run_tbc, RunOptions};
//! let outcome = run_file("main.tern", RunOptions::default());
//! // exit code: 0 ok, 65 parse error, 66 unreadable entry, 70 import/runtime error
//! std::process::exit(outcome.exit_code);
//! ```
//! * [`run_file`]`(path, RunOptions) -> RunOutcome`: parse the entry (syntax
//!   error: phase `parse`, nothing runs), compile, run; imports load lazily.
//! * [`run_source`]`(path, text, RunOptions)`: the same for an entry the
//!   caller has already read (the CLI, which reports an unreadable entry itself).
//! * [`run_tbc`]`(path, RunOptions)`: same for a `.tbc` file (see
//!   `tern_bytecode::tbc`); imports resolve next to the `.tbc`.
//! * [`RunOptions`]: `stats` (count instructions), `format` (human/JSON
//!   diagnostics), `out` (program output sink, buffered and flushed before a
//!   diagnostic and at exit), `err` (diagnostic sink).
//! * [`RunOutcome`]: `exit_code`, `diagnostic` (already rendered to `err` via
//!   `tern_diag::render`), `sources`, `stats` ([`Stats::render`] for `--stats`).
//! * Compiling without running: `tern_bytecode::compile_file(path) ->
//!   Result<(Program, SourceMap), Diagnostic>`, `tern_bytecode::disasm`,
//!   `tern_bytecode::tbc::{write, read}`, [`load_tbc`].
//!
//! # For the JIT
//! [`Vm`] exposes frames, registers, counters, type feedback and the [`Tier`]
//! trait; [`ops`], [`builtins`], [`format`] are the runtime helpers native code
//! can call. See BYTECODE.md "Hooks for the JIT".

mod api;
pub mod builtins;
pub mod format;
pub mod ops;
pub mod tier;
pub mod value;
pub mod vm;

pub use api::{load_tbc, run_file, run_program, run_source, run_tbc, RunOptions, RunOutcome, Stats};
pub use tier::{NativeExit, NativeFn, Tier};
pub use value::{Array, Check, Record, Shape, Value};
pub use vm::{FnIdx, FnRt, Frame, ModuleRt, Vm, DISCARD, MAX_DEPTH};
