//! Machine-readable report: the `Report` structure as JSON (stable field names).
use crate::result::Report;

pub fn render(report: &Report) -> String {
    let (earned, points) = report.points();
    let (xp, xp_total) = report.xp();
    let v = serde_json::json!({
        "engine": report.engine,
        "points": {"earned": earned, "total": points},
        "xp": {"earned": xp, "total": xp_total},
        "failed": report.failed(),
        "exercises": report.exercises,
        "levels": report.levels,
        "notices": report.notices,
    });
    serde_json::to_string_pretty(&v).expect("report serializes") + "\n"
}
