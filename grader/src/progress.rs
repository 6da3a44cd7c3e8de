//! What a grading run says while it works: a bar on a terminal, one plain
//! line per exercise elsewhere (CI logs), so a long run is never silent.
use crate::result::ExerciseResult;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

pub enum Progress {
    Off,
    Bar(indicatif::ProgressBar),
    Lines { done: AtomicUsize, total: usize },
}

impl Progress {
    pub fn new(enabled: bool, total: usize) -> Progress {
        if !enabled {
            return Progress::Off;
        }
        if !std::io::stderr().is_terminal() {
            return Progress::Lines { done: AtomicUsize::new(0), total };
        }
        let b = indicatif::ProgressBar::new(total as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} grading [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Progress::Bar(b)
    }

    pub fn start(&self, what: &str) {
        if let Progress::Bar(b) = self {
            b.set_message(what.to_string());
        }
    }

    /// An exercise's functional checks are done (`perf_next`: its perf rules follow).
    pub fn graded(&self, r: &ExerciseResult, perf_next: bool) {
        match self {
            Progress::Off => {}
            Progress::Bar(b) => b.inc(1),
            Progress::Lines { done, total } => {
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                let f = r.clone().finish();
                let level = r.level.as_deref().map(|l| format!("{l}/")).unwrap_or_default();
                let then = if perf_next { " (perf rules next)" } else { "" };
                crate::term::err(&format!(
                    "[{n}/{total}] {level}{}: {} {:.2}/{}{then}\n",
                    r.id, f.status, f.earned, f.points
                ));
            }
        }
    }

    pub fn measuring(&self, id: &str) {
        match self {
            Progress::Bar(b) => b.set_message(format!("perf {id}")),
            Progress::Lines { .. } => crate::term::err(&format!("measuring perf rules of {id}\n")),
            Progress::Off => {}
        }
    }

    pub fn finish(&self) {
        if let Progress::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}
