//! Tern's frontend: source text -> tokens -> syntax tree, a pretty-printer
//! that turns the tree back into canonical source, and the loader that
//! follows `import` statements through a whole program.

pub mod ast;
pub mod format;
mod lexer;
pub mod loader;
mod parser;
pub mod pretty;
mod token;

pub use lexer::{lex, lex_with_comments};
pub use parser::{parse, parse_with_comments, MAX_DEPTH};
pub use token::{Comment, Tok, Token};
