//! Machine-readable report: the `Report` structure as JSON (stable field names).
use crate::result::Report;

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(&value(report)).expect("report serializes") + "\n"
}

pub fn render_many(reports: &[Report]) -> String {
    let v = serde_json::json!({ "workspaces": reports.iter().map(value).collect::<Vec<_>>() });
    serde_json::to_string_pretty(&v).expect("report serializes") + "\n"
}

fn value(report: &Report) -> serde_json::Value {
    let (earned, points) = report.points();
    let (xp, xp_total) = report.xp();
    serde_json::json!({
        "engine": report.engine,
        "points": {"earned": earned, "total": points},
        "xp": {"earned": xp, "total": xp_total},
        "failed": report.failed(),
        "exercises": report.exercises,
        "levels": report.levels,
        "notices": report.notices,
        "provenance": report.provenance,
    })
}
