//! GitHub Actions workflow commands, so failures show up on the exercise file.
use crate::error::locate_key;
use crate::result::Report;

fn escape(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_prop(s: &str) -> String {
    escape(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn annotations(report: &Report) -> String {
    let mut out = String::new();
    for ex in &report.exercises {
        let src = std::fs::read_to_string(&ex.path).unwrap_or_default();
        for c in ex.checks.iter().filter(|c| c.status.is_failure()) {
            // Point at the part of the exercise YAML that the failing check comes from.
            let key = if c.name.starts_with("perf") {
                "perf"
            } else if c.name.starts_with("question") {
                "questions"
            } else {
                "expect"
            };
            let line = locate_key(&src, key).map(|(l, _)| l).unwrap_or(1);
            let program_line = c.line.map(|l| format!(" (program line {l})")).unwrap_or_default();
            out.push_str(&format!(
                "::error file={},line={line},title={}::{} [{}] {}{program_line}\n",
                escape_prop(&ex.path),
                escape_prop(&format!("{} {}", ex.id, c.name)),
                escape(&c.name),
                c.status,
                escape(&c.message)
            ));
        }
    }
    out
}
