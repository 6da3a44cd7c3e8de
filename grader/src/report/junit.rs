//! JUnit XML for CI dashboards: a suite per exercise, a test case per check.
use crate::result::{Report, Status};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

pub fn render(report: &Report) -> String {
    render_many(std::slice::from_ref(report))
}

/// One JUnit document; with several workspaces, suite names start with the workspace.
pub fn render_many(reports: &[Report]) -> String {
    let mut junit = quick_junit::Report::new("tern-grader");
    for report in reports {
        add_suites(&mut junit, report, reports.len() > 1);
    }
    junit.to_string().expect("junit serializes")
}

fn add_suites(junit: &mut quick_junit::Report, report: &Report, prefixed: bool) {
    let p = &report.provenance;
    let props: Vec<(&str, String)> = [
        ("workspace", p.workspace.clone()),
        ("workspace_sha256", p.workspace_sha256.clone()),
        ("engine", p.engine.clone()),
        ("engine_sha256", p.engine_sha256.clone()),
        ("course", p.course.clone()),
        ("course_commit", p.course_commit.clone()),
        ("course_sha256", p.course_sha256.clone()),
        ("sandboxed", Some(p.sandboxed.to_string())),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, v?)))
    .collect();
    let ws = p.workspace.as_deref().unwrap_or("workspace");
    for ex in &report.exercises {
        let mut suite_name = match &ex.level {
            Some(l) => format!("{l}/{}", ex.id),
            None => ex.id.clone(),
        };
        if prefixed {
            suite_name = format!("{ws}: {suite_name}");
        }
        let mut suite = TestSuite::new(suite_name);
        for (k, v) in &props {
            suite.add_property(quick_junit::Property::new(*k, v.clone()));
        }
        for c in &ex.checks {
            let status = match c.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Skipped => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(c.message.clone());
                    s
                }
                other => {
                    let kind =
                        if other == Status::Fail { NonSuccessKind::Failure } else { NonSuccessKind::Error };
                    let mut s = TestCaseStatus::non_success(kind);
                    s.set_message(c.message.clone());
                    s.set_type(other.as_str());
                    if let Some(d) = &c.detail {
                        s.set_description(d.clone());
                    }
                    s
                }
            };
            let mut case = TestCase::new(c.name.clone(), status);
            case.set_classname(format!("{}.{}", ex.level.as_deref().unwrap_or("exercises"), ex.id));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
}
