//! `grader merge REPORT.json...`: shard reports (`--partition K/N`) and class
//! reports combined into one, as if graded in one run. Every shard reports
//! every workspace, so a missing or repeated shard is an error, not a lower
//! grade; so is a workspace, engine or course that differs between shards.
use crate::error::{GradeError, Result};
use crate::result::{recount_levels, Report};
use std::collections::BTreeSet;

/// Merges `reports` (from any number of files, `(file, reports)`), workspaces
/// in first-seen order.
pub fn merge(files: Vec<(String, Vec<Report>)>) -> Result<Vec<Report>> {
    let mut groups: Vec<(String, Vec<(String, Report)>)> = Vec::new();
    for (file, reports) in files {
        for r in reports {
            let Some(ws) = r.provenance.workspace.clone() else {
                return Err(GradeError::new(format!(
                    "{file}: a report without a workspace cannot be merged"
                ))
                .hint("merge reports of instructor runs: grader run --course COURSE WS... --format json"));
            };
            match groups.iter_mut().find(|(w, _)| *w == ws) {
                Some((_, g)) => g.push((file.clone(), r)),
                None => groups.push((ws, vec![(file.clone(), r)])),
            }
        }
    }
    groups.into_iter().map(|(ws, shards)| merge_workspace(&ws, shards)).collect()
}

fn merge_workspace(ws: &str, shards: Vec<(String, Report)>) -> Result<Report> {
    let err = |m: String| GradeError::new(format!("workspace {ws}: {m}"));
    let counts: BTreeSet<Option<usize>> = shards.iter().map(|(_, r)| r.partition.map(|p| p.count)).collect();
    match counts.iter().next().copied().flatten() {
        _ if counts.len() > 1 => {
            return Err(err("its reports come from different --partition counts".into()))
        }
        None if shards.len() > 1 => {
            return Err(err(format!("graded more than once ({})", files(&shards, |_| true))));
        }
        None => {}
        Some(n) => {
            for k in 1..=n {
                let with_k = |r: &Report| r.partition.is_some_and(|p| p.index == k);
                match shards.iter().filter(|(_, r)| with_k(r)).count() {
                    0 => return Err(err(format!("shard {k}/{n} is missing"))),
                    1 => {}
                    _ => {
                        return Err(err(format!("shard {k}/{n} appears twice ({})", files(&shards, with_k))))
                    }
                }
            }
        }
    }
    let (_, first) = &shards[0];
    for (file, r) in &shards[1..] {
        let (a, b) = (&first.provenance, &r.provenance);
        for (what, x, y) in [
            ("workspace files", &a.workspace_sha256, &b.workspace_sha256),
            ("engine", &a.engine_sha256, &b.engine_sha256),
            ("course", &a.course_sha256, &b.course_sha256),
            ("course commit", &a.course_commit, &b.course_commit),
        ] {
            if x != y {
                return Err(err(format!("{file} graded different {what} than {}", shards[0].0)));
            }
        }
    }
    let mut merged = Report { partition: None, exercises: Vec::new(), notices: Vec::new(), ..first.clone() };
    for (_, r) in shards {
        merged.exercises.extend(r.exercises);
        for n in r.notices {
            if !merged.notices.contains(&n) {
                merged.notices.push(n);
            }
        }
    }
    // Course order: by level, then by the exercise's place in its level.
    let place = |level: &Option<String>, id: &str| {
        let li = merged.levels.iter().position(|l| Some(&l.name) == level.as_ref());
        let ei = li.and_then(|i| merged.levels[i].exercises.iter().position(|e| e == id));
        (li.unwrap_or(usize::MAX), ei.unwrap_or(usize::MAX))
    };
    let mut keyed: Vec<_> = merged.exercises.drain(..).map(|e| (place(&e.level, &e.id), e)).collect();
    keyed.sort_by_key(|(k, _)| *k);
    merged.exercises = keyed.into_iter().map(|(_, e)| e).collect();
    recount_levels(&mut merged.levels, &merged.exercises);
    Ok(merged)
}

fn files(shards: &[(String, Report)], pick: impl Fn(&Report) -> bool) -> String {
    shards.iter().filter(|(_, r)| pick(r)).map(|(f, _)| f.as_str()).collect::<Vec<_>>().join(", ")
}
