//! A student workspace, Rustlings style: starter files per exercise, a small
//! `tern-course.yaml` pointing at the course, results kept in `.grader/`.
use crate::course::Course;
use crate::error::{parse_yaml, GradeError, Result};
use crate::exercise::{EngineBody, EngineTrack, Exercise, ExerciseBody, ExerciseKind, Visibility};
use crate::job::{Job, Source};
use crate::quiz;
use crate::result::ExerciseResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "tern-course.yaml";
/// The engine manifest of an engine-track exercise, in its workspace directory.
pub const LOCAL_ENGINE: &str = "engine.yaml";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceFile {
    /// The course directory (absolute, or relative to the workspace).
    pub course: String,
    /// Your engine's manifest, graded by `engine` exercises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
}

impl WorkspaceFile {
    /// `tern-course.yaml` of the workspace at `dir`, read as untrusted input.
    pub fn read(dir: &Path) -> Result<(PathBuf, String, WorkspaceFile)> {
        let path = dir.join(MANIFEST);
        let src = crate::untrusted::read_yaml(&path).map_err(GradeError::new)?;
        let file: WorkspaceFile = parse_yaml(&path, &src)?;
        Ok((path, src, file))
    }
}

#[derive(Debug, Clone)]
pub struct Workspace {
    pub dir: PathBuf,
    pub file: WorkspaceFile,
    pub course: Course,
}

impl Workspace {
    pub fn find(start: &Path) -> Option<PathBuf> {
        let mut cur = start.canonicalize().ok()?;
        loop {
            if cur.join(MANIFEST).is_file() {
                return Some(cur);
            }
            cur = cur.parent()?.to_path_buf();
        }
    }

    pub fn open(dir: &Path) -> Result<Workspace> {
        let (path, src, file) = WorkspaceFile::read(dir)?;
        let course_dir = dir.join(&file.course);
        let course = Course::load(&course_dir).map_err(|e| {
            if e.file.as_deref() == Some(&course_dir.join("course.yaml")) && e.line.is_none() {
                GradeError::at_key(
                    &path,
                    &src,
                    "course",
                    format!("course `{}` cannot be loaded: {}", file.course, e.message),
                )
            } else {
                e
            }
        })?;
        Ok(Workspace { dir: dir.to_path_buf(), file, course })
    }

    pub fn exercise_dir(&self, level: &str, ex: &Exercise) -> PathBuf {
        self.dir.join(level).join(&ex.id)
    }

    /// Jobs for every exercise, or those under `filter` paths inside the workspace.
    pub fn jobs(&self, filter: &[PathBuf]) -> Vec<Job> {
        let filter: Vec<PathBuf> = filter.iter().filter_map(|p| p.canonicalize().ok()).collect();
        crate::collect::course_jobs(&self.course, |level, ex| Source::Workspace(self.exercise_dir(level, ex)))
            .into_iter()
            .filter(|j| {
                if filter.is_empty() {
                    return true;
                }
                let Source::Workspace(d) = &j.source else { return false };
                let d = d.canonicalize().unwrap_or(d.clone());
                filter.iter().any(|f| d.starts_with(f) || f.starts_with(&d))
            })
            .collect()
    }

    fn results_path(&self) -> PathBuf {
        self.dir.join(".grader").join("results.json")
    }

    /// Every recorded result, per exercise (`level/id`) and per engine.
    pub fn load_progress(&self) -> Progress {
        std::fs::read_to_string(self.results_path()).map(|s| Progress::parse(&s)).unwrap_or_default()
    }

    /// The best recorded result of each exercise, whichever engine earned it.
    pub fn load_results(&self) -> BTreeMap<String, ExerciseResult> {
        let p = self.load_progress();
        p.exercises.keys().filter_map(|k| p.best(k).map(|(_, r)| (k.clone(), r.clone()))).collect()
    }

    /// Records each result under the engine that produced it (`run_engine`:
    /// the run's `--engine`, if any), so `grader status` needs no re-run and a
    /// run with another engine (or none) never replaces a pass. Returns a note
    /// for each exercise this run did worse on than its recorded best. The file
    /// is written to a temporary name and renamed, so it is never half written.
    pub fn save_results(
        &self,
        results: &[ExerciseResult],
        run_engine: Option<&str>,
    ) -> std::io::Result<Vec<String>> {
        let mut all = self.load_progress();
        let mut notes = Vec::new();
        for r in results {
            let key = format!("{}/{}", r.level.as_deref().unwrap_or(""), r.id);
            let engine = engine_key(r, run_engine);
            if let Some((best_engine, best)) = all.best(&key) {
                if r.earned < best.earned {
                    notes.push(format!(
                        "{key}: this run earned {:.2}/{} with {engine}; your best, {:.2}/{} with {best_engine}, stays recorded",
                        r.earned, r.points, best.earned, best.points
                    ));
                }
            }
            all.exercises.entry(key).or_default().insert(engine, r.clone());
        }
        let dir = self.dir.join(".grader");
        std::fs::create_dir_all(&dir)?;
        write_gitignore(&dir)?;
        let text = serde_json::to_string_pretty(&all).expect("results serialize");
        let tmp = tempfile::NamedTempFile::new_in(&dir)?;
        std::fs::write(tmp.path(), text)?;
        tmp.persist(self.results_path()).map_err(|e| e.error)?;
        Ok(notes)
    }
}

/// Results per exercise (`level/id`), per engine (`Engine::label`, or
/// `reference engines` for programs and quizzes, `no engine`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Progress {
    pub exercises: BTreeMap<String, BTreeMap<String, ExerciseResult>>,
}

impl Progress {
    /// Reads today's file, or an older one that kept one result per exercise.
    fn parse(text: &str) -> Progress {
        if let Ok(p) = serde_json::from_str::<Progress>(text) {
            return p;
        }
        let old: BTreeMap<String, ExerciseResult> = serde_json::from_str(text).unwrap_or_default();
        let exercises =
            old.into_iter().map(|(k, r)| (k, BTreeMap::from([("an earlier run".to_string(), r)])));
        Progress { exercises: exercises.collect() }
    }

    /// The best result of `key` and the engine that earned it: full marks first, then points.
    pub fn best(&self, key: &str) -> Option<(&str, &ExerciseResult)> {
        self.exercises.get(key)?.iter().map(|(e, r)| (e.as_str(), r)).max_by(|a, b| {
            (a.1.full_marks(), a.1.earned)
                .partial_cmp(&(b.1.full_marks(), b.1.earned))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    }
}

/// Which engine a result belongs to: an engine exercise's own engine, else the
/// run's; programs and quizzes always run on the course's reference engines.
fn engine_key(r: &ExerciseResult, run_engine: Option<&str>) -> String {
    if r.kind != ExerciseKind::Engine.as_str() {
        return "reference engines".into();
    }
    r.engine.clone().or_else(|| run_engine.map(str::to_string)).unwrap_or_else(|| "no engine".into())
}

/// `.grader/` holds results of this machine's runs: never committed.
fn write_gitignore(dir: &Path) -> std::io::Result<()> {
    let p = dir.join(".gitignore");
    if p.exists() {
        return Ok(());
    }
    std::fs::write(p, "# grader results of this machine's runs; `grader status` reads them\n*\n")
}

fn readme(ex: &Exercise) -> String {
    let mut s = format!("# {}\n\n", ex.title);
    if !ex.description.trim().is_empty() {
        s.push_str(ex.description.trim());
        s.push_str("\n\n");
    }
    s.push_str(match ex.body {
        ExerciseBody::EngineTrack(_) => "This exercise tests **the engine in this directory** (`engine.yaml` says how to run it). Complete it until `grader run .` passes; the program it must run is here too.\n",
        ExerciseBody::Engine(_) => "This exercise tests **your engine** (set `engine:` in tern-course.yaml). The program it runs is in this directory.\n",
        ExerciseBody::Program(_) => "Edit the program in this directory until `grader run` passes.\n",
        ExerciseBody::Quiz(_) => "Fill in `answers.yaml`. The grader checks each answer against what the reference engines actually do.\n",
    });
    let groups: Vec<_> = ex.groups().into_iter().filter(|g| g.number.is_some()).collect();
    let visible: Vec<usize> =
        groups.iter().filter(|g| g.visibility == Visibility::Visible).filter_map(|g| g.number).collect();
    if ex.engine_body().is_some() && !visible.is_empty() {
        let dirs: Vec<String> = visible.iter().map(|n| format!("`{}/`", check_dir(*n))).collect();
        s.push_str(&format!("\nIt also runs the programs in {}.\n", dirs.join(", ")));
    }
    let hidden = groups.len() - visible.len();
    if hidden > 0 {
        s.push_str(&format!(
            "\nThe instructor grades {hidden} more check group{} that you cannot see: you get their status and points, not their programs or expected output.\n",
            if hidden == 1 { "" } else { "s" }));
    }
    s.push_str(&format!("\nWorth {} points. Grade it with `grader run .`\n", ex.points));
    s
}

/// Where a visible check group's program goes in the exercise's workspace directory.
pub fn check_dir(number: usize) -> String {
    format!("check-{number}")
}

fn write_files(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> std::io::Result<()> {
    for (name, bytes) in files {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, bytes)?;
    }
    Ok(())
}

/// The programs an `engine` exercise runs: the top-level one, and each visible
/// check group's in its own directory (a hidden group's is never written).
fn write_engine_programs(dir: &Path, body: &EngineBody) -> std::io::Result<()> {
    write_files(dir, &body.program.files)?;
    for g in body.checks.iter().filter(|g| g.check.visibility == Visibility::Visible) {
        write_files(&dir.join(check_dir(g.check.number)), &g.program.files)?;
    }
    Ok(())
}

/// Creates a workspace in `dir` for `course_dir`; never copies solutions.
pub fn init(course_dir: &Path, dir: &Path) -> Result<Workspace> {
    let course = Course::load(course_dir)?;
    if dir.join(MANIFEST).exists() {
        return Err(GradeError::in_file(&dir.join(MANIFEST), "a workspace already exists here")
            .hint("run `grader status` in it, or choose another directory"));
    }
    let io = |e: std::io::Error| GradeError::in_file(dir, format!("cannot write the workspace: {e}"));
    std::fs::create_dir_all(dir).map_err(io)?;
    for level in &course.levels {
        for ex in &level.exercises {
            let d = dir.join(&level.name).join(&ex.id);
            std::fs::create_dir_all(&d).map_err(io)?;
            std::fs::write(d.join("README.md"), readme(ex)).map_err(io)?;
            match &ex.body {
                ExerciseBody::Program(b) => write_files(&d, &b.starter.files).map_err(io)?,
                ExerciseBody::Engine(b) => write_engine_programs(&d, b).map_err(io)?,
                ExerciseBody::EngineTrack(EngineTrack { runs, starter, .. }) => {
                    write_engine_programs(&d, runs).map_err(io)?;
                    // The skeleton engine the student completes in place.
                    write_files(&d, &starter.files).map_err(io)?;
                }
                ExerciseBody::Quiz(q) => {
                    write_files(&d, &q.program.files).map_err(io)?;
                    std::fs::write(d.join("answers.yaml"), quiz::answers_template(&ex.title, q))
                        .map_err(io)?;
                }
            }
        }
    }
    let course_abs = course_dir.canonicalize().map_err(|e| GradeError::io(course_dir, &e))?;
    let file = WorkspaceFile { course: course_abs.display().to_string(), engine: None };
    let text = format!(
        "# Tern course workspace. `grader run` grades everything here; `grader status` shows progress.\n{}# engine: engine.yaml   # uncomment to grade your own engine on `engine` exercises\n",
        serde_yaml::to_string(&file).expect("serializes"));
    std::fs::write(dir.join(MANIFEST), text).map_err(io)?;
    let results = dir.join(".grader");
    std::fs::create_dir_all(&results).and_then(|_| write_gitignore(&results)).map_err(io)?;
    Workspace::open(dir)
}
