//! Output, exit and diagnostic checks of one engine run against expectations.
use crate::exercise::{ErrorExpect, Expect};
use crate::result::{CheckResult, Status};
use crate::runner::EngineRun;
use crate::snapshot::{self, Snapshot};

fn exit_meaning(code: i32) -> &'static str {
    match code {
        0 => "success",
        65 => "failed before running",
        70 => "failed while running",
        66 => "entry file unreadable",
        2 => "usage error or missing engine",
        _ => "not a protocol exit code; the protocol uses 0, 65 and 70",
    }
}

/// One check an expectation implies, with what it compares against.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Stdout {
        want: String,
        from_snapshot: bool,
    },
    /// `snapshot: true` whose snapshot could not be read: the stdout check errors.
    NoSnapshot(String),
    Exit(i32),
    Error(ErrorExpect),
    StdoutBeforeError(String),
}

impl Check {
    pub fn name(&self) -> &'static str {
        match self {
            Check::Stdout { .. } | Check::NoSnapshot(_) => "stdout",
            Check::Exit(_) => "exit",
            Check::Error(_) => "error",
            Check::StdoutBeforeError(_) => "stdout_before_error",
        }
    }

    /// This check against a run that completed; `name` is the result's name.
    fn evaluate(&self, name: String, run: &EngineRun) -> CheckResult {
        match self {
            Check::Stdout { want, from_snapshot } => check_stdout(&name, want, &run.stdout, *from_snapshot),
            Check::NoSnapshot(why) => CheckResult::new(name, Status::Error, why.clone()),
            Check::Exit(want) => check_exit(&name, *want, run),
            Check::Error(want) => check_error(&name, want, run),
            Check::StdoutBeforeError(want) => {
                let mut c = check_stdout(&name, want, &run.stdout, false);
                if c.status == Status::Fail {
                    c.message = "the output printed before the error is not what the program printed: an engine must flush output produced before an error".into();
                }
                c
            }
        }
    }
}

/// The checks an expectation implies, in report order; a snapshot (loaded
/// for `snapshot: true`) supplies what the expectation leaves out.
pub fn resolve(expect: &Expect, snap: Option<&Result<Snapshot, String>>) -> Vec<Check> {
    let snap_ok = snap.and_then(|s| s.as_ref().ok());
    let stdout = match (&expect.stdout, snap) {
        (Some(want), _) => Some(Check::Stdout { want: want.clone(), from_snapshot: false }),
        (None, Some(Ok(s))) => Some(Check::Stdout { want: s.stdout.clone(), from_snapshot: true }),
        (None, Some(Err(e))) => Some(Check::NoSnapshot(e.clone())),
        (None, None) => None,
    };
    let exit = expect.exit.or(snap_ok.and_then(|s| s.info.exit)).map(Check::Exit);
    let error = expect.error.clone().or(snap_ok.and_then(|s| s.info.error.clone())).map(Check::Error);
    let before = expect.stdout_before_error.clone().map(Check::StdoutBeforeError);
    [stdout, exit, error, before].into_iter().flatten().collect()
}

/// Each check evaluated against the run; a run that did not complete fails
/// every check with its status.
pub fn check_run(run: &EngineRun, checks: &[Check]) -> Vec<CheckResult> {
    let label = run.label();
    if let Some((status, msg)) = run.status.failure("engine") {
        let tail = tail_lines(&run.stderr, 5);
        return checks
            .iter()
            .map(|check| {
                let c = CheckResult::new(format!("{label}: {}", check.name()), status, msg.clone());
                if tail.is_empty() {
                    c
                } else {
                    c.detail(format!("stderr:\n{tail}"))
                }
            })
            .collect();
    }
    checks.iter().map(|check| check.evaluate(format!("{label}: {}", check.name()), run)).collect()
}

fn check_stdout(name: &str, want: &str, got: &str, from_snapshot: bool) -> CheckResult {
    let same = if from_snapshot { snapshot::body_eq(want, got) } else { want == got };
    if same {
        return CheckResult::pass(name, "output matches");
    }
    let (w, g) = if from_snapshot {
        (
            snapshot::normalize(want).trim_end_matches('\n').to_string() + "\n",
            snapshot::normalize(got).trim_end_matches('\n').to_string() + "\n",
        )
    } else {
        (want.to_string(), got.to_string())
    };
    let what = if got.is_empty() {
        "the engine printed nothing".to_string()
    } else {
        "output differs (- expected, + got)".to_string()
    };
    let src = if from_snapshot { " from the snapshot" } else { "" };
    CheckResult::fail(name, format!("{what}{src}")).detail(snapshot::diff(&w, &g))
}

fn check_exit(name: &str, want: i32, run: &EngineRun) -> CheckResult {
    let got = run.exit_code.unwrap_or(-1);
    if got == want {
        return CheckResult::pass(name, format!("exit {got}"));
    }
    let mut c = CheckResult::fail(
        name,
        format!("expected exit {want} ({}), got exit {got} ({})", exit_meaning(want), exit_meaning(got)),
    );
    let tail = tail_lines(&run.stderr, 5);
    if !tail.is_empty() {
        c = c.detail(format!("stderr:\n{tail}"));
    }
    c
}

fn check_error(name: &str, want: &ErrorExpect, run: &EngineRun) -> CheckResult {
    let wanted = describe(want);
    let Some(d) = &run.diag else {
        let mut c = CheckResult::fail(name, format!(
            "expected {wanted}, but stderr has no diagnostic header line like `error: {} {} at FILE:LINE:COL: MESSAGE`",
            want.phase, want.kind));
        c.line = want.line;
        let tail = tail_lines(&run.stderr, 5);
        return if tail.is_empty() {
            c.detail("stderr was empty")
        } else {
            c.detail(format!("stderr:\n{tail}"))
        };
    };
    let mut wrong = Vec::new();
    if d.phase != want.phase {
        wrong.push(format!("phase `{}` instead of `{}`", d.phase, want.phase));
    }
    if d.kind != want.kind {
        wrong.push(format!("kind `{}` instead of `{}`", d.kind, want.kind));
    }
    if let Some(l) = want.line {
        if d.line != l {
            wrong.push(format!("line {} instead of {l}", d.line));
        }
    }
    if let (Some(code), Some(got)) = (&want.code, &d.code) {
        if code != got {
            wrong.push(format!("code {got} instead of {code}"));
        }
    }
    let mut c = if wrong.is_empty() {
        CheckResult::pass(name, format!("reported {wanted}"))
    } else {
        CheckResult::fail(name, format!("expected {wanted}; the engine reported {}", wrong.join(", ")))
            .detail(d.header())
    };
    c.line = Some(d.line);
    c
}

fn describe(e: &ErrorExpect) -> String {
    match e.line {
        Some(l) => format!("a {} {} error on line {l}", e.phase, e.kind),
        None => format!("a {} {} error", e.phase, e.kind),
    }
}

fn tail_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag;
    use crate::manifest::EngineKind;
    use crate::runner::RunStatus;
    use std::collections::BTreeMap;
    use std::time::Duration;

    fn run(exit: i32, stdout: &str, stderr: &str) -> EngineRun {
        EngineRun {
            engine: "fake".into(),
            kind: Some(EngineKind::Interp),
            target: None,
            status: RunStatus::Completed,
            exit_code: Some(exit),
            stdout: stdout.into(),
            stderr: stderr.into(),
            diag: diag::parse_stderr(stderr),
            wall: Duration::ZERO,
            cpu: Duration::ZERO,
            captured: BTreeMap::new(),
        }
    }

    fn expect_err() -> Expect {
        Expect {
            exit: Some(70),
            stdout_before_error: Some("1\n".into()),
            error: Some(ErrorExpect {
                phase: "runtime".into(),
                kind: "div-zero".into(),
                line: Some(2),
                code: None,
            }),
            ..Expect::default()
        }
    }

    #[test]
    fn every_check_passes_on_matching_run() {
        let r = run(
            70,
            "1\n",
            "error[E0601]: runtime div-zero at main.tern:2:9: division by zero\n  at <main>\n",
        );
        let cs = check_run(&r, &resolve(&expect_err(), None));
        assert_eq!(cs.len(), 3);
        assert!(cs.iter().all(|c| c.status == Status::Pass), "{cs:?}");
    }

    #[test]
    fn every_check_fails_with_an_explanation() {
        let r = run(0, "", "");
        let cs = check_run(&r, &resolve(&expect_err(), None));
        assert!(cs.iter().all(|c| c.status == Status::Fail), "{cs:?}");
        assert!(
            cs[0].message.contains("expected exit 70 (failed while running), got exit 0 (success)"),
            "{}",
            cs[0].message
        );
        assert!(cs[1].message.contains("no diagnostic header"), "{}", cs[1].message);
        assert!(cs[2].message.contains("flush"), "{}", cs[2].message);
    }

    #[test]
    fn wrong_phase_kind_and_line_are_named() {
        let r = run(65, "", "error: parse syntax at main.tern:1:3: unexpected token\n");
        let c = &check_run(&r, &resolve(&expect_err(), None))[1];
        assert_eq!(c.status, Status::Fail);
        assert!(c.message.contains("phase `parse` instead of `runtime`"), "{}", c.message);
        assert!(c.message.contains("kind `syntax` instead of `div-zero`"));
        assert!(c.message.contains("line 1 instead of 2"));
    }

    #[test]
    fn stdout_mismatch_has_diff() {
        let r = run(0, "1\n3\n", "");
        let e = Expect { stdout: Some("1\n2\n".into()), ..Expect::default() };
        let c = &check_run(&r, &resolve(&e, None))[0];
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.detail.as_deref(), Some(" 1\n-2\n+3\n"));
    }

    #[test]
    fn abnormal_runs_mark_every_check() {
        let mut r = run(0, "", "");
        r.status = RunStatus::Timeout;
        let cs = check_run(&r, &resolve(&expect_err(), None));
        assert!(cs.iter().all(|c| c.status == Status::Timeout));
    }

    #[test]
    fn snapshot_supplies_stdout_exit_and_error() {
        let snap = Snapshot::parse(std::path::Path::new("s"), "---\nsource: s\nexpression: e\ninfo:\n  exit: 70\n  error:\n    phase: runtime\n    kind: div-zero\n    line: 2\n---\n1\n").unwrap();
        let r = run(70, "1\n", "error: runtime div-zero at main.tern:2:1: x\n");
        let e = Expect { snapshot: Some(true), ..Expect::default() };
        let cs = check_run(&r, &resolve(&e, Some(&Ok(snap.clone()))));
        assert_eq!(cs.len(), 3);
        assert!(cs.iter().all(|c| c.status == Status::Pass), "{cs:?}");
        let r = run(70, "2\n", "error: runtime div-zero at main.tern:2:1: x\n");
        assert_eq!(check_run(&r, &resolve(&e, Some(&Ok(snap))))[0].status, Status::Fail);
        let cs = check_run(&r, &resolve(&e, Some(&Err("snapshot missing".into()))));
        assert_eq!(cs[0].status, Status::Error);
    }
}
