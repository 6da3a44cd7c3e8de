//! `tern fmt`: parse, then print in canonical layout, comments included.

use crate::report;
use std::path::Path;
use tern_diag::{FileId, Format, SourceMap};
use tern_syntax::format::{format_source, FormatError};

pub fn run(file: &Path, write: bool, check: bool, format: Format) -> i32 {
    run_with(file, write, check, format, format_source)
}

/// `run` with the formatter as a parameter, so tests can check that a
/// formatter failure never reaches the file.
fn run_with(
    file: &Path,
    write: bool,
    check: bool,
    format: Format,
    formatter: fn(FileId, &str) -> Result<String, FormatError>,
) -> i32 {
    let text = match report::read_entry(file) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut sources = SourceMap::new();
    let id = sources.add(file.to_string_lossy(), text.clone());
    let pretty = match formatter(id, &text) {
        Ok(p) => p,
        Err(FormatError::Syntax(d)) => return report::diagnostics(&[d], &sources, format),
        Err(e) => return refuse(file, &sources, id, &e),
    };
    if check {
        if pretty == text {
            return 0;
        }
        eprintln!("tern: {} is not formatted (run `tern fmt --write {}`)", file.display(), file.display());
        return 1;
    }
    if write {
        if let Err(e) = std::fs::write(file, pretty) {
            eprintln!("tern: cannot write {}: {e}", file.display());
            return 1;
        }
        return 0;
    }
    print!("{pretty}");
    0
}

/// The formatter could not keep the program or its comments intact: say
/// where, and print or write nothing (exit 1).
fn refuse(file: &Path, sources: &SourceMap, id: FileId, e: &FormatError) -> i32 {
    let what = match e {
        FormatError::LostComment(c) => {
            let (line, col) = sources.line_col(id, c.span.start);
            format!("it would lose the comment at {}:{line}:{col}", file.display())
        }
        _ => "its output would not be the same program".to_string(),
    };
    eprintln!(
        "tern: cannot format {}: {what}; nothing was written (this is a bug in `tern fmt`)",
        file.display()
    );
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_syntax::Comment;

    /// A formatter with the bug the safety net exists for: it drops a comment.
    fn lossy(_: FileId, src: &str) -> Result<String, FormatError> {
        let start = src.find("//").unwrap();
        let text = src[start..].lines().next().unwrap().to_string();
        Err(FormatError::LostComment(Comment {
            span: tern_diag::Span::new(FileId(0), start, start + text.len()),
            text,
            own_line: false,
        }))
    }

    #[test]
    fn a_formatter_failure_leaves_the_file_untouched() {
        let dir = std::env::temp_dir().join(format!("tern-fmt-refuse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("p.tern");
        let src = "print( 1 );\nprint(2); // keep me\n";
        std::fs::write(&file, src).unwrap();
        assert_eq!(run_with(&file, true, false, Format::Human, lossy), 1);
        assert_eq!(run_with(&file, false, true, Format::Human, lossy), 1);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), src);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
