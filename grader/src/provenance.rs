//! What a grade was produced from, so it can be traced: the workspace and
//! the engine graded, each with a hash of its files, and the course's
//! version (git commit when it has one, and a hash of what was loaded:
//! `Course::sha256`, beside the course, so this module needs no course).
use crate::manifest::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The student workspace graded (absent outside a workspace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_sha256: Option<String>,
    /// The engine under test: name, kind and manifest path (or `reference:KIND`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// sha256 of the manifest and the files beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course: Option<String>,
    /// `git:COMMIT` (with `-dirty` when the course has uncommitted changes), when in git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course_commit: Option<String>,
    /// sha256 of every exercise file, program, starter, solution and snapshot the course loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course_sha256: Option<String>,
    /// Whether engine processes ran in the sandbox.
    pub sandboxed: bool,
}

/// Directories that never define what was graded and can be huge.
const SKIP_DIRS: &[&str] = &[".git", "target", ".grader", "node_modules", "__pycache__"];
/// Files past this size are hashed by their size alone.
const MAX_HASHED_FILE: u64 = 64 << 20;

/// sha256 over the relative paths and contents of the regular files under
/// `dir` (symlinks by their target text), in sorted order.
pub fn hash_tree(dir: &Path) -> String {
    let mut files = Vec::new();
    collect(dir, dir, &mut files, 0);
    files.sort();
    let mut h = Sha256::new();
    for rel in &files {
        h.update(rel.as_bytes());
        h.update([0]);
        let p = dir.join(rel);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                h.update(std::fs::read_link(&p).map(|t| t.display().to_string()).unwrap_or_default())
            }
            Ok(m) if m.len() > MAX_HASHED_FILE => h.update(format!("size:{}", m.len())),
            Ok(_) => h.update(std::fs::read(&p).unwrap_or_default()),
            Err(_) => {}
        }
        h.update([0]);
    }
    hex(&h.finalize())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        let name = e.file_name().to_string_lossy().into_owned();
        if ft.is_dir() {
            if depth < 32 && !SKIP_DIRS.contains(&name.as_str()) {
                collect(root, &p, out, depth + 1);
            }
        } else if ft.is_file() || ft.is_symlink() {
            out.push(p.strip_prefix(root).unwrap_or(&p).display().to_string());
        }
    }
}

/// sha256 of an engine's manifest and the files beside it (None for a
/// built-in reference engine, which has no manifest file).
pub fn hash_engine(engine: &Engine) -> Option<String> {
    let dir = engine.dir.as_deref()?;
    let mut h = Sha256::new();
    h.update(std::fs::read(&engine.source).unwrap_or_default());
    h.update(hash_tree(dir));
    Some(hex(&h.finalize()))
}

/// `git:COMMIT[-dirty]` of the repository holding `dir`, if git knows it.
pub fn git_commit(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    let head = git(&["rev-parse", "HEAD"])?;
    let commit = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let dirty = git(&["status", "--porcelain", "--", "."]).is_some_and(|o| !o.stdout.is_empty());
    Some(format!("git:{commit}{}", if dirty { "-dirty" } else { "" }))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_hash_changes_with_any_file_and_ignores_build_output() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("engine.py"), "print(1)").unwrap();
        let a = hash_tree(dir.path());
        std::fs::create_dir(dir.path().join("target")).unwrap();
        std::fs::write(dir.path().join("target/junk"), "x").unwrap();
        assert_eq!(hash_tree(dir.path()), a, "build output is not part of the engine's identity");
        std::fs::write(dir.path().join("engine.py"), "print(2)").unwrap();
        assert_ne!(hash_tree(dir.path()), a);
        assert_eq!(a.len(), 64);
    }
}
