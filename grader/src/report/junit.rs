//! JUnit XML for CI dashboards: a suite per exercise, a test case per check.
use crate::result::{Report, Status};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

pub fn render(report: &Report) -> String {
    let mut junit = quick_junit::Report::new("tern-grader");
    for ex in &report.exercises {
        let suite_name = match &ex.level {
            Some(l) => format!("{l}/{}", ex.id),
            None => ex.id.clone(),
        };
        let mut suite = TestSuite::new(suite_name);
        for c in &ex.checks {
            let status = match c.status {
                Status::Pass => TestCaseStatus::success(),
                Status::Skipped => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(c.message.clone());
                    s
                }
                other => {
                    let kind = if other == Status::Fail { NonSuccessKind::Failure } else { NonSuccessKind::Error };
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
    junit.to_string().expect("junit serializes")
}
