//! Tables the runtime reads only when something goes wrong or is printed:
//! error and call sites (frame name, position, message) and struct layouts.
//! Both are plain text so the runtime can parse them without relocations.

use crate::layout::descriptor;
use tern_check::Checked;
use tern_diag::{SourceMap, Span};

#[derive(Default)]
pub struct Sites {
    text: String,
    count: i32,
}

impl Sites {
    /// Registers a place where a runtime error can surface or a call waits;
    /// returns its id (the runtime's line index into `tern_sites`).
    pub fn add(&mut self, sources: &SourceMap, frame: &str, span: Span, message: &str) -> i32 {
        let (line, col) = sources.line_col(span.file, span.start);
        let clean = |s: &str| s.replace(['\t', '\n'], " ");
        self.text.push_str(&format!(
            "{}\t{}\t{line}\t{col}\t{}\n",
            clean(frame),
            clean(sources.name(span.file)),
            clean(message)
        ));
        self.count += 1;
        self.count - 1
    }

    pub fn into_text(self) -> String {
        self.text
    }
}

/// `Name\tfield\tdesc...` per struct, in `StructId` order.
pub fn struct_table(checked: &Checked) -> String {
    let mut out = String::new();
    for s in &checked.structs {
        out.push_str(&s.name);
        for (name, ty) in &s.fields {
            out.push('\t');
            out.push_str(name);
            out.push('\t');
            out.push_str(&descriptor(ty));
        }
        out.push('\n');
    }
    out
}
