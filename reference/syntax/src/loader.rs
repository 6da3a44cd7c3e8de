//! Follows `import` statements from an entry file through the whole
//! program. The JIT and the AOT compiler load everything up front; the
//! interpreter uses [`resolve`] and [`load_file`] lazily, one import at a time.

use crate::ast::*;
use crate::parse;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use tern_diag::{Code, Diagnostic, FileId, Phase, SourceMap, Span};

pub struct LoadedModule {
    /// Normalised path, also the module's identity and its name in diagnostics.
    pub path: String,
    pub ast: Module,
}

/// Every module reachable from the entry, entry first (index 0).
pub struct Program {
    pub modules: Vec<LoadedModule>,
    pub by_path: HashMap<String, usize>,
}

impl Program {
    pub fn module_index(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }
}

/// Lexically normalised `dir(importer)/written`: `.` and `a/..` removed,
/// never touching the filesystem, so paths in diagnostics stay as the student wrote them.
pub fn resolve(importer: &str, written: &str) -> String {
    let base = Path::new(importer).parent().unwrap_or(Path::new(""));
    normalize(&base.join(written))
}

pub fn normalize(path: &Path) -> String {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    let p: PathBuf = out.iter().collect();
    p.to_string_lossy().into_owned()
}

/// Reads and parses one file into the source map. A missing file is an
/// `import` diagnostic pointing at `at` (the import statement's path).
pub fn load_file(
    path: &str,
    at: Option<Span>,
    sources: &mut SourceMap,
    phase: Phase,
) -> Result<(FileId, Module), Diagnostic> {
    let text = std::fs::read(path).map_err(|e| {
        let msg = format!("cannot read module `{path}`: {}", io_reason(&e));
        let d = match at {
            Some(span) => Diagnostic::new(Code::ModuleNotFound, phase, span, msg),
            None => Diagnostic::at(
                Code::ModuleNotFound,
                phase,
                tern_diag::Location { file: path.to_string(), line: 1, col: 1 },
                msg,
            ),
        };
        d.with_hint("import paths are relative to the file that imports them")
    })?;
    let text = String::from_utf8(text).map_err(|e| {
        let file = sources.add(path, "");
        Diagnostic::new(
            Code::UnexpectedChar,
            phase,
            Span::new(file, 0, 0),
            format!("`{path}` is not valid UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        )
    })?;
    let file = sources.add(path, text);
    let ast = parse(file, sources.text(file)).map_err(|d| d.with_phase(phase))?;
    Ok((file, ast))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Loads the entry and, transitively, every module any `import` statement
/// names (whether or not that statement would run). Diagnostics get `phase`.
pub fn load_program(entry: &str, sources: &mut SourceMap, phase: Phase) -> Result<Program, Diagnostic> {
    let entry = normalize(Path::new(entry));
    let (_, ast) = load_file(&entry, None, sources, phase)?;
    let mut program = Program {
        modules: vec![LoadedModule { path: entry.clone(), ast }],
        by_path: HashMap::from([(entry, 0)]),
    };
    let mut next = 0;
    while next < program.modules.len() {
        let importer = program.modules[next].path.clone();
        let wanted: Vec<(String, Span)> = imports(&program.modules[next].ast)
            .into_iter()
            .map(|(p, s)| (resolve(&importer, p), s))
            .collect();
        for (path, span) in wanted {
            if program.by_path.contains_key(&path) {
                continue;
            }
            let (_, ast) = load_file(&path, Some(span), sources, phase)?;
            program.by_path.insert(path.clone(), program.modules.len());
            program.modules.push(LoadedModule { path, ast });
        }
        next += 1;
    }
    Ok(program)
}

/// Every `import` statement in a module, nested ones included, in source order.
pub fn imports(m: &Module) -> Vec<(&str, Span)> {
    fn block<'a>(b: &'a Block, out: &mut Vec<(&'a str, Span)>) {
        for s in &b.stmts {
            stmt(s, out);
        }
    }
    fn stmt<'a>(s: &'a Stmt, out: &mut Vec<(&'a str, Span)>) {
        match &s.kind {
            StmtKind::Import { path, path_span, .. } => out.push((path.as_str(), *path_span)),
            StmtKind::If { then, els, .. } => {
                block(then, out);
                match els {
                    Some(Else::Block(b)) => block(b, out),
                    Some(Else::If(s)) => stmt(s, out),
                    None => {}
                }
            }
            StmtKind::While { body, .. } | StmtKind::For { body, .. } => block(body, out),
            StmtKind::Block(b) => block(b, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for item in &m.items {
        match item {
            Item::Fn(f) => block(&f.body, &mut out),
            Item::Stmt(s) => stmt(s, &mut out),
            Item::Struct(_) => {}
        }
    }
    out
}

/// Whether two paths name the same existing file: the same device and inode
/// (so another relative path, a symlink or a hard link counts), or, where
/// that is not available, the same canonical path. A path that does not
/// exist is never the same file as anything.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_to_the_importer() {
        assert_eq!(resolve("main.tern", "util.tern"), "util.tern");
        assert_eq!(resolve("dir/main.tern", "./lib/util.tern"), "dir/lib/util.tern");
        assert_eq!(resolve("dir/sub/main.tern", "../util.tern"), "dir/util.tern");
        assert_eq!(resolve("main.tern", "../x.tern"), "../x.tern");
    }
}
