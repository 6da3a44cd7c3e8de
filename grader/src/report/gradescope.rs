//! Gradescope's autograder `results.json` (gradescope-autograders.readthedocs.io,
//! "Autograder Specifications"; schema in `grader/schemas/vendor/`): a test
//! per check with its share of the points, the check's visibility passed on
//! as Gradescope's (`hidden`, `after_due_date`), provenance in `extra_data`.
//! Gradescope shows instructors everything and students what each test's
//! visibility allows, so `ci/gradescope/run_autograder` grades with `--reveal`.
use crate::result::{Report, Status, Visibility};
use serde_json::{json, Value};

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(&results(report)).expect("serializes") + "\n"
}

/// Several workspaces: `{"workspaces": [results.json, ...]}`, one Gradescope document each.
pub fn render_many(reports: &[Report]) -> String {
    let v = json!({ "workspaces": reports.iter().map(results).collect::<Vec<_>>() });
    serde_json::to_string_pretty(&v).expect("serializes") + "\n"
}

fn visibility(v: Visibility) -> &'static str {
    match v {
        Visibility::Visible => "visible",
        Visibility::Hidden => "hidden",
        Visibility::AfterDue => "after_due_date",
    }
}

fn results(report: &Report) -> Value {
    let (earned, total) = report.points();
    let mut tests = Vec::new();
    for (e, ex) in report.exercises.iter().enumerate() {
        let prefix = match &ex.level {
            Some(l) => format!("{l}/{}", ex.id),
            None => ex.id.clone(),
        };
        for (i, c) in ex.checks.iter().enumerate() {
            let mut output = match c.status {
                Status::Pass => c.message.clone(),
                s => format!("[{s}] {}", c.message),
            };
            if let Some(d) = &c.detail {
                output = format!("{output}\n\n{d}");
            }
            if let (Some(out), true) = (&c.output, c.status.is_failure()) {
                output = format!("{output}\n\nthe engine printed:\n{out}");
            }
            tests.push(json!({
                "name": format!("{prefix}: {}", c.name),
                "number": format!("{}.{}", e + 1, i + 1),
                "score": c.score,
                "max_score": c.max_score,
                "status": if c.status.is_failure() { "failed" } else { "passed" },
                "output": output,
                "tags": [ex.level.clone().unwrap_or_default(), ex.id.clone(), ex.kind.clone(), c.status.as_str().to_string()],
                "visibility": visibility(c.visibility),
            }));
        }
    }
    let mut output = vec![format!("{earned}/{total} points")];
    for l in &report.levels {
        output.push(format!(
            "level {} — {}: {}/{} exercises, {}/{} XP",
            l.name, l.title, l.passed, l.total, l.earned_xp, l.xp
        ));
    }
    output.extend(report.notices.iter().cloned());
    let seconds: u64 = report.exercises.iter().map(|e| e.duration_ms).sum::<u64>() / 1000;
    json!({
        "score": earned,
        "execution_time": seconds,
        "output": output.join("\n"),
        "output_format": "text",
        "visibility": "visible",
        // run_autograder's own stdout is for instructors (build logs, paths).
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": { "provenance": report.provenance, "max_score": total, "xp": report.xp().0 },
    })
}
