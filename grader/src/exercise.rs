//! The exercise YAML schema (documented in grader/EXERCISES.md). Parsing is
//! strict: unknown keys are errors, and every error names file:line:col.
use crate::error::{parse_yaml, GradeError, Result};
use crate::manifest::{EngineKind, Target};
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
#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub stdout: Option<String>,
    /// Expected stdout (and exit/error) come from `snapshots/<exercise>__<kind>.snap`.
    pub snapshot: Option<bool>,
    pub exit: Option<i32>,
    pub error: Option<ErrorExpect>,
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
            stdout_before_error: over.stdout_before_error.clone().or_else(|| self.stdout_before_error.clone()),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.stdout.is_none() && self.snapshot != Some(true) && self.exit.is_none() && self.error.is_none()
            && self.stdout_before_error.is_none()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    pub all: Option<Expect>,
    pub interp: Option<Expect>,
    pub jit: Option<Expect>,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerfRuleFile {
    faster: Option<EngineKind>,
    than: Option<EngineKind>,
    by_at_least: Option<f64>,
    within: Option<f64>,
    of: Option<String>,
    #[serde(default)]
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extract {
    /// stdout | stderr | exit | status | phase | kind | code | line | artifact | file:PATH
    pub from: String,
    pub regex: Option<String>,
    /// For artifact/file: how many leading bytes to read (shown as lowercase hex).
    pub bytes: Option<usize>,
    /// Translate the extracted value (e.g. ELF e_machine `b700` -> `aarch64`).
    #[serde(default)]
    pub map: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observe {
    /// `reference:KIND` or a kind (`interp`) meaning the course's reference engine of that kind.
    pub engine: Option<String>,
    /// Or any command, with `{file}`, `{dir}`, `{tern}`, `{exercise}` (the exercise's directory) placeholders.
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub args: Vec<String>,
    pub target: Option<Target>,
    pub extract: Extract,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub prompt: String,
    /// Suggested answers shown to the student (never the key: the key is observed).
    #[serde(default)]
    pub choices: Vec<String>,
    pub observe: Observe,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseFile {
    kind: ExerciseKind,
    title: String,
    #[serde(default)]
    description: String,
    /// What to do next, shown with the checks of an exercise that is not yet at full marks.
    hint: Option<String>,
    points: Option<u32>,
    #[serde(default)]
    files: BTreeMap<String, FileSource>,
    entry: Option<String>,
    #[serde(default)]
    starter: BTreeMap<String, FileSource>,
    #[serde(default)]
    solution: BTreeMap<String, FileSource>,
    #[serde(default)]
    engines: Vec<EngineKind>,
    #[serde(default)]
    expect: Expectations,
    #[serde(default)]
    perf: Vec<PerfRuleFile>,
    #[serde(default)]
    questions: Vec<Question>,
    timeout_ms: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Exercise {
    /// The file stem; names snapshots and workspace dirs.
    pub id: String,
    pub path: PathBuf,
    pub kind: ExerciseKind,
    pub title: String,
    pub description: String,
    pub hint: Option<String>,
    pub points: u32,
    /// engine/quiz: the program to run.
    pub program: Program,
    /// program: what the student starts from, and the hidden solution.
    pub starter: Program,
    pub solution: Program,
    pub engines: Vec<EngineKind>,
    pub expect: Expectations,
    pub perf: Vec<PerfRule>,
    pub questions: Vec<Question>,
    pub timeout_ms: Option<u64>,
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
        let src = std::fs::read_to_string(path).map_err(|e| GradeError::io(path, &e))?;
        Exercise::parse(path, &src)
    }

    pub fn dir(&self) -> &Path {
        dir_of(&self.path)
    }

    pub fn parse(path: &Path, src: &str) -> Result<Exercise> {
        let f: ExerciseFile = parse_yaml(path, src)?;
        let dir = dir_of(path);
        let id = path.file_stem().and_then(|s| s.to_str()).unwrap_or("exercise").to_string();
        let entry = f.entry.clone();
        let program = load_files(path, src, dir, &f.files, "files", entry.as_deref())?;
        let starter = load_files(path, src, dir, &f.starter, "starter", entry.as_deref())?;
        let solution = load_files(path, src, dir, &f.solution, "solution", entry.as_deref())?;
        let need = |cond: bool, key: &str, msg: &str, hint: &str| -> Result<()> {
            if cond {
                Ok(())
            } else {
                Err(GradeError::at_key(path, src, key, msg).hint(hint))
            }
        };
        match f.kind {
            ExerciseKind::Engine => {
                need(!program.files.is_empty(), "kind", "an `engine` exercise needs `files:` (the program the engine runs)",
                    "files:\n    main.tern: |\n      print(1);")?;
                need(!f.expect.kinds().is_empty() || !f.perf.is_empty(), "kind",
                    "an `engine` exercise needs `expect:` (or `perf:`)", "expect:\n  all:\n    stdout: \"1\\n\"")?;
            }
            ExerciseKind::Program => {
                need(!f.solution.is_empty(), "kind", "a `program` exercise needs a hidden `solution:`",
                    "solution:\n  main.tern: {from: solution/main.tern}")?;
                need(!f.starter.is_empty(), "kind", "a `program` exercise needs `starter:` files for the student", "starter:\n  main.tern: \"// your code\\n\"")?;
                need(!f.expect.kinds().is_empty(), "kind", "a `program` exercise needs `expect:`", "expect:\n  all:\n    stdout: \"55\\n\"")?;
            }
            ExerciseKind::Quiz => {
                need(!f.questions.is_empty(), "kind", "a `quiz` exercise needs `questions:`", "see grader/EXERCISES.md")?;
                let mut seen = std::collections::BTreeSet::new();
                for q in &f.questions {
                    if !seen.insert(q.id.clone()) {
                        return Err(GradeError::at_key(path, src, "id", format!("question id `{}` is used twice", q.id)));
                    }
                    if q.observe.engine.is_some() == q.observe.command.is_some() {
                        return Err(GradeError::at_key(path, src, "observe", format!(
                            "question `{}`: `observe:` needs exactly one of `engine:` or `command:`", q.id)));
                    }
                    check_extract(path, src, &q.id, &q.observe.extract)?;
                }
            }
        }
        for kind in f.expect.kinds() {
            if let Some(e) = f.expect.for_kind(kind).and_then(|e| e.error) {
                if !crate::diag::PHASES.contains(&e.phase.as_str()) {
                    return Err(GradeError::at_key(path, src, "phase", format!("unknown phase `{}`", e.phase))
                        .hint("phases: parse, build, import, runtime"));
                }
                if !crate::diag::KINDS.contains(&e.kind.as_str()) {
                    return Err(GradeError::at_key_value(path, src, "kind", &e.kind, format!("unknown error kind `{}`", e.kind))
                        .hint(format!("kinds: {}", crate::diag::KINDS.join(", "))));
                }
            }
        }
        // A block with no checks would grade nothing (a silent 0 points).
        for (key, block) in [("all", &f.expect.all), ("interp", &f.expect.interp), ("jit", &f.expect.jit), ("aot", &f.expect.aot)] {
            if block.as_ref().is_some_and(|b| b.is_empty()) {
                return Err(GradeError::at_key(path, src, key, format!("`expect.{key}` has no checks"))
                    .hint("give it at least one of stdout, snapshot: true, exit, error, stdout_before_error (or remove it)"));
            }
        }
        if let Some(points) = f.points {
            check_points(path, src, 0, points)?;
        }
        let perf = f.perf.iter().map(|r| perf_rule(path, src, r)).collect::<Result<Vec<_>>>()?;
        let engines = if f.engines.is_empty() { f.expect.kinds() } else { f.engines.clone() };
        Ok(Exercise {
            id,
            path: path.to_path_buf(),
            kind: f.kind,
            title: f.title,
            description: f.description,
            hint: f.hint.map(|h| h.trim().to_string()).filter(|h| !h.is_empty()),
            points: f.points.unwrap_or(DEFAULT_POINTS),
            program,
            starter,
            solution,
            engines,
            expect: f.expect,
            perf,
            questions: f.questions,
            timeout_ms: f.timeout_ms,
        })
    }
}

/// `points:` (the `n`th such key in the file) is at most MAX_POINTS.
pub fn check_points(path: &Path, src: &str, n: usize, points: u32) -> Result<()> {
    if points > MAX_POINTS {
        return Err(GradeError::at_key_nth(path, src, "points", n, format!(
            "points: {points} is more than the maximum of {MAX_POINTS}")));
    }
    Ok(())
}

fn check_extract(path: &Path, src: &str, id: &str, x: &Extract) -> Result<()> {
    const SOURCES: &[&str] = &["stdout", "stderr", "exit", "status", "phase", "kind", "code", "line", "artifact"];
    if !SOURCES.contains(&x.from.as_str()) && !x.from.starts_with("file:") {
        return Err(GradeError::at_key(path, src, "from", format!("question `{id}`: unknown extract source `{}`", x.from))
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
            return Err(GradeError::at_key(path, src, key, format!("`{key}:` has a file with an empty name"))
                .hint("name each file, e.g. main.tern"));
        }
        if Path::new(name).is_absolute() || name.split('/').any(|c| c == "..") {
            return Err(GradeError::at_key(path, src, name, format!("file name `{name}` must be relative and stay inside the exercise")));
        }
        if name.split('/').any(|c| c.is_empty() || c == ".") || name.contains('\\') || name.contains('\0') {
            return Err(GradeError::at_key(path, src, name, format!(
                "file name `{name}` must be a plain relative path (no empty or `.` parts, no backslashes)")));
        }
        // `a` and `a/b` cannot both exist: `a` would be a file and a directory.
        if let Some(parent) = files.keys().find(|other| name.starts_with(&format!("{other}/"))) {
            return Err(GradeError::at_key(path, src, name, format!(
                "`{key}:` has both `{parent}` and `{name}`: `{parent}` cannot be a file and a directory")));
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
        return Err(GradeError::at_key(path, src, "entry", format!("entry `{}` is not among the `{key}:` files", program.entry)));
    }
    Ok(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_overlaid_by_kind() {
        let src = "kind: engine\ntitle: t\nfiles: {main.tern: \"print(1/0);\"}\nexpect:\n  all:\n    exit: 70\n    error: {phase: runtime, kind: div-zero, line: 1}\n  aot:\n    exit: 65\n";
        let e = Exercise::parse(Path::new("x.yaml"), src).unwrap();
        let aot = e.expect.for_kind(EngineKind::Aot).unwrap();
        assert_eq!(aot.exit, Some(65));
        assert_eq!(aot.error.unwrap().kind, "div-zero");
        assert_eq!(e.expect.for_kind(EngineKind::Interp).unwrap().exit, Some(70));
        assert_eq!(e.program.entry, "main.tern");
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
        assert!(matches!(e.perf[0], PerfRule::Faster { measure: Measure::Cpu, runs: 5, .. }), "{:?}", e.perf[0]);
        assert!(matches!(e.perf[1], PerfRule::Within { measure: Measure::Wall, .. }), "{:?}", e.perf[1]);
    }

    #[test]
    fn bad_perf_rule_is_explained() {
        let src = "kind: engine\ntitle: t\nfiles: {main.tern: x}\nperf:\n  - faster: jit\n    by_at_least: 2\n";
        let err = Exercise::parse(Path::new("p.yaml"), src).unwrap_err();
        assert!(err.message.contains("faster, than, by_at_least"), "{err}");
        assert_eq!(err.line, Some(4));
    }

    #[test]
    fn points_are_bounded() {
        let src = "kind: engine\ntitle: t\npoints: 4294967295\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\n";
        let err = Exercise::parse(Path::new("p.yaml"), src).unwrap_err();
        assert!(err.to_string().starts_with("p.yaml:3:1: error: points: 4294967295 is more than the maximum of 10000"), "{err}");
        let ok = src.replace("4294967295", "10000");
        assert_eq!(Exercise::parse(Path::new("p.yaml"), &ok).unwrap().points, 10_000);
    }

    fn load_err(src: &str) -> String {
        Exercise::parse(Path::new("x.yaml"), src).unwrap_err().to_string()
    }

    #[test]
    fn an_exercise_given_by_bare_file_name_lives_in_dot() {
        let ex = Exercise::parse(Path::new("x.yaml"), "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\n").unwrap();
        assert_eq!(ex.dir(), Path::new("."));
        let ex = Exercise::parse(Path::new("ex/x.yaml"), "kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect: {all: {exit: 0}}\n").unwrap();
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
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nperf:\n  - within: 0\n    of: reference\n");
        assert!(err.starts_with("x.yaml:5:5: error: `within: 0` must be a ratio above 0"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all: {}\n");
        assert!(err.starts_with("x.yaml:5:3: error: `expect.all` has no checks"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all: {exit: 0}\n  jit: {}\n");
        assert!(err.starts_with("x.yaml:6:3: error: `expect.jit` has no checks"), "{err}");
    }

    #[test]
    fn file_names_that_cannot_be_written_are_load_errors() {
        let err = load_err("kind: engine\ntitle: t\nfiles:\n  \"\": x\nexpect: {all: {exit: 0}}\n");
        assert!(err.starts_with("x.yaml:3:1: error: `files:` has a file with an empty name"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles:\n  main.tern: x\n  main.tern/x: y\nexpect: {all: {exit: 0}}\n");
        assert!(err.starts_with("x.yaml:5:3: error: `files:` has both `main.tern` and `main.tern/x`"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles:\n  main.tern: x\n  lib//a.tern: y\nexpect: {all: {exit: 0}}\n");
        assert!(err.starts_with("x.yaml:5:3: error: file name `lib//a.tern` must be a plain relative path"), "{err}");
    }

    #[test]
    fn yaml_positions_and_hints_point_at_the_problem() {
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all:\n    exit: 0\n    stdout: \"\"\nkind: engine\n");
        assert!(err.starts_with("x.yaml:8:1: error: duplicate field `kind`"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all:\n    exit: 0\n    exit: 1\n");
        assert!(err.starts_with("x.yaml:7:5: error: expect.all: duplicate field `exit`"), "{err}");
        // Also in a map-typed field, where serde alone keeps the last one.
        let err = load_err("kind: engine\ntitle: t\nfiles:\n  main.tern: \"print(1);\"\n  lib.tern: x\n  main.tern: \"print(2);\"\nexpect: {all: {exit: 0}}\n");
        assert!(err.starts_with("x.yaml:6:3: error: files: duplicate entry with key \"main.tern\""), "{err}");
        // A line of multi-byte characters between the two is skipped, not sliced through.
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: x}\nexpect:\n  all:\n    exit: 0\n  #ñé\n    exit: 1\n");
        assert!(err.starts_with("x.yaml:8:5: error: expect.all: duplicate field `exit`"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles: {main.tern: {from: /etc}}\nexpect: {all: {exit: 0}}\n");
        assert!(err.starts_with("x.yaml:3:9: error: `files.main.tern` reads `/etc`"), "{err}");
        let err = load_err("kind: engine\ntitle: t\nfiles:\n  main.tern: {from: no-such-file.tern}\nexpect: {all: {exit: 0}}\n");
        let hint = err.lines().find(|l| l.contains("hint:")).unwrap();
        let shown = hint.rsplit(", ").next().unwrap();
        assert!(!shown.trim().is_empty() && Path::new(shown).is_absolute(), "{err}");
    }

    #[test]
    fn quiz_needs_one_observation_source() {
        let src = "kind: quiz\ntitle: t\nquestions:\n  - id: a\n    prompt: p\n    observe: {extract: {from: stdout}}\n";
        let err = Exercise::parse(Path::new("q.yaml"), src).unwrap_err();
        assert!(err.message.contains("exactly one of"), "{err}");
    }
}
