//! Two renderings of one diagnostic: for people (header, snippet, hint,
//! trace) and for machines (one JSON object per line).

use crate::{Diagnostic, Frame, SourceMap};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config};
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

impl Format {
    /// `--diagnostics=json` wins; otherwise `TERN_DIAGNOSTICS=json` selects JSON.
    pub fn from_env(flag: Option<&str>) -> Format {
        let value = flag.map(str::to_string).or_else(|| std::env::var("TERN_DIAGNOSTICS").ok());
        match value.as_deref() {
            Some("json") => Format::Json,
            _ => Format::Human,
        }
    }
}

struct Adapter<'a>(&'a SourceMap);

impl<'a> Files<'a> for Adapter<'a> {
    type FileId = crate::FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: Self::FileId) -> Result<Self::Name, FilesError> {
        Ok(self.0.name(id))
    }

    fn source(&'a self, id: Self::FileId) -> Result<Self::Source, FilesError> {
        Ok(self.0.text(id))
    }

    fn line_index(&'a self, id: Self::FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.0.line_starts(id).partition_point(|&s| s <= byte_index) - 1)
    }

    fn line_range(&'a self, id: Self::FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let starts = self.0.line_starts(id);
        let text = self.0.text(id);
        let start = *starts
            .get(line_index)
            .ok_or(FilesError::LineTooLarge { given: line_index, max: starts.len() - 1 })?;
        let end = starts.get(line_index + 1).copied().unwrap_or(text.len());
        Ok(start..end)
    }
}

/// Header line, source snippet, hint and stack trace, as plain text.
pub fn render_human(diag: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = diag.header(sources);
    out.push('\n');
    if let Some(span) = diag.span.filter(|s| (s.file.0 as usize) < sources.len() && sources.quotable(s.file))
    {
        let mut labels = vec![Label::primary(span.file, clamp(span.range(), sources.text(span.file)))
            .with_message(diag.kind().as_str())];
        for (note_span, text) in &diag.notes {
            if (note_span.file.0 as usize) < sources.len() && sources.quotable(note_span.file) {
                labels.push(
                    Label::secondary(note_span.file, clamp(note_span.range(), sources.text(note_span.file)))
                        .with_message(text.clone()),
                );
            }
        }
        let cs = CsDiagnostic::error().with_labels(labels);
        let mut buf = String::new();
        let config = Config { before_label_lines: 0, after_label_lines: 0, ..Config::default() };
        if term::emit_to_string(&mut buf, &config, &Adapter(sources), &cs).is_ok() {
            // codespan prints its own (empty) "error" header; ours is above.
            let lines: Vec<&str> = buf.lines().skip_while(|l| !l.contains('┌')).map(str::trim_end).collect();
            let keep = lines.iter().rposition(|l| !l.is_empty()).map_or(0, |i| i + 1);
            for line in &lines[..keep] {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if let Some(hint) = &diag.hint {
        out.push_str(&format!("  = hint: {hint}\n"));
    }
    let (inner, omitted, outer) = elide(&diag.trace);
    for frame in inner {
        out.push_str(&format!("  at {} ({}:{}:{})\n", frame.function, frame.file, frame.line, frame.col));
    }
    if omitted > 0 {
        out.push_str(&format!("  ... {omitted} more frames ...\n"));
    }
    for frame in outer {
        out.push_str(&format!("  at {} ({}:{}:{})\n", frame.function, frame.file, frame.line, frame.col));
    }
    out
}

/// Frames shown at the innermost end of a long stack trace.
pub const TRACE_INNER: usize = 16;
/// Frames shown at the outermost end of a long stack trace.
pub const TRACE_OUTER: usize = 4;

/// A runaway recursion has 10,000 frames; show the ends of the stack and
/// count the middle, in both renderings (AOT executables do the same).
fn elide(trace: &[Frame]) -> (&[Frame], usize, &[Frame]) {
    if trace.len() <= TRACE_INNER + TRACE_OUTER {
        return (trace, 0, &[]);
    }
    let outer_start = trace.len() - TRACE_OUTER;
    (&trace[..TRACE_INNER], outer_start - TRACE_INNER, &trace[outer_start..])
}

fn clamp(range: Range<usize>, text: &str) -> Range<usize> {
    let mut start = range.start.min(text.len());
    let mut end = range.end.min(text.len()).max(start);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// One JSON object, no trailing newline.
pub fn render_json(diag: &Diagnostic, sources: &SourceMap) -> String {
    let loc = diag.resolve(sources);
    let (inner, omitted, outer) = elide(&diag.trace);
    let trace: Vec<&Frame> = inner.iter().chain(outer).collect();
    let mut obj = serde_json::json!({
        "code": diag.code.as_str(),
        "kind": diag.kind().as_str(),
        "phase": diag.phase.as_str(),
        "file": loc.file,
        "line": loc.line,
        "col": loc.col,
        "message": diag.message,
        "hint": diag.hint,
        "trace": trace,
    });
    if omitted > 0 {
        obj["trace_omitted"] = omitted.into();
    }
    obj.to_string()
}

/// Renders in the chosen format, newline-terminated.
pub fn render(diag: &Diagnostic, sources: &SourceMap, format: Format) -> String {
    match format {
        Format::Human => render_human(diag, sources),
        Format::Json => render_json(diag, sources) + "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Code, Phase, Span};

    fn sample() -> (Diagnostic, SourceMap) {
        let mut map = SourceMap::new();
        let f = map.add("main.tern", "let a = 1;\nprint(a / 0);\n");
        let span = Span::new(f, 19, 20);
        let d = Diagnostic::new(Code::DivisionByZero, Phase::Runtime, span, "division by zero")
            .with_hint("check the divisor before dividing");
        (d, map)
    }

    #[test]
    fn human_rendering_starts_with_the_parsable_header() {
        let (d, map) = sample();
        let text = render_human(&d, &map);
        let first = text.lines().next().unwrap();
        assert_eq!(first, "error[E0601]: runtime div-zero at main.tern:2:9: division by zero");
        assert!(text.contains("print(a / 0);"), "{text}");
        assert!(text.contains("= hint: check the divisor"), "{text}");
    }

    #[test]
    fn a_span_into_a_missing_file_renders_without_panicking() {
        let (d, _) = sample();
        let empty = SourceMap::new();
        assert!(
            render_human(&d, &empty).starts_with("error[E0601]: runtime div-zero at :0:0: division by zero")
        );
        assert!(render_json(&d, &empty).contains("\"line\":0"));
    }

    #[test]
    fn long_traces_keep_both_ends_and_count_the_middle() {
        let (mut d, map) = sample();
        d.trace = (0..10_000)
            .map(|i| Frame { function: format!("f{i}"), file: "main.tern".into(), line: 1, col: 1 })
            .collect();
        let text = render_human(&d, &map);
        assert!(
            text.contains("  at f0 (main.tern:1:1)")
                && text.contains("  at f15 (")
                && !text.contains("  at f16 (")
        );
        assert!(text.contains("  ... 9980 more frames ...\n  at f9996 ("), "{text}");
        let v: serde_json::Value = serde_json::from_str(&render_json(&d, &map)).unwrap();
        assert_eq!(v["trace"].as_array().unwrap().len(), 20);
        assert_eq!(v["trace"][16]["function"], "f9996");
        assert_eq!(v["trace_omitted"], 9980);
        d.trace.truncate(20);
        let v: serde_json::Value = serde_json::from_str(&render_json(&d, &map)).unwrap();
        assert!(v.get("trace_omitted").is_none());
    }

    #[test]
    fn json_rendering_has_the_documented_keys() {
        let (d, map) = sample();
        let v: serde_json::Value = serde_json::from_str(&render_json(&d, &map)).unwrap();
        assert_eq!(v["code"], "E0601");
        assert_eq!(v["kind"], "div-zero");
        assert_eq!(v["phase"], "runtime");
        assert_eq!(v["file"], "main.tern");
        assert_eq!(v["line"], 2);
        assert_eq!(v["col"], 9);
        assert_eq!(v["message"], "division by zero");
    }
}
