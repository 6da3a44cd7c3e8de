//! The report a student reads: one line per exercise, details for what failed.
use crate::result::{Report, Status};
use anstyle::{AnsiColor, Style};

/// Styled when `color`; `crate::term` strips styles again where colour is off.
fn paint(s: &str, style: Style, color: bool) -> String {
    if color {
        format!("{style}{s}{style:#}")
    } else {
        s.to_string()
    }
}

fn fg(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(c.into()))
}

fn badge(s: Status, color: bool) -> String {
    let (text, code) = match s {
        Status::Pass => ("PASS", fg(AnsiColor::Green)),
        Status::Fail => ("FAIL", fg(AnsiColor::Red)),
        Status::Error => ("ERROR", fg(AnsiColor::Magenta)),
        Status::Timeout => ("TIMEOUT", fg(AnsiColor::Yellow)),
        Status::Crash => ("CRASH", fg(AnsiColor::Red).bold()),
        Status::OutputCap => ("OUTPUT-CAP", fg(AnsiColor::Yellow)),
        Status::Skipped => ("SKIPPED", Style::new().dimmed()),
        Status::Memory => ("MEMORY", fg(AnsiColor::Yellow)),
        Status::Processes => ("PROCESSES", fg(AnsiColor::Yellow)),
        Status::FileSize => ("FILE-SIZE", fg(AnsiColor::Yellow)),
        Status::CpuTime => ("CPU-TIME", fg(AnsiColor::Yellow)),
    };
    paint(&format!("{text:<10}"), code, color)
}

pub(crate) fn fmt_points(p: f64) -> String {
    if (p - p.round()).abs() < 0.005 {
        format!("{}", p.round() as i64)
    } else {
        format!("{p:.2}")
    }
}

fn short(hash: &Option<String>) -> String {
    hash.as_deref().map(|h| format!(" sha256:{}", &h[..h.len().min(12)])).unwrap_or_default()
}

/// Where the grade came from, when it is a workspace's (instructor mode names everything).
fn provenance(p: &crate::provenance::Provenance) -> String {
    let Some(ws) = &p.workspace else { return String::new() };
    let mut s = format!("workspace: {ws}{}\n", short(&p.workspace_sha256));
    if let Some(e) = &p.engine {
        s.push_str(&format!("engine graded: {e}{}\n", short(&p.engine_sha256)));
    }
    if let Some(c) = &p.course {
        let commit = p.course_commit.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
        s.push_str(&format!("course: {c}{commit}{}\n", short(&p.course_sha256)));
    }
    s.push_str(if p.sandboxed { "sandbox: on\n" } else { "sandbox: OFF\n" });
    s
}

pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for n in &report.notices {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&provenance(&report.provenance));
    if !report.engine.is_empty() {
        out.push_str(&format!("engine: {}\n\n", report.engine));
    }
    for ex in &report.exercises {
        let level = ex.level.as_ref().map(|l| format!("{l}/")).unwrap_or_default();
        out.push_str(&format!(
            "{} {level}{} ({}) — {}/{} points — {}\n",
            badge(ex.status, color),
            ex.id,
            ex.kind,
            fmt_points(ex.earned),
            ex.points,
            ex.title
        ));
        for n in &ex.notices {
            out.push_str(&format!("    note: {n}\n"));
        }
        for c in &ex.checks {
            let show_detail =
                c.status != Status::Pass && c.status != Status::Skipped || c.name.starts_with("perf");
            out.push_str(&format!("    {} {}: {}\n", badge(c.status, color), c.name, c.message));
            if show_detail {
                if let Some(d) = &c.detail {
                    for line in d.lines() {
                        let painted = match line.chars().next() {
                            Some('-') if !c.name.starts_with("perf") => {
                                paint(line, fg(AnsiColor::Red), color)
                            }
                            Some('+') if !c.name.starts_with("perf") => {
                                paint(line, fg(AnsiColor::Green), color)
                            }
                            _ => line.to_string(),
                        };
                        out.push_str(&format!("        | {painted}\n"));
                    }
                }
            }
        }
    }
    let (earned, total) = report.points();
    let checks = report.exercises.iter().map(|e| e.checks.len()).sum::<usize>();
    out.push_str(&format!(
        "\n{} exercises, {checks} checks: {} passed, {} failed, {} error, {} timeout, {} crash, {} output-cap, {} over a limit, {} skipped\n",
        report.exercises.len(), report.count(Status::Pass), report.count(Status::Fail), report.count(Status::Error),
        report.count(Status::Timeout), report.count(Status::Crash), report.count(Status::OutputCap),
        [Status::Memory, Status::Processes, Status::FileSize, Status::CpuTime].iter().map(|s| report.count(*s)).sum::<usize>(),
        report.count(Status::Skipped)));
    out.push_str(&format!("points: {}/{}\n", fmt_points(earned), total));
    if !report.levels.is_empty() {
        let (xp, xp_total) = report.xp();
        for l in &report.levels {
            let lock = if l.locked_by.is_empty() {
                String::new()
            } else {
                format!(" (locked: finish {} first)", l.locked_by.join(", "))
            };
            out.push_str(&format!(
                "  level {:<16} {:>2}/{:<2} exercises  {:>6}/{:<4} points  {:>4}/{} XP{lock}\n",
                l.name,
                l.passed,
                l.total,
                fmt_points(l.earned),
                l.points,
                l.earned_xp,
                l.xp
            ));
        }
        out.push_str(&format!("XP: {xp}/{xp_total}\n"));
    }
    out
}
