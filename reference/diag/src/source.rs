//! Source files by id, and byte offsets -> 1-based line and column.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start: start as u32, end: end as u32 }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

struct File {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

/// Every file an engine has read, so diagnostics can quote them.
#[derive(Default)]
pub struct SourceMap {
    files: Vec<File>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        self.files.push(File { name: name.into(), text, line_starts });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn name(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].name
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].text
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether a diagnostic may quote lines of `id`: only files inside the
    /// directory of the first file (the entry). An `import` of any other
    /// path (a solution, a system file) must not become a way to read it
    /// through the error snippet; its header and position still show.
    pub fn quotable(&self, id: FileId) -> bool {
        let (Some(entry), Some(file)) = (self.files.first(), self.files.get(id.0 as usize)) else {
            return false;
        };
        if id.0 == 0 {
            return true;
        }
        let lexical = |name: &str| {
            let p = std::path::Path::new(name);
            p.is_relative() && !p.components().any(|c| matches!(c, std::path::Component::ParentDir))
        };
        let entry_dir = std::path::Path::new(&entry.name).parent().map(|d| {
            if d.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                d
            }
        });
        match (
            entry_dir.and_then(|d| d.canonicalize().ok()),
            std::path::Path::new(&file.name).canonicalize().ok(),
        ) {
            (Some(dir), Some(path)) => path.starts_with(dir),
            // Not on disk (tests, in-memory sources): judge the name alone.
            _ => lexical(&file.name) && lexical(&entry.name),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn find(&self, name: &str) -> Option<FileId> {
        self.files.iter().position(|f| f.name == name).map(|i| FileId(i as u32))
    }

    /// 1-based line and column (columns count Unicode scalar values).
    pub fn line_col(&self, id: FileId, offset: u32) -> (u32, u32) {
        let file = &self.files[id.0 as usize];
        let offset = (offset as usize).min(file.text.len());
        let line = file.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = file.line_starts[line];
        // Offsets always sit on char boundaries, but be defensive about bad spans.
        let col = file.text.get(start..offset).map(|s| s.chars().count()).unwrap_or(offset - start);
        (line as u32 + 1, col as u32 + 1)
    }

    pub(crate) fn line_starts(&self, id: FileId) -> &[usize] {
        &self.files[id.0 as usize].line_starts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_chars() {
        let mut map = SourceMap::new();
        let f = map.add("a.tern", "let x = 1;\nlet é = 2;\n");
        assert_eq!(map.line_col(f, 0), (1, 1));
        assert_eq!(map.line_col(f, 4), (1, 5));
        assert_eq!(map.line_col(f, 11), (2, 1));
        // 'é' is two bytes; the '=' after it is column 7.
        let eq = map.text(f).rfind('=').unwrap() as u32;
        assert_eq!(map.line_col(f, eq), (2, 7));
        assert_eq!(map.line_col(f, 999), (3, 1));
    }
}
