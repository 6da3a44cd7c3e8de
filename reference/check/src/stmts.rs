//! Statements and function bodies: scopes, lets, assignments, conditions,
//! loops, returns (with the definite-return rule).

use crate::checker::{BindKind, Checker, Found};
use crate::errors::DiagExt;
use crate::exprs::mix_hint;
use crate::infer::{Con, Shape};
use crate::returns::{block_returns, first_value_return};
use crate::scope::Binding;
use crate::{FnId, Resolution};
use tern_diag::Code;
use tern_syntax::ast::{Block, Else, Expr, ExprKind, FnDecl, Stmt, StmtKind};

impl Checker<'_> {
    pub fn function(&mut self, f: FnId, decl: &FnDecl) {
        self.cur_fn = Some(f);
        self.loops = 0;
        self.scopes.reset();
        for p in &self.fns[f.0 as usize].params {
            self.scopes.bind(&p.name.name, Binding::Local { span: p.name.span, tv: p.tv });
        }
        self.block(&decl.body);
        let ret = self.fns[f.0 as usize].ret;
        if !block_returns(&decl.body) {
            let value_return = first_value_return(&decl.body).map(|e| e.span);
            let must =
                matches!(self.t.shape(ret), Shape::Known(Con::Int | Con::Float | Con::Bool | Con::Str));
            if value_return.is_some() || must {
                let name = decl.name.name.clone();
                let d = self.error(
                    Code::MissingReturn,
                    decl.name.span,
                    format!("function `{name}` may end without returning a value"),
                );
                if let Some(at) = value_return {
                    d.note(at, "it returns a value here");
                }
                d.hint("add a `return` at the end of the function, or an `else` branch that returns");
            } else {
                // Falling off the end returns nil.
                let nil = self.t.fresh_nil();
                let _ = self.t.unify(ret, nil);
            }
        }
        self.cur_fn = None;
    }

    /// The module an expression names, when it is an import alias in scope.
    pub fn alias_of(&self, e: &Expr) -> Option<usize> {
        match &e.kind {
            ExprKind::Name(id) => match self.lookup(&id.name) {
                Some(Found::Alias(m)) => Some(m),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn block(&mut self, b: &Block) {
        self.scopes.push();
        for s in &b.stmts {
            self.stmt(s, false);
        }
        self.scopes.pop();
    }

    /// `top`: the statement sits at the outermost level of a file, so a
    /// `let` there defines a module global.
    pub fn stmt(&mut self, s: &Stmt, top: bool) {
        match &s.kind {
            StmtKind::Let { name, ty, init } => {
                let it = self.expr(init);
                self.annotation_at = Some(name.span);
                let ann = ty.as_ref().map(|t| (self.annotation(t), t.span()));
                self.annotation_at = None;
                let global = if top { self.global_index[self.module].get(&name.name).copied() } else { None };
                let target = match global {
                    Some(g) => {
                        let gtv = self.globals[g].tv;
                        if let Some((at, span)) = ann {
                            if self.t.unify(at, gtv).is_err() {
                                let (a, gs) = (self.show(at), self.show(gtv));
                                let first = self.globals[g].span;
                                self.error(
                                    Code::AnnotationMismatch,
                                    span,
                                    format!("global `{}` holds {gs} but is annotated {a} here", name.name),
                                )
                                .note(first, "first declared here")
                                .hint("a module global keeps one type; give the new one another name");
                            }
                        }
                        if ann.is_some() {
                            self.annotated.insert(self.globals[g].span);
                        }
                        self.bindings.push(crate::checker::BindingDef {
                            span: name.span,
                            name: name.name.clone(),
                            tv: gtv,
                            kind: BindKind::Global,
                        });
                        gtv
                    }
                    None => ann.map(|(at, _)| at).unwrap_or(it),
                };
                if self.t.unify(it, target).is_err() {
                    let (ts, is) = (self.show(target), self.show(it));
                    match (ann, global) {
                        (Some((_, span)), _) => {
                            let h = mix_hint(&ts, &is);
                            self.error(
                                Code::AnnotationMismatch,
                                name.span,
                                format!("`{}` is annotated {ts}, but the value is {is}", name.name),
                            )
                            .note(span, "annotation here")
                            .note(init.span, format!("this is {is}"))
                            .hint(h);
                        }
                        (None, Some(g)) => {
                            let first = self.globals[g].span;
                            self.error(
                                Code::Mismatch,
                                init.span,
                                format!("global `{}` holds {ts}, found {is}", name.name),
                            )
                            .note(first, "first declared here")
                            .hint("a module global keeps one type; give the new one another name");
                        }
                        (None, None) => {}
                    }
                }
                if global.is_none() {
                    if ann.is_some() {
                        self.annotated.insert(name.span);
                    }
                    self.bind_local(name, target, BindKind::Let);
                }
            }
            StmtKind::Import { path, alias, .. } => {
                if let Some(m) = self.import_target(self.module, path) {
                    self.scopes.bind(&alias.name, Binding::Alias(m));
                }
            }
            StmtKind::If { cond, then, els } => {
                self.condition(cond, "if");
                self.block(then);
                match els {
                    Some(Else::Block(b)) => self.block(b),
                    Some(Else::If(s)) => self.stmt(s, false),
                    None => {}
                }
            }
            StmtKind::While { cond, body } => {
                self.condition(cond, "while");
                self.loops += 1;
                self.block(body);
                self.loops -= 1;
            }
            StmtKind::For { var, start, end, body } => {
                for bound in [start, end] {
                    let t = self.expr(bound);
                    let int = self.int();
                    if self.t.unify(t, int).is_err() {
                        let shown = self.show(t);
                        self.error(
                            Code::Mismatch,
                            bound.span,
                            format!("range bounds must be int, found {shown}"),
                        )
                        .hint("`for` counts over ints: convert with `int(x)`");
                    }
                }
                self.scopes.push();
                let int = self.int();
                self.bind_local(var, int, BindKind::For);
                self.loops += 1;
                self.block(body);
                self.loops -= 1;
                self.scopes.pop();
            }
            StmtKind::Break | StmtKind::Continue => {
                if self.loops == 0 {
                    let word = if matches!(s.kind, StmtKind::Break) { "break" } else { "continue" };
                    self.error(Code::LoopControlOutsideLoop, s.span, format!("`{word}` outside a loop"))
                        .hint("`break` and `continue` only work inside `while` and `for` loops");
                }
            }
            StmtKind::Return(value) => self.ret(s, value.as_ref()),
            StmtKind::Block(b) => self.block(b),
            StmtKind::Expr(e) => {
                self.expr(e);
            }
            StmtKind::Assign { target, value } => self.assign(target, value),
        }
    }

    fn condition(&mut self, cond: &Expr, what: &str) {
        let t = self.expr(cond);
        let b = self.bool();
        if self.t.unify(t, b).is_err() {
            let shown = self.show(t);
            self.error(
                Code::ConditionNotBool,
                cond.span,
                format!("`{what}` condition must be bool, found {shown}"),
            )
            .hint("compare explicitly, like `x != 0` or `len(s) > 0`");
        }
    }

    fn ret(&mut self, s: &Stmt, value: Option<&Expr>) {
        let t = match value {
            Some(e) => self.expr(e),
            None => self.t.fresh_nil(),
        };
        let Some(f) = self.cur_fn else { return };
        let fi = f.0 as usize;
        let ret = self.fns[fi].ret;
        let at = value.map(|e| e.span).unwrap_or(tern_diag::Span { end: s.span.start + 6, ..s.span });
        if self.t.unify(t, ret).is_ok() {
            if value.is_some() && self.fns[fi].first_return.is_none() {
                self.fns[fi].first_return = Some(at);
            }
            return;
        }
        let (rs, ts) = (self.show(ret), self.show(t));
        let fname = self.fns[fi].name.name.clone();
        let note = match (self.fns[fi].ret_annotation, self.fns[fi].first_return) {
            (Some(ann), _) => Some((ann, format!("declared to return {rs} here"))),
            (None, Some(first)) => Some((first, format!("`{fname}` returns {rs} here"))),
            (None, None) => None,
        };
        let h = mix_hint(&rs, &ts);
        let h = if self.fns[fi].ret_annotation.is_none() {
            format!("a function returns one type on every path; {h}")
        } else {
            h
        };
        let d = self.error(Code::AnnotationMismatch, at, format!("`{fname}` returns {rs}, but this is {ts}"));
        if let Some((span, text)) = note {
            d.note(span, text);
        }
        d.hint(h);
    }

    fn assign(&mut self, target: &Expr, value: &Expr) {
        let (tt, decl) = match &target.kind {
            ExprKind::Name(id) => {
                let found = self.lookup(&id.name);
                let (tv, decl) = match found {
                    Some(Found::Local { span, tv }) => {
                        self.resolve_as(target.id, Resolution::Local(span));
                        (tv, Some(span))
                    }
                    Some(Found::Global(g)) => {
                        self.resolve_as(target.id, Resolution::Global(g));
                        (self.globals[g].tv, Some(self.globals[g].span))
                    }
                    Some(Found::Function(f)) => {
                        self.resolve_as(target.id, Resolution::Function(f));
                        self.error(
                            Code::FunctionAsValue,
                            id.span,
                            format!("cannot assign to function `{}`", id.name),
                        )
                        .hint("functions are not variables; declare one with `let`");
                        (self.t.error(), None)
                    }
                    Some(Found::Alias(m)) => {
                        self.resolve_as(target.id, Resolution::Module(m));
                        self.error(
                            Code::FunctionAsValue,
                            id.span,
                            format!("cannot assign to module alias `{}`", id.name),
                        )
                        .hint("declare a variable with `let`");
                        (self.t.error(), None)
                    }
                    None => {
                        self.error(Code::UnknownVariable, id.span, format!("unknown variable `{}`", id.name))
                            .hint(format!("declare it first: `let {} = ...;`", id.name));
                        (self.t.error(), None)
                    }
                };
                self.set_expr(target.id, tv);
                (tv, decl)
            }
            ExprKind::Field { obj, field } if self.alias_of(obj).is_some() => {
                // A module's globals are read-only from outside (LANGUAGE.md §5.4).
                let tt = self.expr(target);
                if !self.t.is_error(tt) {
                    self.error(Code::NotIndexable, field.span, format!("cannot assign to `{}`: another module's global", field.name))
                        .hint("a module's globals can only be changed by its own code; call one of its functions to do it");
                }
                self.expr(value);
                return;
            }
            _ => (self.expr(target), None),
        };
        let vt = self.expr(value);
        if self.t.unify(vt, tt).is_err() {
            let (ts, vs) = (self.show(tt), self.show(vt));
            let what = match &target.kind {
                ExprKind::Name(id) => format!("`{}`, which holds {ts}", id.name),
                ExprKind::Field { field, .. } => format!("field `{}`, which is {ts}", field.name),
                _ => format!("an element of type {ts}"),
            };
            // A variable changing type is an operand mismatch unless it was annotated
            // (then E0202 at its name); a field has a declared type.
            let annotated_var =
                matches!(target.kind, ExprKind::Name(_)) && decl.is_some_and(|d| self.annotated.contains(&d));
            let (code, at) = match &target.kind {
                ExprKind::Name(_) if annotated_var => (Code::AnnotationMismatch, target.span),
                ExprKind::Name(_) | ExprKind::Index { .. } => (Code::Mismatch, value.span),
                _ => (Code::AnnotationMismatch, value.span),
            };
            let d = self.error(code, at, format!("cannot assign {vs} to {what}"));
            if let Some(span) = decl {
                d.note(span, "declared here");
            }
            d.hint(match target.kind {
                ExprKind::Name(_) => {
                    "a variable keeps one type; declare a new one with `let` to shadow it".to_string()
                }
                _ => mix_hint(&ts, &vs),
            });
        }
    }
}
