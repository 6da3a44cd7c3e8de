pub mod build;
pub mod check;
pub mod compile;
pub mod disasm;
pub mod fmt;
pub mod run;
