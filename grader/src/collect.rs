//! Turning command-line paths (exercise files, level dirs, course dirs) into
//! grading jobs, each with the reference engines of its course.
use crate::course::{Course, References};
use crate::error::{GradeError, Result};
use crate::exercise::Exercise;
use crate::job::{Job, Source};
use std::path::Path;

/// `source` decides what `program` exercises run: the solution (author mode) or the starter.
pub fn jobs_for_paths(paths: &[std::path::PathBuf], source: &Source) -> Result<(Vec<Job>, Option<Course>)> {
    let mut jobs = Vec::new();
    let mut last_course = None;
    for p in paths {
        let (mut js, course) = jobs_for_path(p, source)?;
        jobs.append(&mut js);
        if course.is_some() {
            last_course = course;
        }
    }
    Ok((jobs, last_course))
}

pub fn course_jobs(course: &Course, source: impl Fn(&str, &Exercise) -> Source) -> Vec<Job> {
    let refs = course.references();
    course
        .levels
        .iter()
        .flat_map(|l| {
            let refs = refs.clone();
            let source = &source;
            l.exercises.iter().map(move |e| Job {
                exercise: e.clone(),
                level: Some(l.name.clone()),
                refs: refs.clone(),
                source: source(&l.name, e),
            })
        })
        .collect()
}

pub fn jobs_for_path(path: &Path, source: &Source) -> Result<(Vec<Job>, Option<Course>)> {
    if !path.exists() {
        return Err(GradeError::new(format!("{} does not exist", path.display()))
            .hint("pass an exercise .yaml file, a level directory or a course directory"));
    }
    if path.is_dir() && path.join("course.yaml").is_file() {
        let course = Course::load(path)?;
        let jobs = course_jobs(&course, |_, _| source.clone());
        return Ok((jobs, Some(course)));
    }
    let course = match Course::find_root(path) {
        Some(root) => Some(Course::load(&root)?),
        None => None,
    };
    let refs = course.as_ref().map(|c| c.references()).unwrap_or_default();
    if path.is_dir() && path.join("level.yaml").is_file() {
        let canon = path.canonicalize().map_err(|e| GradeError::io(path, &e))?;
        let Some(course) = course else {
            return Err(GradeError::in_file(
                path,
                "this level is not inside a course (no course.yaml above it)",
            ));
        };
        let level = course
            .levels
            .iter()
            .find(|l| course.dir.join(&l.name).canonicalize().ok().as_ref() == Some(&canon))
            .ok_or_else(|| GradeError::in_file(path, "this level is not listed in course.yaml `levels:`"))?;
        let jobs = level
            .exercises
            .iter()
            .map(|e| Job {
                exercise: e.clone(),
                level: Some(level.name.clone()),
                refs: refs.clone(),
                source: source.clone(),
            })
            .collect();
        return Ok((jobs, Some(course)));
    }
    if path.is_file() {
        // Prefer the course's copy: it carries the level's points.
        if let Some(c) = &course {
            if let Some(level) = c.level_of(path) {
                let canon = path.canonicalize().ok();
                let ex = level
                    .exercises
                    .iter()
                    .find(|e| e.path.canonicalize().ok() == canon)
                    .cloned()
                    .expect("level_of found it");
                let job = Job { exercise: ex, level: Some(level.name.clone()), refs, source: source.clone() };
                return Ok((vec![job], course));
            }
        }
        let ex = Exercise::load(path)?;
        return Ok((vec![Job { exercise: ex, level: None, refs, source: source.clone() }], course));
    }
    Err(GradeError::in_file(
        path,
        "not an exercise file, a level directory (level.yaml) or a course directory (course.yaml)",
    ))
}

pub fn default_refs() -> References {
    References::default()
}
