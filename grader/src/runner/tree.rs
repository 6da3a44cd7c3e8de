//! Watching a run's process tree from outside: how many processes it has
//! alive and how much memory they hold together. Limits that the kernel
//! cannot enforce per tree without privileges (RLIMIT_NPROC exempts root and
//! counts a user's other processes; RLIMIT_AS breaks runtimes that reserve
//! address space) are enforced here, by polling /proc.
use super::limits::{Limit, Limits};
use std::collections::HashMap;

/// The limit the tree rooted at `root` is over, if any.
pub fn over_limit(root: libc::pid_t, limits: &Limits) -> Option<Limit> {
    let usage = measure(root);
    if usage.processes > limits.processes as usize {
        Some(Limit::Processes)
    } else if usage.rss_bytes > limits.memory {
        Some(Limit::Memory)
    } else {
        None
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Descendants of the root (the root itself not counted).
    pub processes: usize,
    pub rss_bytes: u64,
}

/// One pass over /proc: every process's parent and resident size, then the
/// descendants of `root`.
pub fn measure(root: libc::pid_t) -> Usage {
    let mut children: HashMap<i32, Vec<(i32, u64)>> = HashMap::new();
    let Ok(procs) = std::fs::read_dir("/proc") else { return Usage::default() };
    for entry in procs.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        if let Some((ppid, rss_pages)) = parse_stat(&stat) {
            children.entry(ppid).or_default().push((pid, rss_pages));
        }
    }
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
    let mut usage = Usage::default();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for &(child, rss) in children.get(&p).map(Vec::as_slice).unwrap_or_default() {
            usage.processes += 1;
            usage.rss_bytes += rss * page;
            todo.push(child);
        }
    }
    usage
}

/// `(ppid, rss in pages)` from /proc/PID/stat; the command name may hold
/// spaces and parentheses, so fields are counted from the last `)`.
fn parse_stat(stat: &str) -> Option<(i32, u64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state): ppid is field 4, rss field 24.
    Some((fields.get(1)?.parse().ok()?, fields.get(21)?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_survive_odd_command_names() {
        let stat = "123 (a) b (c)) S 77 123 123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 500 1000000 250 18446744073709551615";
        assert_eq!(parse_stat(stat), Some((77, 250)));
    }

    #[test]
    fn the_tree_of_this_test_counts_its_children() {
        let mut kids: Vec<_> =
            (0..3).map(|_| std::process::Command::new("sleep").arg("5").spawn().unwrap()).collect();
        let me = std::process::id() as i32;
        let u = measure(me);
        assert!(u.processes >= 3, "{u:?}");
        assert!(u.rss_bytes > 0, "{u:?}");
        for k in &mut kids {
            let _ = k.kill();
            let _ = k.wait();
        }
    }
}
