//! `tern-aot`: the reference ahead-of-time compiler. It type-checks the whole
//! program at build time (tern-check), lowers every Tern function to native
//! code through Cranelift (cranelift-object, x86-64 or ARM64 ELF), compiles
//! the small C runtime in `runtime/` for the target (cached), and links both
//! into an executable with the system C driver. No interpreter, bytecode or
//! VM ends up in the output.
//!
//! # API (used by `tern build FILE -o OUT [--target x86_64|aarch64] [--emit obj]`)
//!
//! ```no_run
//! use tern_aot::{build, BuildOptions, Target};
//! let opts = BuildOptions { out: "hello".into(), target: Target::X86_64, emit_obj: false };
//! match build("hello.tern", &opts) {
//!     Ok(report) => println!("wrote {}", report.executable.display()),
//!     Err(e) => { eprint!("{}", e.render(tern_diag::Format::Human)); std::process::exit(e.exit_code()) }
//! }
//! ```
//!
//! * [`BuildError::Diagnostics`]: syntax/name/type/field/arity errors anywhere in
//!   the import graph (phase `build`, exit 65; an unreadable entry file exits 66).
//! * [`BuildError::Tool`]: a missing or failing C toolchain (exit 2); the message
//!   names the Debian packages to install.
//! * [`BuildError::Io`]: cannot write the output (exit 2).
//!
//! # Semantics of the executables
//!
//! Identical output to the interpreter on well-typed programs. Runtime errors
//! print the interpreter's diagnostic (header, snippet, stack trace; JSON with
//! `TERN_DIAGNOSTICS=json`) and exit 70. Module top-level code runs lazily, the
//! first time an `import` statement naming the module executes.
//!
//! # Memory model
//!
//! * Strings, array headers and records are garbage-collected by a
//!   conservative mark-sweep collector in the runtime (`runtime/tern_rt.c`).
//!   A collection runs when the bytes allocated since the last one exceed
//!   max(4 MB, bytes live after the last one), so a program's heap stays
//!   within about twice its live data plus 4 MB. Array storage (malloc'd) is
//!   freed with its header. Roots: the native stack from the running frame up
//!   to `main`'s, the callee-saved registers (spilled before scanning) and the
//!   module globals (`tern_globals`, exported for the collector). Every word of
//!   a root, record or array element that points into an object keeps it
//!   alive, so compiled code needs no stack maps or write barriers.
//! * What can still leak: conservatism only, e.g. an int whose value happens
//!   to be the address of a dead object retains it until the int goes away.
//!   Literals live in the executable's read-only data and are never freed.
//! * `s + x` appends in place when `s` ends exactly where its buffer's used
//!   bytes end and the buffer has room; otherwise it copies into a new
//!   buffer with room to double. Strings are immutable: bytes below a
//!   buffer's `used` mark never change, so strings sharing a buffer stay
//!   intact. `s = s + x` in a loop is amortised linear.
//!
//! # Limitations
//!
//! * Runtime errors print header and stack trace but no source snippet: the
//!   executable carries positions, not source (LANGUAGE.md §13.2).
//!
//! # Calls and stack traces
//!
//! Every Tern function (and module init function) takes a hidden first
//! argument: its frame's depth (`<main>` is 0). A call compares the caller's
//! depth with the 10 000-frame limit, stores the call-site id in the caller's
//! slot of the shadow stack `tern_stack[depth]` (one store) and passes
//! depth + 1. No global counter is loaded, bumped or restored. Before
//! reporting an error (or calling a runtime function that may report one),
//! compiled code stores its depth in `tern_depth` for the runtime's tracer.

mod emit;
mod layout;
mod target;
mod toolchain;

pub use target::Target;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tern_diag::{Code, Diagnostic, Format, Phase, SourceMap};

pub struct BuildOptions {
    /// The executable to write.
    pub out: PathBuf,
    pub target: Target,
    /// Keep the program's relocatable object beside the output (`OUT.o`).
    pub emit_obj: bool,
}

impl BuildOptions {
    pub fn new(out: impl Into<PathBuf>) -> Self {
        BuildOptions { out: out.into(), target: Target::host(), emit_obj: false }
    }
}

#[derive(Debug)]
pub struct BuildReport {
    pub executable: PathBuf,
    /// The program object, if `emit_obj` asked to keep it.
    pub object: Option<PathBuf>,
    /// Symbols of every compiled Tern function and module init function.
    pub symbols: Vec<String>,
    pub check_time: Duration,
    pub codegen_time: Duration,
    pub link_time: Duration,
}

pub enum BuildError {
    /// The program is not well-formed or well-typed; render with the sources.
    Diagnostics { diagnostics: Vec<Diagnostic>, sources: SourceMap },
    /// A missing or failing C compiler/linker.
    Tool(String),
    /// Reading or writing files, or an internal compiler failure.
    Io(String),
}

impl BuildError {
    pub fn exit_code(&self) -> i32 {
        match self {
            BuildError::Diagnostics { diagnostics, .. } => {
                let entry_unreadable =
                    diagnostics.iter().any(|d| d.code == Code::ModuleNotFound && d.span.is_none());
                if entry_unreadable {
                    tern_diag::EXIT_NO_INPUT
                } else {
                    tern_diag::EXIT_BEFORE_RUN
                }
            }
            BuildError::Tool(_) | BuildError::Io(_) => tern_diag::EXIT_USAGE,
        }
    }

    /// Everything to print on stderr, newline-terminated.
    pub fn render(&self, format: Format) -> String {
        match self {
            BuildError::Diagnostics { diagnostics, sources } => {
                diagnostics.iter().map(|d| tern_diag::render(d, sources, format)).collect()
            }
            BuildError::Tool(m) | BuildError::Io(m) => format!("tern build: {m}\n"),
        }
    }
}

impl std::fmt::Debug for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Format::Human))
    }
}

/// Loads and checks the program at `entry`. All diagnostics have phase `build`.
pub fn check_program(entry: &str) -> Result<(tern_check::Checked, SourceMap), BuildError> {
    let mut sources = SourceMap::new();
    let program = match tern_syntax::loader::load_program(entry, &mut sources, Phase::Build) {
        Ok(p) => p,
        Err(d) => return Err(BuildError::Diagnostics { diagnostics: vec![d], sources }),
    };
    match tern_check::check(program) {
        Ok(c) => Ok((c, sources)),
        Err(ds) => {
            let diagnostics = ds.into_iter().map(|d| d.with_phase(Phase::Build)).collect();
            Err(BuildError::Diagnostics { diagnostics, sources })
        }
    }
}

/// Compiles a checked program to a relocatable object (no linking).
pub fn compile_object(
    checked: &tern_check::Checked,
    sources: &SourceMap,
    target: Target,
) -> Result<(Vec<u8>, Vec<String>), BuildError> {
    let emitted = emit::emit_program(checked, sources, target).map_err(BuildError::Io)?;
    Ok((emitted.object, emitted.symbols))
}

/// Check, compile and link `entry` into `opts.out`.
pub fn build(entry: &str, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let t0 = Instant::now();
    let (checked, sources) = check_program(entry)?;
    // Never overwrite a source file of the program (the entry or a module it imports).
    let obj_path = object_path(&opts.out, opts.emit_obj);
    for i in 0..sources.len() {
        let src = Path::new(sources.name(tern_diag::FileId(i as u32)));
        for out in [&opts.out, &obj_path] {
            if tern_syntax::loader::same_file(src, out) {
                return Err(BuildError::Io(format!(
                    "input file {} is the same as output file {}",
                    src.display(),
                    out.display()
                )));
            }
        }
    }
    let t1 = Instant::now();
    let (object, symbols) = compile_object(&checked, &sources, opts.target)?;
    let t2 = Instant::now();
    let runtime = toolchain::runtime_object(opts.target).map_err(BuildError::Tool)?;
    std::fs::write(&obj_path, &object)
        .map_err(|e| BuildError::Io(format!("cannot write {}: {e}", obj_path.display())))?;
    let linked = toolchain::link(opts.target, &obj_path, &runtime, &opts.out);
    if !opts.emit_obj {
        let _ = std::fs::remove_file(&obj_path);
    }
    linked.map_err(BuildError::Tool)?;
    Ok(BuildReport {
        executable: opts.out.clone(),
        object: opts.emit_obj.then_some(obj_path),
        symbols,
        check_time: t1 - t0,
        codegen_time: t2 - t1,
        link_time: t2.elapsed(),
    })
}

fn object_path(out: &Path, keep: bool) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "tern-out".into());
    if keep {
        name.push(".o");
    } else {
        name.push(format!(".{}.tmp.o", std::process::id()));
    }
    out.with_file_name(name)
}
