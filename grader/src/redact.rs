//! What a student may see of a hidden check: its status and its points, never
//! its program, expected output or diagnostic detail. Applied once, to the
//! results of a grading run (`grade::grade_all`), before anything renders or
//! saves them, so every report format (human, JSON, JUnit, GitHub
//! annotations) and the workspace's `.grader/results.json` agree.
use crate::result::{CheckResult, ExerciseResult, Status, Visibility};

/// Which non-visible checks a run shows in full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Disclosure {
    /// Instructor output (`--reveal`): everything.
    pub reveal: bool,
    /// `--after-due`: `after_due` checks are shown like visible ones.
    pub after_due: bool,
}

impl Disclosure {
    pub const STUDENT: Disclosure = Disclosure { reveal: false, after_due: false };
    pub const INSTRUCTOR: Disclosure = Disclosure { reveal: true, after_due: true };

    pub fn shows(self, v: Visibility) -> bool {
        match v {
            Visibility::Visible => true,
            Visibility::Hidden => self.reveal,
            Visibility::AfterDue => self.reveal || self.after_due,
        }
    }
}

fn fmt_points(p: f64) -> String {
    if (p - p.round()).abs() < 0.005 {
        format!("{}", p.round() as i64)
    } else {
        format!("{p:.2}")
    }
}

/// Redacts the checks `disclosure` does not show; names the ones it shows but
/// a student would not (`hidden check 2: interp: stdout`), so an instructor
/// can tell them apart. Points and statuses are kept as graded.
pub fn redact(results: &mut [ExerciseResult], disclosure: Disclosure) {
    for ex in results {
        let counted = ex.checks.iter().filter(|c| c.status != Status::Skipped).count();
        let share = if counted == 0 { 0.0 } else { ex.points as f64 / counted as f64 };
        // How many checks each hidden group has, to number them `N` or `N.i`.
        let in_group = |checks: &[CheckResult], g: Option<usize>| {
            checks.iter().filter(|c| c.group == g && c.visibility != Visibility::Visible).count()
        };
        let sizes: Vec<usize> = ex.checks.iter().map(|c| in_group(&ex.checks, c.group)).collect();
        let mut seen: std::collections::BTreeMap<Option<usize>, usize> = Default::default();
        for (c, size) in ex.checks.iter_mut().zip(sizes) {
            if c.visibility == Visibility::Visible {
                continue;
            }
            let i = seen.entry(c.group).or_default();
            *i += 1;
            let group = c.group.map(|g| g.to_string()).unwrap_or_default();
            let label = if size > 1 { format!("{group}.{i}") } else { group };
            let word = if c.visibility == Visibility::AfterDue && disclosure.shows(c.visibility) {
                "after-due"
            } else {
                "hidden"
            };
            if disclosure.shows(c.visibility) {
                if disclosure.reveal || c.visibility != Visibility::AfterDue {
                    c.name = format!("{word} {}", c.name);
                }
                continue;
            }
            c.name = format!("{word} check {label}");
            c.message = match c.status {
                Status::Skipped => "skipped; this check is hidden".to_string(),
                Status::Pass => {
                    format!("{}/{} points; this check is hidden", fmt_points(share), fmt_points(share))
                }
                _ => format!("0/{} points; this check is hidden", fmt_points(share)),
            };
            c.detail = None;
            c.line = None;
            c.program = None;
            c.output = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(checks: Vec<CheckResult>) -> ExerciseResult {
        ExerciseResult {
            id: "x".into(),
            title: "x".into(),
            kind: "engine".into(),
            path: "x.yaml".into(),
            level: None,
            points: 12,
            earned: 0.0,
            status: Status::Pass,
            checks,
            notices: vec![],
            engine: None,
            engine_sha256: None,
            duration_ms: 0,
        }
        .finish()
    }

    fn hidden(name: &str, group: usize, v: Visibility, status: Status) -> CheckResult {
        let mut c =
            CheckResult::new(format!("check {group}: {name}"), status, "expected 42").detail("-42\n+41\n");
        c.visibility = v;
        c.group = Some(group);
        c.line = Some(3);
        c
    }

    fn sample() -> Vec<ExerciseResult> {
        vec![ex(vec![
            CheckResult::fail("interp: stdout", "differs").detail("-1\n+2\n"),
            hidden("interp: stdout", 1, Visibility::Hidden, Status::Fail),
            hidden("interp: exit", 1, Visibility::Hidden, Status::Pass),
            hidden("interp: stdout", 2, Visibility::AfterDue, Status::Fail),
        ])]
    }

    #[test]
    fn students_see_status_and_points_only() {
        let mut rs = sample();
        redact(&mut rs, Disclosure::STUDENT);
        let cs = &rs[0].checks;
        assert_eq!(cs[0].detail.as_deref(), Some("-1\n+2\n"), "visible checks keep their details");
        assert_eq!(cs[1].name, "hidden check 1.1");
        assert_eq!(cs[2].name, "hidden check 1.2");
        assert_eq!(cs[3].name, "hidden check 2");
        assert_eq!(cs[1].message, "0/3 points; this check is hidden");
        assert_eq!(cs[2].message, "3/3 points; this check is hidden");
        assert!(cs[1..].iter().all(|c| c.detail.is_none() && c.line.is_none()));
        assert_eq!(cs[3].visibility, Visibility::AfterDue, "the visibility stays for platform formats");
        assert_eq!(rs[0].earned, 3.0, "points are kept as graded");
    }

    #[test]
    fn reveal_shows_everything_and_after_due_shows_after_due() {
        let mut rs = sample();
        redact(&mut rs, Disclosure::INSTRUCTOR);
        let cs = &rs[0].checks;
        assert_eq!(cs[1].name, "hidden check 1: interp: stdout");
        assert_eq!(cs[1].detail.as_deref(), Some("-42\n+41\n"));
        assert_eq!(cs[3].name, "after-due check 2: interp: stdout");
        let mut rs = sample();
        redact(&mut rs, Disclosure { reveal: false, after_due: true });
        let cs = &rs[0].checks;
        assert_eq!(cs[1].name, "hidden check 1.1");
        assert!(cs[1].detail.is_none());
        assert_eq!(cs[3].name, "check 2: interp: stdout");
        assert_eq!(cs[3].detail.as_deref(), Some("-42\n+41\n"));
    }
}
