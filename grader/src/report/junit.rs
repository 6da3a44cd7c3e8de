//! JUnit XML for CI dashboards: a suite per exercise, a test case per check.
//! The shape is the Jenkins xunit-plugin's `junit-10.xsd` (a copy is in
//! `grader/schemas/vendor/`), which GitLab and GitHub reporters also read:
//! written with quick-xml directly, because quick-junit puts a `skipped`
//! attribute on `<testsuites>` that this schema refuses.
use crate::result::{CheckResult, ExerciseResult, Report, Status};
use quick_xml::events::BytesText;
use quick_xml::Writer;
use std::io;

pub fn render(report: &Report) -> String {
    render_many(std::slice::from_ref(report))
}

/// One JUnit document; with several workspaces, suite names start with the workspace.
pub fn render_many(reports: &[Report]) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_document(&mut w, reports).expect("writing to memory");
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&String::from_utf8(w.into_inner()).expect("UTF-8 in, UTF-8 out"));
    out.push('\n');
    out
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    ms: u64,
}

impl Counts {
    fn of<'a>(checks: impl Iterator<Item = &'a CheckResult>) -> Counts {
        let mut n = Counts::default();
        for c in checks {
            n.tests += 1;
            match c.status {
                Status::Pass => {}
                Status::Skipped => n.skipped += 1,
                Status::Fail => n.failures += 1,
                _ => n.errors += 1,
            }
        }
        n
    }
}

/// Seconds with three decimals, the schema's `SUREFIRE_TIME`.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// XML 1.0 cannot carry most control characters (an engine's ANSI colours, a
/// stray NUL), even escaped: they are dropped.
fn xml_text(s: &str) -> String {
    s.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}'))
        .collect()
}

fn write_document(w: &mut Writer<Vec<u8>>, reports: &[Report]) -> io::Result<()> {
    let all = Counts::of(reports.iter().flat_map(|r| &r.exercises).flat_map(|e| &e.checks));
    let ms: u64 = reports.iter().flat_map(|r| &r.exercises).map(|e| e.duration_ms).sum();
    w.create_element("testsuites")
        .with_attributes([
            ("name", "tern-grader"),
            ("tests", &all.tests.to_string()),
            ("failures", &all.failures.to_string()),
            ("errors", &all.errors.to_string()),
            ("time", &seconds(ms)),
        ])
        .write_inner_content(|w| {
            for report in reports {
                for ex in &report.exercises {
                    write_suite(w, report, ex, reports.len() > 1)?;
                }
            }
            Ok(())
        })?;
    Ok(())
}

fn write_suite(
    w: &mut Writer<Vec<u8>>,
    report: &Report,
    ex: &ExerciseResult,
    prefixed: bool,
) -> io::Result<()> {
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
        ("points", Some(format!("{}/{}", ex.earned, ex.points))),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, v?)))
    .collect();
    let mut name = match &ex.level {
        Some(l) => format!("{l}/{}", ex.id),
        None => ex.id.clone(),
    };
    if prefixed {
        name = format!("{}: {name}", p.workspace.as_deref().unwrap_or("workspace"));
    }
    let n = Counts { ms: ex.duration_ms, ..Counts::of(ex.checks.iter()) };
    let classname = format!("{}.{}", ex.level.as_deref().unwrap_or("exercises"), ex.id);
    w.create_element("testsuite")
        .with_attributes([
            ("name", xml_text(&name).as_str()),
            ("tests", &n.tests.to_string()),
            ("failures", &n.failures.to_string()),
            ("errors", &n.errors.to_string()),
            ("skipped", &n.skipped.to_string()),
            ("time", &seconds(n.ms)),
        ])
        .write_inner_content(|w| {
            w.create_element("properties").write_inner_content(|w| {
                for (k, v) in &props {
                    w.create_element("property")
                        .with_attributes([("name", *k), ("value", xml_text(v).as_str())])
                        .write_empty()?;
                }
                Ok(())
            })?;
            for c in &ex.checks {
                write_case(w, c, &classname)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_case(w: &mut Writer<Vec<u8>>, c: &CheckResult, classname: &str) -> io::Result<()> {
    let case = w.create_element("testcase").with_attributes([
        ("name", xml_text(&c.name).as_str()),
        ("classname", classname),
        ("time", &seconds(c.duration_ms.unwrap_or(0))),
    ]);
    if c.status == Status::Pass {
        case.write_empty()?;
        return Ok(());
    }
    case.write_inner_content(|w| {
        let message = xml_text(&c.message);
        match c.status {
            Status::Skipped => {
                w.create_element("skipped").with_attribute(("message", message.as_str())).write_empty()?;
            }
            other => {
                let tag = if other == Status::Fail { "failure" } else { "error" };
                let el = w
                    .create_element(tag)
                    .with_attributes([("message", message.as_str()), ("type", other.as_str())]);
                match &c.detail {
                    Some(d) => el.write_text_content(BytesText::new(&xml_text(d)))?,
                    None => el.write_empty()?,
                };
                // What the engine printed, beside the diff in the failure.
                if let Some(out) = &c.output {
                    w.create_element("system-out").write_text_content(BytesText::new(&xml_text(out)))?;
                }
            }
        }
        Ok(())
    })?;
    Ok(())
}
