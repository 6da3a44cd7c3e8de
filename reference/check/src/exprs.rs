//! Expressions: every one gets a type variable (recorded by id), names and
//! callees get a resolution, and mismatches are reported once at the most
//! precise span (operator, callee name, field name, argument).

use crate::checker::{Checker, Class, Deferred, Found, Site, Subject};
use crate::errors::DiagExt;
use crate::infer::{Con, Shape, Tv};
use crate::{FnId, Resolution};
use std::collections::HashMap;
use tern_diag::{Code, Span};
use tern_syntax::ast::{BinOp, Callee, Expr, ExprKind, Ident, UnOp};

impl Checker<'_> {
    pub fn expr(&mut self, e: &Expr) -> Tv {
        let tv = self.expr_kind(e);
        self.set_expr(e.id, tv);
        tv
    }

    fn expr_kind(&mut self, e: &Expr) -> Tv {
        match &e.kind {
            ExprKind::Int(_) => self.int(),
            ExprKind::Float(_) => self.float(),
            ExprKind::Str(_) => self.str(),
            ExprKind::Bool(_) => self.bool(),
            ExprKind::Nil => self.t.fresh_nil(),
            ExprKind::Name(id) => self.name(e, id),
            ExprKind::Binary { op, op_span, lhs, rhs } => self.binary(*op, *op_span, lhs, rhs),
            ExprKind::Unary { op, operand } => self.unary(e, *op, operand),
            ExprKind::Call { callee, args } => self.call(e, callee, args),
            ExprKind::Field { obj, field } => self.field(e, obj, field),
            ExprKind::Index { obj, index } => self.index(obj, index),
            ExprKind::Array(elems) => self.array(elems),
            ExprKind::Record { name, fields } => self.record(name, fields),
        }
    }

    /// Checks expressions only for their own errors (after an error in their context).
    pub fn exprs(&mut self, es: &[Expr]) -> Vec<Tv> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    fn name(&mut self, e: &Expr, id: &Ident) -> Tv {
        match self.lookup(&id.name) {
            Some(Found::Local { span, tv }) => {
                self.resolve_as(e.id, Resolution::Local(span));
                tv
            }
            Some(Found::Global(g)) => {
                self.resolve_as(e.id, Resolution::Global(g));
                self.globals[g].tv
            }
            Some(Found::Alias(m)) => {
                self.resolve_as(e.id, Resolution::Module(m));
                self.error(
                    Code::UnknownVariable,
                    id.span,
                    format!("`{}` is a module alias, not a value", id.name),
                )
                .hint(format!("use one of its members: `{0}.name` or `{0}.f(...)`", id.name));
                self.t.error()
            }
            Some(Found::Function(f)) => {
                self.resolve_as(e.id, Resolution::Function(f));
                self.error(Code::FunctionAsValue, id.span, format!("function `{}` used as a value", id.name))
                    .hint(format!("functions are not values in Tern; call it: `{}(...)`", id.name));
                self.t.error()
            }
            None if tern_syntax::ast::builtin_arity(&id.name).is_some() => {
                self.error(Code::FunctionAsValue, id.span, format!("builtin `{}` used as a value", id.name))
                    .hint(format!("functions are not values in Tern; call it: `{}(...)`", id.name));
                self.t.error()
            }
            None => {
                self.error(Code::UnknownVariable, id.span, format!("unknown variable `{}`", id.name))
                    .hint(format!("declare it before use: `let {} = ...;`", id.name));
                self.t.error()
            }
        }
    }

    pub fn subject(e: &Expr) -> Subject {
        let name = match &e.kind {
            ExprKind::Name(id) => Some(id.name.clone()),
            _ => None,
        };
        Subject { name, span: e.span }
    }

    fn binary(&mut self, op: BinOp, op_span: Span, lhs: &Expr, rhs: &Expr) -> Tv {
        let l = self.expr(lhs);
        let r = self.expr(rhs);
        match op {
            BinOp::And | BinOp::Or => {
                for (tv, side) in [(l, lhs), (r, rhs)] {
                    let b = self.bool();
                    if self.t.unify(tv, b).is_err() {
                        let shown = self.show(tv);
                        // Reported at the operand that is not a bool (LANGUAGE.md §13.1).
                        self.error(
                            Code::Mismatch,
                            side.span,
                            format!("`{}` needs bool operands, found {shown}", op.text()),
                        )
                        .note(op_span, "operator")
                        .hint("compare explicitly, like `x != 0`");
                    }
                }
                self.bool()
            }
            BinOp::Eq | BinOp::Ne => {
                if self.t.unify(l, r).is_err() {
                    let (ls, rs) = (self.show(l), self.show(r));
                    let hint = mix_hint(&ls, &rs);
                    self.error(
                        Code::Mismatch,
                        op_span,
                        format!("cannot compare {ls} and {rs} with `{}`", op.text()),
                    )
                    .hint(hint);
                }
                self.bool()
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if self.t.unify(l, r).is_err() {
                    let (ls, rs) = (self.show(l), self.show(r));
                    let hint = mix_hint(&ls, &rs);
                    self.error(
                        Code::Mismatch,
                        op_span,
                        format!("cannot compare {ls} and {rs} with `{}`", op.text()),
                    )
                    .hint(hint);
                } else {
                    self.require(l, Class::NumOrStr, Site::Binary { op, span: op_span }, Self::subject(lhs));
                }
                self.bool()
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                if self.t.unify(l, r).is_err() {
                    let (ls, rs) = (self.show(l), self.show(r));
                    let hint = mix_hint(&ls, &rs);
                    self.error(Code::Mismatch, op_span, format!("cannot {} {ls} and {rs}", verb(op)))
                        .hint(hint);
                    return self.t.error();
                }
                let class = if op == BinOp::Add { Class::NumOrStr } else { Class::Num };
                self.require(l, class, Site::Binary { op, span: op_span }, Self::subject(lhs));
                l
            }
        }
    }

    fn unary(&mut self, e: &Expr, op: UnOp, operand: &Expr) -> Tv {
        let t = self.expr(operand);
        let op_span = Span { file: e.span.file, start: e.span.start, end: e.span.start + 1 };
        match op {
            UnOp::Neg => {
                self.require(t, Class::Num, Site::Neg { span: op_span }, Self::subject(operand));
                t
            }
            UnOp::Not => {
                let b = self.bool();
                if self.t.unify(t, b).is_err() {
                    let shown = self.show(t);
                    self.error(Code::Mismatch, op_span, format!("`!` needs a bool, found {shown}"))
                        .hint("compare explicitly, like `x == 0`");
                }
                self.bool()
            }
        }
    }

    /// Checks a class constraint now if the type is known, else defers it.
    pub fn require(&mut self, tv: Tv, class: Class, site: Site, subject: Subject) {
        match class.accepts(self.t.shape(tv)) {
            Some(true) => {}
            Some(false) => self.class_error(tv, class, &site),
            None => self.defer(Deferred::Class { tv, class, site, subject }),
        }
    }

    pub fn class_error(&mut self, tv: Tv, class: Class, site: &Site) {
        let shown = self.show(tv);
        match site {
            Site::Binary { op, span } => {
                let msg = match op {
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                        format!("cannot compare {shown} values with `{}`", op.text())
                    }
                    _ => format!("cannot {} {shown} values", verb(*op)),
                };
                self.error(Code::Mismatch, *span, msg).hint(format!(
                    "`{}` works on {}",
                    op.text(),
                    class.describe()
                ));
            }
            Site::Neg { span } => {
                self.error(Code::Mismatch, *span, format!("cannot negate {shown}"))
                    .hint("unary `-` works on int and float");
            }
            Site::Builtin { name, callee, arg } => {
                self.error(
                    Code::ArgumentMismatch,
                    *callee,
                    format!("`{name}` expects {}, found {shown}", class.describe()),
                )
                .note(*arg, format!("this is {shown}"))
                .hint(builtin_hint(name));
            }
        }
    }

    fn call(&mut self, e: &Expr, callee: &Callee, args: &[Expr]) -> Tv {
        match callee {
            Callee::Name(id) => match self.lookup(&id.name) {
                Some(Found::Function(f)) => {
                    self.resolve_as(e.id, Resolution::Function(f));
                    self.call_fn(f, id, args)
                }
                Some(found @ (Found::Local { .. } | Found::Global(_))) => {
                    let (tv, decl) = match found {
                        Found::Local { tv, span } => (tv, span),
                        Found::Global(g) => (self.globals[g].tv, self.globals[g].span),
                        _ => unreachable!(),
                    };
                    self.exprs(args);
                    let shown = self.show(tv);
                    self.error(
                        Code::NotCallable,
                        id.span,
                        format!("`{}` is a variable ({shown}), not a function", id.name),
                    )
                    .note(decl, "declared here")
                    .hint("a variable cannot be called; rename it if it hides a function");
                    self.t.error()
                }
                Some(Found::Alias(_)) => {
                    self.exprs(args);
                    self.error(
                        Code::NotCallable,
                        id.span,
                        format!("`{}` is a module alias, not a function", id.name),
                    )
                    .hint(format!("call one of its functions: `{}.f(...)`", id.name));
                    self.t.error()
                }
                None => match tern_syntax::ast::BUILTINS.iter().find(|(n, _)| *n == id.name) {
                    Some(&(name, _)) => {
                        self.resolve_as(e.id, Resolution::Builtin(name));
                        self.builtin(name, id, args)
                    }
                    None => {
                        self.exprs(args);
                        self.error(Code::UnknownFunction, id.span, format!("unknown function `{}`", id.name))
                            .hint("declare it with `fn` in this file, or call it through an import alias: `m.f(...)`");
                        self.t.error()
                    }
                },
            },
            Callee::Member { base, name } => {
                if let ExprKind::Name(b) = &base.kind {
                    if let Some(Found::Alias(m)) = self.lookup(&b.name) {
                        let nil = self.t.fresh_nil();
                        self.set_expr(base.id, nil);
                        self.resolve_as(base.id, Resolution::Module(m));
                        if let Some(&f) = self.fn_index[m].get(&name.name) {
                            self.resolve_as(e.id, Resolution::Function(f));
                            return self.call_fn(f, name, args);
                        }
                        self.exprs(args);
                        let path = self.module_path(m).to_string();
                        let hint = if self.global_index[m].contains_key(&name.name) {
                            format!(
                                "`{}` is a global of that module, not a function: read it as `{}.{}`",
                                name.name, b.name, name.name
                            )
                        } else {
                            member_list(self.fn_index[m].keys(), "its functions are")
                        };
                        self.error(
                            Code::UnknownMember,
                            name.span,
                            format!("module `{path}` has no function `{}`", name.name),
                        )
                        .hint(hint);
                        return self.t.error();
                    }
                }
                let bt = self.expr(base);
                self.exprs(args);
                if !self.t.is_error(bt) {
                    let shown = self.show(bt);
                    self.error(
                        Code::NotCallable,
                        name.span,
                        format!(
                            "`.{}(...)` calls a member of a {shown} value, which has no functions",
                            name.name
                        ),
                    )
                    .hint(format!(
                        "Tern has no methods; only import aliases have functions: write `{}(x, ...)`",
                        name.name
                    ));
                }
                self.t.error()
            }
        }
    }

    fn call_fn(&mut self, f: FnId, callee: &Ident, args: &[Expr]) -> Tv {
        let fi = f.0 as usize;
        let tys = self.exprs(args);
        let want = self.fns[fi].params.len();
        if args.len() != want {
            let decl = self.fns[fi].name.span;
            self.error(
                Code::WrongArity,
                callee.span,
                format!(
                    "`{}` takes {} but {} {} given",
                    callee.name,
                    plural(want, "argument"),
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
            )
            .note(decl, format!("`{}` declared here", callee.name))
            .hint("pass exactly one value per parameter");
            return self.fns[fi].ret;
        }
        for (i, (arg, at)) in args.iter().zip(tys).enumerate() {
            let p = self.fns[fi].params[i].tv;
            if self.t.unify(at, p).is_ok() {
                let param = &mut self.fns[fi].params[i];
                if param.annotation.is_none() && param.first_site.is_none() {
                    param.first_site = Some(arg.span);
                }
                continue;
            }
            let (ps, as_) = (self.show(p), self.show(at));
            let param = &self.fns[fi].params[i];
            let pname = param.name.name.clone();
            if param.annotation.is_some() {
                // The callee checks its annotated parameters (as the interpreter does on entry).
                let at = param.name.span;
                let h = mix_hint(&ps, &as_);
                self.error(
                    Code::ArgumentMismatch,
                    at,
                    format!(
                        "parameter `{pname}` of `{}` is declared {ps}, but the argument is {as_}",
                        callee.name
                    ),
                )
                .note(arg.span, format!("this argument is {as_}"))
                .hint(h);
                continue;
            }
            let (note_span, note, hint) = match (param.annotation, param.first_site) {
                (Some(ann), _) => (ann, format!("`{pname}` is declared {ps} here"), mix_hint(&ps, &as_)),
                (None, Some(site)) => (
                    site,
                    format!("`{pname}` became {ps} because of this argument"),
                    "functions are monomorphic: a parameter has one type in every call".to_string(),
                ),
                (None, None) => (
                    param.name.span,
                    format!("`{pname}` is {ps} because of how `{}` uses it", callee.name),
                    mix_hint(&ps, &as_),
                ),
            };
            self.error(
                Code::ArgumentMismatch,
                arg.span,
                format!("`{}` expects {ps} for parameter `{pname}`, found {as_}", callee.name),
            )
            .note(note_span, note)
            .hint(hint);
        }
        self.fns[fi].ret
    }

    fn field(&mut self, e: &Expr, obj: &Expr, field: &Ident) -> Tv {
        if let ExprKind::Name(b) = &obj.kind {
            if let Some(Found::Alias(m)) = self.lookup(&b.name) {
                let nil = self.t.fresh_nil();
                self.set_expr(obj.id, nil);
                self.resolve_as(obj.id, Resolution::Module(m));
                if let Some(&g) = self.global_index[m].get(&field.name) {
                    self.resolve_as(e.id, Resolution::Global(g));
                    return self.globals[g].tv;
                }
                let path = self.module_path(m).to_string();
                if self.fn_index[m].contains_key(&field.name) {
                    self.error(
                        Code::FunctionAsValue,
                        field.span,
                        format!("function `{}.{}` used as a value", b.name, field.name),
                    )
                    .hint(format!(
                        "functions are not values in Tern; call it: `{}.{}(...)`",
                        b.name, field.name
                    ));
                } else {
                    let hint = member_list(self.global_index[m].keys(), "its globals are");
                    self.error(
                        Code::UnknownMember,
                        field.span,
                        format!("module `{path}` has no global `{}`", field.name),
                    )
                    .hint(hint);
                }
                return self.t.error();
            }
        }
        let ot = self.expr(obj);
        let result = self.t.fresh();
        let d = Deferred::Field {
            module: self.module,
            obj: ot,
            field: field.clone(),
            result,
            subject: Self::subject(obj),
        };
        if !self.try_deferred(&d) {
            self.defer(d);
        }
        result
    }

    /// Resolves a field access once the object's type is known. Returns
    /// false while it is not.
    pub fn try_field(&mut self, obj: Tv, field: &Ident, result: Tv) -> bool {
        match self.t.shape(obj) {
            Shape::Unknown | Shape::Nil => false,
            Shape::Known(Con::Error) => {
                let err = self.t.error();
                let _ = self.t.unify(result, err);
                true
            }
            Shape::Known(Con::Struct(s)) => {
                let sd = &self.structs[s.0 as usize];
                let sname = sd.name.name.clone();
                match sd.fields.iter().find(|(f, _)| f.name == field.name) {
                    Some(&(_, ftv)) => {
                        if self.t.unify(result, ftv).is_err() {
                            let (fs, rs) = (self.show(ftv), self.show(result));
                            self.error(
                                Code::Mismatch,
                                field.span,
                                format!(
                                    "field `{}` of `{sname}` is {fs}, but it is used as {rs}",
                                    field.name
                                ),
                            )
                            .hint(mix_hint(&fs, &rs));
                        }
                    }
                    None => {
                        let hint = member_list(
                            sd.fields.iter().map(|(f, _)| &f.name),
                            &format!("the fields of `{sname}` are"),
                        );
                        self.error(
                            Code::UnknownField,
                            field.span,
                            format!("struct `{sname}` has no field `{}`", field.name),
                        )
                        .hint(hint);
                        let err = self.t.error();
                        let _ = self.t.unify(result, err);
                    }
                }
                true
            }
            Shape::Known(_) => {
                let shown = self.show(obj);
                self.error(
                    Code::NotIndexable,
                    field.span,
                    format!("{shown} has no field `{}`: only records have fields", field.name),
                )
                .hint(if shown.starts_with('[') {
                    "use `len(a)` for an array's length"
                } else {
                    "fields belong to records declared with `struct`"
                });
                let err = self.t.error();
                let _ = self.t.unify(result, err);
                true
            }
        }
    }

    fn index(&mut self, obj: &Expr, index: &Expr) -> Tv {
        let ot = self.expr(obj);
        let it = self.expr(index);
        // Index errors point at the `[`, which usually sits right after the indexed expression.
        let bracket = Span { file: obj.span.file, start: obj.span.end, end: obj.span.end + 1 };
        let int = self.int();
        if self.t.unify(it, int).is_err() {
            let shown = self.show(it);
            self.error(Code::Mismatch, bracket, format!("array index must be int, found {shown}"))
                .note(index.span, format!("this is {shown}"))
                .hint("convert with `int(x)`");
        }
        let elem = self.t.fresh();
        let arr = self.t.known(Con::Array(elem));
        if self.t.unify(ot, arr).is_err() {
            let shown = self.show(ot);
            let hint = if shown == "str" {
                "strings cannot be indexed in Tern"
            } else {
                "only arrays can be indexed"
            };
            self.error(Code::NotIndexable, bracket, format!("cannot index {shown}"))
                .note(obj.span, format!("this is {shown}"))
                .hint(hint);
            return self.t.error();
        }
        elem
    }

    fn array(&mut self, elems: &[Expr]) -> Tv {
        let elem = self.t.fresh();
        let mut first: Option<Span> = None;
        for el in elems {
            let t = self.expr(el);
            if self.t.unify(t, elem).is_err() {
                let (ts, es) = (self.show(t), self.show(elem));
                let d = self.error(
                    Code::Mismatch,
                    el.span,
                    format!("array elements must all have one type: this is {ts}, the first is {es}"),
                );
                if let Some(f) = first {
                    d.note(f, "first element");
                }
                d.hint("arrays hold one element type; use a record to group different types");
            }
            first.get_or_insert(el.span);
        }
        self.t.known(Con::Array(elem))
    }

    fn record(&mut self, name: &Ident, fields: &[(Ident, Expr)]) -> Tv {
        let Some(&sid) = self.struct_index[self.module].get(&name.name) else {
            for (_, v) in fields {
                self.expr(v);
            }
            let hint = member_list(self.struct_index[self.module].keys(), "structs of this file are");
            self.error(Code::UnknownStruct, name.span, format!("unknown struct `{}`", name.name)).hint(hint);
            return self.t.error();
        };
        let decl: Vec<(Ident, Tv)> = self.structs[sid.0 as usize].fields.clone();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for (fid, val) in fields {
            let vt = self.expr(val);
            if let Some(&prev) = seen.get(fid.name.as_str()) {
                self.error(Code::DuplicateField, fid.span, format!("field `{}` is given twice", fid.name))
                    .note(prev, "first given here")
                    .hint("give each field exactly once");
                continue;
            }
            seen.insert(&fid.name, fid.span);
            match decl.iter().find(|(d, _)| d.name == fid.name) {
                None => {
                    let hint = member_list(
                        decl.iter().map(|(d, _)| &d.name),
                        &format!("the fields of `{}` are", name.name),
                    );
                    self.error(
                        Code::UnknownField,
                        fid.span,
                        format!("struct `{}` has no field `{}`", name.name, fid.name),
                    )
                    .hint(hint);
                }
                Some((d, ftv)) => {
                    if self.t.unify(vt, *ftv).is_err() {
                        let (fs, vs) = (self.show(*ftv), self.show(vt));
                        self.error(
                            Code::AnnotationMismatch,
                            val.span,
                            format!("field `{}` of `{}` is {fs}, found {vs}", fid.name, name.name),
                        )
                        .note(d.span, format!("`{}` declared {fs} here", d.name))
                        .hint(mix_hint(&fs, &vs));
                    }
                }
            }
        }
        let missing: Vec<String> = decl
            .iter()
            .filter(|(d, _)| !seen.contains_key(d.name.as_str()))
            .map(|(d, _)| format!("`{}`", d.name))
            .collect();
        if !missing.is_empty() {
            let all: Vec<String> = decl.iter().map(|(d, _)| format!("{}: ...", d.name)).collect();
            self.error(
                Code::MissingField,
                name.span,
                format!(
                    "`{}` literal is missing {} {}",
                    name.name,
                    if missing.len() == 1 { "field" } else { "fields" },
                    missing.join(", ")
                ),
            )
            .hint(format!("give every field: `{} {{ {} }}`", name.name, all.join(", ")));
        }
        self.t.known(Con::Struct(sid))
    }
}

fn verb(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::Sub => "subtract",
        BinOp::Mul => "multiply",
        BinOp::Div => "divide",
        BinOp::Rem => "take the remainder of",
        _ => "combine",
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A hint for two types that were expected to agree.
pub fn mix_hint(a: &str, b: &str) -> String {
    let pair = |x: &str, y: &str| (a == x && b == y) || (a == y && b == x);
    if pair("int", "float") {
        "Tern never converts implicitly: write `float(x)` or `int(x)` to convert one side".into()
    } else if a == "str" || b == "str" {
        "convert the other value with `str(x)` first".into()
    } else if a == "nil" || b == "nil" {
        "`nil` only stands in for an array or a record".into()
    } else {
        "both sides must have the same type".into()
    }
}

fn builtin_hint(name: &str) -> &'static str {
    match name {
        "len" => "`len` counts the characters of a str or the elements of an array",
        "int" | "float" => "`int` and `float` convert between numbers; they do not parse strings",
        "sqrt" => "`sqrt` takes a float: write `sqrt(float(x))`",
        "fixed" => "`fixed(x, d)` formats a float `x` with `d` (int) digits",
        "push" => "`push(a, v)` appends `v` to the array `a`",
        _ => "see the list of builtins in LANGUAGE.md",
    }
}

fn member_list<'a>(names: impl Iterator<Item = &'a String>, lead: &str) -> String {
    let mut v: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if v.is_empty() {
        return "it declares none".to_string();
    }
    v.sort();
    v.dedup();
    format!("{lead} {}", v.join(", "))
}
