//! Small helpers for building diagnostics in place, and the final ordering.

use tern_diag::{Diagnostic, Span};

pub trait DiagExt {
    fn note(&mut self, span: Span, text: impl Into<String>) -> &mut Self;
    fn hint(&mut self, text: impl Into<String>) -> &mut Self;
}

impl DiagExt for Diagnostic {
    fn note(&mut self, span: Span, text: impl Into<String>) -> &mut Self {
        self.notes.push((span, text.into()));
        self
    }

    fn hint(&mut self, text: impl Into<String>) -> &mut Self {
        self.hint = Some(text.into());
        self
    }
}

/// Sorted by file, then position; exact duplicates (same code and place) dropped.
pub fn sort(diags: &mut Vec<Diagnostic>) {
    diags.sort_by_key(|d| d.span.map(|s| (s.file, s.start, s.end)).unwrap_or_default());
    diags.dedup_by(|a, b| a.code == b.code && a.span == b.span);
}
