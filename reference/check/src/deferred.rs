//! Constraints that wait for a type to become known: overloaded operators
//! and builtins (a class check) and field accesses. They are re-tried to a
//! fixed point; then a field access on a still-unknown type picks the one
//! struct that has the field (in the module, else in the program); what is
//! still unresolved after that is E0206 "cannot infer".

use crate::checker::{BindKind, Checker, Class, Deferred, Subject};
use crate::errors::DiagExt;
use crate::infer::{Con, Tv};
use crate::StructId;
use std::collections::HashSet;
use tern_diag::Code;

impl Checker<'_> {
    /// True when the constraint is settled (satisfied or reported).
    pub fn try_deferred(&mut self, d: &Deferred) -> bool {
        match d {
            Deferred::Class { tv, class, site, .. } => match class.accepts(self.t.shape(*tv)) {
                None => false,
                Some(true) => true,
                Some(false) => {
                    self.class_error(*tv, *class, site);
                    true
                }
            },
            Deferred::Field { obj, field, result, .. } => self.try_field(*obj, field, *result),
        }
    }

    pub fn solve(&mut self) {
        loop {
            self.fixpoint();
            if !self.default_a_field() {
                break;
            }
        }
        if self.diags.is_empty() {
            self.report_unresolved();
        }
    }

    fn fixpoint(&mut self) {
        loop {
            let pending = std::mem::take(&mut self.deferred);
            let before = pending.len();
            for d in pending {
                if !self.try_deferred(&d) {
                    self.deferred.push(d);
                }
            }
            if self.deferred.len() == before {
                return;
            }
        }
    }

    fn structs_with(&self, field: &str, module: Option<usize>) -> Vec<StructId> {
        self.structs
            .iter()
            .enumerate()
            .filter(|(_, s)| module.is_none_or(|m| s.module == m) && s.fields.iter().any(|(f, _)| f.name == field))
            .map(|(i, _)| StructId(i as u32))
            .collect()
    }

    /// Gives one field access on an unknown type the only struct that fits
    /// (or `len` of a bare `nil` an array type, so it fails at runtime as
    /// `nil` access, like in the other engines).
    fn default_a_field(&mut self) -> bool {
        for i in 0..self.deferred.len() {
            if let Deferred::Class { tv, class: Class::StrOrArray, .. } = self.deferred[i] {
                if self.t.shape(tv) == crate::infer::Shape::Nil {
                    let e = self.t.fresh_nil();
                    let arr = self.t.known(Con::Array(e));
                    if self.t.unify(tv, arr).is_ok() {
                        return true;
                    }
                }
            }
        }
        let pending: Vec<(usize, Tv, String)> = self
            .deferred
            .iter()
            .filter_map(|d| match d {
                Deferred::Field { module, obj, field, .. } => Some((*module, *obj, field.name.clone())),
                _ => None,
            })
            .collect();
        for (module, obj, field) in pending {
            let mut candidates = self.structs_with(&field, Some(module));
            if candidates.is_empty() {
                candidates = self.structs_with(&field, None);
            }
            if let [only] = candidates[..] {
                let st = self.t.known(Con::Struct(only));
                if self.t.unify(obj, st).is_ok() {
                    return true;
                }
            }
        }
        false
    }

    fn report_unresolved(&mut self) {
        let mut pending = std::mem::take(&mut self.deferred);
        pending.sort_by_key(|d| match d {
            Deferred::Class { subject, .. } | Deferred::Field { subject, .. } => (subject.span.file, subject.span.start),
        });
        let mut seen = HashSet::new();
        for d in pending {
            match d {
                Deferred::Field { obj, field, subject, .. } => {
                    let candidates = self.structs_with(&field.name, None);
                    if candidates.is_empty() {
                        self.error(Code::UnknownField, field.span, format!("no struct has a field `{}`", field.name))
                            .hint("check the spelling, or declare the field in a `struct`");
                        continue;
                    }
                    let root = self.t.find(obj);
                    if !seen.insert(root) {
                        continue;
                    }
                    let names: Vec<String> = candidates.iter().map(|s| self.struct_names[s.0 as usize].clone()).collect();
                    let hint = self.annotate_hint(root, &names[0]);
                    let hint = format!("{hint} (structs with a field `{}`: {})", field.name, names.join(", "));
                    self.cannot_infer(&subject, hint);
                }
                Deferred::Class { tv, class, subject, .. } => {
                    let root = self.t.find(tv);
                    if !seen.insert(root) {
                        continue;
                    }
                    let hint = self.annotate_hint(root, class.example());
                    let hint = format!("{hint}; it must be {}", class_words(class));
                    self.cannot_infer(&subject, hint);
                }
            }
        }
    }

    fn cannot_infer(&mut self, subject: &Subject, hint: String) {
        let msg = match &subject.name {
            Some(n) => format!("cannot infer the type of `{n}`"),
            None => "cannot infer the type of this expression".to_string(),
        };
        self.error(Code::CannotInfer, subject.span, msg).hint(hint);
    }

    /// "annotate the parameter: `fn f(p: Point)`" for the binding whose type is `root`.
    fn annotate_hint(&mut self, root: Tv, example: &str) -> String {
        let mut found = None;
        for i in 0..self.bindings.len() {
            let (tv, kind) = (self.bindings[i].tv, self.bindings[i].kind);
            if self.t.find(tv) == root && kind != BindKind::For {
                let better = matches!(kind, BindKind::Param(..)) || found.is_none();
                if better {
                    found = Some(i);
                }
                if matches!(kind, BindKind::Param(..)) {
                    break;
                }
            }
        }
        if let Some(i) = found {
            let name = self.bindings[i].name.clone();
            return match self.bindings[i].kind {
                BindKind::Param(f, _) => {
                    let fname = &self.fns[f.0 as usize].name.name;
                    format!("annotate the parameter: `fn {fname}({name}: {example})`")
                }
                _ => format!("annotate the variable: `let {name}: {example} = ...;`"),
            };
        }
        for i in 0..self.fns.len() {
            let ret = self.fns[i].ret;
            if self.t.find(ret) == root {
                return format!("annotate the return type: `fn {}(...) -> {example}`", self.fns[i].name.name);
            }
        }
        format!("annotate the variable or parameter it comes from, e.g. `let x: {example} = ...;`")
    }

}

fn class_words(c: Class) -> &'static str {
    c.describe()
}
