//! Expected output kept beside an exercise as insta-format snapshots
//! (`snapshots/<exercise>__<kind>.snap`), so `cargo insta review` can review
//! `.snap.new` files. Stdout is the body; exit code and diagnostic go in `info:`.
use crate::error::{GradeError, Result};
use crate::exercise::ErrorExpect;
use crate::manifest::EngineKind;
use crate::runner::EngineRun;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SnapInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorExpect>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub source: String,
    pub expression: String,
    pub info: SnapInfo,
    pub stdout: String,
}

#[derive(Debug, Deserialize)]
struct Header {
    #[serde(default)]
    source: String,
    #[serde(default)]
    expression: String,
    #[serde(default)]
    info: Option<SnapInfo>,
}

pub fn path_for(exercise_dir: &Path, exercise_id: &str, kind: EngineKind) -> PathBuf {
    exercise_dir.join("snapshots").join(format!("{exercise_id}__{kind}.snap"))
}

/// Temp dirs and durations differ on every run; snapshots must not.
pub fn normalize(text: &str) -> String {
    static DIRS: OnceLock<Regex> = OnceLock::new();
    static TIMES: OnceLock<Regex> = OnceLock::new();
    let dirs = DIRS.get_or_init(|| Regex::new(r"(?:/[A-Za-z0-9._-]+)*/tern-grader-[A-Za-z0-9]+/?").unwrap());
    let times = TIMES.get_or_init(|| Regex::new(r"\b\d+(?:\.\d+)?(?:ns|µs|us|ms|s)\b").unwrap());
    let text = text.replace("\r\n", "\n");
    let text = dirs.replace_all(&text, "[DIR]/");
    times.replace_all(&text, "[TIME]").into_owned()
}

/// insta stores the body without its trailing newline; compare modulo those.
pub fn body_eq(a: &str, b: &str) -> bool {
    normalize(a).trim_end_matches('\n') == normalize(b).trim_end_matches('\n')
}

impl Snapshot {
    pub fn from_run(source: &str, run: &EngineRun) -> Snapshot {
        let info = SnapInfo {
            exit: run.exit_code,
            error: run.diag.as_ref().map(|d| ErrorExpect {
                phase: d.phase.clone(),
                kind: d.kind.clone(),
                line: Some(d.line),
                code: None,
            }),
        };
        Snapshot {
            source: source.into(),
            expression: run.engine.clone(),
            info,
            stdout: normalize(&run.stdout),
        }
    }

    pub fn render(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            source: &'a str,
            expression: &'a str,
            info: &'a SnapInfo,
        }
        let header = serde_yaml::to_string(&Out {
            source: &self.source,
            expression: &self.expression,
            info: &self.info,
        })
        .expect("snapshot header serializes");
        format!("---\n{header}---\n{}\n", self.stdout.trim_end_matches('\n'))
    }

    pub fn parse(path: &Path, text: &str) -> Result<Snapshot> {
        let bad = || {
            GradeError::in_file(
                path,
                "not an insta snapshot: expected a `---` header, metadata, `---`, then the body",
            )
            .hint("re-record it with `grader bless`")
        };
        let rest = text.strip_prefix("---\n").ok_or_else(bad)?;
        let end = rest.find("\n---\n").ok_or_else(bad)?;
        let header: Header = serde_yaml::from_str(&rest[..end]).map_err(|e| GradeError::yaml(path, &e))?;
        let body = &rest[end + 5..];
        Ok(Snapshot {
            source: header.source,
            expression: header.expression,
            info: header.info.unwrap_or_default(),
            stdout: body.trim_end_matches('\n').to_string() + if body.trim().is_empty() { "" } else { "\n" },
        })
    }

    pub fn load(path: &Path) -> Result<Snapshot> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            GradeError::io(path, &e)
                .hint("record the snapshot from the reference engine with `grader bless PATH`")
        })?;
        Snapshot::parse(path, &text)
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, self.render())
    }
}

/// A unified diff that a student can read: `-` expected, `+` got.
pub fn diff(expected: &str, got: &str) -> String {
    let d = similar::TextDiff::from_lines(expected, got);
    let mut out = String::new();
    for change in d.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => "-",
            similar::ChangeTag::Insert => "+",
            similar::ChangeTag::Equal => " ",
        };
        let line = change.value();
        out.push_str(sign);
        out.push_str(line.strip_suffix('\n').unwrap_or(line));
        if change.missing_newline() {
            out.push_str("⏎ (no newline at end)");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_in_insta_format() {
        let s = Snapshot {
            source: "hello.yaml".into(),
            expression: "reference:interp".into(),
            info: SnapInfo {
                exit: Some(70),
                error: Some(ErrorExpect {
                    phase: "runtime".into(),
                    kind: "div-zero".into(),
                    line: Some(2),
                    code: None,
                }),
            },
            stdout: "1\n2\n".into(),
        };
        let text = s.render();
        assert!(text.starts_with("---\nsource: hello.yaml\n"), "{text}");
        assert!(text.ends_with("---\n1\n2\n"), "{text}");
        assert_eq!(Snapshot::parse(Path::new("x.snap"), &text).unwrap(), s);
    }

    #[test]
    fn normalizes_dirs_and_times() {
        let t = normalize("at /tmp/tern-grader-AbC123/main.tern took 12.5ms\n");
        assert_eq!(t, "at [DIR]/main.tern took [TIME]\n");
    }

    #[test]
    fn diff_marks_changes() {
        let d = diff("a\nb\n", "a\nc\n");
        assert_eq!(d, " a\n-b\n+c\n");
    }

    #[test]
    fn garbage_snapshot_is_an_error_with_hint() {
        let e = Snapshot::parse(Path::new("s.snap"), "hello").unwrap_err();
        assert!(e.to_string().contains("grader bless"));
    }
}
