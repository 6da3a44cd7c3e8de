//! The library API the `tern` CLI calls: run a source file or a `.tbc` file.

use crate::vm::Vm;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};
use tern_bytecode::Program;
use tern_diag::{Code, Diagnostic, Format, Location, Phase, SourceMap, EXIT_NO_INPUT};

pub struct RunOptions {
    /// Collect instruction counts (slower dispatch loop).
    pub stats: bool,
    pub format: Format,
    /// Program output (`print`); buffered internally, flushed before any
    /// diagnostic and at exit.
    pub out: Box<dyn Write>,
    /// Where rendered diagnostics go.
    pub err: Box<dyn Write>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            stats: false,
            format: Format::Human,
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Instructions dispatched (0 unless `RunOptions::stats`).
    pub instructions: u64,
    pub compile_time: Duration,
    pub run_time: Duration,
}

impl Stats {
    pub fn render(&self) -> String {
        // One `key=value` line, the same shape as the JIT's, so scripts and exercises can parse both.
        format!(
            "stats: engine=interp instructions={} bytecode_compile_us={} run_us={}",
            self.instructions,
            self.compile_time.as_micros(),
            self.run_time.as_micros()
        )
    }
}

pub struct RunOutcome {
    /// 0, 65 (parse), 66 (unreadable entry), 70 (import/runtime).
    pub exit_code: i32,
    /// The diagnostic that ended the run (already rendered to `err`).
    pub diagnostic: Option<Diagnostic>,
    /// Every file read, to render `diagnostic` again if needed.
    pub sources: SourceMap,
    pub stats: Stats,
}

/// Parses, compiles and runs `path`. Imports load lazily as they execute.
pub fn run_file(path: &str, opts: RunOptions) -> RunOutcome {
    let t0 = Instant::now();
    let sources = SourceMap::new();
    let norm = tern_syntax::loader::normalize(Path::new(path));
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let d = Diagnostic::at(
                Code::ModuleNotFound,
                Phase::Parse,
                Location { file: norm.clone(), line: 1, col: 1 },
                format!("cannot read `{norm}`: {e}"),
            );
            return fail_before_run(d, sources, opts);
        }
    };
    let text = match String::from_utf8(text) {
        Ok(t) => t,
        Err(e) => {
            let d = Diagnostic::at(
                Code::UnexpectedChar,
                Phase::Parse,
                Location { file: norm.clone(), line: 1, col: 1 },
                format!("`{norm}` is not valid UTF-8 (byte {})", e.utf8_error().valid_up_to()),
            );
            return fail_before_run(d, sources, opts);
        }
    };
    run_loaded(t0, norm, text, sources, opts)
}

/// Like [`run_file`] for an entry the caller has already read (the `tern`
/// CLI reads it itself, to report an unreadable entry the same way for
/// every subcommand). `path` names it in diagnostics and resolves imports.
pub fn run_source(path: &str, text: String, opts: RunOptions) -> RunOutcome {
    let norm = tern_syntax::loader::normalize(Path::new(path));
    run_loaded(Instant::now(), norm, text, SourceMap::new(), opts)
}

fn run_loaded(
    t0: Instant,
    norm: String,
    text: String,
    mut sources: SourceMap,
    opts: RunOptions,
) -> RunOutcome {
    let file = sources.add(norm.clone(), text);
    let compiled = tern_syntax::parse(file, sources.text(file))
        .and_then(|ast| tern_bytecode::compile_module(&norm, sources.text(file), &ast, Phase::Parse));
    match compiled {
        Ok(program) => {
            let compile_time = t0.elapsed();
            run_program(program, sources, opts, compile_time)
        }
        Err(d) => fail_before_run(d, sources, opts),
    }
}

/// Loads a `.tbc` file and runs it. Its imports resolve next to the `.tbc`.
pub fn run_tbc(path: &str, opts: RunOptions) -> RunOutcome {
    let t0 = Instant::now();
    match load_tbc(path) {
        Ok(program) => {
            let mut sources = SourceMap::new();
            sources.add(program.path.clone(), program.source.clone());
            let compile_time = t0.elapsed();
            run_program(program, sources, opts, compile_time)
        }
        Err(d) => fail_before_run(*d, SourceMap::new(), opts),
    }
}

/// Reads and verifies a `.tbc`; its path becomes `dir(tbc)/stored name`.
pub fn load_tbc(path: &str) -> Result<Program, Box<Diagnostic>> {
    let loc = |line| Location { file: path.to_string(), line, col: 1 };
    let bytes = std::fs::read(path).map_err(|e| {
        Box::new(Diagnostic::at(
            Code::ModuleNotFound,
            Phase::Parse,
            loc(1),
            format!("cannot read `{path}`: {e}"),
        ))
    })?;
    let mut program = tern_bytecode::tbc::read(&bytes).map_err(|e| {
        Box::new(
            Diagnostic::at(
                Code::UnexpectedChar,
                Phase::Parse,
                loc(0),
                format!("`{path}` is not a valid .tbc file: {e}"),
            )
            .with_hint("recompile it with `tern compile`"),
        )
    })?;
    let dir = Path::new(path).parent().unwrap_or(Path::new(""));
    program.path = tern_syntax::loader::normalize(&dir.join(&program.path));
    Ok(program)
}

fn fail_before_run(d: Diagnostic, sources: SourceMap, mut opts: RunOptions) -> RunOutcome {
    let _ = opts.err.write_all(tern_diag::render(&d, &sources, opts.format).as_bytes());
    let _ = opts.err.flush();
    let exit_code = if d.code == Code::ModuleNotFound { EXIT_NO_INPUT } else { d.exit_code() };
    RunOutcome { exit_code, diagnostic: Some(d), sources, stats: Stats::default() }
}

/// Runs an already compiled entry module whose source is file 0 of `sources`.
pub fn run_program(
    program: Program,
    sources: SourceMap,
    opts: RunOptions,
    compile_time: std::time::Duration,
) -> RunOutcome {
    let RunOptions { stats, format, out, mut err } = opts;
    let mut vm = Vm::new(Box::new(BufWriter::with_capacity(1 << 16, out)));
    vm.sources = sources;
    vm.instrument = stats;
    let file = tern_diag::FileId(0);
    let m = vm.add_module(program, file);
    let t1 = Instant::now();
    let result = vm.run_module(m);
    let run_time = t1.elapsed();
    vm.flush();
    let stats = Stats { instructions: vm.instructions, compile_time, run_time };
    let sources = std::mem::take(&mut vm.sources);
    drop(vm);
    match result {
        Ok(()) => RunOutcome { exit_code: 0, diagnostic: None, sources, stats },
        Err(d) => {
            let _ = err.write_all(tern_diag::render(&d, &sources, format).as_bytes());
            let _ = err.flush();
            RunOutcome { exit_code: d.exit_code(), diagnostic: Some(*d), sources, stats }
        }
    }
}
