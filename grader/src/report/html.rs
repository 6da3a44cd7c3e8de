//! One self-contained HTML page (no scripts, no network): every exercise with
//! its checks and diffs, and an SVG chart of the samples of each perf rule.
use crate::result::{CheckResult, Report, Status};

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                out.push_str(&crate::report::visible(&c.to_string()))
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}\
.badge{display:inline-block;min-width:6em;font-weight:bold}.pass{color:#1a7f37}.fail,.error,.crash{color:#cf222e}\
.timeout,.output-cap,.memory,.processes,.file-size,.cpu-time{color:#9a6700}.skipped{color:#777}\
section.exercise{border-top:1px solid #ddd;padding:.5em 0}ul{list-style:none;padding-left:1em}\
pre{background:#f6f8fa;padding:.5em;overflow-x:auto}.del{color:#cf222e}.ins{color:#1a7f37}";

fn class(s: Status) -> &'static str {
    s.as_str()
}

/// The measured samples of a perf rule, one row of dots per engine, on a shared ms axis.
fn chart(c: &CheckResult) -> String {
    let (w, row, left) = (640.0_f64, 34.0_f64, 170.0_f64);
    let h = row * c.samples.len() as f64 + 30.0;
    let max = c.samples.iter().flat_map(|(_, v)| v.iter().copied()).fold(0.0_f64, f64::max).max(1e-3);
    let x = |ms: f64| left + (w - left - 20.0) * ms / max;
    let colors = ["#0969da", "#bf3989", "#1a7f37", "#9a6700"];
    let mut s = format!(
        "<svg class=\"perf-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"samples of {}\">",
        esc(&c.name)
    );
    for (i, (engine, samples)) in c.samples.iter().enumerate() {
        let y = row * i as f64 + row / 2.0;
        let color = colors[i % colors.len()];
        s.push_str(&format!("<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}</text>", y + 4.0, esc(engine)));
        for ms in samples {
            s.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{color}\" fill-opacity=\"0.6\"><title>{ms:.2} ms</title></circle>",
                x(*ms)
            ));
        }
    }
    let axis = h - 20.0;
    s.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{axis}\" x2=\"{:.1}\" y2=\"{axis}\" stroke=\"#888\"/>\
         <text x=\"{left}\" y=\"{:.1}\" font-size=\"11\">0 ms</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{max:.1} ms</text></svg>",
        w - 20.0,
        axis + 14.0,
        w - 20.0,
        axis + 14.0
    ));
    s
}

fn detail(c: &CheckResult) -> String {
    let Some(d) = &c.detail else { return String::new() };
    let perf = c.name.starts_with("perf");
    let lines: Vec<String> = d
        .lines()
        .map(|l| match l.chars().next() {
            Some('-') if !perf => format!("<span class=\"del\">{}</span>", esc(l)),
            Some('+') if !perf => format!("<span class=\"ins\">{}</span>", esc(l)),
            _ => esc(l),
        })
        .collect();
    format!("<pre>{}</pre>", lines.join("\n"))
}

pub fn render(report: &Report) -> String {
    let (earned, total) = report.points();
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str(&format!("<title>Grading report</title><style>{STYLE}</style></head><body>\n"));
    out.push_str("<h1>Grading report</h1>\n");
    let passed = report.exercises.iter().filter(|e| e.full_marks()).count();
    out.push_str(&format!(
        "<p id=\"summary\"><span id=\"exercise-count\">{}</span> exercises, {passed} at full marks; points {}/{total}</p>\n",
        report.exercises.len(),
        super::human::fmt_points(earned)
    ));
    for n in &report.notices {
        out.push_str(&format!("<p class=\"notice\">note: {}</p>\n", esc(n)));
    }
    if !report.engine.is_empty() {
        out.push_str(&format!("<p>engine: {}</p>\n", esc(&report.engine)));
    }
    for ex in &report.exercises {
        let level = ex.level.as_ref().map(|l| format!("{l}/")).unwrap_or_default();
        out.push_str(&format!(
            "<section class=\"exercise\" data-id=\"{}\"><h2><span class=\"badge {}\">{}</span> {}{} — {}/{} points</h2><p>{}</p>\n<ul>\n",
            esc(&ex.id),
            class(ex.status),
            ex.status.as_str().to_uppercase(),
            esc(&level),
            esc(&ex.id),
            super::human::fmt_points(ex.earned),
            ex.points,
            esc(&ex.title)
        ));
        for n in &ex.notices {
            out.push_str(&format!("<li class=\"notice\">note: {}</li>\n", esc(n)));
        }
        for c in &ex.checks {
            let shown = c.status.is_failure() || c.name.starts_with("perf");
            out.push_str(&format!(
                "<li class=\"check\"><span class=\"badge {}\">{}</span> {}: {}{}{}</li>\n",
                class(c.status),
                c.status.as_str().to_uppercase(),
                esc(&c.name),
                esc(&c.message),
                if shown { detail(c) } else { String::new() },
                if c.samples.is_empty() { String::new() } else { chart(c) }
            ));
        }
        out.push_str("</ul></section>\n");
    }
    out.push_str("</body></html>\n");
    out
}
