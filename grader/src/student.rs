//! What a student asks between runs: where am I (`status`), what now
//! (`next`), and a nudge (`hint`). All read the workspace's recorded progress.
use crate::exercise::Exercise;
use crate::workspace::Workspace;
use crate::GradeError;

/// Progress per level: each exercise's best result and the engine that earned it.
pub fn status(ws: &Workspace) -> String {
    let progress = ws.load_progress();
    let best: Vec<_> = ws.load_results().into_values().collect();
    let levels = crate::grade::level_results(&ws.course, &best, true);
    let mut out = format!("{} — {}\n", ws.course.title, ws.dir.display());
    for l in &levels {
        let lock = if l.locked_by.is_empty() {
            String::new()
        } else {
            format!("  (locked: finish {} first)", l.locked_by.join(", "))
        };
        let plural = if l.total == 1 { "" } else { "s" };
        out.push_str(&format!(
            "\nlevel {} — {}: {}/{} exercise{plural}, {:.2}/{} points, {}/{} XP{lock}\n",
            l.name, l.title, l.passed, l.total, l.earned, l.points, l.earned_xp, l.xp
        ));
        let Some(level) = ws.course.levels.iter().find(|c| c.name == l.name) else { continue };
        for ex in &level.exercises {
            let (mark, pts, by) = match progress.best(&format!("{}/{}", l.name, ex.id)) {
                Some((engine, r)) => {
                    (r.status.as_str(), format!("{:.2}/{}", r.earned, r.points), format!("  [{engine}]"))
                }
                None => ("not run", format!("0/{}", ex.points), String::new()),
            };
            out.push_str(&format!("  {:<10} {:<24} {:>10}  {}{by}\n", mark, ex.id, pts, ex.title));
        }
    }
    let xp: u32 = levels.iter().map(|l| l.earned_xp).sum();
    let xp_total: u32 = levels.iter().map(|l| l.xp).sum();
    out.push_str(&format!("\nXP: {xp}/{xp_total}\n"));
    out
}

/// The first exercise, in course order, whose best result is not full marks.
pub fn next(ws: &Workspace) -> Option<(&str, &Exercise)> {
    let progress = ws.load_progress();
    ws.course.levels.iter().flat_map(|l| l.exercises.iter().map(move |e| (l.name.as_str(), e))).find(
        |(level, ex)| !progress.best(&format!("{level}/{}", ex.id)).is_some_and(|(_, r)| r.full_marks()),
    )
}

/// `grader next`: the exercise to work on, what it asks and how to grade it.
pub fn next_text(ws: &Workspace) -> String {
    let Some((level, ex)) = next(ws) else {
        return "every exercise is at full marks — well done\n".into();
    };
    let dir = ws.exercise_dir(level, ex);
    let shown = dir.strip_prefix(&ws.dir).unwrap_or(&dir).display().to_string();
    let mut s = format!("next: {level}/{} — {} ({} points)\n", ex.id, ex.title, ex.points);
    if !ex.description.trim().is_empty() {
        s.push_str(&format!("\n{}\n", ex.description.trim()));
    }
    s.push_str(&format!("\nwork in {shown}/, then `grader run {shown}` (or keep `grader watch` running)"));
    if ex.hint.is_some() {
        s.push_str(&format!("; stuck? `grader hint {}`", ex.id));
    }
    s.push('\n');
    s
}

/// `grader hint ID`: the exercise's hint, on request.
pub fn hint(ws: &Workspace, id: &str) -> Result<String, GradeError> {
    let all = || ws.course.levels.iter().flat_map(|l| l.exercises.iter());
    let Some(ex) = all().find(|e| e.id == id || id.ends_with(&format!("/{}", e.id))) else {
        let ids: Vec<&str> = all().map(|e| e.id.as_str()).collect();
        return Err(GradeError::new(format!("no exercise `{id}` in this course"))
            .hint(format!("the exercises are: {}", ids.join(", "))));
    };
    Ok(match &ex.hint {
        Some(h) => format!("hint for {}: {}\n", ex.id, h.trim()),
        None => format!("{} has no hint; its README.md says what it asks\n", ex.id),
    })
}
