//! Performance thresholds as ratios between engines measured in the same
//! grading run, interleaved (A B A B ...) so machine load hits both alike.
use crate::course::References;
use crate::exercise::{Measure, PerfRule};
use crate::manifest::{Engine, Target};
use crate::result::{CheckResult, Status};
use crate::runner::{self, EngineRun, Program, RunOptions, RunStatus};
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
}

pub fn stats(samples: &[Duration]) -> Stats {
    let mut s = samples.to_vec();
    s.sort();
    let n = s.len();
    let median = if n == 0 {
        Duration::ZERO
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2
    };
    Stats { median, min: s.first().copied().unwrap_or_default(), max: s.last().copied().unwrap_or_default() }
}

/// Ratio of two medians; a zero denominator is clamped to 1µs so the ratio stays finite.
pub fn ratio(numerator: Duration, denominator: Duration) -> f64 {
    numerator.as_secs_f64() / denominator.as_secs_f64().max(1e-6)
}

fn one_run(engine: &Engine, program: &Program, opts: &RunOptions) -> EngineRun {
    let mut o = opts.clone();
    // A compiled program is timed on the host target only: qemu would time the emulator.
    o.targets = Some(Target::host().into_iter().collect());
    runner::run_engine(engine, program, &o).into_iter().next().unwrap_or_else(|| {
        let mut r = runner::run_command(&[], program, opts);
        r.status = RunStatus::Skipped(format!("{} has no target for this host", engine.name));
        r
    })
}

/// Runs A and B alternately `runs` times; returns the chosen time of each run.
pub fn measure_interleaved(
    a: &Engine,
    b: &Engine,
    program: &Program,
    runs: u32,
    measure: Measure,
    opts: &RunOptions,
) -> Result<(Vec<Duration>, Vec<Duration>), (Status, String)> {
    let pick = |r: &EngineRun| if measure == Measure::Cpu { r.cpu } else { r.wall };
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        for (engine, times) in [(a, &mut ta), (b, &mut tb)] {
            let r = one_run(engine, program, opts);
            let bad = match &r.status {
                RunStatus::Completed => None,
                RunStatus::Error(m) => Some((Status::Error, m.clone())),
                RunStatus::Timeout => Some((Status::Timeout, "timed out".into())),
                RunStatus::Crash(m) => Some((Status::Crash, m.clone())),
                RunStatus::OutputCap => Some((Status::OutputCap, "output cap exceeded".into())),
                RunStatus::Limit(l, m) => Some((Status::from_limit(*l), m.clone())),
                RunStatus::Skipped(m) => Some((Status::Skipped, m.clone())),
            };
            if let Some((status, m)) = bad {
                return Err((status, format!("cannot measure {}: {m}", engine.name)));
            }
            times.push(pick(&r));
        }
    }
    Ok((ta, tb))
}

fn fmt_d(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 { format!("{ms:.0}ms") } else { format!("{ms:.2}ms") }
}

fn table(rows: &[(&str, &[Duration])], runs: u32, measure: Measure) -> String {
    let mut s = format!(
        "{:<28} {:>10} {:>10} {:>10}   ({} time, {runs} interleaved runs each)\n",
        "engine", "median", "min", "max", if measure == Measure::Cpu { "cpu" } else { "wall" });
    for (name, samples) in rows {
        let st = stats(samples);
        s.push_str(&format!("{:<28} {:>10} {:>10} {:>10}\n", name, fmt_d(st.median), fmt_d(st.min), fmt_d(st.max)));
    }
    s
}

/// Evaluates one rule. `under_test` is the student's engine (None when grading a
/// student's program on reference engines).
pub fn check_rule(
    rule: &PerfRule,
    under_test: Option<&Engine>,
    refs: &References,
    base: &Path,
    program: &Program,
    opts: &RunOptions,
) -> CheckResult {
    match rule {
        PerfRule::Faster { faster, than, by_at_least, runs, measure } => {
            let name = format!("perf: {faster} at least {by_at_least}x faster than {than}");
            let pick = |k| match under_test {
                Some(e) if e.kind == k => e.clone(),
                _ => refs.get(k),
            };
            let (fast, slow) = (pick(*faster), pick(*than));
            match measure_interleaved(&fast, &slow, program, *runs, *measure, opts) {
                Err((status, m)) => CheckResult::new(name, status, m),
                Ok((tf, ts)) => {
                    let r = ratio(stats(&ts).median, stats(&tf).median);
                    let status = if r >= *by_at_least { Status::Pass } else { Status::Fail };
                    let detail = table(&[(&fast.name, &tf), (&slow.name, &ts)], *runs, *measure)
                        + &format!("ratio {than}/{faster} = {r:.2} (threshold: at least {by_at_least})\n");
                    CheckResult::new(name, status, format!("{faster} is {r:.2}x faster than {than} (needs {by_at_least}x)")).detail(detail)
                }
            }
        }
        PerfRule::Within { within, of, runs, measure } => {
            let name = format!("perf: within {within}x of {of}");
            let Some(student) = under_test else {
                return CheckResult::new(name, Status::Skipped, "no student engine in this run");
            };
            let other = if of == "reference" {
                refs.get(student.kind)
            } else if let Some(kind) = of.strip_prefix("reference:").and_then(crate::manifest::EngineKind::parse) {
                refs.get(kind)
            } else {
                match Engine::resolve(of, base) {
                    Ok(e) => e,
                    Err(e) => return CheckResult::new(name, Status::Error, e.to_string()),
                }
            };
            match measure_interleaved(student, &other, program, *runs, *measure, opts) {
                Err((status, m)) => CheckResult::new(name, status, m),
                Ok((ts, to)) => {
                    let r = ratio(stats(&ts).median, stats(&to).median);
                    let status = if r <= *within { Status::Pass } else { Status::Fail };
                    let detail = table(&[(&student.name, &ts), (&other.name, &to)], *runs, *measure)
                        + &format!("ratio {}/{} = {r:.2} (threshold: at most {within})\n", student.name, other.name);
                    CheckResult::new(name, status, format!("{} takes {r:.2}x the time of {} (allowed: {within}x)", student.name, other.name))
                        .detail(detail)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max() {
        let ms = |v: u64| Duration::from_millis(v);
        assert_eq!(stats(&[ms(5), ms(1), ms(3)]), Stats { median: ms(3), min: ms(1), max: ms(5) });
        assert_eq!(stats(&[ms(4), ms(2)]).median, ms(3));
        assert!((ratio(ms(10), ms(2)) - 5.0).abs() < 1e-9);
        assert!(ratio(ms(1), Duration::ZERO).is_finite());
    }
}
