//! Constraints that wait for a type to become known: overloaded operators
//! and builtins (a class check) and field accesses. They are re-tried to a
//! fixed point; then a field access on a still-unknown type picks the one
//! struct that has the field (in the module, else in the program); what is
//! still unresolved after that is E0206 "cannot infer".

use crate::checker::{BindKind, Checker, Class, Deferred, Subject};
use crate::errors::DiagExt;
use crate::infer::{Con, Shape, Tv};
use crate::StructId;
use std::collections::{HashMap, HashSet};
use tern_diag::{Code, Span};

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
            .filter(|(_, s)| {
                module.is_none_or(|m| s.module == m) && s.fields.iter().any(|(f, _)| f.name == field)
            })
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

    /// E0206 for every type still unknown, once per type variable, at the
    /// first binding (in source order) whose type needs it; overloaded
    /// operators and field accesses say what the type must be.
    fn report_unresolved(&mut self) {
        let mut pending = std::mem::take(&mut self.deferred);
        pending.sort_by_key(|d| match d {
            Deferred::Class { subject, .. } | Deferred::Field { subject, .. } => {
                (subject.span.file, subject.span.start)
            }
        });
        // root -> (example type, what it must be, where it is used)
        let mut need: HashMap<Tv, (String, String, Subject)> = HashMap::new();
        let mut order: Vec<Tv> = Vec::new();
        // The result of a field access that never resolved is downstream of
        // the object's problem: report that one only.
        let mut seen = HashSet::new();
        for d in &pending {
            if let Deferred::Field { result, .. } = d {
                let r = self.t.find(*result);
                seen.insert(r);
            }
        }
        for d in pending {
            match d {
                Deferred::Field { obj, field, subject, .. } => {
                    let candidates = self.structs_with(&field.name, None);
                    if candidates.is_empty() {
                        self.error(
                            Code::UnknownField,
                            field.span,
                            format!("no struct has a field `{}`", field.name),
                        )
                        .hint("check the spelling, or declare the field in a `struct`");
                        continue;
                    }
                    let root = self.t.find(obj);
                    let names: Vec<String> =
                        candidates.iter().map(|s| self.struct_names[s.0 as usize].clone()).collect();
                    if let std::collections::hash_map::Entry::Vacant(e) = need.entry(root) {
                        order.push(root);
                        e.insert((
                            names[0].clone(),
                            format!("structs with a field `{}`: {}", field.name, names.join(", ")),
                            subject,
                        ));
                    }
                }
                Deferred::Class { tv, class, subject, .. } => {
                    let root = self.t.find(tv);
                    need.entry(root).or_insert_with(|| {
                        order.push(root);
                        (class.example().to_string(), format!("it must be {}", class.describe()), subject)
                    });
                }
            }
        }
        // Bindings and function results, in source order.
        let mut places: Vec<(Span, Place)> = self
            .bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.kind != BindKind::For)
            .map(|(i, b)| (b.span, Place::Binding(i)))
            .collect();
        places.sort_by_key(|(s, _)| (s.file, s.start));
        // Results after bindings: a parameter is the better thing to annotate.
        places.extend(self.fns.iter().enumerate().map(|(i, f)| (f.name.span, Place::Return(i))));
        for (span, place) in places {
            let tv = match place {
                Place::Binding(i) => self.bindings[i].tv,
                Place::Return(i) => self.fns[i].ret,
            };
            let Some(root) = self.unknown_root(tv, &need) else { continue };
            if !seen.insert(root) {
                continue;
            }
            let (example, extra) = match need.get(&root) {
                Some((e, x, _)) => (e.clone(), format!("; {x}")),
                None => ("int".to_string(), String::new()),
            };
            let ty = if self.t.find(tv) == root {
                example.clone()
            } else {
                self.show(tv).replace('_', &example).replace("nil", &example)
            };
            let (msg, hint) = match place {
                Place::Binding(i) => {
                    let name = self.bindings[i].name.clone();
                    match self.bindings[i].kind {
                        BindKind::Param(f, _) => {
                            let fname = self.fns[f.0 as usize].name.name.clone();
                            (
                                format!("cannot infer the type of parameter `{name}` of `{fname}`"),
                                format!("annotate the parameter: `fn {fname}({name}: {ty})`"),
                            )
                        }
                        _ => (
                            format!("cannot infer the type of `{name}`"),
                            format!("annotate the variable: `let {name}: {ty} = ...;`"),
                        ),
                    }
                }
                Place::Return(i) => {
                    let fname = self.fns[i].name.name.clone();
                    (
                        format!("cannot infer the return type of `{fname}`"),
                        format!("annotate the return type: `fn {fname}(...) -> {ty}`"),
                    )
                }
            };
            let d = self.error(Code::CannotInfer, span, msg);
            if let Some((_, _, subject)) = need.get(&root) {
                d.note(subject.span, "the type is needed here");
            }
            d.hint(format!("{hint}{extra}"));
        }
        for root in order {
            if seen.contains(&root) {
                continue;
            }
            let Some((example, extra, subject)) = need.get(&root).cloned() else { continue };
            let msg = match &subject.name {
                Some(n) => format!("cannot infer the type of `{n}`"),
                None => "cannot infer the type of this expression".to_string(),
            };
            self.error(Code::CannotInfer, subject.span, msg).hint(format!(
                "annotate the variable or parameter it comes from, e.g. `let x: {example} = ...;`; {extra}"
            ));
        }
    }

    /// The unknown (not nil-like) type variable inside `tv`, if any.
    /// A nil-like one counts when something needs it to be a specific record.
    fn unknown_root<V>(&mut self, tv: Tv, need: &HashMap<Tv, V>) -> Option<Tv> {
        let mut cur = tv;
        for _ in 0..512 {
            match self.t.shape(cur) {
                Shape::Unknown => return Some(self.t.find(cur)),
                Shape::Nil if need.contains_key(&self.t.find(cur)) => return Some(self.t.find(cur)),
                Shape::Known(Con::Array(e)) => cur = e,
                _ => return None,
            }
        }
        None
    }
}

#[derive(Clone, Copy)]
enum Place {
    Binding(usize),
    Return(usize),
}
