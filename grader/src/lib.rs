//! Tern's grader: runs YAML exercises against student and reference language
//! engines that speak the engine protocol (grader/PROTOCOL.md).
#![deny(clippy::undocumented_unsafe_blocks)]
pub mod checks;
pub mod course;
pub mod diag;
pub mod error;
pub mod exercise;
pub mod grade;
pub mod manifest;
pub mod perf;
pub mod progress;
pub mod provenance;
pub mod publish;
pub mod quiz;
pub mod redact;
pub mod result;
pub mod runner;
pub mod snapshot;
pub mod student;
pub mod term;
pub mod untrusted;

pub use error::{GradeError, Result};
pub mod bless;
pub mod collect;
pub mod engine_check;
pub mod harness;
pub mod instructor;
pub mod job;
pub mod merge;
pub mod report;
pub mod validate;
pub mod watch;
pub mod workspace;
