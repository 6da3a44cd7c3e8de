//! Reports of a grading run: for humans, for tools (JSON), for CI (JUnit,
//! GitHub Actions annotations).
pub mod github;
pub mod human;
pub mod json;
pub mod junit;

use crate::result::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Junit,
}

pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Human => human::render(report, color),
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
    }
}
