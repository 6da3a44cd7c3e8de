//! Quiz answers are not typed into a key: each question names an observation
//! (run an engine or command, extract a value), and the student's answer must
//! equal what the grader observes at grading time.
use crate::course::References;
use crate::error::{parse_yaml, GradeError, Result};
use crate::exercise::{Extract, Question, QuizBody};
use crate::manifest::{Engine, EngineKind};
use crate::result::{CheckResult, Status};
use crate::runner::{self, EngineRun, Program, RunOptions};
use regex::Regex;
use std::collections::BTreeMap;
use std::path::Path;

pub type Answers = BTreeMap<String, String>;

pub fn load_answers(path: &Path) -> Result<Answers> {
    let src = crate::untrusted::read_yaml(path).map_err(GradeError::new)?;
    let v: BTreeMap<String, serde_yaml::Value> = parse_yaml(path, &src)?;
    Ok(v.into_iter()
        .filter_map(|(k, v)| {
            let s = match v {
                serde_yaml::Value::Null => return None,
                serde_yaml::Value::String(s) => s,
                serde_yaml::Value::Bool(b) => b.to_string(),
                serde_yaml::Value::Number(n) => n.to_string(),
                other => serde_yaml::to_string(&other).unwrap_or_default().trim().to_string(),
            };
            Some((k, s))
        })
        .collect())
}

/// What `grader init` writes for the student to fill in.
pub fn answers_template(title: &str, quiz: &QuizBody) -> String {
    let mut s = format!("# {title}\n# Answer each question; the grader checks your answers against what the engines actually do.\n");
    for q in &quiz.questions {
        s.push_str(&format!("\n# {}\n", q.prompt.trim().replace('\n', "\n# ")));
        if !q.choices.is_empty() {
            s.push_str(&format!("# choices: {}\n", q.choices.join(", ")));
        }
        s.push_str(&format!("{}: ~\n", q.id));
    }
    s
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn resolve_engine(spec: &str, refs: &References, base: &Path) -> Result<Engine> {
    if let Some(kind) = EngineKind::parse(spec) {
        return Ok(refs.get(kind));
    }
    if let Some(kind) = spec.strip_prefix("reference:").and_then(EngineKind::parse) {
        // The course may point its references elsewhere (tests use fake engines).
        return Ok(refs.get(kind));
    }
    Engine::resolve(spec, base)
}

/// Runs the observation on `program` and extracts the value the answer must
/// equal; `dir` is the exercise's directory.
pub fn observe(
    q: &Question,
    program: &Program,
    dir: &Path,
    refs: &References,
    opts: &RunOptions,
) -> std::result::Result<String, (Status, String)> {
    let o = &q.observe;
    let x = &o.extract;
    let mut opts = opts.clone();
    opts.extra_args = o.args.clone();
    opts.capture_bytes = x.bytes.unwrap_or(16);
    if x.from == "artifact" {
        opts.capture.push("{out}".into());
    } else if let Some(p) = x.from.strip_prefix("file:") {
        opts.capture.push(p.to_string());
    }
    let run: EngineRun = if let Some(cmd) = &o.command {
        let exercise_dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()).display().to_string();
        let mut argv: Vec<String> = cmd.iter().map(|a| a.replace("{exercise}", &exercise_dir)).collect();
        argv.extend(o.args.iter().cloned());
        runner::run_command(&argv, program, &opts)
    } else {
        let spec = o.engine.as_deref().unwrap_or_default();
        let engine = resolve_engine(spec, refs, dir).map_err(|e| (Status::Error, e.to_string()))?;
        if engine.kind == EngineKind::Aot {
            opts.targets = Some(vec![o
                .target
                .or(crate::manifest::Target::host())
                .unwrap_or(crate::manifest::Target::X86_64)]);
        }
        runner::run_engine(&engine, program, &opts)
            .into_iter()
            .next()
            .ok_or((Status::Skipped, format!("{spec} has no matching target")))?
    };
    if let Some(failure) = run.status.failure("observed engine") {
        return Err(failure);
    }
    extract(x, &run)
}

pub fn extract(x: &Extract, run: &EngineRun) -> std::result::Result<String, (Status, String)> {
    let none = || "none".to_string();
    let text = match x.from.as_str() {
        "stdout" => run.stdout.clone(),
        "stderr" => run.stderr.clone(),
        "exit" => run.exit_code.map(|c| c.to_string()).unwrap_or_else(none),
        "status" => "completed".into(),
        "phase" => run.diag.as_ref().map(|d| d.phase.clone()).unwrap_or_else(none),
        "kind" => run.diag.as_ref().map(|d| d.kind.clone()).unwrap_or_else(none),
        "code" => run.diag.as_ref().and_then(|d| d.code.clone()).unwrap_or_else(none),
        "line" => run.diag.as_ref().map(|d| d.line.to_string()).unwrap_or_else(none),
        "artifact" => hex(run
            .captured
            .get("{out}")
            .ok_or((Status::Error, "the engine produced no artifact to inspect".to_string()))?),
        f => {
            let p = f.strip_prefix("file:").unwrap_or(f);
            hex(run
                .captured
                .get(p)
                .ok_or((Status::Error, format!("the observed run wrote no file `{p}`")))?)
        }
    };
    let value = match &x.regex {
        None => text.trim().to_string(),
        Some(re) => {
            let re = Regex::new(re).map_err(|e| (Status::Error, format!("invalid regex: {e}")))?;
            let c = re.captures(&text).ok_or_else(|| {
                (Status::Error, format!("observation found no match for /{}/ in {}", re.as_str(), x.from))
            })?;
            c.get(1).or_else(|| c.get(0)).map(|m| m.as_str().to_string()).unwrap_or_default()
        }
    };
    Ok(x.map.get(&value).cloned().unwrap_or(value))
}

pub fn grade(
    quiz: &QuizBody,
    dir: &Path,
    answers: std::result::Result<&Answers, &str>,
    refs: &References,
    opts: &RunOptions,
) -> Vec<CheckResult> {
    quiz.questions
        .iter()
        .map(|q| {
            let name = format!("question {}", q.id);
            let observed = match observe(q, &quiz.program, dir, refs, opts) {
                Ok(v) => v,
                Err((status, m)) => return CheckResult::new(name, status, m),
            };
            let answer = match answers {
                Err(m) => return CheckResult::fail(name, m.to_string()),
                Ok(a) => a.get(&q.id),
            };
            let source = q.observe.engine.clone().unwrap_or_else(|| "the observation command".into());
            match answer {
                None => CheckResult::fail(name, format!("no answer yet for `{}` in answers.yaml", q.id)),
                Some(a) if norm(a) == norm(&observed) => CheckResult::pass(name, format!("correct: {source} agrees")),
                Some(a) => CheckResult::fail(name, format!(
                    "your answer `{}` is not what {source} does; try running it yourself and look closely", a.trim())),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::RunStatus;
    use std::time::Duration;

    fn run_with(stdout: &str, captured: &[(&str, &[u8])]) -> EngineRun {
        EngineRun {
            engine: "e".into(),
            kind: None,
            target: None,
            status: RunStatus::Completed,
            exit_code: Some(0),
            stdout: stdout.into(),
            stderr: String::new(),
            diag: None,
            wall: Duration::ZERO,
            cpu: Duration::ZERO,
            captured: captured.iter().map(|(k, v)| (k.to_string(), v.to_vec())).collect(),
        }
    }

    #[test]
    fn regex_group_and_map() {
        let x = Extract {
            from: "stdout".into(),
            regex: Some(r"tier-up after (\d+) calls".into()),
            bytes: None,
            map: BTreeMap::new(),
        };
        assert_eq!(extract(&x, &run_with("[jit] tier-up after 1000 calls\n", &[])).unwrap(), "1000");
        let mut elf = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0xb7, 0];
        elf.resize(20, 0);
        let x = Extract {
            from: "artifact".into(),
            regex: Some("^7f454c46.{28}(....)".into()),
            bytes: Some(20),
            map: [("b700".to_string(), "aarch64".to_string()), ("3e00".into(), "x86_64".into())].into(),
        };
        assert_eq!(extract(&x, &run_with("", &[("{out}", &elf)])).unwrap(), "aarch64");
        let x = Extract { from: "phase".into(), regex: None, bytes: None, map: BTreeMap::new() };
        assert_eq!(extract(&x, &run_with("", &[])).unwrap(), "none");
    }

    #[test]
    fn answers_accept_scalars_and_skip_blanks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("answers.yaml");
        std::fs::write(&p, "a: build\nb: 1000\nc: ~\n").unwrap();
        let a = load_answers(&p).unwrap();
        assert_eq!(a.get("a").map(String::as_str), Some("build"));
        assert_eq!(a.get("b").map(String::as_str), Some("1000"));
        assert!(!a.contains_key("c"));
    }
}
