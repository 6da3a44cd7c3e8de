//! Lexical scopes inside one function body (or one module's top-level
//! code). Module globals, top-level aliases and functions live in the
//! checker's per-module tables; these scopes hold what blocks introduce.

use crate::infer::Tv;
use std::collections::HashMap;
use tern_diag::Span;

#[derive(Clone, Copy, Debug)]
pub enum Binding {
    /// let, parameter or for variable: its declaring identifier and type.
    Local { span: Span, tv: Tv },
    /// `import ... as alias` inside a block: the module index.
    Alias(usize),
}

#[derive(Default)]
pub struct Scopes {
    frames: Vec<HashMap<String, Binding>>,
}

impl Scopes {
    pub fn push(&mut self) {
        self.frames.push(HashMap::new());
    }

    pub fn pop(&mut self) {
        self.frames.pop();
    }

    pub fn bind(&mut self, name: &str, b: Binding) {
        if self.frames.is_empty() {
            self.push();
        }
        if let Some(top) = self.frames.last_mut() {
            top.insert(name.to_string(), b);
        }
    }

    pub fn lookup(&self, name: &str) -> Option<Binding> {
        self.frames.iter().rev().find_map(|f| f.get(name).copied())
    }

    /// Starts a fresh function body (or module top level): nothing outer is visible.
    pub fn reset(&mut self) {
        self.frames.clear();
        self.push();
    }
}
