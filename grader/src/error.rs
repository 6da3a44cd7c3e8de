//! Errors are user interface: every problem with an input file names the
//! file, the line and column, says what is wrong and, where we can, how to fix it.
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct GradeError {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

pub type Result<T> = std::result::Result<T, GradeError>;

/// Parses a YAML input file (`src`, read from `file`) into `T`, every error
/// at its file:line:col. A key given twice in any mapping is an error, also
/// in the map-typed fields (`files:`, quiz answers) where serde keeps the
/// last one silently: a document that parses is read again as a plain
/// `serde_yaml::Value`, whose mappings refuse duplicates.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(file: &Path, src: &str) -> Result<T> {
    let t = serde_yaml::from_str(src).map_err(|e| GradeError::yaml_src(file, src, &e))?;
    serde_yaml::from_str::<serde_yaml::Value>(src).map_err(|e| GradeError::yaml_src(file, src, &e))?;
    Ok(t)
}

impl GradeError {
    pub fn new(message: impl Into<String>) -> Self {
        GradeError { file: None, line: None, col: None, message: message.into(), hint: None }
    }
    pub fn at(file: &Path, line: usize, col: usize, message: impl Into<String>) -> Self {
        GradeError {
            file: Some(file.to_path_buf()),
            line: Some(line),
            col: Some(col),
            message: message.into(),
            hint: None,
        }
    }
    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        GradeError {
            file: Some(file.to_path_buf()),
            line: None,
            col: None,
            message: message.into(),
            hint: None,
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// A serde_yaml error carries a location; keep it so the author can jump there.
    pub fn yaml(file: &Path, err: &serde_yaml::Error) -> Self {
        let (line, col) = match err.location() {
            Some(l) => (Some(l.line()), Some(l.column())),
            None => (None, None),
        };
        // serde_yaml appends "at line X column Y" itself; drop it, we print the location up front.
        let mut msg = err.to_string();
        if let Some(i) = msg.find(" at line ") {
            msg.truncate(i);
        }
        let hint = if msg.contains("unknown field") {
            Some("check the spelling of the key; the schema is documented in grader/EXERCISES.md".to_string())
        } else {
            None
        };
        GradeError { file: Some(file.to_path_buf()), line, col, message: msg, hint }
    }
    /// Like `yaml`, with the source at hand: a duplicate key is reported at
    /// its second occurrence (serde_yaml points at the start of the mapping).
    pub fn yaml_src(file: &Path, src: &str, err: &serde_yaml::Error) -> Self {
        let mut e = GradeError::yaml(file, err);
        let after = |m: &str, pre: &str, end: char| -> Option<String> {
            let rest = &m[m.find(pre)? + pre.len()..];
            rest.strip_suffix(end).map(str::to_string)
        };
        let dup = after(&e.message, "duplicate field `", '`')
            .or_else(|| after(&e.message, "duplicate entry with key \"", '"'));
        if let (Some(key), Some(line), Some(col)) = (dup, e.line, e.col) {
            let indent = col - 1;
            let second = src
                .lines()
                .enumerate()
                .skip(line - 1)
                .filter(|(_, l)| {
                    // (`get`: serde_yaml counts columns in characters; a line whose
                    // first `indent` bytes are not all blanks is not the key's.)
                    l.len() > indent && l.get(..indent).is_some_and(|pre| pre.trim().is_empty()) && {
                        let body = &l[indent..];
                        let body = body.strip_prefix("- ").unwrap_or(body);
                        body.starts_with(&format!("{key}:")) || body.starts_with(&format!("\"{key}\":"))
                    }
                })
                .nth(1);
            if let Some((i, l)) = second {
                let body = l.trim_start().strip_prefix("- ").unwrap_or(l.trim_start());
                e.line = Some(i + 1);
                e.col = Some(l.len() - body.len() + 1);
                e.hint = Some(format!("`{key}` is given twice in the same mapping; keep one"));
            }
        }
        e
    }
    /// Errors found after parsing (a missing `run:` for instance) point at the key's line.
    pub fn at_key(file: &Path, src: &str, key: &str, message: impl Into<String>) -> Self {
        let (line, col) = locate_key(src, key).unwrap_or((1, 1));
        GradeError::at(file, line, col, message)
    }
    /// Like `at_key`, at the `n`th (0-based) occurrence of the key, else the first.
    pub fn at_key_nth(file: &Path, src: &str, key: &str, n: usize, message: impl Into<String>) -> Self {
        let (line, col) = locate_key_nth(src, key, n).or_else(|| locate_key(src, key)).unwrap_or((1, 1));
        GradeError::at(file, line, col, message)
    }
    /// At the line where `key: value` appears (e.g. the second `kind:` of a
    /// file, the one inside `error:`), else at the first `key:`.
    pub fn at_key_value(file: &Path, src: &str, key: &str, value: &str, message: impl Into<String>) -> Self {
        let mut n = 0;
        while let Some((line, col)) = locate_key_nth(src, key, n) {
            let text = src.lines().nth(line - 1).unwrap_or("");
            let rest = text[col - 1 + key.len() + 1..].trim().trim_matches(|c| c == '"' || c == '\'');
            if rest == value
                || rest.starts_with(&format!("{value},"))
                || rest.starts_with(&format!("{value} "))
            {
                return GradeError::at(file, line, col, message);
            }
            n += 1;
        }
        let needle = format!("{key}: {value}");
        for (i, text) in src.lines().enumerate() {
            if let Some(c) = text.find(&needle) {
                return GradeError::at(file, i + 1, c + 1, message);
            }
        }
        GradeError::at_key(file, src, key, message)
    }
    /// At the first occurrence of `text` after the first `key:` line (a list
    /// item's value), else at the key.
    pub fn at_text_after_key(
        file: &Path,
        src: &str,
        key: &str,
        text: &str,
        message: impl Into<String>,
    ) -> Self {
        let from = locate_key(src, key).map(|(l, _)| l - 1).unwrap_or(0);
        for (i, line) in src.lines().enumerate().skip(from) {
            let body = if i == from { line.split_once(':').map(|(_, v)| v).unwrap_or(line) } else { line };
            if let Some(c) = body.find(text).filter(|_| !text.is_empty()) {
                let col = line.len() - body.len() + c + 1;
                return GradeError::at(file, i + 1, col, message);
            }
        }
        GradeError::at_key(file, src, key, message)
    }
    pub fn io(file: &Path, err: &std::io::Error) -> Self {
        GradeError::in_file(file, format!("cannot read: {err}"))
    }
}

/// First line where `key:` starts a mapping entry (possibly inside a list item).
pub fn locate_key(src: &str, key: &str) -> Option<(usize, usize)> {
    locate_key_nth(src, key, 0)
}

/// The `n`th (0-based) line where `key:` starts a mapping entry.
pub fn locate_key_nth(src: &str, key: &str, n: usize) -> Option<(usize, usize)> {
    let mut seen = 0;
    for (i, line) in src.lines().enumerate() {
        let trimmed = line.trim_start();
        let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        if body.starts_with(&format!("{key}:")) {
            if seen == n {
                let col = line.len() - body.len() + 1;
                return Some((i + 1, col));
            }
            seen += 1;
        }
    }
    // Flow style (`files: {main.tern: {from: x}}`): the key after `{`, `,` or a space.
    if n == 0 && !key.is_empty() {
        let needle = format!("{key}:");
        for (i, line) in src.lines().enumerate() {
            for (c, _) in line.match_indices(&needle) {
                if line[..c].ends_with(['{', ',', ' ']) {
                    return Some((i + 1, c + 1));
                }
            }
        }
    }
    None
}

impl fmt::Display for GradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line, self.col) {
            (Some(p), Some(l), Some(c)) => write!(f, "{}:{}:{}: error: {}", p.display(), l, c, self.message)?,
            (Some(p), _, _) => write!(f, "{}: error: {}", p.display(), self.message)?,
            _ => write!(f, "error: {}", self.message)?,
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GradeError {}
