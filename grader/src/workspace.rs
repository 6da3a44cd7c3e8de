//! A student workspace, Rustlings style: starter files per exercise, a small
//! `tern-course.yaml` pointing at the course, results kept in `.grader/`.
use crate::course::Course;
use crate::error::{parse_yaml, GradeError, Result};
use crate::exercise::{EngineBody, EngineTrack, Exercise, ExerciseBody, Visibility};
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

    pub fn load_results(&self) -> BTreeMap<String, ExerciseResult> {
        std::fs::read_to_string(self.results_path())
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }

    /// Keeps the latest result of each exercise so `grader status` needs no re-run.
    pub fn save_results(&self, results: &[ExerciseResult]) -> std::io::Result<()> {
        let mut all = self.load_results();
        for r in results {
            all.insert(format!("{}/{}", r.level.as_deref().unwrap_or(""), r.id), r.clone());
        }
        std::fs::create_dir_all(self.dir.join(".grader"))?;
        std::fs::write(self.results_path(), serde_json::to_string_pretty(&all).expect("results serialize"))
    }
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
    Workspace::open(dir)
}
