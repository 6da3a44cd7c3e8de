//! The static checker: whole-program name resolution and type inference.
//! It is what the AOT compiler runs at build time (phase `build`) and what
//! `tern check` runs alone. The interpreter and the JIT never call it: in
//! their phase model these errors surface at runtime, when executed.
//!
//! PUBLIC INTERFACE (consumed by tern-aot): keep these types stable.
//!
//! How it works (one pass per concern, in `check`):
//! 1. `collect`: structs, then field types; functions (hoisted; unannotated
//!    parameters and returns get fresh type variables); module globals
//!    (every outermost `let`) and top-level import aliases.
//! 2. `walk`: every function body and every top-level statement, in source
//!    order, with block scopes. Expressions get type variables unified
//!    eagerly (`infer`: union-find with an occurs check); errors are
//!    reported at the operator / callee name / field name / argument, and
//!    the offending expression becomes an error type that unifies with
//!    anything, so one mistake gives one diagnostic.
//! 3. `solve`: overloaded operators and builtins (`+` on int/float/str,
//!    `<`, unary `-`, `len`, `int`, `float`) and field accesses on a type
//!    not yet known were deferred; they are re-tried to a fixed point, then
//!    a field access still on an unknown type picks the only struct (in its
//!    module, else in the program) with that field, and so on. What is
//!    still unresolved is E0206 with a hint naming what to annotate.
//! 4. `finish`: every type variable becomes a concrete [`Type`]; `nil`
//!    never forced to an array or record stays [`Type::Nil`].
//!
//! Decisions this crate made where decisions.md is silent are listed in
//! /work/decisions-log.md (lines starting `tern-check`): a re-`let` of a
//! global keeps its type, assignment keeps a variable's type (E0202),
//! top-level aliases are visible in function bodies. Positions follow
//! LANGUAGE.md §13.1 (operator, callee name, field name, the `[`, the
//! annotated name).
//!
//! Known gaps: two functions (or structs) with the same name in one file
//! are not reported; the first declaration wins for name resolution.

mod builtins;
mod checker;
mod collect;
mod deferred;
mod errors;
mod exprs;
mod finish;
mod infer;
mod returns;
mod scope;
mod stmts;

use std::collections::HashMap;
use tern_diag::{Diagnostic, Phase, SourceMap, Span};
use tern_syntax::ast::ExprId;
use tern_syntax::loader::Program;

/// A fully resolved Tern type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Int,
    Float,
    Bool,
    Str,
    /// The type of `nil` when nothing forces it to be an array or a record,
    /// and the result type of functions that return no value.
    Nil,
    Array(Box<Type>),
    Struct(StructId),
}

/// Index into [`Checked::structs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StructId(pub u32);

/// Index into [`Checked::functions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnId(pub u32);

#[derive(Clone, Debug)]
pub struct StructInfo {
    /// Index into `Program::modules`.
    pub module: usize,
    pub name: String,
    /// Declaration order; this is also the print order and the layout order.
    pub fields: Vec<(String, Type)>,
}

#[derive(Clone, Debug)]
pub struct FnInfo {
    pub module: usize,
    pub name: String,
    /// Index of the `Item::Fn` in the module's `items`.
    pub item: usize,
    pub params: Vec<Type>,
    pub ret: Type,
}

#[derive(Clone, Debug)]
pub struct GlobalInfo {
    pub module: usize,
    pub name: String,
    pub ty: Type,
    /// Span of the binding's name in its top-level `let`.
    pub span: Span,
}

/// What a name or a call refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// A local binding (let, parameter, for variable); the span of its declaring identifier.
    Local(Span),
    /// Index into [`Checked::globals`].
    Global(usize),
    Function(FnId),
    /// A builtin, by name.
    Builtin(&'static str),
    /// An import alias; the module index in `Program::modules`.
    Module(usize),
}

/// The result of checking a whole program.
pub struct Checked {
    pub program: Program,
    pub structs: Vec<StructInfo>,
    pub functions: Vec<FnInfo>,
    pub globals: Vec<GlobalInfo>,
    /// `expr_types[module][expr id]`: the type of every expression. `nil`
    /// literals get the array/struct type their context forces on them.
    pub expr_types: Vec<Vec<Type>>,
    /// Type of every binding, keyed by the span of the binding's identifier
    /// (let names, parameters, for variables, import aliases excluded).
    pub binding_types: HashMap<Span, Type>,
    /// `resolutions[module]`: for `Name` expressions, `Call` expressions (the
    /// callee) and `Field` expressions on an import alias, keyed by expr id.
    pub resolutions: Vec<HashMap<ExprId, Resolution>>,
}

impl Checked {
    pub fn ty(&self, module: usize, expr: ExprId) -> &Type {
        &self.expr_types[module][expr as usize]
    }

    pub fn struct_by_name(&self, module: usize, name: &str) -> Option<StructId> {
        self.structs.iter().position(|s| s.module == module && s.name == name).map(|i| StructId(i as u32))
    }

    pub fn function(&self, module: usize, name: &str) -> Option<FnId> {
        self.functions.iter().position(|f| f.module == module && f.name == name).map(|i| FnId(i as u32))
    }
}

/// Checks a loaded program. Diagnostics get phase `build` (callers may
/// re-phase them), sorted by file then position; on success every
/// expression has a concrete type.
pub fn check(program: Program) -> Result<Checked, Vec<Diagnostic>> {
    let mut c = checker::Checker::new(&program);
    c.collect();
    c.walk();
    c.solve();
    if !c.diags.is_empty() {
        let mut diags = std::mem::take(&mut c.diags);
        errors::sort(&mut diags);
        return Err(diags);
    }
    let parts = c.finish();
    Ok(Checked {
        program,
        structs: parts.structs,
        functions: parts.functions,
        globals: parts.globals,
        expr_types: parts.expr_types,
        binding_types: parts.binding_types,
        resolutions: parts.resolutions,
    })
}

/// Loads `path` and everything it imports (syntax errors and missing
/// modules come back as `build` diagnostics), then checks it. The source
/// map is returned either way so the caller can render diagnostics.
pub fn check_file(path: &str) -> (SourceMap, Result<Checked, Vec<Diagnostic>>) {
    let mut sources = SourceMap::new();
    let result = match tern_syntax::loader::load_program(path, &mut sources, Phase::Build) {
        Ok(program) => check(program),
        Err(d) => Err(vec![d]),
    };
    (sources, result)
}
