//! Exercism's test-runner `results.json`, version 3 (exercism/docs,
//! building/tooling/test-runners/interface.md; schema in
//! `grader/schemas/vendor/`): a test per check that ran, in grading order,
//! `test_code` the program it ran, `task_id` the exercise's place in the
//! report. `error` is written too when nothing could be graded: that
//! interface wants a results.json whatever happened.
use crate::result::{Report, Status};
use serde_json::{json, Value};

pub const VERSION: u64 = 3;

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(&results(report)).expect("serializes") + "\n"
}

/// Several workspaces: `{"workspaces": [results.json, ...]}`.
pub fn render_many(reports: &[Report]) -> String {
    let v = json!({ "workspaces": reports.iter().map(results).collect::<Vec<_>>() });
    serde_json::to_string_pretty(&v).expect("serializes") + "\n"
}

/// The results.json of a run that could not grade anything (a bad course, no workspace).
pub fn error(message: &str) -> String {
    let v = json!({ "version": VERSION, "status": "error", "message": clip(message, 65_535), "tests": [] });
    serde_json::to_string_pretty(&v).expect("serializes") + "\n"
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn results(report: &Report) -> Value {
    let mut tests = Vec::new();
    for (task, ex) in report.exercises.iter().enumerate() {
        let prefix = match &ex.level {
            Some(l) => format!("{l}/{}", ex.id),
            None => ex.id.clone(),
        };
        // Exercism has no `skipped`: a check that did not run is not a test result.
        for c in ex.checks.iter().filter(|c| c.status != Status::Skipped) {
            let status = match c.status {
                Status::Pass => "pass",
                Status::Fail => "fail",
                _ => "error",
            };
            let message = c.status.is_failure().then(|| match &c.detail {
                Some(d) => format!("{}\n{d}", c.message),
                None => c.message.clone(),
            });
            let mut t = json!({
                "name": format!("{prefix}: {}", c.name),
                "status": status,
                "message": message,
                "task_id": task + 1,
            });
            if let Some(code) = &c.program {
                t["test_code"] = json!(code);
            }
            if let Some(out) = &c.output {
                t["output"] = json!(out);
            }
            tests.push(t);
        }
    }
    let errors = tests.iter().filter(|t| t["status"] == "error").count();
    let failed = tests.iter().any(|t| t["status"] != "pass");
    // `error` only when every test errored (or none could run): nothing was really graded.
    let (status, message) = if tests.is_empty() || errors == tests.len() {
        let why: Vec<String> = report
            .exercises
            .iter()
            .flat_map(|e| &e.checks)
            .filter(|c| c.status.is_failure())
            .map(|c| format!("{}: {}", c.name, c.message))
            .chain(report.notices.iter().cloned())
            .collect();
        (
            "error",
            Some(clip(&why.join("\n"), 65_535)).filter(|m| !m.is_empty()).or(Some("no tests ran".into())),
        )
    } else {
        (if failed { "fail" } else { "pass" }, None)
    };
    json!({ "version": VERSION, "status": status, "message": message, "tests": tests })
}
