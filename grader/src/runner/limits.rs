//! The resource limits of a run, and which of them a run went over. Shared by
//! the process runner and the process-tree watcher, so neither imports the other for them.
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Duration,
    /// Per stream, in bytes.
    pub output_cap: usize,
    /// Resident memory of the whole process tree, in bytes.
    pub memory: u64,
    /// Processes alive at once in the tree (the engine included).
    pub processes: u32,
    /// The largest file a process may write, in bytes (RLIMIT_FSIZE).
    pub file_size: u64,
    /// CPU seconds per process (RLIMIT_CPU).
    pub cpu_seconds: u64,
}

pub const MIB: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            output_cap: 1 << 20,
            memory: 2048 * MIB,
            processes: 256,
            file_size: 64 * MIB,
            cpu_seconds: 60,
        }
    }
}

/// A resource limit a run went over; each is its own status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Limit {
    Memory,
    Processes,
    FileSize,
    CpuTime,
}

impl Limit {
    /// What happened, with the limit that applied.
    pub fn describe(self, limits: &Limits) -> String {
        match self {
            Limit::Memory => format!(
                "the engine's processes used more than {} MiB of memory together",
                limits.memory / MIB
            ),
            Limit::Processes => format!("the engine ran more than {} processes at once", limits.processes),
            Limit::FileSize => format!("the engine wrote a file larger than {} MiB", limits.file_size / MIB),
            Limit::CpuTime => {
                format!("a process of the engine used more than {} s of CPU time", limits.cpu_seconds)
            }
        }
    }
}
