//! The diagnostic header line of the engine protocol:
//! `error[CODE]: PHASE KIND at FILE:LINE:COL: MESSAGE` (the `[CODE]` part optional).
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: Option<String>,
    pub phase: String,
    pub kind: String,
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

pub const PHASES: &[&str] = &["parse", "build", "import", "runtime"];
pub const KINDS: &[&str] =
    &["syntax", "name", "type", "field", "arity", "nil", "div-zero", "index", "import", "value", "stack"];

fn header_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^error(?:\[([A-Za-z0-9_-]+)\])?: (parse|build|import|runtime) ([a-z][a-z-]*) at (.+):(\d+):(\d+): ?(.*)$")
            .unwrap()
    })
}

/// The first header line on stderr; other lines (snippets, traces) are for humans.
pub fn parse_stderr(stderr: &str) -> Option<Diagnostic> {
    stderr.lines().find_map(parse_line)
}

pub fn parse_line(line: &str) -> Option<Diagnostic> {
    let c = header_re().captures(line.trim_end())?;
    Some(Diagnostic {
        code: c.get(1).map(|m| m.as_str().to_string()),
        phase: c[2].to_string(),
        kind: c[3].to_string(),
        file: c[4].to_string(),
        line: c[5].parse().ok()?,
        col: c[6].parse().ok()?,
        message: c[7].to_string(),
    })
}

impl Diagnostic {
    pub fn header(&self) -> String {
        let code = self.code.as_ref().map(|c| format!("[{c}]")).unwrap_or_default();
        format!(
            "error{code}: {} {} at {}:{}:{}: {}",
            self.phase, self.kind, self.file, self.line, self.col, self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_code() {
        let d = parse_line("error[E0601]: runtime div-zero at path/main.tern:3:9: division by zero").unwrap();
        assert_eq!(d.code.as_deref(), Some("E0601"));
        assert_eq!((d.phase.as_str(), d.kind.as_str(), d.line, d.col), ("runtime", "div-zero", 3, 9));
        assert_eq!(d.file, "path/main.tern");
        let d = parse_line("error: parse syntax at main.tern:1:5: unexpected token").unwrap();
        assert_eq!(d.code, None);
        assert_eq!(d.message, "unexpected token");
    }

    #[test]
    fn finds_first_header_among_other_lines() {
        let s = "warning: x\nerror: oops\nerror: build type at C:/a:b.tern:2:1: mismatch\nerror: runtime nil at x:1:1: y\n";
        let d = parse_stderr(s).unwrap();
        assert_eq!(d.phase, "build");
        assert_eq!(d.file, "C:/a:b.tern");
    }

    #[test]
    fn rejects_unknown_phase() {
        assert!(parse_line("error: link syntax at a:1:1: x").is_none());
    }
}
