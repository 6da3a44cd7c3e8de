//! `grader watch`: re-grades the exercise whose files change (file events from
//! the `notify` crate, debounced so one save is one run), Rustlings style.
use crate::workspace::Workspace;
use notify::RecursiveMode;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Quiet time after the last file event before grading: editors save in bursts.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// The exercise directory (`LEVEL/ID` under the workspace) a changed path is in.
pub fn exercise_of(ws: &Workspace, changed: &Path) -> Option<PathBuf> {
    let rel = changed.strip_prefix(&ws.dir).ok()?;
    let mut parts = rel.components();
    let level = parts.next()?.as_os_str().to_str()?;
    let id = parts.next()?.as_os_str().to_str()?;
    let known = ws.course.levels.iter().any(|l| l.name == level && l.exercises.iter().any(|e| e.id == id));
    known.then(|| ws.dir.join(level).join(id))
}

/// Watches the workspace until the process is stopped; `grade` runs on each
/// changed exercise directory, once per burst of saves.
pub fn watch(ws: &Workspace, mut grade: impl FnMut(&Path)) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let mut debouncer = notify_debouncer_mini::new_debouncer(DEBOUNCE, tx).map_err(|e| e.to_string())?;
    debouncer.watcher().watch(&ws.dir, RecursiveMode::Recursive).map_err(|e| e.to_string())?;
    crate::term::out(&format!(
        "watching {}: save a file of an exercise to grade it (Ctrl-C stops)\n",
        ws.dir.display()
    ));
    for events in rx {
        let Ok(events) = events else { continue };
        let mut dirs: Vec<PathBuf> = events
            .iter()
            .filter(|e| !e.path.components().any(|c| c.as_os_str() == ".grader"))
            .filter_map(|e| exercise_of(ws, &e.path))
            .collect();
        dirs.sort();
        dirs.dedup();
        for d in dirs {
            grade(&d);
        }
    }
    Ok(())
}
