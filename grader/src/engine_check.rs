//! `grader engine-check`: protocol conformance of an engine, before any
//! exercise. Each case tests one rule of PROTOCOL.md and says which.
use crate::exercise::{ErrorExpect, Expect};
use crate::manifest::{Engine, EngineKind};
use crate::result::{CheckResult, ExerciseResult, Status};
use crate::runner::{self, Program, RunOptions};

struct Case {
    id: &'static str,
    rule: &'static str,
    source: &'static str,
    expect: fn(EngineKind) -> Expect,
}

fn err(phase: &str, kind: &str, line: u32) -> Option<ErrorExpect> {
    Some(ErrorExpect { phase: phase.into(), kind: kind.into(), line: Some(line), code: None })
}

const CASES: &[Case] = &[
    Case {
        id: "hello",
        rule: "a program that runs to the end prints its output on stdout and exits 0",
        source: "print(\"hello\");\n",
        expect: |_| Expect { stdout: Some("hello\n".into()), exit: Some(0), ..Expect::default() },
    },
    Case {
        id: "syntax-error",
        rule: "a syntax error exits 65 and prints `error: parse syntax at FILE:LINE:COL: ...` (aot: `build syntax`) on stderr, before running anything",
        source: "print(\"never\");\nlet x = ;\n",
        expect: |k| Expect {
            stdout: Some(String::new()),
            exit: Some(65),
            error: err(if k == EngineKind::Aot { "build" } else { "parse" }, "syntax", 2),
            ..Expect::default()
        },
    },
    Case {
        id: "div-zero",
        rule: "a runtime error exits 70 and prints `error: runtime div-zero at FILE:LINE:COL: ...` on stderr",
        source: "let z = 0;\nprint(1 / z);\n",
        expect: |_| Expect { exit: Some(70), error: err("runtime", "div-zero", 2), ..Expect::default() },
    },
    Case {
        id: "output-before-error",
        rule: "output printed before a runtime error is kept (flush stdout before exiting 70)",
        source: "print(1);\nprint(2);\nlet z = 0;\nprint(3 / z);\n",
        expect: |_| Expect { stdout_before_error: Some("1\n2\n".into()), exit: Some(70), ..Expect::default() },
    },
];

pub fn check(engine: &Engine, opts: &RunOptions) -> Vec<ExerciseResult> {
    CASES
        .iter()
        .map(|case| {
            let program = Program {
                files: [("main.tern".to_string(), case.source.as_bytes().to_vec())].into(),
                entry: "main.tern".into(),
            };
            let expected = crate::checks::resolve(&(case.expect)(engine.kind), None);
            let mut checks: Vec<CheckResult> = Vec::new();
            for run in runner::run_engine(engine, &program, opts) {
                checks.extend(crate::checks::check_run(&run, &expected));
            }
            let failed = checks.iter().any(|c| c.status.is_failure());
            let mut notices = vec![format!("rule: {}", case.rule)];
            if failed {
                notices.push(format!("program main.tern:\n{}", case.source.trim_end()));
            }
            ExerciseResult {
                id: case.id.into(),
                title: "protocol conformance".into(),
                kind: "protocol".into(),
                path: engine.source.clone(),
                level: None,
                points: 1,
                earned: 0.0,
                status: Status::Pass,
                checks,
                notices,
                engine: None,
                engine_sha256: None,
                duration_ms: 0,
            }
            .finish()
        })
        .collect()
}
