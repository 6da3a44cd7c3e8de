//! `course.yaml` and `<level>/level.yaml`: a course names its language, its
//! reference engines and its levels; a level lists exercises with points.
use crate::error::{parse_yaml, GradeError, Result};
use crate::exercise::Exercise;
use crate::manifest::{Engine, EngineKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CourseFile {
    pub(crate) title: String,
    #[serde(default = "default_language")]
    pub(crate) language: String,
    /// kind -> manifest (`reference:interp` or a path relative to course.yaml).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) reference: BTreeMap<EngineKind, String>,
    #[serde(default)]
    pub(crate) levels: Vec<String>,
    /// Written by `grader publish`: this is the student copy (no solutions,
    /// answer keys or hidden checks).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) published: bool,
}

fn default_language() -> String {
    "tern".into()
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LevelFile {
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) xp: u32,
    #[serde(default)]
    pub(crate) prerequisites: Vec<String>,
    #[serde(default)]
    pub(crate) exercises: Vec<LevelEntry>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LevelEntry {
    pub(crate) path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) points: Option<u32>,
}

impl CourseFile {
    pub(crate) fn read(dir: &Path) -> Result<CourseFile> {
        let file = dir.join("course.yaml");
        let src = std::fs::read_to_string(&file).map_err(|e| GradeError::io(&file, &e))?;
        parse_yaml(&file, &src)
    }
}

impl LevelFile {
    pub(crate) fn read(dir: &Path) -> Result<LevelFile> {
        let file = dir.join("level.yaml");
        let src = std::fs::read_to_string(&file).map_err(|e| GradeError::io(&file, &e))?;
        parse_yaml(&file, &src)
    }
}

#[derive(Debug, Clone)]
pub struct Level {
    /// The level's directory name, as listed in course.yaml.
    pub name: String,
    pub title: String,
    pub xp: u32,
    pub prerequisites: Vec<String>,
    pub exercises: Vec<Exercise>,
}

#[derive(Debug, Clone)]
pub struct Course {
    pub dir: PathBuf,
    pub title: String,
    pub language: String,
    pub reference: BTreeMap<EngineKind, Engine>,
    pub levels: Vec<Level>,
    /// The student copy written by `grader publish`.
    pub published: bool,
}

/// The course's reference engines, or Tern's built-in ones.
#[derive(Debug, Clone)]
pub struct References(pub BTreeMap<EngineKind, Engine>);

impl Default for References {
    fn default() -> Self {
        References(EngineKind::ALL.into_iter().map(|k| (k, Engine::reference(k))).collect())
    }
}

impl References {
    pub fn get(&self, kind: EngineKind) -> Engine {
        self.0.get(&kind).cloned().unwrap_or_else(|| Engine::reference(kind))
    }
}

impl Course {
    pub fn load(dir: &Path) -> Result<Course> {
        let file = dir.join("course.yaml");
        let src = std::fs::read_to_string(&file)
            .map_err(|e| GradeError::io(&file, &e).hint("a course directory holds course.yaml"))?;
        let f: CourseFile = parse_yaml(&file, &src)?;
        let mut reference: BTreeMap<EngineKind, Engine> =
            EngineKind::ALL.into_iter().map(|k| (k, Engine::reference(k))).collect();
        for (kind, spec) in &f.reference {
            let engine = Engine::resolve(spec, dir).map_err(|e| {
                let mut at = GradeError::at_key(
                    &file,
                    &src,
                    kind.as_str(),
                    format!("reference engine `{spec}`: {}", e.message),
                );
                at.hint = Some(e.to_string());
                at
            })?;
            if engine.kind != *kind {
                return Err(GradeError::at_key(
                    &file,
                    &src,
                    kind.as_str(),
                    format!("reference engine for `{kind}` is a `{}` engine", engine.kind),
                ));
            }
            reference.insert(*kind, engine);
        }
        for name in &f.levels {
            // A level's name is a directory of every workspace: `../x` would
            // make `grader init` write outside it.
            crate::untrusted::plain_name(name).map_err(|m| {
                GradeError::at_text_after_key(&file, &src, "levels", name, format!("level {m}"))
            })?;
        }
        let mut levels = Vec::new();
        for name in &f.levels {
            levels.push(load_level(&dir.join(name), name, f.published).map_err(|e| {
                if e.file.is_none() {
                    GradeError::at_key(&file, &src, "levels", e.message)
                } else {
                    e
                }
            })?);
        }
        let known: Vec<&String> = f.levels.iter().collect();
        for l in &levels {
            for p in &l.prerequisites {
                if !known.contains(&p) {
                    let lf = dir.join(&l.name).join("level.yaml");
                    let lsrc = std::fs::read_to_string(&lf).unwrap_or_default();
                    return Err(GradeError::at_key(
                        &lf,
                        &lsrc,
                        "prerequisites",
                        format!("prerequisite `{p}` is not a level of this course"),
                    ));
                }
            }
        }
        check_prerequisite_cycles(dir, &levels)?;
        Ok(Course {
            dir: dir.to_path_buf(),
            title: f.title,
            language: f.language,
            reference,
            levels,
            published: f.published,
        })
    }

    /// sha256 of everything the loaded course grades with.
    pub fn sha256(&self) -> String {
        let mut h = Sha256::new();
        for level in &self.levels {
            h.update(level.name.as_bytes());
            h.update(level.xp.to_le_bytes());
            for ex in &level.exercises {
                h.update(ex.id.as_bytes());
                h.update(ex.points.to_le_bytes());
                h.update(std::fs::read(&ex.path).unwrap_or_default());
                for program in ex.programs() {
                    for (name, bytes) in &program.files {
                        h.update(name.as_bytes());
                        h.update(bytes);
                    }
                }
                let snaps = ex.dir().join("snapshots");
                if let Ok(entries) = std::fs::read_dir(&snaps) {
                    let mut names: Vec<_> = entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| {
                            p.file_name()
                                .and_then(|n| n.to_str())
                                .is_some_and(|n| n.starts_with(&format!("{}__", ex.id)))
                        })
                        .collect();
                    names.sort();
                    for p in names {
                        h.update(std::fs::read(p).unwrap_or_default());
                    }
                }
            }
        }
        crate::provenance::hex(&h.finalize())
    }

    pub fn references(&self) -> References {
        References(self.reference.clone())
    }

    /// Walks up from `start` to the nearest directory holding course.yaml.
    pub fn find_root(start: &Path) -> Option<PathBuf> {
        let start = start.canonicalize().ok()?;
        let mut cur = if start.is_file() { start.parent()?.to_path_buf() } else { start };
        loop {
            if cur.join("course.yaml").is_file() {
                return Some(cur);
            }
            cur = cur.parent()?.to_path_buf();
        }
    }

    pub fn level_of(&self, exercise: &Path) -> Option<&Level> {
        let canon = exercise.canonicalize().ok()?;
        self.levels
            .iter()
            .find(|l| l.exercises.iter().any(|e| e.path.canonicalize().ok().as_ref() == Some(&canon)))
    }
}

/// A level that (directly or through others) requires itself could never be unlocked.
fn check_prerequisite_cycles(dir: &Path, levels: &[Level]) -> Result<()> {
    fn visit<'a>(
        levels: &'a [Level],
        name: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| *n == name) {
            let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
            cycle.push(name.to_string());
            return Some(cycle);
        }
        if done.contains(&name) {
            return None;
        }
        path.push(name);
        if let Some(level) = levels.iter().find(|l| l.name == name) {
            for p in &level.prerequisites {
                if let Some(c) = visit(levels, p, path, done) {
                    return Some(c);
                }
            }
        }
        path.pop();
        done.push(name);
        None
    }
    let mut done = Vec::new();
    for level in levels {
        if let Some(cycle) = visit(levels, &level.name, &mut Vec::new(), &mut done) {
            let at = &cycle[0];
            let lf = dir.join(at).join("level.yaml");
            let lsrc = std::fs::read_to_string(&lf).unwrap_or_default();
            let msg = if cycle.len() == 2 {
                format!("level `{at}` lists itself in its prerequisites")
            } else {
                format!("prerequisites form a cycle: {}", cycle.join(" -> "))
            };
            return Err(GradeError::at_key(&lf, &lsrc, "prerequisites", msg)
                .hint("a level in a cycle could never be unlocked; remove one of these prerequisites"));
        }
    }
    Ok(())
}

fn load_level(dir: &Path, name: &str, published: bool) -> Result<Level> {
    let file = dir.join("level.yaml");
    let src = std::fs::read_to_string(&file)
        .map_err(|e| GradeError::new(format!("level `{name}`: cannot read {}: {e}", file.display())))?;
    let f: LevelFile = parse_yaml(&file, &src)?;
    if f.xp > crate::exercise::MAX_XP {
        return Err(GradeError::at_key(
            &file,
            &src,
            "xp",
            format!("xp: {} is more than the maximum of {}", f.xp, crate::exercise::MAX_XP),
        ));
    }
    let mut exercises: Vec<Exercise> = Vec::new();
    let mut points_keys = 0;
    for (i, entry) in f.exercises.iter().enumerate() {
        if let Some(points) = entry.points {
            crate::exercise::check_points(&file, &src, points_keys, points)?;
            points_keys += 1;
        }
        let p = dir.join(&entry.path);
        if !p.is_file() {
            return Err(GradeError::at_key_nth(
                &file,
                &src,
                "path",
                i,
                format!("exercise `{}` does not exist", entry.path),
            )
            .hint(format!("paths are relative to {}", dir.display())));
        }
        let mut ex = Exercise::load_in(&p, published)?;
        crate::untrusted::plain_name(&ex.id)
            .map_err(|m| GradeError::at_key_nth(&file, &src, "path", i, format!("exercise id {m}")))?;
        if let Some(points) = entry.points {
            ex.points = points;
        }
        // The id (file stem) names the exercise's workspace directory and its
        // results: two exercises with one id would share both.
        if let Some(first) = exercises.iter().position(|e| e.id == ex.id) {
            return Err(GradeError::at_key_nth(
                &file,
                &src,
                "path",
                i,
                format!(
                    "exercise id `{}` is used twice in this level (`{}` and `{}`)",
                    ex.id, f.exercises[first].path, entry.path
                ),
            )
            .hint("an exercise's id is its file stem; rename one of the files"));
        }
        exercises.push(ex);
    }
    Ok(Level { name: name.to_string(), title: f.title, xp: f.xp, prerequisites: f.prerequisites, exercises })
}
