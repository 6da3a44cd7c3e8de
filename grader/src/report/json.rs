//! Machine-readable report: the `Report` structure as JSON (stable field
//! names), described by `grader/schemas/report.schema.json`. One workspace is
//! one report object; several are `{"schema_version", "workspaces": [...]}`.
//! `parse` reads either back, for `grader merge`.
use crate::result::Report;
use serde_json::Value;

/// Bumped when a field changes meaning or goes away (adding one does not).
pub const SCHEMA_VERSION: u64 = 1;

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(&value(report)).expect("report serializes") + "\n"
}

pub fn render_many(reports: &[Report]) -> String {
    let v = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "workspaces": reports.iter().map(value).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).expect("report serializes") + "\n"
}

fn value(report: &Report) -> Value {
    let (earned, points) = report.points();
    let (xp, xp_total) = report.xp();
    let mut v = serde_json::to_value(report).expect("report serializes");
    let extra = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "points": {"earned": earned, "total": points},
        "xp": {"earned": xp, "total": xp_total},
        "failed": report.failed(),
    });
    if let (Value::Object(v), Value::Object(extra)) = (&mut v, extra) {
        v.extend(extra);
    }
    v
}

/// The reports in a JSON report file (one report or a class).
pub fn parse(text: &str) -> Result<Vec<Report>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not a JSON report: {e}"))?;
    let version = v.get("schema_version").and_then(Value::as_u64);
    if version != Some(SCHEMA_VERSION) {
        return Err(format!(
            "schema_version {} is not {SCHEMA_VERSION}: written by another grader version",
            version.map_or("missing".into(), |n| n.to_string())
        ));
    }
    let items = match v.get("workspaces") {
        Some(Value::Array(ws)) => ws.clone(),
        _ => vec![v],
    };
    items
        .into_iter()
        .map(|r| serde_json::from_value(r).map_err(|e| format!("not a grader report: {e}")))
        .collect()
}
