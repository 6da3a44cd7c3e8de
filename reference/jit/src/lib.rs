//! tern-jit: Tern's tiered engine. Code starts in the `tern-vm` interpreter
//! (tier 0), which counts calls and loop back edges and records operand
//! types; hot functions and hot loops are compiled with cranelift-jit
//! (tier 1), specialised to the types seen, and left again (deopt) whenever
//! an assumption fails or an instruction might raise.
//!
//! # Library API (what `tern run --engine jit` calls)
//!
//! ```no_run
//! use tern_jit::{run_file, JitOptions};
//! let mut opts = JitOptions { threshold: 1000, loop_threshold: 1000, trace_tier: true, ..Default::default() };
//! let outcome = run_file("main.tern", &mut opts);
//! std::process::exit(outcome.exit_code);
//! ```
//! * [`run_file`]`(path, &mut JitOptions) -> RunOutcome`, mirroring
//!   `tern_vm::run_file`. The whole import graph is parsed first
//!   (`load_program(.., Phase::Parse)`): a syntax error or missing module
//!   anywhere is phase `parse`, exit 65, and nothing runs. Module top-level
//!   code still runs lazily at its first `import`; type errors are `runtime`
//!   errors when executed, exactly as in the interpreter.
//! * [`JitOptions`]: `threshold` (`--jit-threshold N`; 0 compiles each
//!   function on its first call), `loop_threshold` (`--jit-loop-threshold N`),
//!   `trace_tier` (`--trace-tier`), `stats` (`--stats`), `format` (human/JSON
//!   diagnostics), `out` (program output), `err` (diagnostics, trace, stats).
//! * [`RunOutcome`]: `exit_code`, `diagnostic` (already rendered to `err`),
//!   `sources`, `stats`.
//!
//! # Thresholds
//! Defaults: [`DEFAULT_THRESHOLD`] = 1000 calls, [`DEFAULT_LOOP_THRESHOLD`] =
//! 1000 back edges. Published points of comparison: HotSpot tiered compiles
//! at 200 invocations (C1, tier 3) and 2000+ (tier 4 after profiling), V8's
//! Maglev at about 400, LuaJIT records a trace after 56 loop iterations. Our
//! tier 1 is a single optimising cranelift compile (0.2–1 ms for a small
//! function, the cost of roughly 10^4–10^5 interpreted instructions) with no
//! cheap baseline tier in between, so we wait longer than LuaJIT: 1000 calls
//! is enough feedback for the type guards to be right, and the compile pays
//! for itself after a few thousand more calls. Loops use the same 1000 since
//! OSR makes the loop itself native right away (LuaJIT's 56 fits a tracing
//! JIT whose traces are far cheaper to compile).
//!
//! # What runs natively
//! Registers holding nil/bool/int/float, `move`, constants (int, float),
//! `+ - * / %` (int and float; int `/ %` guard against 0 and wrap MIN/-1),
//! `addi`, comparisons, `!`, unary `-`, jumps and fused compare-branches,
//! `while` and `for` loops, direct calls (native-to-native, callees compiled
//! with their caller), `sqrt`, `float`. Everything else (globals, strings,
//! arrays, records, other builtins, imports) makes the native code leave to
//! the interpreter at that instruction; a function or loop with such an
//! instruction *inside a loop* is refused (stays interpreted).
//!
//! # Deoptimisation
//! Native code keeps registers in cranelift variables, typed by forward
//! inference from the interpreter's type feedback. A failing guard, a
//! possible runtime error (division by zero, a type mismatch, the call depth
//! limit) or an unsupported instruction writes the live registers back and
//! returns to the interpreter at that pc — with every native caller frame
//! rebuilt as an interpreter frame — so errors are raised by the interpreter
//! itself, with its exact diagnostic and stack trace. See [`abi`].
//!
//! Trace grammar: [`trace`]. Code memory: [`codemem`].

pub mod abi;
pub mod codemem;
pub mod engine;
pub mod heap;
pub mod infer;
pub mod lower;
mod run;
pub mod trace;

pub use run::{run_file, JitOptions, RunOutcome, DEFAULT_LOOP_THRESHOLD, DEFAULT_THRESHOLD};
