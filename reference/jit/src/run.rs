//! `run_file`: the whole program parsed first (JIT phase model), then the
//! interpreter runs it with the JIT installed as its tier.

use crate::engine::{Engine, JitTier};
use std::cell::RefCell;
use std::io::{BufWriter, Write};
use std::rc::Rc;
use std::time::Instant;
use tern_diag::{Code, Diagnostic, FileId, Format, Phase, SourceMap, EXIT_NO_INPUT};

/// Calls before a function is compiled. See the crate docs for why.
pub const DEFAULT_THRESHOLD: u32 = 1000;
/// Back edges of one loop before it is compiled and entered by OSR.
pub const DEFAULT_LOOP_THRESHOLD: u32 = 1000;

pub struct JitOptions {
    /// Calls before a function is compiled; 0 compiles every function on its first call.
    pub threshold: u32,
    /// Back edges of a loop before OSR; 0 behaves like 1.
    pub loop_threshold: u32,
    /// Write `tier:` events (grammar in [`crate::trace`]) to `err`.
    pub trace_tier: bool,
    /// Write one `stats:` line to `err` at the end.
    pub stats: bool,
    pub format: Format,
    /// Program output (`print`).
    pub out: Box<dyn Write>,
    /// Diagnostics, trace events and stats.
    pub err: Box<dyn Write>,
}

impl Default for JitOptions {
    fn default() -> Self {
        JitOptions {
            threshold: DEFAULT_THRESHOLD,
            loop_threshold: DEFAULT_LOOP_THRESHOLD,
            trace_tier: false,
            stats: false,
            format: Format::Human,
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
        }
    }
}

pub struct RunOutcome {
    /// 0, 65 (parse), 66 (unreadable entry), 70 (import/runtime).
    pub exit_code: i32,
    /// The diagnostic that ended the run (already rendered to `err`).
    pub diagnostic: Option<Diagnostic>,
    pub sources: SourceMap,
    pub stats: crate::trace::Stats,
}

/// A `Write` that several owners share (trace events and diagnostics both go to `err`).
#[derive(Clone)]
struct Shared(Rc<RefCell<Box<dyn Write>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

fn fail(d: Diagnostic, sources: SourceMap, err: &mut dyn Write, format: Format) -> RunOutcome {
    let _ = err.write_all(tern_diag::render(&d, &sources, format).as_bytes());
    let _ = err.flush();
    let exit_code =
        if d.code == Code::ModuleNotFound && d.span.is_none() { EXIT_NO_INPUT } else { d.exit_code() };
    RunOutcome { exit_code, diagnostic: Some(d), sources, stats: Default::default() }
}

/// Parses the whole import graph (any syntax error or missing module:
/// phase `parse`, exit 65, nothing runs), then runs `path` tiered.
pub fn run_file(path: &str, opts: &mut JitOptions) -> RunOutcome {
    // Deep native recursion plus interpreter frames: run on a roomy stack.
    let path = path.to_string();
    let out = std::mem::replace(&mut opts.out, Box::new(std::io::sink()));
    let err = std::mem::replace(&mut opts.err, Box::new(std::io::sink()));
    let (threshold, loop_threshold, trace_tier, stats, format) =
        (opts.threshold, opts.loop_threshold, opts.trace_tier, opts.stats, opts.format);
    // Writers are not Send; hand them over as raw parts the thread owns exclusively.
    struct SendBox<T>(T);
    unsafe impl<T> Send for SendBox<T> {}
    let io = SendBox((out, err));
    let handle = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || {
            let io = io;
            let (out, err) = io.0;
            SendBox(run_on_this_thread(&path, threshold, loop_threshold, trace_tier, stats, format, out, err))
        })
        .expect("spawn the JIT thread");
    match handle.join() {
        Ok(r) => r.0,
        Err(p) => std::panic::resume_unwind(p),
    }
}

#[allow(clippy::too_many_arguments)]
fn run_on_this_thread(
    path: &str,
    threshold: u32,
    loop_threshold: u32,
    trace_tier: bool,
    stats: bool,
    format: Format,
    out: Box<dyn Write>,
    err: Box<dyn Write>,
) -> RunOutcome {
    let t0 = Instant::now();
    let err = Shared(Rc::new(RefCell::new(err)));
    let mut errw = err.clone();
    let mut sources = SourceMap::new();
    if let Err(d) = tern_syntax::loader::load_program(path, &mut sources, Phase::Parse) {
        return fail(d, sources, &mut errw, format);
    }
    // The interpreter compiles modules itself, from a fresh source map whose file 0 is the entry.
    let (program, sources) = match tern_bytecode::compile_file(path) {
        Ok(p) => p,
        Err(d) => return fail(d, SourceMap::new(), &mut errw, format),
    };
    let engine = match Engine::new() {
        Ok(e) => Rc::new(RefCell::new(e)),
        Err(e) => {
            let d = Diagnostic::at(
                Code::ModuleNotFound,
                Phase::Parse,
                tern_diag::Location { file: path.into(), line: 1, col: 1 },
                format!("the JIT cannot start on this machine: {e}"),
            );
            return fail(d, sources, &mut errw, format);
        }
    };
    if trace_tier {
        engine.borrow_mut().trace = Some(Box::new(err.clone()));
    }
    engine.borrow_mut().time_native = stats;
    let mut vm = tern_vm::Vm::new(Box::new(BufWriter::with_capacity(1 << 16, out)));
    vm.sources = sources;
    vm.set_tier(Box::new(JitTier(engine.clone())), threshold, loop_threshold);
    let m = vm.add_module(program, FileId(0));
    let result = vm.run_module(m);
    vm.flush();
    let sources = std::mem::take(&mut vm.sources);
    // Native code may still be referenced by the VM's function table: drop it first.
    drop(vm);
    let mut st = engine.borrow().stats.clone();
    st.total = t0.elapsed();
    drop(engine);
    if stats {
        let _ = writeln!(errw, "{}", st.line());
    }
    match result {
        Ok(()) => RunOutcome { exit_code: 0, diagnostic: None, sources, stats: st },
        Err(d) => {
            let _ = errw.write_all(tern_diag::render(&d, &sources, format).as_bytes());
            let _ = errw.flush();
            RunOutcome { exit_code: d.exit_code(), diagnostic: Some(*d), sources, stats: st }
        }
    }
}
