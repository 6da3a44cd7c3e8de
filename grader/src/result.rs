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
    /// Points this check earned and could earn: its exercise's points split evenly
    /// across the checks that ran (a skipped check: 0 of 0). Set by `ExerciseResult::finish`.
    #[serde(default)]
    pub score: f64,
    #[serde(default)]
    pub max_score: f64,
    /// Wall time of the engine run this check is about (several checks can share a run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The program the check ran (its files, for platforms that show test code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// What the engine printed on stdout, at most `OUTPUT_CHARS` characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// How much of an engine's stdout a check keeps (Exercism's limit for `output`).
pub const OUTPUT_CHARS: usize = 500;
const TRUNCATED: &str = "\n[output was truncated to 500 characters]";

/// `text` cut to `OUTPUT_CHARS` characters, saying so when it was cut.
pub fn clip_output(text: &str) -> String {
    if text.chars().count() <= OUTPUT_CHARS {
        return text.to_string();
    }
    let keep = OUTPUT_CHARS - TRUNCATED.chars().count();
    text.chars().take(keep).collect::<String>() + TRUNCATED
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
            score: 0.0,
            max_score: 0.0,
            duration_ms: None,
            program: None,
            output: None,
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
    /// Wall time spent grading this exercise (its runs, checks and perf measurements).
    #[serde(default)]
    pub duration_ms: u64,
}

impl ExerciseResult {
    /// Points split evenly across the checks that ran; a skipped check neither earns nor costs.
    pub fn finish(mut self) -> Self {
        let counted: Vec<&CheckResult> = self.checks.iter().filter(|c| c.status != Status::Skipped).collect();
        let passed = counted.iter().filter(|c| c.status == Status::Pass).count();
        self.earned =
            if counted.is_empty() { 0.0 } else { self.points as f64 * passed as f64 / counted.len() as f64 };
        self.earned = (self.earned * 100.0).round() / 100.0;
        let share = if counted.is_empty() { 0.0 } else { self.points as f64 / counted.len() as f64 };
        self.status = if counted.is_empty() {
            Status::Skipped
        } else {
            counted.iter().map(|c| c.status).max().unwrap_or(Status::Pass)
        };
        for c in &mut self.checks {
            c.max_score = if c.status == Status::Skipped { 0.0 } else { round4(share) };
            c.score = if c.status == Status::Pass { c.max_score } else { 0.0 };
        }
        self
    }
    pub fn full_marks(&self) -> bool {
        self.status == Status::Pass
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
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
    /// The level's prerequisites and exercise ids, in course order: what `grader merge`
    /// needs to recompute XP and order exercises without the course.
    #[serde(default)]
    pub prerequisites: Vec<String>,
    #[serde(default)]
    pub exercises: Vec<String>,
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
    /// The shard this report covers (`--partition K/N`); none for a whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
}

/// Recomputes each level's points, passed exercises, XP and locks from
/// `exercises` (the level's own fields name its exercises and prerequisites).
/// An exercise passes when it has a result and every result carrying its id
/// is at full marks: a failure can never be hidden behind a namesake's pass.
pub fn recount_levels(levels: &mut [LevelResult], exercises: &[ExerciseResult]) {
    for l in levels.iter_mut() {
        let mine: Vec<&ExerciseResult> =
            exercises.iter().filter(|r| r.level.as_deref() == Some(&l.name)).collect();
        l.earned = mine.iter().map(|r| r.earned).sum();
        l.passed = l
            .exercises
            .iter()
            .filter(|id| {
                let same: Vec<&&ExerciseResult> = mine.iter().filter(|r| &r.id == *id).collect();
                !same.is_empty() && same.iter().all(|r| r.full_marks())
            })
            .count();
        l.earned_xp = if l.total > 0 && l.passed == l.total { l.xp } else { 0 };
    }
    let done: Vec<String> = levels.iter().filter(|l| l.passed == l.total).map(|l| l.name.clone()).collect();
    for l in levels.iter_mut() {
        l.locked_by = l.prerequisites.iter().filter(|p| !done.contains(p)).cloned().collect();
    }
}

/// `--partition K/N`: the K-th (1-based) of N shards of a class run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub index: usize,
    pub count: usize,
}

impl Partition {
    /// Parses `K/N` with 1 <= K <= N.
    pub fn parse(s: &str) -> Result<Partition, String> {
        let bad = || format!("--partition {s}: expected K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Partition { index, count })
    }

    /// Whether this shard grades `unit` (a workspace and exercise): a hash of
    /// the unit's name, so the split depends on nothing but the names.
    pub fn owns(self, unit: &str) -> bool {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(unit.as_bytes());
        let n = u64::from_le_bytes(h[..8].try_into().expect("8 bytes"));
        (n % self.count as u64) as usize == self.index - 1
    }
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
            duration_ms: 0,
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

    #[test]
    fn check_scores_add_up_to_the_exercise() {
        let r = ex(vec![
            CheckResult::pass("a", ""),
            CheckResult::fail("b", ""),
            CheckResult::new("c", Status::Skipped, ""),
        ]);
        let scores: Vec<(f64, f64)> = r.checks.iter().map(|c| (c.score, c.max_score)).collect();
        assert_eq!(scores, [(5.0, 5.0), (0.0, 5.0), (0.0, 0.0)]);
    }

    #[test]
    fn partitions_split_units_exactly_once() {
        assert!(
            Partition::parse("0/3").is_err()
                && Partition::parse("4/3").is_err()
                && Partition::parse("x").is_err()
        );
        let shards: Vec<Partition> = (1..=3).map(|k| Partition::parse(&format!("{k}/3")).unwrap()).collect();
        for unit in (0..50).map(|i| format!("ws{i}/01/hello")) {
            assert_eq!(shards.iter().filter(|p| p.owns(&unit)).count(), 1, "{unit}");
        }
    }

    #[test]
    fn output_is_clipped_to_500_characters() {
        assert_eq!(clip_output("short"), "short");
        let long = clip_output(&"é".repeat(600));
        assert_eq!(long.chars().count(), OUTPUT_CHARS);
        assert!(long.ends_with("truncated to 500 characters]"));
    }
}
