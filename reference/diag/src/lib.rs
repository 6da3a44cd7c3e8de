//! Diagnostics shared by every Tern engine: what went wrong (code, kind),
//! when it surfaced (phase), where (file:line:col), and how to show it to a
//! person (snippet + hint) or to a machine (one JSON object per line).

mod code;
mod render;
mod source;

pub use code::{Code, Kind, Phase};
pub use render::{render, render_human, render_json, Format};
pub use source::{FileId, SourceMap, Span};

use serde::Serialize;

/// Exit code when the program failed before it ran (`parse`, `build`).
pub const EXIT_BEFORE_RUN: i32 = 65;
/// Exit code when the program failed while running (`import`, `runtime`).
pub const EXIT_WHILE_RUNNING: i32 = 70;
/// Exit code when the entry file cannot be read (sysexits EX_NOINPUT).
pub const EXIT_NO_INPUT: i32 = 66;
/// Exit code for usage errors and missing tools or engines.
pub const EXIT_USAGE: i32 = 2;

/// One frame of a runtime stack trace, innermost first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Frame {
    pub function: String,
    pub file: String,
    pub line: u32,
    pub col: u32,
}

/// A resolved location, for diagnostics whose source text may not be at hand
/// (a `.tbc` file or an AOT executable carries lines, not source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub phase: Phase,
    pub message: String,
    /// Where it happened, as a span into a [`SourceMap`] when the text is known.
    pub span: Option<Span>,
    /// Where it happened when only the resolved position is known.
    pub location: Option<Location>,
    pub hint: Option<String>,
    /// Secondary labels: (span, text).
    pub notes: Vec<(Span, String)>,
    pub trace: Vec<Frame>,
}

impl Diagnostic {
    pub fn new(code: Code, phase: Phase, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            phase,
            message: message.into(),
            span: Some(span),
            location: None,
            hint: None,
            notes: Vec::new(),
            trace: Vec::new(),
        }
    }

    /// A diagnostic known only by its resolved position.
    pub fn at(code: Code, phase: Phase, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            phase,
            message: message.into(),
            span: None,
            location: Some(location),
            hint: None,
            notes: Vec::new(),
            trace: Vec::new(),
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_note(mut self, span: Span, text: impl Into<String>) -> Self {
        self.notes.push((span, text.into()));
        self
    }

    pub fn with_phase(mut self, phase: Phase) -> Self {
        self.phase = phase;
        self
    }

    pub fn kind(&self) -> Kind {
        self.code.kind()
    }

    /// The process exit code this diagnostic implies.
    pub fn exit_code(&self) -> i32 {
        self.phase.exit_code()
    }

    /// file, line, col of the primary position.
    pub fn resolve(&self, sources: &SourceMap) -> Location {
        if let Some(span) = self.span.filter(|s| (s.file.0 as usize) < sources.len()) {
            let (line, col) = sources.line_col(span.file, span.start);
            Location { file: sources.name(span.file).to_string(), line, col }
        } else if let Some(loc) = &self.location {
            loc.clone()
        } else {
            Location { file: String::new(), line: 0, col: 0 }
        }
    }

    /// The one-line header every engine prints first; the grader parses it.
    pub fn header(&self, sources: &SourceMap) -> String {
        let loc = self.resolve(sources);
        format!(
            "error[{}]: {} {} at {}:{}:{}: {}",
            self.code.as_str(),
            self.phase.as_str(),
            self.kind().as_str(),
            loc.file,
            loc.line,
            loc.col,
            self.message
        )
    }
}
