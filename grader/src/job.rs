//! A grading job: one exercise, where its program comes from, and the
//! reference engines of its course. Its own module so that collecting jobs,
//! grading them and the workspace can each use it without importing each other.
use crate::course::References;
use crate::exercise::Exercise;
use std::path::PathBuf;

/// Where a `program` exercise's program (or a quiz's answers) come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The student's directory for this exercise in a workspace.
    Workspace(PathBuf),
    /// Author mode: the hidden reference solution (and `<id>.answers.yaml` beside a quiz).
    Solution,
    /// Author mode: the starter files, which must fail.
    Starter,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub exercise: Exercise,
    pub level: Option<String>,
    pub refs: References,
    pub source: Source,
}
