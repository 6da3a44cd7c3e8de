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
//! JIT whose traces are far cheaper to compile). A loop that gets hot in a
//! function already called 8 times or more is hot across many short calls:
//! its function's entry is compiled instead of an OSR unit that would only
//! serve the rest of one call.
//!
//! # What runs natively
//! * Scalars (nil/bool/int/float) in cranelift variables; `move`, constants,
//!   `+ - * / %` (int and float; int `/ %` guard against 0 and wrap
//!   MIN/-1; a divisor that is a prologue constant needs no guard and
//!   cranelift divides by multiplying), `addi`, comparisons, `!`, unary `-`,
//!   jumps and fused compare-branches, `while` and `for` loops, `sqrt`, `float`.
//! * Module globals (`getglobal`/`setglobal`/`defglobal`): read and written in
//!   place in the VM's global table (`tern_vm::Value` is `repr(u8)`), guarded
//!   to the type the global held at compile time (one that held nil or a
//!   heap value is loaded as it is). An undefined global (E0104) leaves to
//!   the interpreter; a heap value stored or in the way goes through the
//!   store helper below. So top-level loops of the entry file are
//!   OSR-compiled like any other.
//! * Records and arrays ([`heap`]): native code carries them as *borrowed*
//!   handles (the `Rc` box pointer, no reference counting), which is sound
//!   because nothing is freed while native code runs: a store of or over a
//!   heap value goes through `abi::tern_jit_store`, which takes a reference
//!   to the new value and keeps the old one alive in the run's handle table
//!   until the run ends (past `abi::DISPLACED_BUDGET` values the run leaves
//!   after the store and its loop is re-entered at the next back edge).
//!   New records and array literals are made by helpers
//!   (`abi::tern_jit_new_record`, which checks the field annotations;
//!   `abi::tern_jit_new_array`, `abi::tern_jit_array_push`) and kept alive
//!   the same way.
//!   Field get/set is guarded by the record's shape (the
//!   interpreter's inline cache says which) and reads a scalar-annotated field
//!   without a tag check; index get/set is bounds-checked (out of range, a
//!   negative index, nil: the interpreter re-runs the instruction and raises
//!   its own error); `len`; array/struct annotation checks. Once guarded, a
//!   register keeps its array/record(shape) type, so later accesses skip the
//!   guards. Heap memory is read and written through two cranelift alias
//!   regions, `values` (the `Value`s native code stores to) and `headers`
//!   (shape words, data pointers, lengths: changed only by Rust, inside
//!   calls), so a record's fields pointer loaded once is reused across the
//!   stores to its fields; a store to a scalar-annotated field writes only
//!   the payload (its tag cannot change).
//! * `==`/`!=` of nil, arrays and records (a linked list's `n != nil`): a
//!   tag guard, then identity; strings and mismatched kinds leave to the
//!   interpreter.
//! * `print`, `int`, `push` and `len` of a string call one runtime helper
//!   (`abi::tern_jit_builtin`) instead of refusing the loop.
//! * Calls between compiled functions pass parameters and results in
//!   machine registers: each function gets a direct entry whose signature is
//!   specialised from type feedback ([`infer::param_spec`]: i64 for int/bool,
//!   f64 for float, the box pointer for a parameter first used as an array,
//!   tag+bits otherwise), so the body never re-checks its
//!   parameters; the interpreter enters through [`entry`], Rust that
//!   checks them once and calls the direct entry as a C function (a
//!   function with more parameters than that covers gets a compiled
//!   trampoline, one per parameter shape). The call-depth limit (E1001) is an SSA counter passed along.
//! * `m.f()` on an imported module: the same direct call, to the function
//!   the site's inline cache holds, after a guard that `m` is still that
//!   module (a module is a slot tag and its index; a global holding one is
//!   read in place).
//!
//! Everything else (strings, `str`/`fixed`/`clock`, imports, a store into
//! a field whose annotation native code cannot check, such as a string
//! field) leaves to the interpreter at that instruction. A function
//! with such an instruction inside a loop is refused (stays interpreted) — unless
//! the interpreter's feedback shows the instruction never ran (an error
//! message, a rare case): then it is only an exit, like HotSpot's uncommon
//! trap, and if it does start running the deopts bring a recompile that sees
//! it. An OSR unit is refused only if one sits in the loops around its header.
//!
//! # Deoptimisation
//! Native code keeps registers in cranelift variables, typed by forward
//! inference from the interpreter's type feedback. A failing guard, a
//! possible runtime error (division by zero, a type mismatch, an index out of
//! range, the call depth limit) or an unsupported instruction writes the
//! registers the interpreter will still read (bytecode liveness) back and
//! returns to the interpreter at that pc — with every native caller frame
//! rebuilt as an interpreter frame — so errors are raised by the interpreter
//! itself, with its exact diagnostic and stack trace. See [`abi`].
//!
//! Exit code is kept small because cranelift's compile time grows with
//! every instruction, cold or not: exits that write back the same registers
//! with the same types share one cold block (pc and reason are block
//! arguments); the block stores only payloads, while static tags, and nil
//! for registers the interpreter must see as nil (dead, or stale in a
//! natively called frame), are written by `tern_jit_exit` from a list; a
//! unit entered from the interpreter (OSR) skips registers it never writes,
//! since its slots still hold them, and loads and guards only the registers
//! live at its loop header, with one branch for all of their tags. A jump
//! to a join fixes up (loads, tags) only the registers live there.
//!
//! # Tuning knobs (environment, for measuring)
//! `TERN_JIT_OPT=none|speed` (cranelift opt_level, default speed: code is
//! 1.5-2.5x faster for ~30% more compile time), `TERN_JIT_REGALLOC=
//! backtracking|single_pass` (default backtracking: single_pass compiles
//! ~20% faster but nbody's code ran 4x slower), `TERN_JIT_DEBUG=1` (lowering
//! vs cranelift time, compile errors), `TERN_JIT_IR=1` (print the IR),
//! `TERN_JIT_DIS=1` (print the machine code after register allocation),
//! `TERN_JIT_PASSES=1` (cranelift's time per pass, summed over the run, at
//! exit: register allocation is about half of every compile).
//!
//! Trace grammar: [`trace`]. Code memory: [`codemem`].

pub mod abi;
pub mod codemem;
pub mod engine;
pub mod entry;
pub mod heap;
pub mod infer;
pub mod lower;
mod run;
pub mod trace;

pub use run::{run_file, JitOptions, RunOutcome, DEFAULT_LOOP_THRESHOLD, DEFAULT_THRESHOLD};
