//! tern-bytecode: Tern's register bytecode (see reference/BYTECODE.md).
//!
//! - [`compile_file`] / [`compile_module`]: AST -> [`Program`] (one per module)
//! - [`disasm`]: a listing with source lines
//! - [`tbc::write`] / [`tbc::read`]: the portable `.tbc` file format
//! - [`verify`]: checks every index an instruction carries, so the VM may
//!   trust a program that came from a file

pub mod compile;
mod disasm;
mod elide;
pub mod instr;
pub mod program;
pub mod tbc;
mod verify;

pub use compile::compile_module;
pub use disasm::disasm;
pub use instr::{Builtin, CheckKind, Instr, Reg};
pub use program::{Const, FunctionProto, Program, SrcSpan, StaticError, StructDef, TypeCheck};
pub use verify::verify;

use tern_diag::{Code, Diagnostic, Location, Phase, SourceMap};

/// Reads, parses and compiles an entry file. A syntax error has phase
/// `parse`; an unreadable file is E0801 (callers exit 66 for it).
/// Use [`compile_file_keeping_sources`] to render a snippet for the error.
pub fn compile_file(path: &str) -> Result<(Program, SourceMap), Diagnostic> {
    compile_file_keeping_sources(path).map_err(|(d, _)| d)
}

/// Like [`compile_file`], but an error comes back with the `SourceMap` that
/// holds the entry's text (empty if the file could not be read), so callers
/// can render the diagnostic with its `file:line:col` and snippet.
pub fn compile_file_keeping_sources(path: &str) -> Result<(Program, SourceMap), (Diagnostic, SourceMap)> {
    let mut sources = SourceMap::new();
    let norm = tern_syntax::loader::normalize(std::path::Path::new(path));
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let d = Diagnostic::at(
                Code::ModuleNotFound,
                Phase::Parse,
                Location { file: norm.clone(), line: 1, col: 1 },
                format!("cannot read `{norm}`: {e}"),
            );
            return Err((d, sources));
        }
    };
    let file = sources.add(norm.clone(), text);
    let compiled = tern_syntax::parse(file, sources.text(file))
        .and_then(|ast| compile_module(&norm, sources.text(file), &ast, Phase::Parse));
    match compiled {
        Ok(program) => Ok((program, sources)),
        Err(d) => Err((d, sources)),
    }
}

/// Compiles source text held in memory (tests, tools).
pub fn compile_source(path: &str, text: &str) -> Result<(Program, SourceMap), Diagnostic> {
    let mut sources = SourceMap::new();
    let file = sources.add(path, text);
    let ast = tern_syntax::parse(file, sources.text(file))?;
    let program = compile_module(path, text, &ast, Phase::Parse)?;
    Ok((program, sources))
}
