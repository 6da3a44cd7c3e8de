//! What grading produces: per-check statuses, per-exercise points, per-level XP.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Skipped,
    Fail,
    /// The engine could not run (missing binary, usage error, no output file).
    Error,
    Timeout,
    Crash,
    OutputCap,
    /// Over a resource limit of the sandbox (memory, processes, file size, CPU time).
    Memory,
    Processes,
    FileSize,
    CpuTime,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Timeout => "timeout",
            Status::Crash => "crash",
            Status::OutputCap => "output-cap",
            Status::Skipped => "skipped",
            Status::Memory => "memory",
            Status::Processes => "processes",
            Status::FileSize => "file-size",
            Status::CpuTime => "cpu-time",
        }
    }
    pub fn from_limit(l: crate::runner::process::Limit) -> Status {
        use crate::runner::process::Limit;
        match l {
            Limit::Memory => Status::Memory,
            Limit::Processes => Status::Processes,
            Limit::FileSize => Status::FileSize,
            Limit::CpuTime => Status::CpuTime,
        }
    }
    pub fn is_failure(self) -> bool {
        !matches!(self, Status::Pass | Status::Skipped)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who sees a check's program, expected output and details (Gradescope's
/// visibility levels). Hidden checks still count, and the student sees their
/// status and points; `after_due` checks are hidden until a run is given
/// `--after-due`. `crate::redact` applies this to results, once, after grading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Visible,
    Hidden,
    AfterDue,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Visible => "visible",
            Visibility::Hidden => "hidden",
            Visibility::AfterDue => "after_due",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    /// e.g. `interp: stdout`, `aot[aarch64]: error`, `perf: jit faster than interp`, `question phase-aot`.
    pub name: String,
    pub status: Status,
    pub message: String,
    /// A diff or a measurement table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Source line in the exercise's program this check is about, for annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The visibility of the check group this check comes from.
    #[serde(default)]
    pub visibility: Visibility,
    /// The number of its group in the exercise's `checks:` (none: the top-level `expect:`, perf, quiz).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<usize>,
    /// A perf rule's measured samples, per engine, in milliseconds and run
    /// order (the HTML report charts them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<(String, Vec<f64>)>,
}

impl CheckResult {
    pub fn new(name: impl Into<String>, status: Status, message: impl Into<String>) -> Self {
        CheckResult {
            name: name.into(),
            status,
            message: message.into(),
            detail: None,
            line: None,
            visibility: Visibility::Visible,
            group: None,
            samples: Vec::new(),
        }
    }
    pub fn pass(name: impl Into<String>, message: impl Into<String>) -> Self {
        CheckResult::new(name, Status::Pass, message)
    }
    pub fn fail(name: impl Into<String>, message: impl Into<String>) -> Self {
        CheckResult::new(name, Status::Fail, message)
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }
    pub fn samples(mut self, per_engine: [(&String, &Vec<std::time::Duration>); 2]) -> Self {
        self.samples = per_engine
            .iter()
            .map(|(name, d)| (name.to_string(), d.iter().map(|d| d.as_secs_f64() * 1000.0).collect()))
            .collect();
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExerciseResult {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub path: String,
    /// The level directory this exercise belongs to, when graded as part of a course.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    pub points: u32,
    pub earned: f64,
    pub status: Status,
    pub checks: Vec<CheckResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// The engine an engine-track exercise graded (its own engine.yaml), with
    /// the sha256 of its manifest and files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_sha256: Option<String>,
}

impl ExerciseResult {
    /// Points split evenly across the checks that ran; a skipped check neither earns nor costs.
    pub fn finish(mut self) -> Self {
        let counted: Vec<&CheckResult> = self.checks.iter().filter(|c| c.status != Status::Skipped).collect();
        let passed = counted.iter().filter(|c| c.status == Status::Pass).count();
        self.earned =
            if counted.is_empty() { 0.0 } else { self.points as f64 * passed as f64 / counted.len() as f64 };
        self.earned = (self.earned * 100.0).round() / 100.0;
        self.status = if counted.is_empty() {
            Status::Skipped
        } else {
            counted.iter().map(|c| c.status).max().unwrap_or(Status::Pass)
        };
        self
    }
    pub fn full_marks(&self) -> bool {
        self.status == Status::Pass
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LevelResult {
    pub name: String,
    pub title: String,
    pub xp: u32,
    /// XP is earned when every exercise of the level passes.
    pub earned_xp: u32,
    pub points: u32,
    pub earned: f64,
    pub passed: usize,
    pub total: usize,
    #[serde(default)]
    pub locked_by: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub engine: String,
    pub exercises: Vec<ExerciseResult>,
    pub levels: Vec<LevelResult>,
    pub notices: Vec<String>,
    /// What the grade was produced from (workspace, engine, course, hashes).
    #[serde(default)]
    pub provenance: crate::provenance::Provenance,
}

impl Report {
    pub fn points(&self) -> (f64, u32) {
        (self.exercises.iter().map(|e| e.earned).sum(), self.exercises.iter().map(|e| e.points).sum())
    }
    pub fn xp(&self) -> (u32, u32) {
        (self.levels.iter().map(|l| l.earned_xp).sum(), self.levels.iter().map(|l| l.xp).sum())
    }
    pub fn failed(&self) -> bool {
        self.exercises.iter().any(|e| e.status.is_failure())
    }
    pub fn count(&self, s: Status) -> usize {
        self.exercises.iter().flat_map(|e| &e.checks).filter(|c| c.status == s).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(checks: Vec<CheckResult>) -> ExerciseResult {
        ExerciseResult {
            id: "x".into(),
            title: "x".into(),
            kind: "engine".into(),
            path: "x.yaml".into(),
            level: None,
            points: 10,
            earned: 0.0,
            status: Status::Pass,
            checks,
            notices: vec![],
            engine: None,
            engine_sha256: None,
        }
        .finish()
    }

    #[test]
    fn partial_credit_splits_points_and_ignores_skips() {
        let r = ex(vec![
            CheckResult::pass("a", ""),
            CheckResult::fail("b", ""),
            CheckResult::new("c", Status::Skipped, ""),
            CheckResult::pass("d", ""),
        ]);
        assert!((r.earned - 10.0 * 2.0 / 3.0).abs() < 0.01);
        assert_eq!(r.status, Status::Fail);
        let r = ex(vec![CheckResult::new("c", Status::Skipped, "")]);
        assert_eq!((r.status, r.earned), (Status::Skipped, 0.0));
        let r = ex(vec![CheckResult::fail("a", ""), CheckResult::new("b", Status::Timeout, "")]);
        assert_eq!(r.status, Status::Timeout);
    }
}
