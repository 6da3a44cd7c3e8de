//! The exercise YAML schema (documented in grader/EXERCISES.md). Parsing is
//! strict: unknown keys are errors, and every error names file:line:col.
use crate::error::{parse_yaml, GradeError, Result};
use crate::manifest::{EngineKind, Target};
pub use crate::result::Visibility;
use crate::runner::Program;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExerciseKind {
    Engine,
    Program,
    Quiz,
}

impl ExerciseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExerciseKind::Engine => "engine",
            ExerciseKind::Program => "program",
            ExerciseKind::Quiz => "quiz",
        }
    }
}

/// A file's contents: inline text, or `{from: path}` relative to the exercise YAML.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum FileSource {
    Inline(String),
    From { from: String },
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ErrorExpect {
    pub phase: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    /// Expected stdout (and exit/error) come from `snapshots/<exercise>__<kind>.snap`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorExpect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout_before_error: Option<String>,
}

impl Expect {
    /// `all:` overlaid by the per-kind block, key by key.
    fn overlay(&self, over: &Expect) -> Expect {
        Expect {
            stdout: over.stdout.clone().or_else(|| self.stdout.clone()),
            snapshot: over.snapshot.or(self.snapshot),
            exit: over.exit.or(self.exit),
            error: over.error.clone().or_else(|| self.error.clone()),
            stdout_before_error: over
                .stdout_before_error
                .clone()
                .or_else(|| self.stdout_before_error.clone()),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.stdout.is_none()
            && self.snapshot != Some(true)
            && self.exit.is_none()
            && self.error.is_none()
            && self.stdout_before_error.is_none()
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<Expect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interp: Option<Expect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jit: Option<Expect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aot: Option<Expect>,
}

impl Expectations {
    pub fn for_kind(&self, kind: EngineKind) -> Option<Expect> {
        let specific = match kind {
            EngineKind::Interp => &self.interp,
            EngineKind::Jit => &self.jit,
            EngineKind::Aot => &self.aot,
        };
        match (&self.all, specific) {
            (None, None) => None,
            (Some(a), None) => Some(a.clone()),
            (None, Some(s)) => Some(s.clone()),
            (Some(a), Some(s)) => Some(a.overlay(s)),
        }
    }
    pub fn kinds(&self) -> Vec<EngineKind> {
        EngineKind::ALL.into_iter().filter(|k| self.for_kind(*k).is_some()).collect()
    }
    pub fn is_empty(&self) -> bool {
        self.all.is_none() && self.interp.is_none() && self.jit.is_none() && self.aot.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Wall-clock time: what a user waits, but it grows with everything else
    /// running on the machine.
    Wall,
    /// The default: user + system CPU time of the engine's process (and the
    /// children it waited for). Other processes competing for the cores
    /// delay a run but barely change the CPU it consumes.
    #[default]
    Cpu,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PerfRuleFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    faster: Option<EngineKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    than: Option<EngineKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by_at_least: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    within: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    runs: Option<u32>,
    #[serde(default)]
    measure: Measure,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PerfRule {
    /// median(than) / median(faster) >= by_at_least
    Faster { faster: EngineKind, than: EngineKind, by_at_least: f64, runs: u32, measure: Measure },
    /// median(engine under test) / median(of) <= within
    Within { within: f64, of: String, runs: u32, measure: Measure },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Extract {
    /// stdout | stderr | exit | status | phase | kind | code | line | artifact | file:PATH
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// For artifact/file: how many leading bytes to read (shown as lowercase hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<usize>,
    /// Translate the extracted value (e.g. ELF e_machine `b700` -> `aarch64`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub map: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Observe {
    /// `reference:KIND` or a kind (`interp`) meaning the course's reference engine of that kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// Or any command, with `{file}`, `{dir}`, `{tern}`, `{exercise}` (the exercise's directory) placeholders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    pub extract: Extract,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub prompt: String,
    /// Suggested answers shown to the student (never the key: the key is observed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    pub observe: Observe,
}

/// One item of `checks:`: more expectations, graded like the top-level
/// `files:`/`expect:` and shown to the student according to `visibility`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckGroupFile {
    /// Required: a forgotten `visibility:` must not publish a hidden check.
    pub(crate) visibility: Option<Visibility>,
    /// `engine` exercises: the program this group runs (never for `program` exercises).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) files: BTreeMap<String, FileSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) entry: Option<String>,
    #[serde(default)]
    pub(crate) expect: Expectations,
}

/// The exercise YAML as written (also what `grader publish` writes back, minus
/// what a student must not see).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExerciseFile {
    pub(crate) kind: ExerciseKind,
    pub(crate) title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) description: String,
    /// What to do next, shown with the checks of an exercise that is not yet at full marks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) points: Option<u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) files: BTreeMap<String, FileSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) entry: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) starter: BTreeMap<String, FileSource>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) solution: BTreeMap<String, FileSource>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) engines: Vec<EngineKind>,
    #[serde(default, skip_serializing_if = "Expectations::is_empty")]
    pub(crate) expect: Expectations,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) checks: Vec<CheckGroupFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) perf: Vec<PerfRuleFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) questions: Vec<Question>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) limits: Option<ExerciseLimits>,
}

/// `limits:` of an exercise: replaces the grader's (CLI) limit for its runs,
/// as `timeout_ms` does; an engine manifest cannot change any of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size_mb: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<u64>,
}

impl ExerciseLimits {
    /// `base` with this exercise's limits put in.
    pub fn apply(&self, base: crate::runner::process::Limits) -> crate::runner::process::Limits {
        let mib = crate::runner::process::MIB;
        crate::runner::process::Limits {
            memory: self.memory_mb.map_or(base.memory, |m| m.saturating_mul(mib)),
            processes: self.processes.unwrap_or(base.processes),
            file_size: self.file_size_mb.map_or(base.file_size, |m| m.saturating_mul(mib)),
            cpu_seconds: self.cpu_seconds.unwrap_or(base.cpu_seconds),
            ..base
        }
    }
    fn zero_key(&self) -> Option<&'static str> {
        [
            ("memory_mb", self.memory_mb == Some(0)),
            ("processes", self.processes == Some(0)),
            ("file_size_mb", self.file_size_mb == Some(0)),
            ("cpu_seconds", self.cpu_seconds == Some(0)),
        ]
        .into_iter()
        .find_map(|(k, zero)| zero.then_some(k))
    }
}

/// A check group from `checks:`, numbered from 1 in the order written.
#[derive(Debug, Clone)]
pub struct CheckGroup {
    pub number: usize,
    pub visibility: Visibility,
    pub expect: Expectations,
}

/// A check group of an `engine` exercise: it runs its own program.
#[derive(Debug, Clone)]
pub struct EngineGroup {
    pub check: CheckGroup,
    pub program: Program,
}

/// The top-level `files:`/`expect:` (number `None`, always visible) or a `checks:` group.
#[derive(Debug, Clone, Copy)]
pub struct GroupRef<'a> {
    pub number: Option<usize>,
    pub visibility: Visibility,
    pub expect: &'a Expectations,
}

impl CheckGroup {
    pub fn as_ref(&self) -> GroupRef<'_> {
        GroupRef { number: Some(self.number), visibility: self.visibility, expect: &self.expect }
    }
}

fn top_group(expect: &Expectations) -> GroupRef<'_> {
    GroupRef { number: None, visibility: Visibility::Visible, expect }
}

/// An exercise: what every kind has, and its body, with what only its kind has.
#[derive(Debug, Clone)]
pub struct Exercise {
    /// The file stem; names snapshots and workspace dirs.
    pub id: String,
    pub path: PathBuf,
    pub title: String,
    pub description: String,
    pub hint: Option<String>,
    pub points: u32,
    pub timeout_ms: Option<u64>,
    pub limits: ExerciseLimits,
    /// Loaded from a published (student) copy of a course: no solutions, no hidden checks.
    pub published: bool,
    pub body: ExerciseBody,
}

#[derive(Debug, Clone)]
pub enum ExerciseBody {
    /// `kind: engine`: programs the engine under test must run correctly.
    Engine(EngineBody),
    /// `kind: engine` with `starter:`: the student completes an engine in the
    /// exercise's workspace directory, and that engine is graded.
    EngineTrack(EngineTrack),
    /// `kind: program`: the student writes the program; reference engines run it.
    Program(ProgramBody),
    /// `kind: quiz`: answers checked against what the engines are observed to do.
    Quiz(QuizBody),
}

#[derive(Debug, Clone)]
pub struct EngineBody {
    /// The top-level program (`files:`).
    pub program: Program,
    pub expect: Expectations,
    pub checks: Vec<EngineGroup>,
    pub perf: Vec<PerfRule>,
}

#[derive(Debug, Clone)]
pub struct EngineTrack {
    /// What the student's engine must run.
    pub runs: EngineBody,
    /// The skeleton engine the student starts from.
    pub starter: Program,
    /// The reference engine (empty in a published course).
    pub solution: Program,
}

#[derive(Debug, Clone)]
pub struct ProgramBody {
    pub starter: Program,
    /// Hidden; empty in a published course.
    pub solution: Program,
    /// The reference engines that run the student's program.
    pub engines: Vec<EngineKind>,
    pub expect: Expectations,
    /// More expectations on the student's program.
    pub checks: Vec<CheckGroup>,
    pub perf: Vec<PerfRule>,
}

#[derive(Debug, Clone)]
pub struct QuizBody {
    /// The program the observations run (`files:`).
    pub program: Program,
    pub questions: Vec<Question>,
}

impl EngineBody {
    /// The top-level group with its program, then the `checks:` groups with theirs.
    pub fn groups(&self) -> impl Iterator<Item = (GroupRef<'_>, &Program)> {
        std::iter::once((top_group(&self.expect), &self.program))
            .chain(self.checks.iter().map(|g| (g.check.as_ref(), &g.program)))
    }
}

impl ProgramBody {
    /// The top-level group, then the `checks:` groups, all on the student's program.
    pub fn groups(&self) -> impl Iterator<Item = GroupRef<'_>> {
        std::iter::once(top_group(&self.expect)).chain(self.checks.iter().map(CheckGroup::as_ref))
    }
}

const DEFAULT_POINTS: u32 = 10;
/// The most points one exercise (or one level entry) may be worth; keeps every
/// total of points far from overflowing.
pub const MAX_POINTS: u32 = 10_000;
/// The most XP one level may award.
pub const MAX_XP: u32 = 1_000_000;
const DEFAULT_PERF_RUNS: u32 = 5;

impl Exercise {
    pub fn load(path: &Path) -> Result<Exercise> {
        Exercise::load_in(path, false)
    }

    /// `published`: the exercise belongs to a published (student) copy of a
    /// course, where a `program` exercise has no `solution:`.
    pub fn load_in(path: &Path, published: bool) -> Result<Exercise> {
        let src = std::fs::read_to_string(path).map_err(|e| GradeError::io(path, &e))?;
        Exercise::parse_in(path, &src, published)
    }

    pub fn dir(&self) -> &Path {
        dir_of(&self.path)
    }

    pub fn kind(&self) -> ExerciseKind {
        match self.body {
            ExerciseBody::Engine(_) | ExerciseBody::EngineTrack(_) => ExerciseKind::Engine,
            ExerciseBody::Program(_) => ExerciseKind::Program,
            ExerciseBody::Quiz(_) => ExerciseKind::Quiz,
        }
    }

    /// What an engine under test runs: an `engine` exercise's, on the track or not.
    pub fn engine_body(&self) -> Option<&EngineBody> {
        match &self.body {
            ExerciseBody::Engine(b) => Some(b),
            ExerciseBody::EngineTrack(t) => Some(&t.runs),
            ExerciseBody::Program(_) | ExerciseBody::Quiz(_) => None,
        }
    }

    /// The top-level `expect:` (a quiz has none).
    pub fn expect(&self) -> Option<&Expectations> {
        match &self.body {
            ExerciseBody::Engine(b) => Some(&b.expect),
            ExerciseBody::EngineTrack(t) => Some(&t.runs.expect),
            ExerciseBody::Program(b) => Some(&b.expect),
            ExerciseBody::Quiz(_) => None,
        }
    }

    /// The engine kinds whose top-level expectations come from a snapshot.
    pub fn snapshot_kinds(&self) -> Vec<EngineKind> {
        let Some(expect) = self.expect() else { return Vec::new() };
        expect
            .kinds()
            .into_iter()
            .filter(|k| expect.for_kind(*k).and_then(|e| e.snapshot) == Some(true))
            .collect()
    }

    pub fn perf(&self) -> &[PerfRule] {
        match &self.body {
            ExerciseBody::Engine(b) => &b.perf,
            ExerciseBody::EngineTrack(t) => &t.runs.perf,
            ExerciseBody::Program(b) => &b.perf,
            ExerciseBody::Quiz(_) => &[],
        }
    }

    /// Every program the exercise holds, in the order top-level, starter, solution.
    pub fn programs(&self) -> Vec<&Program> {
        match &self.body {
            ExerciseBody::Engine(b) => vec![&b.program],
            ExerciseBody::EngineTrack(t) => vec![&t.runs.program, &t.starter, &t.solution],
            ExerciseBody::Program(b) => vec![&b.starter, &b.solution],
            ExerciseBody::Quiz(q) => vec![&q.program],
        }
    }

    /// The top-level group, then the `checks:` groups in order (a quiz has none).
    pub fn groups(&self) -> Vec<GroupRef<'_>> {
        match &self.body {
            ExerciseBody::Engine(_) | ExerciseBody::EngineTrack(_) => {
                self.engine_body().into_iter().flat_map(|b| b.groups().map(|(g, _)| g)).collect()
            }
            ExerciseBody::Program(b) => b.groups().collect(),
            ExerciseBody::Quiz(_) => Vec::new(),
        }
    }

    /// The engine kinds any check group has expectations for.
    pub fn kinds(&self) -> Vec<EngineKind> {
        kinds_of(&self.groups())
    }

    /// Whether some check group has expectations for engines of this kind.
    pub fn applies_to(&self, kind: EngineKind) -> bool {
        self.groups().iter().any(|g| g.expect.for_kind(kind).is_some())
    }

    pub fn parse(path: &Path, src: &str) -> Result<Exercise> {
        Exercise::parse_in(path, src, false)
    }

    pub(crate) fn read_file(path: &Path) -> Result<(String, ExerciseFile)> {
        let src = std::fs::read_to_string(path).map_err(|e| GradeError::io(path, &e))?;
        let f = parse_yaml(path, &src)?;
        Ok((src, f))
    }

    pub fn parse_in(path: &Path, src: &str, published: bool) -> Result<Exercise> {
        let f: ExerciseFile = parse_yaml(path, src)?;
        let dir = dir_of(path);
        let id = path.file_stem().and_then(|s| s.to_str()).unwrap_or("exercise").to_string();
        // Errors about the top level are located outside `checks:`, errors
        // about a check group inside its list item.
        let spans = group_spans(src);
        let top_src = mask(src, &spans.whole, false);
        let top = top_src.as_str();
        let entry = f.entry.clone();
        let program = load_files(path, top, dir, &f.files, "files", entry.as_deref())?;
        let starter = load_files(path, top, dir, &f.starter, "starter", entry.as_deref())?;
        let solution = load_files(path, top, dir, &f.solution, "solution", entry.as_deref())?;
        let need = |cond: bool, key: &str, msg: &str, hint: &str| -> Result<()> {
            if cond {
                Ok(())
            } else {
                Err(GradeError::at_key(path, top, key, msg).hint(hint))
            }
        };
        match f.kind {
            ExerciseKind::Engine => {
                need(
                    !program.files.is_empty(),
                    "kind",
                    "an `engine` exercise needs `files:` (the program the engine runs)",
                    "files:\n    main.tern: |\n      print(1);",
                )?;
                need(
                    !f.expect.kinds().is_empty() || !f.perf.is_empty(),
                    "kind",
                    "an `engine` exercise needs `expect:` (or `perf:`)",
                    "expect:\n  all:\n    stdout: \"1\\n\"",
                )?;
            }
            ExerciseKind::Program => {
                if !published {
                    need(
                        !f.solution.is_empty(),
                        "kind",
                        "a `program` exercise needs a hidden `solution:`",
                        "solution:\n  main.tern: {from: solution/main.tern}",
                    )?;
                }
                need(
                    !f.starter.is_empty(),
                    "kind",
                    "a `program` exercise needs `starter:` files for the student",
                    "starter:\n  main.tern: \"// your code\\n\"",
                )?;
                need(
                    !f.expect.kinds().is_empty(),
                    "kind",
                    "a `program` exercise needs `expect:`",
                    "expect:\n  all:\n    stdout: \"55\\n\"",
                )?;
            }
            ExerciseKind::Quiz => {
                need(
                    !f.questions.is_empty(),
                    "kind",
                    "a `quiz` exercise needs `questions:`",
                    "see grader/EXERCISES.md",
                )?;
                let mut seen = std::collections::BTreeSet::new();
                for q in &f.questions {
                    if !seen.insert(q.id.clone()) {
                        return Err(GradeError::at_key(
                            path,
                            src,
                            "id",
                            format!("question id `{}` is used twice", q.id),
                        ));
                    }
                    if q.observe.engine.is_some() == q.observe.command.is_some() {
                        return Err(GradeError::at_key(
                            path,
                            src,
                            "observe",
                            format!(
                                "question `{}`: `observe:` needs exactly one of `engine:` or `command:`",
                                q.id
                            ),
                        ));
                    }
                    check_extract(path, src, &q.id, &q.observe.extract)?;
                }
                if !f.checks.is_empty() {
                    return Err(GradeError::at_key(
                        path,
                        src,
                        "checks",
                        "a `quiz` exercise has no check groups: its checks are its `questions:`",
                    ));
                }
            }
        }
        misplaced_key(path, top, &f)?;
        check_expectations(path, top, &f.expect, "")?;
        let mut checks = Vec::new();
        for (i, g) in f.checks.iter().enumerate() {
            let number = i + 1;
            let span = spans.items.get(i).unwrap_or(&spans.whole);
            let gsrc = mask(src, span, true);
            let gsrc = gsrc.as_str();
            let what = format!("check {number}");
            // The item's `- `, for errors about the group as a whole.
            let at_item = |msg: String| {
                let line = src.lines().nth(span.start).unwrap_or("");
                let col = line.find('-').map(|c| c + 1).unwrap_or(1);
                GradeError::at(path, span.start + 1, col, msg)
            };
            let Some(visibility) = g.visibility else {
                return Err(at_item(format!("{what} (in `checks:`) needs `visibility:`"))
                    .hint("visibility: hidden    # or visible, or after_due; it is never assumed, so a hidden check cannot be published by mistake"));
            };
            if g.expect.is_empty() {
                return Err(at_item(format!("{what} (in `checks:`) needs `expect:`"))
                    .hint("expect:\n      all: {stdout: \"1\\n\"}"));
            }
            check_expectations(path, gsrc, &g.expect, &format!("{what}: "))?;
            for (key, block) in g.expect.blocks() {
                if block.is_some_and(|b| b.snapshot.is_some()) {
                    return Err(GradeError::at_key(
                        path,
                        gsrc,
                        "snapshot",
                        format!(
                            "{what}: `expect.{key}.snapshot` is only supported in the top-level `expect:`"
                        ),
                    )
                    .hint("give the expected `stdout:` inline in a check group"));
                }
            }
            // An `engine` exercise's group runs its own program; the others check the student's.
            let program = match f.kind {
                ExerciseKind::Engine => {
                    if g.files.is_empty() {
                        return Err(GradeError::at_key(path, gsrc, "expect", format!(
                            "{what} of an `engine` exercise needs its own `files:` (the program the engine must also run)"))
                            .hint("files:\n      main.tern: {from: hidden/edge.tern}"));
                    }
                    Some(load_files(path, gsrc, dir, &g.files, "files", g.entry.as_deref())?)
                }
                ExerciseKind::Program | ExerciseKind::Quiz => {
                    for key in ["files", "entry"] {
                        if (key == "files" && !g.files.is_empty()) || (key == "entry" && g.entry.is_some()) {
                            return Err(GradeError::at_key(path, gsrc, key, format!(
                                "{what} of a `program` exercise checks the student's program: it takes no `{key}:`"))
                                .hint("give only `visibility:` and `expect:`"));
                        }
                    }
                    None
                }
            };
            checks.push((CheckGroup { number, visibility, expect: g.expect.clone() }, program));
        }
        if let Some(points) = f.points {
            check_points(path, src, 0, points)?;
        }
        if let Some(key) = f.limits.as_ref().and_then(ExerciseLimits::zero_key) {
            return Err(GradeError::at_key(
                path,
                src,
                key,
                format!("`limits.{key}: 0` would stop every run"),
            )
            .hint("give a limit of at least 1, or leave the key out for the grader's default"));
        }
        let perf = f.perf.iter().map(|r| perf_rule(path, src, r)).collect::<Result<Vec<_>>>()?;
        let body = match f.kind {
            ExerciseKind::Engine => {
                let checks = checks
                    .into_iter()
                    .filter_map(|(check, program)| program.map(|program| EngineGroup { check, program }))
                    .collect();
                let runs = EngineBody { program, expect: f.expect, checks, perf };
                if starter.files.is_empty() {
                    ExerciseBody::Engine(runs)
                } else {
                    ExerciseBody::EngineTrack(EngineTrack { runs, starter, solution })
                }
            }
            ExerciseKind::Program => {
                let checks: Vec<CheckGroup> = checks.into_iter().map(|(check, _)| check).collect();
                let mut body =
                    ProgramBody { starter, solution, engines: f.engines, expect: f.expect, checks, perf };
                if body.engines.is_empty() {
                    body.engines = kinds_of(&body.groups().collect::<Vec<_>>());
                }
                ExerciseBody::Program(body)
            }
            ExerciseKind::Quiz => ExerciseBody::Quiz(QuizBody { program, questions: f.questions }),
        };
        Ok(Exercise {
            id,
            path: path.to_path_buf(),
            title: f.title,
            description: f.description,
            hint: f.hint.map(|h| h.trim().to_string()).filter(|h| !h.is_empty()),
            points: f.points.unwrap_or(DEFAULT_POINTS),
            timeout_ms: f.timeout_ms,
            limits: f.limits.unwrap_or_default(),
            published,
            body,
        })
    }
}

/// The engine kinds any of `groups` has expectations for.
fn kinds_of(groups: &[GroupRef<'_>]) -> Vec<EngineKind> {
    EngineKind::ALL.into_iter().filter(|k| groups.iter().any(|g| g.expect.for_kind(*k).is_some())).collect()
}

/// The keys that only some kinds take, each with whether the file gives it.
fn kind_keys(f: &ExerciseFile) -> [(&'static str, bool); 8] {
    [
        ("files", !f.files.is_empty()),
        ("starter", !f.starter.is_empty()),
        ("solution", !f.solution.is_empty()),
        ("engines", !f.engines.is_empty()),
        ("expect", !f.expect.is_empty()),
        ("checks", !f.checks.is_empty()),
        ("perf", !f.perf.is_empty()),
        ("questions", !f.questions.is_empty()),
    ]
}

/// A key of another kind is an error, not silently ignored: an `engine`
/// exercise takes `solution:` only with `starter:` (the engine track).
fn misplaced_key(path: &Path, src: &str, f: &ExerciseFile) -> Result<()> {
    let (takes, article): (&[&str], &str) = match f.kind {
        ExerciseKind::Engine if !f.starter.is_empty() => {
            (&["files", "starter", "solution", "expect", "checks", "perf"], "an")
        }
        ExerciseKind::Engine => (&["files", "starter", "expect", "checks", "perf"], "an"),
        ExerciseKind::Program => (&["starter", "solution", "engines", "expect", "checks", "perf"], "a"),
        ExerciseKind::Quiz => (&["files", "questions"], "a"),
    };
    let Some((key, _)) = kind_keys(f).into_iter().find(|(key, given)| *given && !takes.contains(key)) else {
        return Ok(());
    };
    let kind = f.kind.as_str();
    let mut hint = format!("{article} `{kind}` exercise takes {} (and the common keys)", takes.join(", "));
    if f.kind == ExerciseKind::Engine && key == "solution" {
        hint.push_str("; `solution:` only with `starter:`, in the engine track");
    }
    Err(GradeError::at_key(
        path,
        src,
        key,
        format!("`{key}:` does not belong in {article} `{kind}` exercise"),
    )
    .hint(hint))
}

impl Expectations {
    fn blocks(&self) -> [(&'static str, Option<&Expect>); 4] {
        [
            ("all", self.all.as_ref()),
            ("interp", self.interp.as_ref()),
            ("jit", self.jit.as_ref()),
            ("aot", self.aot.as_ref()),
        ]
    }
}

/// Known phases and kinds, and no empty block (it would grade nothing: a silent 0 points).
fn check_expectations(path: &Path, src: &str, expect: &Expectations, what: &str) -> Result<()> {
    for kind in expect.kinds() {
        if let Some(e) = expect.for_kind(kind).and_then(|e| e.error) {
            if !crate::diag::PHASES.contains(&e.phase.as_str()) {
                return Err(GradeError::at_key(
                    path,
                    src,
                    "phase",
                    format!("{what}unknown phase `{}`", e.phase),
                )
                .hint("phases: parse, build, import, runtime"));
            }
            if !crate::diag::KINDS.contains(&e.kind.as_str()) {
                return Err(GradeError::at_key_value(
                    path,
                    src,
                    "kind",
                    &e.kind,
                    format!("{what}unknown error kind `{}`", e.kind),
                )
                .hint(format!("kinds: {}", crate::diag::KINDS.join(", "))));
            }
        }
    }
    for (key, block) in expect.blocks() {
        if block.is_some_and(|b| b.is_empty()) {
            return Err(GradeError::at_key(path, src, key, format!("{what}`expect.{key}` has no checks"))
                .hint("give it at least one of stdout, snapshot: true, exit, error, stdout_before_error (or remove it)"));
        }
    }
    Ok(())
}

/// Line ranges (0-based, end exclusive) of the top-level `checks:` section and of each of its list items.
struct GroupSpans {
    whole: std::ops::Range<usize>,
    items: Vec<std::ops::Range<usize>>,
}

fn group_spans(src: &str) -> GroupSpans {
    let lines: Vec<&str> = src.lines().collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("checks:")) else {
        return GroupSpans { whole: 0..0, items: Vec::new() };
    };
    // The section runs to the next top-level key (a line at column 1 that is not a list item or a comment).
    let end = (start + 1..lines.len())
        .find(|&i| {
            let l = lines[i];
            !l.is_empty() && !l.starts_with([' ', '\t', '#', '-'])
        })
        .unwrap_or(lines.len());
    let indent = |l: &str| l.len() - l.trim_start().len();
    let item_indent =
        (start + 1..end).filter(|&i| lines[i].trim_start().starts_with('-')).map(|i| indent(lines[i])).min();
    let starts: Vec<usize> = match item_indent {
        Some(n) => (start + 1..end)
            .filter(|&i| indent(lines[i]) == n && lines[i].trim_start().starts_with('-'))
            .collect(),
        None => Vec::new(),
    };
    let items =
        starts.iter().enumerate().map(|(k, &s)| s..starts.get(k + 1).copied().unwrap_or(end)).collect();
    GroupSpans { whole: start..end, items }
}

/// `src` with every line outside `span` (or, with `keep` false, inside it)
/// blanked: key lookups then find only what is (not) in that span, at the
/// right line numbers.
fn mask(src: &str, span: &std::ops::Range<usize>, keep: bool) -> String {
    src.lines()
        .enumerate()
        .map(|(i, l)| if span.contains(&i) == keep { l } else { "" })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `points:` (the `n`th such key in the file) is at most MAX_POINTS.
pub fn check_points(path: &Path, src: &str, n: usize, points: u32) -> Result<()> {
    if points > MAX_POINTS {
        return Err(GradeError::at_key_nth(
            path,
            src,
            "points",
            n,
            format!("points: {points} is more than the maximum of {MAX_POINTS}"),
        ));
    }
    Ok(())
}

fn check_extract(path: &Path, src: &str, id: &str, x: &Extract) -> Result<()> {
    const SOURCES: &[&str] =
        &["stdout", "stderr", "exit", "status", "phase", "kind", "code", "line", "artifact"];
    if !SOURCES.contains(&x.from.as_str()) && !x.from.starts_with("file:") {
        return Err(GradeError::at_key(
            path,
            src,
            "from",
            format!("question `{id}`: unknown extract source `{}`", x.from),
        )
        .hint("use one of stdout, stderr, exit, status, phase, kind, code, line, artifact, file:PATH"));
    }
    if let Some(re) = &x.regex {
        regex::Regex::new(re).map_err(|e| {
            GradeError::at_key(path, src, "regex", format!("question `{id}`: invalid regex: {e}"))
        })?;
    }
    Ok(())
}

/// A ratio threshold must be a finite number above zero to mean anything.
fn positive_ratio(path: &Path, src: &str, key: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        return Ok(());
    }
    Err(GradeError::at_key(path, src, key, format!("`{key}: {v}` must be a ratio above 0"))
        .hint("e.g. by_at_least: 5 (five times faster) or within: 2.0 (at most twice as slow)"))
}

fn perf_rule(path: &Path, src: &str, r: &PerfRuleFile) -> Result<PerfRule> {
    let runs = r.runs.unwrap_or(DEFAULT_PERF_RUNS).max(1);
    match (r.faster, r.than, r.by_at_least, r.within, &r.of) {
        (Some(faster), Some(than), Some(by), None, None) => {
            positive_ratio(path, src, "by_at_least", by)?;
            Ok(PerfRule::Faster { faster, than, by_at_least: by, runs, measure: r.measure })
        }
        (None, None, None, Some(within), Some(of)) => {
            positive_ratio(path, src, "within", within)?;
            Ok(PerfRule::Within { within, of: of.clone(), runs, measure: r.measure })
        }
        _ => Err(GradeError::at_key(path, src, "perf", "a perf rule is either {faster, than, by_at_least} or {within, of}")
            .hint("perf:\n  - faster: jit\n    than: interp\n    by_at_least: 5\n  - within: 2.0\n    of: reference")),
    }
}

/// The directory of an exercise file: `.` for a bare `hello.yaml`, whose
/// `parent()` is the empty path (which shows as nothing in hints and in a
/// quiz command's `{exercise}`).
fn dir_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The exercise's directory for a hint, absolute when it can be.
fn shown_dir(dir: &Path) -> String {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()).display().to_string()
}

fn load_files(
    path: &Path,
    src: &str,
    dir: &Path,
    files: &BTreeMap<String, FileSource>,
    key: &str,
    entry: Option<&str>,
) -> Result<Program> {
    let mut program = Program::default();
    for (name, source) in files {
        if name.trim().is_empty() {
            return Err(GradeError::at_key(
                path,
                src,
                key,
                format!("`{key}:` has a file with an empty name"),
            )
            .hint("name each file, e.g. main.tern"));
        }
        if Path::new(name).is_absolute() || name.split('/').any(|c| c == "..") {
            return Err(GradeError::at_key(
                path,
                src,
                name,
                format!("file name `{name}` must be relative and stay inside the exercise"),
            ));
        }
        if name.split('/').any(|c| c.is_empty() || c == ".") || name.contains('\\') || name.contains('\0') {
            return Err(GradeError::at_key(
                path,
                src,
                name,
                format!(
                "file name `{name}` must be a plain relative path (no empty or `.` parts, no backslashes)"),
            ));
        }
        // `a` and `a/b` cannot both exist: `a` would be a file and a directory.
        if let Some(parent) = files.keys().find(|other| name.starts_with(&format!("{other}/"))) {
            return Err(GradeError::at_key(
                path,
                src,
                name,
                format!(
                    "`{key}:` has both `{parent}` and `{name}`: `{parent}` cannot be a file and a directory"
                ),
            ));
        }
        let bytes = match source {
            FileSource::Inline(s) => s.clone().into_bytes(),
            FileSource::From { from } => {
                let p = dir.join(from);
                std::fs::read(&p).map_err(|e| {
                    GradeError::at_key(path, src, name, format!("`{key}.{name}` reads `{from}`: {e}"))
                        .hint(format!("the path is relative to the exercise's directory, {}", shown_dir(dir)))
                })?
            }
        };
        program.files.insert(name.clone(), bytes);
    }
    program.entry = match entry {
        Some(e) => e.to_string(),
        None if program.files.contains_key("main.tern") => "main.tern".into(),
        None => program.files.keys().next().cloned().unwrap_or_default(),
    };
    if !program.files.is_empty() && !program.files.contains_key(&program.entry) {
        return Err(GradeError::at_key(
            path,
            src,
            "entry",
            format!("entry `{}` is not among the `{key}:` files", program.entry),
        ));
    }
    Ok(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(e: &Exercise) -> &EngineBody {
        e.engine_body().expect("an engine exercise")
    }

    fn program(e: &Exercise) -> &ProgramBody {
        let ExerciseBody::Program(b) = &e.body else { panic!("not a program exercise: {e:?}") };
        b
    }

    #[test]
    fn all_is_overlaid_by_kind() {
        let src = "kind: engine\ntitle: t\nfiles: {main.tern: \"print(1/0);\"}\nexpect:\n  all:\n    exit: 70\n    error: {phase: runtime, kind: div-zero, line: 1}\n  aot:\n    exit: 65\n";
        let e = Exercise::parse(Path::new("x.yaml"), src).unwrap();
        let aot = engine(&e).expect.for_kind(EngineKind::Aot).unwrap();
        assert_eq!(aot.exit, Some(65));
        assert_eq!(aot.error.unwrap().kind, "div-zero");
        assert_eq!(engine(&e).expect.for_kind(EngineKind::Interp).unwrap().exit, Some(70));
        assert_eq!(engine(&e).program.entry, "main.tern");
    }

    #[test]
    fn unknown_key_is_error_with_location() {
        let src = "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all:\n    stdot: \"1\"\n";
        let err = Exercise::parse(Path::new("ex/hello.yaml"), src).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("ex/hello.yaml:6:5: error: "), "{text}");
        assert!(text.contains("unknown field `stdot`"), "{text}");
    }

    #[test]
    fn perf_rules_measure_cpu_time_unless_told() {
        let src = "kind: engine\ntitle: t\nfiles: {main.tern: x}\nperf:\n  - faster: jit\n    than: interp\n    by_at_least: 2\n  - within: 2\n    of: reference\n    measure: wall\n";
        let e = Exercise::parse(Path::new("p.yaml"), src).unwrap();
        assert!(
            matches!(e.perf()[0], PerfRule::Faster { measure: Measure::Cpu, runs: 5, .. }),
            "{:?}",
            e.perf()[0]
        );
        assert!(matches!(e.perf()[1], PerfRule::Within { measure: Measure::Wall, .. }), "{:?}", e.perf()[1]);
    }

    #[test]
    fn bad_perf_rule_is_explained() {
        let src =
            "kind: engine\ntitle: t\nfiles: {main.tern: x}\nperf:\n  - faster: jit\n    by_at_least: 2\n";
        let err = Exercise::parse(Path::new("p.yaml"), src).unwrap_err();
        assert!(err.message.contains("faster, than, by_at_least"), "{err}");
        assert_eq!(err.line, Some(4));
    }

    #[test]
    fn points_are_bounded() {
        let src =
            "kind: engine\ntitle: t\npoints: 4294967295\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\n";
        let err = Exercise::parse(Path::new("p.yaml"), src).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("p.yaml:3:1: error: points: 4294967295 is more than the maximum of 10000"),
            "{err}"
        );
        let ok = src.replace("4294967295", "10000");
        assert_eq!(Exercise::parse(Path::new("p.yaml"), &ok).unwrap().points, 10_000);
    }

    fn load_err(src: &str) -> String {
        Exercise::parse(Path::new("x.yaml"), src).unwrap_err().to_string()
    }

    #[test]
    fn an_exercise_given_by_bare_file_name_lives_in_dot() {
        let ex = Exercise::parse(
            Path::new("x.yaml"),
            "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\n",
        )
        .unwrap();
        assert_eq!(ex.dir(), Path::new("."));
        let ex = Exercise::parse(
            Path::new("ex/x.yaml"),
            "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\n",
        )
        .unwrap();
        assert_eq!(ex.dir(), Path::new("ex"));
    }

    #[test]
    fn values_that_can_never_pass_or_run_are_load_errors() {
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all:\n    exit: 70\n    error: {phase: runtime, kind: bogus}\n");
        assert!(err.starts_with("x.yaml:7:29: error: unknown error kind `bogus`"), "{err}");
        assert!(err.contains("div-zero"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all:\n    error:\n      phase: runtime\n      kind: bogus\n");
        assert!(err.starts_with("x.yaml:8:7: error: unknown error kind `bogus`"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nperf:\n  - faster: jit\n    than: interp\n    by_at_least: -1\n");
        assert!(err.starts_with("x.yaml:7:5: error: `by_at_least: -1` must be a ratio above 0"), "{err}");
        let err = load_err(
            "kind: engine\ntitle: t\nfiles: {main.tern: x}\nperf:\n  - within: 0\n    of: reference\n",
        );
        assert!(err.starts_with("x.yaml:5:5: error: `within: 0` must be a ratio above 0"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all: {}\n");
        assert!(err.starts_with("x.yaml:5:3: error: `expect.all` has no checks"), "{err}");
        let err =
            load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all: {exit: 0}\n  jit: {}\n");
        assert!(err.starts_with("x.yaml:6:3: error: `expect.jit` has no checks"), "{err}");
    }

    #[test]
    fn file_names_that_cannot_be_written_are_load_errors() {
        let err = load_err("kind: engine\ntitle: t\nfiles:\n  \"\": x\nexpect: {all: {exit: 0}}\n");
        assert!(err.starts_with("x.yaml:3:1: error: `files:` has a file with an empty name"), "{err}");
        let err = load_err(
            "kind: engine\ntitle: t\nfiles:\n  main.tern: x\n  main.tern/x: y\nexpect: {all: {exit: 0}}\n",
        );
        assert!(
            err.starts_with("x.yaml:5:3: error: `files:` has both `main.tern` and `main.tern/x`"),
            "{err}"
        );
        let err = load_err(
            "kind: engine\ntitle: t\nfiles:\n  main.tern: x\n  lib//a.tern: y\nexpect: {all: {exit: 0}}\n",
        );
        assert!(
            err.starts_with("x.yaml:5:3: error: file name `lib//a.tern` must be a plain relative path"),
            "{err}"
        );
    }

    #[test]
    fn yaml_positions_and_hints_point_at_the_problem() {
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all:\n    exit: 0\n    stdout: \"\"\nkind: engine\n");
        assert!(err.starts_with("x.yaml:8:1: error: duplicate field `kind`"), "{err}");
        let err = load_err(
            "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all:\n    exit: 0\n    exit: 1\n",
        );
        assert!(err.starts_with("x.yaml:7:5: error: expect.all: duplicate field `exit`"), "{err}");
        // Also in a map-typed field, where serde alone keeps the last one.
        let err = load_err("kind: engine\ntitle: t\nfiles:\n  main.tern: \"print(1);\"\n  lib.tern: x\n  main.tern: \"print(2);\"\nexpect: {all: {exit: 0}}\n");
        assert!(err.starts_with("x.yaml:6:3: error: files: duplicate entry with key \"main.tern\""), "{err}");
        // A line of multi-byte characters between the two is skipped, not sliced through.
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all:\n    exit: 0\n  #ñé\n    exit: 1\n");
        assert!(err.starts_with("x.yaml:8:5: error: expect.all: duplicate field `exit`"), "{err}");
        let err =
            load_err("kind: engine\ntitle: t\nfiles: {main.tern: {from: /etc}}\nexpect: {all: {exit: 0}}\n");
        assert!(err.starts_with("x.yaml:3:9: error: `files.main.tern` reads `/etc`"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles:\n  main.tern: {from: no-such-file.tern}\nexpect: {all: {exit: 0}}\n");
        let hint = err.lines().find(|l| l.contains("hint:")).unwrap();
        let shown = hint.rsplit(", ").next().unwrap();
        assert!(!shown.trim().is_empty() && Path::new(shown).is_absolute(), "{err}");
    }

    const GROUPS: &str = "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\nchecks:\n  - visibility: hidden\n    files:\n      main.tern: \"print(2);\"\n    expect:\n      all: {stdout: \"2\\n\"}\n  - visibility: after_due\n    files: {main.tern: y, lib.tern: z}\n    entry: lib.tern\n    expect:\n      jit: {exit: 70}\n";

    #[test]
    fn check_groups_have_their_own_program_and_visibility() {
        let e = Exercise::parse(Path::new("x.yaml"), GROUPS).unwrap();
        let checks = &engine(&e).checks;
        assert_eq!(checks.len(), 2);
        assert_eq!((checks[0].check.number, checks[0].check.visibility), (1, Visibility::Hidden));
        assert_eq!(checks[0].program.files["main.tern"], b"print(2);");
        assert_eq!(
            (checks[1].check.visibility, checks[1].program.entry.as_str()),
            (Visibility::AfterDue, "lib.tern")
        );
        assert_eq!(e.kinds(), [EngineKind::Interp, EngineKind::Jit, EngineKind::Aot]);
        let e = Exercise::parse(Path::new("x.yaml"), "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {interp: {exit: 0}}\nchecks:\n  - visibility: hidden\n    files: {main.tern: x}\n    expect: {jit: {exit: 0}}\n").unwrap();
        assert!(e.applies_to(EngineKind::Jit) && !e.applies_to(EngineKind::Aot));
        let groups: Vec<_> = e.groups().iter().map(|g| (g.number, g.visibility)).collect();
        assert_eq!(groups, [(None, Visibility::Visible), (Some(1), Visibility::Hidden)]);
        // A program exercise's groups check the student's program, on every engine they name.
        let p = Exercise::parse(Path::new("x.yaml"), "kind: program\ntitle: t\nstarter: {main.tern: x}\nsolution: {main.tern: y}\nexpect: {interp: {exit: 0}}\nchecks:\n  - visibility: hidden\n    expect: {aot: {stdout: \"1\\n\"}}\n").unwrap();
        assert_eq!(program(&p).engines, [EngineKind::Interp, EngineKind::Aot]);
        assert_eq!(program(&p).checks.len(), 1);
    }

    #[test]
    fn bad_check_groups_are_load_errors_at_their_line() {
        let err = load_err(&GROUPS.replace("visibility: after_due", "visibility: secret"));
        assert!(err.starts_with("x.yaml:11:17: error: checks[1].visibility: unknown variant `secret`, expected one of `visible`, `hidden`, `after_due`"), "{err}");
        let err = load_err(&GROUPS.replace("  - visibility: after_due\n    files", "  - files"));
        assert!(err.starts_with("x.yaml:11:3: error: check 2 (in `checks:`) needs `visibility:`"), "{err}");
        let err = load_err(&GROUPS.replace("      all: {stdout: \"2\\n\"}", "      all: {}"));
        assert!(err.starts_with("x.yaml:10:7: error: check 1: `expect.all` has no checks"), "{err}");
        let err = load_err(&GROUPS.replace("jit: {exit: 70}", "jit: {error: {phase: runtime, kind: bogus}}"));
        assert!(err.starts_with("x.yaml:15:37: error: check 2: unknown error kind `bogus`"), "{err}");
        let err = load_err(&GROUPS.replace("jit: {exit: 70}", "jit: {snapshot: true}"));
        assert!(err.starts_with("x.yaml:15:13: error: check 2: `expect.jit.snapshot` is only supported in the top-level `expect:`"), "{err}");
        let err =
            load_err(&GROUPS.replace("    files: {main.tern: y, lib.tern: z}\n    entry: lib.tern\n", ""));
        assert!(
            err.starts_with("x.yaml:12:5: error: check 2 of an `engine` exercise needs its own `files:`"),
            "{err}"
        );
        let err = load_err(&GROUPS.replace("entry: lib.tern", "entry: nope.tern"));
        assert!(
            err.starts_with("x.yaml:13:5: error: entry `nope.tern` is not among the `files:` files"),
            "{err}"
        );
        let err = load_err(&GROUPS.replace("    expect:\n      jit", "    expext:\n      jit"));
        assert!(err.starts_with("x.yaml:14:5: error: checks[1]: unknown field `expext`"), "{err}");
        let prog = "kind: program\ntitle: t\nstarter: {main.tern: x}\nsolution: {main.tern: y}\nexpect: {all: {exit: 0}}\nchecks:\n  - visibility: hidden\n    expect: {all: {exit: 0}}\n  - visibility: visible\n    files: {main.tern: z}\n    expect: {all: {exit: 0}}\n";
        let err = load_err(prog);
        assert!(err.starts_with("x.yaml:10:5: error: check 2 of a `program` exercise checks the student's program: it takes no `files:`"), "{err}");
        let err = load_err("kind: quiz\ntitle: t\nquestions:\n  - id: a\n    prompt: p\n    observe: {engine: interp, extract: {from: stdout}}\nchecks:\n  - visibility: hidden\n    expect: {all: {exit: 0}}\n");
        assert!(err.starts_with("x.yaml:7:1: error: a `quiz` exercise has no check groups"), "{err}");
        // The top-level expectations are located outside `checks:`.
        let err = load_err("kind: engine\ntitle: t\nchecks:\n  - visibility: hidden\n    files: {main.tern: x}\n    expect: {all: {exit: 0}}\nfiles: {main.tern: x}\nexpect:\n  all: {}\n");
        assert!(err.starts_with("x.yaml:9:3: error: `expect.all` has no checks"), "{err}");
    }

    #[test]
    fn a_published_program_exercise_needs_no_solution() {
        let src = "kind: program\ntitle: t\nstarter: {main.tern: x}\nexpect: {all: {exit: 0}}\n";
        assert!(load_err(src).contains("needs a hidden `solution:`"));
        let e = Exercise::parse_in(Path::new("x.yaml"), src, true).unwrap();
        assert!(e.published && program(&e).solution.files.is_empty());
    }

    #[test]
    fn limits_replace_the_graders_and_zero_is_refused() {
        let src = "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\nlimits: {memory_mb: 64, processes: 8}\n";
        let ex = Exercise::parse(Path::new("x.yaml"), src).unwrap();
        let got = ex.limits.apply(crate::runner::process::Limits::default());
        assert_eq!((got.memory, got.processes), (64 << 20, 8));
        assert_eq!(got.cpu_seconds, crate::runner::process::Limits::default().cpu_seconds);
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\nlimits:\n  cpu_seconds: 0\n");
        assert!(err.starts_with("x.yaml:6:3: error: `limits.cpu_seconds: 0` would stop every run"), "{err}");
        let err = load_err(
            "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\nlimits: {memory: 1}\n",
        );
        assert!(err.contains("unknown field `memory`"), "{err}");
    }

    #[test]
    fn each_kind_has_its_own_body() {
        let ex = |src: &str| Exercise::parse(Path::new("x.yaml"), src).unwrap();
        let engine = ex("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\n");
        assert!(matches!(engine.body, ExerciseBody::Engine(_)));
        let track = ex("kind: engine\ntitle: t\nfiles: {main.tern: x}\nstarter: {engine.yaml: s}\nsolution: {engine.yaml: r}\nexpect: {all: {exit: 0}}\n");
        let ExerciseBody::EngineTrack(t) = &track.body else { panic!("{track:?}") };
        assert_eq!(
            (t.starter.files["engine.yaml"].as_slice(), t.runs.program.entry.as_str()),
            (&b"s"[..], "main.tern")
        );
        assert_eq!(track.kind(), ExerciseKind::Engine);
        let quiz = ex("kind: quiz\ntitle: t\nquestions:\n  - id: a\n    prompt: p\n    observe: {engine: interp, extract: {from: stdout}}\n");
        assert!(quiz.groups().is_empty() && quiz.perf().is_empty() && quiz.expect().is_none());
    }

    #[test]
    fn a_key_of_another_kind_is_a_load_error() {
        let err = load_err(
            "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\nengines: [interp]\n",
        );
        assert!(
            err.starts_with("x.yaml:5:1: error: `engines:` does not belong in an `engine` exercise"),
            "{err}"
        );
        assert!(err.contains("takes files, starter, expect, checks, perf"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nsolution: {main.tern: y}\nexpect: {all: {exit: 0}}\n");
        assert!(
            err.starts_with("x.yaml:4:1: error: `solution:` does not belong in an `engine` exercise"),
            "{err}"
        );
        assert!(err.contains("only with `starter:`"), "{err}");
        let err = load_err("kind: program\ntitle: t\nfiles: {main.tern: x}\nstarter: {main.tern: x}\nsolution: {main.tern: y}\nexpect: {all: {exit: 0}}\n");
        assert!(
            err.starts_with("x.yaml:3:1: error: `files:` does not belong in a `program` exercise"),
            "{err}"
        );
        let err = load_err("kind: quiz\ntitle: t\nquestions:\n  - id: a\n    prompt: p\n    observe: {engine: interp, extract: {from: stdout}}\nexpect: {all: {exit: 0}}\n");
        assert!(
            err.starts_with("x.yaml:7:1: error: `expect:` does not belong in a `quiz` exercise"),
            "{err}"
        );
    }

    #[test]
    fn quiz_needs_one_observation_source() {
        let src = "kind: quiz\ntitle: t\nquestions:\n  - id: a\n    prompt: p\n    observe: {extract: {from: stdout}}\n";
        let err = Exercise::parse(Path::new("q.yaml"), src).unwrap_err();
        assert!(err.message.contains("exactly one of"), "{err}");
    }
}
