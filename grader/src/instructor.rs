//! Instructor mode: `grader run --course COURSE_DIR WORKSPACE...`.
//!
//! The course at COURSE_DIR is the only truth: exercises, expectations,
//! snapshots, perf rules, points and XP come from it. A workspace supplies
//! only its student's files (what each exercise's `starter:` lists), quiz
//! answers and engine; its `course:` key is ignored.
use crate::collect;
use crate::course::Course;
use crate::error::{GradeError, Result};
use crate::grade::{self, GradeOptions};
use crate::job::Source;
use crate::manifest::Engine;
use crate::provenance::{self, Provenance};
use crate::result::Report;
use crate::workspace::WorkspaceFile;
use std::path::{Path, PathBuf};

/// The engine a workspace names, resolved inside the workspace only: a
/// manifest outside it (the course's, a classmate's) is not the student's.
pub fn workspace_engine(ws: &Path, spec: &str) -> std::result::Result<Engine, String> {
    if spec.starts_with("reference:") {
        return Engine::resolve(spec, ws).map_err(|e| e.to_string());
    }
    let root = ws.canonicalize().map_err(|e| format!("{}: {e}", ws.display()))?;
    let path = root.join(spec);
    let path = if path.is_dir() { path.join("engine.yaml") } else { path };
    let real = path.canonicalize().map_err(|e| format!("engine `{spec}` ({}): {e}", path.display()))?;
    if !real.starts_with(&root) {
        return Err(format!(
            "engine `{spec}` is outside the workspace ({}); an engine is graded from the student's own files",
            real.display()
        ));
    }
    Engine::load(&path).map_err(|e| e.to_string())
}

/// Grades one workspace against `course`. `engine_override` is the
/// instructor's `--engine`, if given.
pub fn grade_workspace(
    course: &Course,
    ws: &Path,
    engine_override: Option<&str>,
    opts: &GradeOptions,
) -> Result<Report> {
    let (_, _, file) = WorkspaceFile::read(ws)?;
    let mut notices = vec![format!(
        "the workspace's `course: {}` is ignored: graded against the course at {}",
        file.course,
        course.dir.display()
    )];
    let spec = engine_override.map(str::to_string).or(file.engine.clone());
    let mut opts = opts.clone();
    let engine = match spec.as_deref().map(|s| workspace_engine(ws, s)) {
        Some(Ok(e)) => Some(e),
        Some(Err(m)) => {
            notices.push(format!("engine: {m}"));
            opts.engine_error = Some(m);
            None
        }
        None => None,
    };
    let jobs = collect::course_jobs(course, |level, ex| Source::Workspace(ws.join(level).join(&ex.id)));
    let exercises = grade::grade_all(&jobs, engine.as_ref(), &opts);
    let levels = grade::level_results(course, &exercises, true);
    let provenance = Provenance {
        workspace: Some(ws.display().to_string()),
        workspace_sha256: Some(provenance::hash_tree(ws)),
        engine: engine.as_ref().map(Engine::label),
        engine_sha256: engine.as_ref().and_then(provenance::hash_engine),
        course: Some(course.dir.display().to_string()),
        course_commit: provenance::git_commit(&course.dir),
        course_sha256: Some(course.sha256()),
        sandboxed: crate::runner::sandbox::active(opts.run.sandbox),
    };
    Ok(Report {
        engine: engine.as_ref().map(Engine::label).unwrap_or_default(),
        exercises,
        levels,
        notices,
        provenance,
    })
}

/// Checks every argument is a workspace before anything is graded.
pub fn workspaces(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if paths.is_empty() {
        return Err(GradeError::new("instructor mode needs workspaces to grade")
            .hint("grader run --course COURSE_DIR WORKSPACE..."));
    }
    paths
        .iter()
        .map(|p| {
            if p.join(crate::workspace::MANIFEST).exists() {
                Ok(p.clone())
            } else {
                Err(GradeError::in_file(
                    p,
                    format!("not a workspace: no {} here", crate::workspace::MANIFEST),
                ))
            }
        })
        .collect()
}
