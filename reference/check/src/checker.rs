//! The checker's state: what the pre-passes collected (structs, functions,
//! globals, top-level aliases per module), the type table, the facts
//! recorded per expression, and the context of the code being walked.

use crate::infer::{Con, Table, Tv};
use crate::scope::{Binding, Scopes};
use crate::{FnId, Resolution, StructId};
use std::collections::HashMap;
use tern_diag::{Code, Diagnostic, Phase, Span};
use tern_syntax::ast::{BinOp, ExprId, Ident};
use tern_syntax::loader::Program;

pub struct StructDef {
    pub module: usize,
    pub name: Ident,
    pub fields: Vec<(Ident, Tv)>,
}

pub struct ParamDef {
    pub name: Ident,
    pub tv: Tv,
    pub annotation: Option<Span>,
    /// The first call whose argument fixed this (unannotated) parameter's type.
    pub first_site: Option<Span>,
}

pub struct FnDef {
    pub module: usize,
    pub name: Ident,
    pub item: usize,
    pub params: Vec<ParamDef>,
    pub ret: Tv,
    pub ret_annotation: Option<Span>,
    /// The first `return value;`, for notes when a later one disagrees.
    pub first_return: Option<Span>,
}

pub struct GlobalDef {
    pub module: usize,
    pub name: String,
    pub tv: Tv,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindKind {
    Param(FnId, usize),
    Let,
    For,
    Global,
}

pub struct BindingDef {
    pub span: Span,
    pub name: String,
    pub tv: Tv,
    pub kind: BindKind,
}

/// Which constructors an overloaded operator or builtin accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `- * / %`, unary `-`, `int()`, `float()`.
    Num,
    /// `+`, `< <= > >=`.
    NumOrStr,
    /// `len`.
    StrOrArray,
}

impl Class {
    /// `Some(true)` fits, `Some(false)` never will, `None` not known yet.
    pub fn accepts(self, shape: crate::infer::Shape) -> Option<bool> {
        use crate::infer::Shape;
        match shape {
            Shape::Unknown => None,
            Shape::Nil => match self {
                Class::StrOrArray => None,
                _ => Some(false),
            },
            Shape::Known(Con::Error) => Some(true),
            Shape::Known(c) => Some(match self {
                Class::Num => matches!(c, Con::Int | Con::Float),
                Class::NumOrStr => matches!(c, Con::Int | Con::Float | Con::Str),
                Class::StrOrArray => matches!(c, Con::Str | Con::Array(_)),
            }),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Class::Num => "int or float",
            Class::NumOrStr => "int, float or str",
            Class::StrOrArray => "str or an array",
        }
    }

    /// A type to suggest in an annotation hint.
    pub fn example(self) -> &'static str {
        match self {
            Class::Num | Class::NumOrStr => "int",
            Class::StrOrArray => "str",
        }
    }
}

#[derive(Clone, Debug)]
pub enum Site {
    Binary { op: BinOp, span: Span },
    Neg { span: Span },
    Builtin { name: &'static str, callee: Span, arg: Span },
}

#[derive(Clone, Debug)]
pub enum Deferred {
    Class { tv: Tv, class: Class, site: Site, subject: Subject },
    Field { module: usize, obj: Tv, field: Ident, result: Tv, subject: Subject },
}

/// What an expression is, for "cannot infer the type of X".
#[derive(Clone, Debug)]
pub struct Subject {
    pub name: Option<String>,
    pub span: Span,
}

pub struct Checker<'p> {
    pub prog: &'p Program,
    pub t: Table,
    pub diags: Vec<Diagnostic>,
    pub structs: Vec<StructDef>,
    pub struct_names: Vec<String>,
    pub struct_index: Vec<HashMap<String, StructId>>,
    pub fns: Vec<FnDef>,
    pub fn_index: Vec<HashMap<String, FnId>>,
    pub globals: Vec<GlobalDef>,
    pub global_index: Vec<HashMap<String, usize>>,
    pub top_aliases: Vec<HashMap<String, usize>>,
    pub expr_tv: Vec<Vec<Option<Tv>>>,
    pub bindings: Vec<BindingDef>,
    pub resolutions: Vec<HashMap<ExprId, Resolution>>,
    pub deferred: Vec<Deferred>,
    /// Declaring spans of variables (and globals) that carry an annotation:
    /// assigning to them is checked against it (E0202 at the name).
    pub annotated: std::collections::HashSet<Span>,
    /// Where an unknown type name is reported, when not at the type itself
    /// (a `let`'s or parameter's name: where the other engines check it).
    pub annotation_at: Option<Span>,
    // Context of the code being walked.
    pub module: usize,
    pub cur_fn: Option<FnId>,
    pub loops: u32,
    pub scopes: Scopes,
}

/// What a plain name refers to, looked up in Tern's order.
#[derive(Clone, Copy, Debug)]
pub enum Found {
    Local { span: Span, tv: Tv },
    Global(usize),
    Alias(usize),
    Function(FnId),
}

impl<'p> Checker<'p> {
    pub fn new(prog: &'p Program) -> Self {
        let n = prog.modules.len();
        Checker {
            prog,
            t: Table::default(),
            diags: Vec::new(),
            structs: Vec::new(),
            struct_names: Vec::new(),
            struct_index: vec![HashMap::new(); n],
            fns: Vec::new(),
            fn_index: vec![HashMap::new(); n],
            globals: Vec::new(),
            global_index: vec![HashMap::new(); n],
            top_aliases: vec![HashMap::new(); n],
            expr_tv: prog.modules.iter().map(|m| vec![None; m.ast.expr_count as usize]).collect(),
            bindings: Vec::new(),
            resolutions: vec![HashMap::new(); n],
            deferred: Vec::new(),
            annotated: Default::default(),
            annotation_at: None,
            module: 0,
            cur_fn: None,
            loops: 0,
            scopes: Scopes::default(),
        }
    }

    pub fn error(&mut self, code: Code, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(code, Phase::Build, span, msg));
        self.diags.last_mut().expect("just pushed")
    }

    pub fn show(&mut self, tv: Tv) -> String {
        self.t.show(tv, &self.struct_names)
    }

    pub fn int(&mut self) -> Tv {
        self.t.known(Con::Int)
    }
    pub fn float(&mut self) -> Tv {
        self.t.known(Con::Float)
    }
    pub fn bool(&mut self) -> Tv {
        self.t.known(Con::Bool)
    }
    pub fn str(&mut self) -> Tv {
        self.t.known(Con::Str)
    }

    pub fn set_expr(&mut self, id: ExprId, tv: Tv) {
        if let Some(slot) = self.expr_tv[self.module].get_mut(id as usize) {
            *slot = Some(tv);
        }
    }

    pub fn resolve_as(&mut self, id: ExprId, r: Resolution) {
        self.resolutions[self.module].insert(id, r);
    }

    pub fn bind_local(&mut self, name: &Ident, tv: Tv, kind: BindKind) {
        self.scopes.bind(&name.name, Binding::Local { span: name.span, tv });
        self.bindings.push(BindingDef { span: name.span, name: name.name.clone(), tv, kind });
    }

    /// Locals and block aliases, then module globals, then top-level aliases, then functions.
    pub fn lookup(&self, name: &str) -> Option<Found> {
        if let Some(b) = self.scopes.lookup(name) {
            return Some(match b {
                Binding::Local { span, tv } => Found::Local { span, tv },
                Binding::Alias(m) => Found::Alias(m),
            });
        }
        if let Some(&g) = self.global_index[self.module].get(name) {
            return Some(Found::Global(g));
        }
        // Top-level code sees a top-level alias only from its `import` on
        // (it is in `scopes` then); function bodies may run any time later.
        if self.cur_fn.is_some() {
            if let Some(&m) = self.top_aliases[self.module].get(name) {
                return Some(Found::Alias(m));
            }
        }
        self.fn_index[self.module].get(name).map(|&f| Found::Function(f))
    }

    pub fn module_path(&self, m: usize) -> &str {
        &self.prog.modules[m].path
    }

    pub fn defer(&mut self, d: Deferred) {
        self.deferred.push(d);
    }
}
