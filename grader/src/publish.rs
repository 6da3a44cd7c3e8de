//! `grader publish COURSE_DIR OUT_DIR`: the student copy of a course. It has
//! no solutions (`solution:` and the files it reads), no answer keys
//! (`<id>.answers.yaml`) and no hidden or after-due check groups (neither
//! their YAML nor the files they read); its course.yaml says `published:
//! true`, so its `program` exercises load without a solution and `grader
//! validate` asks for the full course. The instructor keeps the full course.
//!
//! What is copied: every file in the course directory (lessons, examples,
//! helpers, in-course engines) except the ones above, dotfiles, symlinks and
//! `.snap.new` files; of an exercise that lives outside the course directory,
//! only what it names (its visible files, its snapshots, the
//! `{exercise}/PATH` helpers of its quiz commands), under `_exercises/`.
//! Course, level and exercise YAML is written back re-serialized (comments
//! are not kept), with `from:` and `path:` pointing into the copy.
use crate::course::{Course, CourseFile, LevelFile};
use crate::error::{GradeError, Result};
use crate::exercise::{Exercise, FileSource, Visibility};
use crate::snapshot;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// Where exercises kept outside the course directory go in the copy.
pub const OUTSIDE: &str = "_exercises";

/// What `publish` did.
#[derive(Debug, Clone, Default)]
pub struct Published {
    pub exercises: usize,
    /// Files written into OUT_DIR (YAML included).
    pub files: usize,
    /// Solution files, answer keys and hidden groups' files left out (source paths).
    pub withheld: Vec<PathBuf>,
    /// Check groups left out (hidden and after_due).
    pub hidden_groups: usize,
    pub notes: Vec<String>,
}

fn canon(p: &Path) -> Result<PathBuf> {
    p.canonicalize().map_err(|e| GradeError::io(p, &e))
}

/// `to` relative to the directory `from` (both relative to OUT_DIR).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let n = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in n..a.len() {
        out.push("..");
    }
    for c in &b[n..] {
        out.push(c);
    }
    out
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn common_ancestor(paths: &[PathBuf]) -> Option<PathBuf> {
    let mut it = paths.iter();
    let mut acc: Vec<Component> = it.next()?.components().collect();
    for p in it {
        let n = acc.iter().zip(p.components()).take_while(|(a, b)| **a == *b).count();
        acc.truncate(n);
    }
    Some(acc.iter().collect())
}

/// `{exercise}/PATH` in a quiz command names a helper beside the exercise.
fn exercise_helpers(args: &[String]) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut bare = false;
    for a in args {
        let mut rest = a.as_str();
        while let Some(i) = rest.find("{exercise}") {
            rest = &rest[i + "{exercise}".len()..];
            match rest.strip_prefix('/') {
                Some(r) => {
                    let end = r
                        .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ';')
                        .unwrap_or(r.len());
                    if end > 0 {
                        out.push(r[..end].to_string());
                    } else {
                        bare = true;
                    }
                }
                None => bare = true,
            }
        }
    }
    (out, bare)
}

/// One exercise's plan: its YAML, the visible files it reads and what it withholds.
struct Plan {
    exercise: Exercise,
    yaml: PathBuf,
    /// Files outside the course directory the copy needs (exercise dir relative paths resolved).
    reads: BTreeSet<PathBuf>,
}

fn from_files<'a>(files: impl IntoIterator<Item = &'a FileSource>, dir: &Path) -> Result<Vec<PathBuf>> {
    files
        .into_iter()
        .filter_map(|f| match f {
            FileSource::From { from } => Some(canon(&dir.join(from))),
            FileSource::Inline(_) => None,
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, notes: &mut Vec<String>) -> Result<()> {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).map_err(|e| GradeError::io(dir, &e))?.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let p = e.path();
        let meta = std::fs::symlink_metadata(&p).map_err(|e| GradeError::io(&p, &e))?;
        if meta.file_type().is_symlink() {
            notes.push(format!(
                "left out the symlink {} (a published course holds only regular files)",
                p.display()
            ));
        } else if meta.is_dir() {
            walk(&p, out, notes)?;
        } else if meta.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

/// A YAML file that looks like an exercise (`kind: engine|program|quiz` and a title).
fn looks_like_exercise(p: &Path) -> bool {
    if p.extension().and_then(|e| e.to_str()) != Some("yaml") {
        return false;
    }
    let Ok(v) = std::fs::read_to_string(p).map(|s| serde_yaml::from_str::<serde_yaml::Value>(&s)) else {
        return false;
    };
    let Ok(serde_yaml::Value::Mapping(m)) = v else { return false };
    let kind = m.get("kind").and_then(|k| k.as_str());
    matches!(kind, Some("engine" | "program" | "quiz")) && m.contains_key("title")
}

pub fn publish(course_dir: &Path, out: &Path) -> Result<Published> {
    let course = Course::load(course_dir)?;
    let course_yaml = course_dir.join("course.yaml");
    if course.published {
        return Err(GradeError::in_file(&course_yaml, "this course is already a published (student) copy")
            .hint("publish the full course, the one with the solutions and hidden checks"));
    }
    let root = canon(course_dir)?;
    if out.exists() {
        let empty =
            out.is_dir() && std::fs::read_dir(out).map_err(|e| GradeError::io(out, &e))?.next().is_none();
        if !empty {
            return Err(GradeError::in_file(out, "already exists and is not an empty directory")
                .hint("publish into a new directory; nothing is overwritten"));
        }
    }
    let out_abs = match out.canonicalize() {
        Ok(p) => p,
        Err(_) => {
            let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            canon(parent)?.join(out.file_name().unwrap_or_default())
        }
    };
    if out_abs.starts_with(&root) {
        return Err(GradeError::in_file(
            out,
            "is inside the course directory; publish the student copy somewhere else",
        ));
    }
    if root.join(OUTSIDE).exists() {
        return Err(GradeError::in_file(&root.join(OUTSIDE), format!(
            "the published copy keeps exercises from outside the course in `{OUTSIDE}/`; rename this directory")));
    }
    let mut done = Published::default();
    let mut withheld: BTreeSet<PathBuf> = BTreeSet::new();
    let mut plans: Vec<Vec<Plan>> = Vec::new();
    for level in &course.levels {
        let level_dir = canon(&course_dir.join(&level.name))?;
        if !level_dir.starts_with(&root) {
            let lf = course_yaml.clone();
            return Err(GradeError::in_file(
                &lf,
                format!("level `{}` is outside the course directory; publish needs it inside", level.name),
            ));
        }
        let mut level_plans = Vec::new();
        for ex in &level.exercises {
            let yaml = canon(&ex.path)?;
            let dir = yaml.parent().expect("a file has a parent").to_path_buf();
            let (_, f) = Exercise::read_file(&ex.path)?;
            // Withheld: the solution, every hidden group's files, the answer key.
            let mut secret = from_files(f.solution.values(), &dir)?;
            for g in f.checks.iter().filter(|g| g.visibility != Some(Visibility::Visible)) {
                secret.extend(from_files(g.files.values(), &dir)?);
                done.hidden_groups += 1;
            }
            let answers = dir.join(format!("{}.answers.yaml", ex.id));
            if answers.is_file() {
                secret.push(canon(&answers)?);
            }
            withheld.extend(secret);
            // Needed: visible files, snapshots, quiz helpers.
            let mut reads: BTreeSet<PathBuf> = BTreeSet::new();
            reads.extend(from_files(f.files.values().chain(f.starter.values()), &dir)?);
            for g in f.checks.iter().filter(|g| g.visibility == Some(Visibility::Visible)) {
                reads.extend(from_files(g.files.values(), &dir)?);
            }
            for kind in ex.snapshot_kinds() {
                let p = snapshot::path_for(&dir, &ex.id, kind);
                if p.is_file() {
                    reads.insert(canon(&p)?);
                }
            }
            let questions = match &ex.body {
                crate::exercise::ExerciseBody::Quiz(q) => q.questions.as_slice(),
                _ => &[],
            };
            for q in questions {
                let Some(cmd) = &q.observe.command else { continue };
                let (helpers, bare) = exercise_helpers(cmd);
                if bare {
                    done.notes.push(format!("{}: question `{}` uses {{exercise}} without a path; only named helpers (`{{exercise}}/PATH`) are copied", ex.path.display(), q.id));
                }
                for h in helpers {
                    let p = canon(&dir.join(&h)).map_err(|e| {
                        GradeError::in_file(
                            &ex.path,
                            format!(
                                "question `{}` runs `{{exercise}}/{h}`, which cannot be read: {}",
                                q.id, e.message
                            ),
                        )
                    })?;
                    if p.is_dir() {
                        let mut files = Vec::new();
                        walk(&p, &mut files, &mut done.notes)?;
                        reads.extend(files);
                    } else {
                        reads.insert(p);
                    }
                }
            }
            level_plans.push(Plan { exercise: ex.clone(), yaml, reads });
        }
        plans.push(level_plans);
    }
    // A file both withheld and needed would leak a solution or a hidden check.
    for plan in plans.iter().flatten() {
        if let Some(both) = plan.reads.iter().find(|p| withheld.contains(*p)) {
            return Err(GradeError::in_file(&plan.exercise.path, format!(
                "{} is read by a visible part of this exercise and also by a solution or a hidden check; publishing it would reveal it",
                both.display())).hint("give the hidden check (or the solution) its own copy of the file"));
        }
    }

    // Paths in the copy: the course directory's own layout; outside it, under `_exercises/`.
    let outside: Vec<PathBuf> = plans
        .iter()
        .flatten()
        .flat_map(|p| std::iter::once(&p.yaml).chain(&p.reads))
        .filter(|p| !p.starts_with(&root))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    let ancestor = common_ancestor(&outside);
    let dest = |p: &Path| -> PathBuf {
        match (p.strip_prefix(&root), &ancestor) {
            (Ok(rel), _) => rel.to_path_buf(),
            (Err(_), Some(a)) => Path::new(OUTSIDE).join(p.strip_prefix(a).unwrap_or(p)),
            (Err(_), None) => Path::new(OUTSIDE).join(p.file_name().unwrap_or_default()),
        }
    };
    // Quiz helpers are found through `{exercise}`: they must keep their place beside the exercise.
    for plan in plans.iter().flatten() {
        let dir = plan.yaml.parent().unwrap_or(Path::new("/"));
        for p in &plan.reads {
            if let Ok(rel) = p.strip_prefix(dir) {
                if dest(p) != dest(dir).join(rel) {
                    return Err(GradeError::in_file(
                        &plan.exercise.path,
                        format!("{} cannot keep its place beside the exercise in the copy", p.display()),
                    ));
                }
            }
        }
    }

    std::fs::create_dir_all(out).map_err(|e| GradeError::in_file(out, format!("cannot create: {e}")))?;
    let write = |rel: &Path, bytes: &[u8], done: &mut Published| -> Result<()> {
        let p = out.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| GradeError::in_file(parent, format!("cannot create: {e}")))?;
        }
        std::fs::write(&p, bytes).map_err(|e| GradeError::in_file(&p, format!("cannot write: {e}")))?;
        done.files += 1;
        Ok(())
    };
    let copy = |from: &Path, rel: &Path, done: &mut Published| -> Result<()> {
        let p = out.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| GradeError::in_file(parent, format!("cannot create: {e}")))?;
        }
        std::fs::copy(from, &p)
            .map_err(|e| GradeError::in_file(from, format!("cannot copy to {}: {e}", p.display())))?;
        done.files += 1;
        Ok(())
    };

    // Exercise YAML: without the solution and the hidden groups, `from:` pointing into the copy.
    let mut written: BTreeSet<PathBuf> = BTreeSet::new();
    for plan in plans.iter().flatten() {
        let (_, mut f) = Exercise::read_file(&plan.exercise.path)?;
        let dir = plan.yaml.parent().unwrap_or(Path::new("/")).to_path_buf();
        let yaml_dest = dest(&plan.yaml);
        let dest_dir = yaml_dest.parent().unwrap_or(Path::new("")).to_path_buf();
        f.solution.clear();
        f.checks.retain(|g| g.visibility == Some(Visibility::Visible));
        let rewrite = |files: &mut BTreeMap<String, FileSource>| -> Result<()> {
            for source in files.values_mut() {
                if let FileSource::From { from } = source {
                    let p = canon(&dir.join(&*from))?;
                    *from = slash(&relative(&dest_dir, &dest(&p)));
                }
            }
            Ok(())
        };
        rewrite(&mut f.files)?;
        rewrite(&mut f.starter)?;
        for g in &mut f.checks {
            rewrite(&mut g.files)?;
        }
        let text = serde_yaml::to_string(&f)
            .map_err(|e| GradeError::in_file(&plan.exercise.path, format!("cannot re-serialize: {e}")))?;
        let text = format!(
            "# Written by `grader publish` for students; the instructor keeps the full exercise.\n{text}"
        );
        if written.insert(yaml_dest.clone()) {
            write(&yaml_dest, text.as_bytes(), &mut done)?;
            done.exercises += 1;
        }
        for p in plan.reads.iter().filter(|p| !p.starts_with(&root)) {
            if written.insert(dest(p)) {
                copy(p, &dest(p), &mut done)?;
            }
        }
    }

    // Level and course YAML.
    for (level, level_plans) in course.levels.iter().zip(&plans) {
        let mut lf = LevelFile::read(&course_dir.join(&level.name))?;
        for (entry, plan) in lf.exercises.iter_mut().zip(level_plans) {
            entry.path = slash(&relative(Path::new(&level.name), &dest(&plan.yaml)));
        }
        let text = serde_yaml::to_string(&lf)
            .map_err(|e| GradeError::new(format!("cannot re-serialize level.yaml: {e}")))?;
        let rel = Path::new(&level.name).join("level.yaml");
        write(&rel, text.as_bytes(), &mut done)?;
        written.insert(rel);
    }
    let mut cf = CourseFile::read(course_dir)?;
    cf.published = true;
    for (kind, spec) in cf.reference.iter_mut() {
        if spec.starts_with("reference:") {
            continue;
        }
        let p = canon(&course_dir.join(&*spec))?;
        if !p.starts_with(&root) {
            done.notes.push(format!("the reference `{kind}` engine ({spec}) is outside the course: the published course.yaml names it by its absolute path"));
            *spec = p.display().to_string();
        }
    }
    let text = serde_yaml::to_string(&cf)
        .map_err(|e| GradeError::new(format!("cannot re-serialize course.yaml: {e}")))?;
    let text = format!("# Published by `grader publish`: the student copy of this course. `grader init` it; the instructor grades with the full course.\n{text}");
    write(Path::new("course.yaml"), text.as_bytes(), &mut done)?;
    written.insert("course.yaml".into());

    // Everything else in the course directory, minus what is withheld.
    let mut files = Vec::new();
    walk(&root, &mut files, &mut done.notes)?;
    for p in files {
        let rel = dest(&p);
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".answers.yaml") || withheld.contains(&p) {
            done.withheld.push(p);
            continue;
        }
        if written.contains(&rel) || name.ends_with(".snap.new") {
            continue;
        }
        if looks_like_exercise(&p) {
            done.notes.push(format!("left out {}: an exercise no level lists", p.display()));
            continue;
        }
        copy(&p, &rel, &mut done)?;
    }
    for p in &withheld {
        if !p.starts_with(&root) {
            done.withheld.push(p.clone());
        }
    }
    done.withheld.sort();
    done.withheld.dedup();
    // The copy must load as a course.
    Course::load(out)
        .map_err(|e| GradeError::new(format!("the published copy does not load (a grader bug): {e}")))?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_copy_locations() {
        assert_eq!(
            relative(Path::new("01-basics"), Path::new("01-basics/hello.yaml")),
            Path::new("hello.yaml")
        );
        assert_eq!(
            relative(Path::new("01-basics"), Path::new("_exercises/l1/a.yaml")),
            Path::new("../_exercises/l1/a.yaml")
        );
        assert_eq!(
            relative(Path::new("_exercises/l1"), Path::new("_exercises/l1/starters/a.tern")),
            Path::new("starters/a.tern")
        );
    }

    #[test]
    fn quiz_helpers_are_found_in_commands() {
        let args = [
            "python3".to_string(),
            "{exercise}/helpers/compile.py".into(),
            "x".into(),
            "cd {exercise}".into(),
        ];
        let (helpers, bare) = exercise_helpers(&args);
        assert_eq!(helpers, ["helpers/compile.py"]);
        assert!(bare);
    }
}
