//! Reports of a grading run: for humans, for tools (JSON), for CI (JUnit,
//! GitHub Actions annotations).
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;

use crate::result::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Junit,
    Html,
}

/// Several workspaces' reports (instructor mode) as one document: sections
/// for people, `{"workspaces": [...]}` in JSON, suites prefixed by the
/// workspace in JUnit. One report renders exactly as `render` does.
pub fn render_many(reports: &[Report], format: Format, color: bool) -> String {
    match reports {
        [one] => render(one, format, color),
        _ => match format {
            Format::Human => reports
                .iter()
                .map(|r| {
                    format!(
                        "== workspace {} ==\n{}",
                        r.provenance.workspace.as_deref().unwrap_or("?"),
                        human::render(r, color)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Format::Json => json::render_many(reports),
            Format::Junit => junit::render_many(reports),
            Format::Html => reports.iter().map(html::render).collect(),
        },
    }
}

pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Human => human::render(report, color),
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
        Format::Html => html::render(report),
    }
}

/// Control characters made visible (`\x1b`, `\0`, `\r`): an invisible
/// difference between expected and actual output must show in every format.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\0' => out.push_str("\\0"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
