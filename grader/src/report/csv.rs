//! A gradebook CSV (RFC 4180): one row per workspace with its points and XP,
//! total and per level, for a Canvas or Moodle gradebook import (map the
//! `workspace` column to the student in the import dialog).
use crate::result::Report;

pub fn render_many(reports: &[Report]) -> String {
    // Every level any report has, in first-seen (course) order.
    let mut levels: Vec<&str> = Vec::new();
    for l in reports.iter().flat_map(|r| &r.levels) {
        if !levels.contains(&l.name.as_str()) {
            levels.push(&l.name);
        }
    }
    let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    let mut header: Vec<String> =
        ["workspace", "engine", "points", "max_points", "xp", "max_xp"].map(String::from).to_vec();
    header.extend(levels.iter().map(|l| format!("xp {l}")));
    w.write_record(&header).expect("writing to memory");
    for r in reports {
        let (points, max) = r.points();
        let (xp, max_xp) = r.xp();
        let mut row = vec![
            r.provenance.workspace.clone().unwrap_or_default(),
            r.engine.clone(),
            format!("{points}"),
            max.to_string(),
            xp.to_string(),
            max_xp.to_string(),
        ];
        row.extend(levels.iter().map(|name| {
            r.levels.iter().find(|l| l.name == *name).map(|l| l.earned_xp.to_string()).unwrap_or_default()
        }));
        w.write_record(&row).expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("flushed")).expect("UTF-8 in, UTF-8 out")
}
