//! `engine.yaml`: how to run an engine (see PROTOCOL.md). Built-in manifests
//! `reference:interp|jit|aot` describe the Tern reference engines.
use crate::error::{parse_yaml, GradeError, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

pub const PROTOCOL_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    Interp,
    Jit,
    Aot,
}

impl EngineKind {
    pub const ALL: [EngineKind; 3] = [EngineKind::Interp, EngineKind::Jit, EngineKind::Aot];
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Interp => "interp",
            EngineKind::Jit => "jit",
            EngineKind::Aot => "aot",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        EngineKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Target {
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "aarch64")]
    Aarch64,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::X86_64 => "x86_64",
            Target::Aarch64 => "aarch64",
        }
    }
    pub fn host() -> Option<Target> {
        match std::env::consts::ARCH {
            "x86_64" => Some(Target::X86_64),
            "aarch64" => Some(Target::Aarch64),
            _ => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    protocol: u32,
    name: String,
    kind: EngineKind,
    #[serde(default)]
    run: Option<Vec<String>>,
    #[serde(default)]
    build: Option<Vec<String>>,
    #[serde(default)]
    targets: Option<Vec<Target>>,
    /// Per-run timeout in milliseconds. It can only lower the instructor's
    /// limit (`--timeout-ms` or the exercise's `timeout_ms`), never raise it.
    #[serde(default)]
    timeout_ms: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Engine {
    pub name: String,
    pub kind: EngineKind,
    /// interp/jit: the command that runs `{file}`.
    pub run: Vec<String>,
    /// aot: the command that builds `{file}` into `{out}` for `{target}`.
    pub build: Vec<String>,
    pub targets: Vec<Target>,
    pub timeout_ms: Option<u64>,
    /// Where the manifest came from: a path, or `reference:KIND`.
    pub source: String,
    /// The manifest's directory: what the engine may read in the sandbox.
    pub dir: Option<PathBuf>,
    pub is_reference: bool,
}

impl Engine {
    /// `reference:KIND` or a path to an engine.yaml.
    pub fn resolve(spec: &str, base: &Path) -> Result<Engine> {
        if let Some(kind) = spec.strip_prefix("reference:") {
            let kind = EngineKind::parse(kind).ok_or_else(|| {
                GradeError::new(format!("unknown built-in engine `{spec}`"))
                    .hint("use reference:interp, reference:jit or reference:aot")
            })?;
            return Ok(Engine::reference(kind));
        }
        let path = base.join(spec);
        let path = if path.is_dir() { path.join("engine.yaml") } else { path };
        Engine::load(&path)
    }

    pub fn load(path: &Path) -> Result<Engine> {
        let src = crate::untrusted::read_yaml(path).map_err(|e| {
            GradeError::new(e).hint("pass --engine path/to/engine.yaml or reference:interp|jit|aot")
        })?;
        Engine::parse(path, &src)
    }

    pub fn parse(path: &Path, src: &str) -> Result<Engine> {
        let m: ManifestFile = parse_yaml(path, src)?;
        if m.protocol != PROTOCOL_VERSION {
            return Err(GradeError::at_key(
                path,
                src,
                "protocol",
                format!(
                    "protocol {} is not supported; this grader speaks protocol {PROTOCOL_VERSION}",
                    m.protocol
                ),
            )
            .hint("see grader/PROTOCOL.md"));
        }
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let dir = dir.canonicalize().unwrap_or(dir);
        let mut engine = Engine {
            name: m.name,
            kind: m.kind,
            run: Vec::new(),
            build: Vec::new(),
            targets: Vec::new(),
            timeout_ms: m.timeout_ms,
            source: path.display().to_string(),
            dir: Some(dir.clone()),
            is_reference: false,
        };
        match m.kind {
            EngineKind::Interp | EngineKind::Jit => {
                let run = m.run.filter(|r| !r.is_empty()).ok_or_else(|| {
                    GradeError::at_key(
                        path,
                        src,
                        "kind",
                        format!("a `{}` engine needs a non-empty `run:` command", m.kind),
                    )
                    .hint("e.g. run: [\"python3\", \"engine.py\", \"{file}\"]")
                })?;
                if !run.iter().any(|a| a.contains("{file}")) {
                    return Err(GradeError::at_key(
                        path,
                        src,
                        "run",
                        "`run:` never mentions `{file}`, so the engine cannot know what to run",
                    ));
                }
                engine.run = resolve_paths(&run, &dir);
            }
            EngineKind::Aot => {
                let build = m.build.filter(|b| !b.is_empty()).ok_or_else(|| {
                    GradeError::at_key(path, src, "kind", "an `aot` engine needs a non-empty `build:` command")
                        .hint("e.g. build: [\"./my-aot\", \"{file}\", \"-o\", \"{out}\", \"--target\", \"{target}\"]")
                })?;
                if !build.iter().any(|a| a.contains("{out}")) {
                    return Err(GradeError::at_key(
                        path,
                        src,
                        "build",
                        "`build:` never mentions `{out}`, so the grader cannot find the executable",
                    ));
                }
                engine.build = resolve_paths(&build, &dir);
                engine.targets = m.targets.unwrap_or_else(|| Target::host().into_iter().collect());
                if engine.targets.is_empty() {
                    return Err(GradeError::at_key(path, src, "targets", "`targets:` is empty")
                        .hint("targets: [x86_64, aarch64]"));
                }
            }
        }
        Ok(engine)
    }

    /// How reports name the engine: `name (kind, source)`.
    pub fn label(&self) -> String {
        format!("{} ({}, {})", self.name, self.kind, self.source)
    }

    pub fn reference(kind: EngineKind) -> Engine {
        let tern = tern_bin().display().to_string();
        let s = |v: &[&str]| -> Vec<String> { v.iter().map(|x| x.replace("TERN", &tern)).collect() };
        let (run, build, targets) = match kind {
            EngineKind::Interp => (s(&["TERN", "run", "--engine", "interp", "{file}"]), vec![], vec![]),
            EngineKind::Jit => (s(&["TERN", "run", "--engine", "jit", "{file}"]), vec![], vec![]),
            EngineKind::Aot => (
                vec![],
                s(&["TERN", "build", "{file}", "-o", "{out}", "--target", "{target}"]),
                vec![Target::X86_64, Target::Aarch64],
            ),
        };
        Engine {
            name: format!("reference:{kind}"),
            kind,
            run,
            build,
            targets,
            timeout_ms: None,
            source: format!("reference:{kind}"),
            dir: None,
            is_reference: true,
        }
    }
}

/// Relative paths in a manifest mean "beside the manifest", not "in the grader's temp dir".
fn resolve_paths(argv: &[String], dir: &Path) -> Vec<String> {
    argv.iter()
        .enumerate()
        .map(|(i, a)| {
            if a.contains('{') || Path::new(a).is_absolute() {
                return a.clone();
            }
            let candidate = dir.join(a);
            let looks_like_path = a.contains('/') && i == 0;
            if looks_like_path || candidate.exists() {
                candidate.display().to_string()
            } else {
                a.clone()
            }
        })
        .collect()
}

/// The `tern` binary: $TERN_BIN, else beside the running executable (or its
/// parent, since test binaries live in target/debug/deps), else PATH.
pub fn tern_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("TERN_BIN") {
        return PathBuf::from(p);
    }
    beside_exe("tern").unwrap_or_else(|| PathBuf::from("tern"))
}

/// A program installed beside the running executable, or in its parent
/// directory (test binaries live in target/debug/deps).
pub fn beside_exe(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    let found = [Some(dir), dir.parent()].into_iter().flatten().map(|d| d.join(name)).find(|c| c.is_file());
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_interp_and_resolves_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("engine.py"), "").unwrap();
        let p = dir.path().join("engine.yaml");
        let e =
            Engine::parse(&p, "protocol: 1\nname: x\nkind: interp\nrun: [python3, engine.py, \"{file}\"]\n")
                .unwrap();
        assert_eq!(e.run[0], "python3");
        assert!(e.run[1].ends_with("/engine.py") && Path::new(&e.run[1]).is_absolute());
        assert_eq!(e.run[2], "{file}");
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let p = Path::new("engine.yaml");
        let err = Engine::parse(p, "protocol: 1\nname: x\nkind: interp\nrunn: [a]\n").unwrap_err();
        assert_eq!(err.line, Some(4));
        assert!(err.to_string().contains("unknown field `runn`"), "{err}");
        assert!(err.to_string().starts_with("engine.yaml:4:1: error:"), "{err}");
    }

    #[test]
    fn missing_run_and_bad_protocol_are_explained() {
        let p = Path::new("engine.yaml");
        let err = Engine::parse(p, "protocol: 1\nname: x\nkind: jit\n").unwrap_err();
        assert!(err.message.contains("needs a non-empty `run:`"), "{err}");
        assert_eq!(err.line, Some(3));
        let err = Engine::parse(p, "protocol: 9\nname: x\nkind: jit\nrun: [a, \"{file}\"]\n").unwrap_err();
        assert!(err.message.contains("protocol 9"), "{err}");
        let err = Engine::parse(p, "protocol: 1\nname: x\nkind: aot\nbuild: [a, \"{file}\"]\n").unwrap_err();
        assert!(err.message.contains("{out}"), "{err}");
    }

    #[test]
    fn references_are_builtin() {
        let e = Engine::resolve("reference:aot", Path::new(".")).unwrap();
        assert_eq!(e.kind, EngineKind::Aot);
        assert_eq!(e.targets, vec![Target::X86_64, Target::Aarch64]);
        assert!(e.build.iter().any(|a| a == "{target}"));
        assert!(Engine::resolve("reference:wasm", Path::new(".")).is_err());
    }
}
