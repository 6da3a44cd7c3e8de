//! Printing diagnostics and the common failure cases of every subcommand.

use std::path::Path;
use tern_diag::{render, Diagnostic, Format, SourceMap};

/// Prints diagnostics to stderr; returns the exit code of the first.
pub fn diagnostics(diags: &[Diagnostic], sources: &SourceMap, format: Format) -> i32 {
    let mut err = String::new();
    for d in diags {
        err.push_str(&render(d, sources, format));
    }
    eprint!("{err}");
    diags.first().map(|d| d.exit_code()).unwrap_or(0)
}

/// Reads the entry file, or explains why not (exit 66).
pub fn read_entry(path: &Path) -> Result<String, i32> {
    String::from_utf8(read_entry_bytes(path)?).map_err(|_| {
        eprintln!("tern: {} is not UTF-8 text", path.display());
        tern_diag::EXIT_NO_INPUT
    })
}

/// Reads the entry file's bytes (a `.tbc`, or source before its UTF-8 check),
/// or explains why not (exit 66).
pub fn read_entry_bytes(path: &Path) -> Result<Vec<u8>, i32> {
    std::fs::read(path).map_err(|e| {
        eprintln!("tern: cannot read {}: {}", path.display(), e);
        tern_diag::EXIT_NO_INPUT
    })
}

/// Refuses an output path that names the input file (however spelled: another
/// relative path, a symlink or a hard link), before anything is written:
/// a usage error (exit 2) that leaves the source untouched.
pub fn output_not_input(input: &Path, output: &Path) -> Result<(), i32> {
    if tern_syntax::loader::same_file(input, output) {
        eprintln!("tern: input file {} is the same as output file {}", input.display(), output.display());
        return Err(tern_diag::EXIT_USAGE);
    }
    Ok(())
}

/// Reads and compiles the entry file to bytecode, printing any diagnostic.
pub fn compile_entry(file: &Path, format: Format) -> Result<tern_bytecode::Program, i32> {
    let text = read_entry(file)?;
    let path = tern_syntax::loader::normalize(file);
    tern_bytecode::compile_source(&path, &text).map(|(p, _)| p).map_err(|d| {
        let mut sources = SourceMap::new();
        sources.add(path.clone(), text.clone());
        diagnostics(&[d], &sources, format)
    })
}
