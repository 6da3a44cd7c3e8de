//! tern-jit: the tiered engine (work in progress, see the report in the commit log).

pub mod codemem;
pub mod trace;
