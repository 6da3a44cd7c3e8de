//! `--trace-tier` events and `--stats` counters.
//!
//! Grammar of one trace line (stderr, one per event, machine-readable):
//!
//! ```text
//! line  = "tier: event=" event { " " key "=" value }
//! event = "compile" | "osr" | "deopt" | "refuse"
//! value = one or more characters other than space; a space, `=` or `%`
//!         inside a value is written %20, %3D, %25
//! ```
//!
//! Keys per event, always in this order:
//!
//! * `compile fn=F reason=calls|callee|loop count=N ops=N time_us=N [pc=P]` — F was
//!   compiled after N calls (`calls`) or N back-edges of the loop at P (`loop`,
//!   an OSR entry at the loop header P) or because a function being compiled
//!   calls it (`callee`, count=0); `ops` is the bytecode length compiled;
//!   `time_us` is this compile's own time (inference, lowering, cranelift, a
//!   new entry trampoline if it needs one), without the callees compiled first for it, which
//!   have their own events.
//! * `osr fn=F pc=P loop_count=N` — a running interpreter frame of F jumped
//!   into native code at loop header P.
//! * `deopt fn=F pc=P reason=R` — native code of F handed its live registers
//!   back to the interpreter, which resumes at P. R is `guard-int`,
//!   `guard-float`, `guard-bool`, `guard-type` (a value had another type than
//!   the one the code was specialised to) or `error` (the instruction at P may
//!   fail; the interpreter re-executes it and raises the diagnostic),
//!   `stack` (call depth limit reached: the interpreter raises E1001),
//!   `unsupported-op:OP` (the instruction OP, which native code leaves to
//!   the interpreter, or which had never run when the code was compiled),
//!   `entry-guard` (the unit's entry checks failed), or `displaced-budget`
//!   (the run kept too many values alive; not a failure: resume after the
//!   instruction, and the loop is entered natively again at its next back edge).
//! * `refuse fn=F reason=R` — F stays interpreted: `unsupported-op:OP`,
//!   `code-budget`, `too-many-deopts`, `compile-error`, `no-native-target`.
//!
//! F is the name the stack trace uses: a function name, `<main>`, or
//! `<module%20util.tern>`.

use std::fmt::Write as _;
use std::time::Duration;

pub fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '=' => out.push_str("%3D"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    Calls,
    /// Compiled because a function being compiled calls it.
    Callee,
    Loop {
        pc: u32,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum TierEvent {
    Compile { func: String, reason: Reason, count: u64, ops: usize, time_us: u64 },
    Osr { func: String, pc: u32, loop_count: u64 },
    Deopt { func: String, pc: u32, reason: String },
    Refuse { func: String, reason: String },
}

impl std::fmt::Display for TierEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TierEvent::Compile { func, reason, count, ops, time_us } => {
                let (r, pc) = match reason {
                    Reason::Calls => ("calls", None),
                    Reason::Callee => ("callee", None),
                    Reason::Loop { pc } => ("loop", Some(*pc)),
                };
                write!(
                    f,
                    "tier: event=compile fn={} reason={r} count={count} ops={ops} time_us={time_us}",
                    escape(func)
                )?;
                if let Some(pc) = pc {
                    write!(f, " pc={pc}")?;
                }
                Ok(())
            }
            TierEvent::Osr { func, pc, loop_count } => {
                write!(f, "tier: event=osr fn={} pc={pc} loop_count={loop_count}", escape(func))
            }
            TierEvent::Deopt { func, pc, reason } => {
                write!(f, "tier: event=deopt fn={} pc={pc} reason={}", escape(func), escape(reason))
            }
            TierEvent::Refuse { func, reason } => {
                write!(f, "tier: event=refuse fn={} reason={}", escape(func), escape(reason))
            }
        }
    }
}

/// Where the time went, for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub total: Duration,
    pub compiling: Duration,
    /// Measured only when `--stats` is on (else zero, and counted as interpreting).
    pub native: Duration,
    pub compiled: u64,
    pub osr_entries: u64,
    pub deopts: u64,
    pub refused: u64,
}

impl Stats {
    pub fn interpreting(&self) -> Duration {
        self.total.saturating_sub(self.compiling).saturating_sub(self.native)
    }

    /// `stats: interp_us=N compile_us=N native_us=N compiled=N osr=N deopts=N refused=N`
    pub fn line(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "stats: interp_us={} compile_us={} native_us={} compiled={} osr={} deopts={} refused={}",
            self.interpreting().as_micros(),
            self.compiling.as_micros(),
            self.native.as_micros(),
            self.compiled,
            self.osr_entries,
            self.deopts,
            self.refused
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_follow_the_documented_grammar() {
        let e = TierEvent::Compile {
            func: "fib".into(),
            reason: Reason::Calls,
            count: 1000,
            ops: 23,
            time_us: 412,
        };
        assert_eq!(e.to_string(), "tier: event=compile fn=fib reason=calls count=1000 ops=23 time_us=412");
        let e = TierEvent::Osr { func: "<module util.tern>".into(), pc: 12, loop_count: 56 };
        assert_eq!(e.to_string(), "tier: event=osr fn=<module%20util.tern> pc=12 loop_count=56");
        let e = TierEvent::Compile {
            func: "<main>".into(),
            reason: Reason::Loop { pc: 4 },
            count: 9,
            ops: 3,
            time_us: 1,
        };
        assert!(e.to_string().ends_with("reason=loop count=9 ops=3 time_us=1 pc=4"));
    }
}
