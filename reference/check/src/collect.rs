//! Pre-passes that make declarations visible before any body is walked:
//! structs (then their field types), functions (hoisted), module globals
//! (every outermost `let`) and top-level import aliases.

use crate::checker::{BindKind, BindingDef, Checker, FnDef, GlobalDef, ParamDef, StructDef};
use crate::errors::DiagExt;
use crate::infer::{Con, Tv};
use crate::{FnId, StructId};
use tern_diag::Code;
use tern_syntax::ast::{Item, StmtKind, TypeExpr};
use tern_syntax::loader::resolve;

impl Checker<'_> {
    pub fn collect(&mut self) {
        let prog = self.prog;
        for (m, module) in prog.modules.iter().enumerate() {
            for item in &module.ast.items {
                if let Item::Struct(s) = item {
                    let id = StructId(self.structs.len() as u32);
                    // The first declaration of a name wins; later duplicates still get checked.
                    self.struct_index[m].entry(s.name.name.clone()).or_insert(id);
                    self.structs.push(StructDef { module: m, name: s.name.clone(), fields: Vec::new() });
                    self.struct_names.push(s.name.name.clone());
                }
            }
        }
        let mut sid = 0;
        for (m, module) in prog.modules.iter().enumerate() {
            self.module = m;
            for item in &module.ast.items {
                if let Item::Struct(s) = item {
                    let mut fields: Vec<(tern_syntax::ast::Ident, Tv)> = Vec::new();
                    for (name, ty) in &s.fields {
                        let tv = self.annotation(ty);
                        if let Some((first, _)) = fields.iter().find(|(f, _)| f.name == name.name) {
                            let first = first.span;
                            self.error(
                                Code::DuplicateField,
                                name.span,
                                format!("struct `{}` declares field `{}` twice", s.name.name, name.name),
                            )
                            .note(first, "first declared here")
                            .hint("give each field a distinct name");
                            continue;
                        }
                        fields.push((name.clone(), tv));
                    }
                    self.structs[sid].fields = fields;
                    sid += 1;
                }
            }
        }
        for (m, module) in prog.modules.iter().enumerate() {
            self.module = m;
            for (i, item) in module.ast.items.iter().enumerate() {
                match item {
                    Item::Fn(f) => {
                        let id = FnId(self.fns.len() as u32);
                        self.fn_index[m].entry(f.name.name.clone()).or_insert(id);
                        let mut params = Vec::new();
                        for (pi, p) in f.params.iter().enumerate() {
                            self.annotation_at = Some(p.name.span);
                            let tv = match &p.ty {
                                Some(ty) => self.annotation(ty),
                                None => self.t.fresh(),
                            };
                            self.annotation_at = None;
                            self.bindings.push(BindingDef {
                                span: p.name.span,
                                name: p.name.name.clone(),
                                tv,
                                kind: BindKind::Param(id, pi),
                            });
                            params.push(ParamDef {
                                name: p.name.clone(),
                                tv,
                                annotation: p.ty.as_ref().map(|t| t.span()),
                                first_site: None,
                            });
                        }
                        let ret = match &f.ret {
                            Some(ty) => self.annotation(ty),
                            None => self.t.fresh(),
                        };
                        self.fns.push(FnDef {
                            module: m,
                            name: f.name.clone(),
                            item: i,
                            params,
                            ret,
                            ret_annotation: f.ret.as_ref().map(|t| t.span()),
                            first_return: None,
                        });
                    }
                    Item::Stmt(s) => match &s.kind {
                        StmtKind::Let { name, .. } if !self.global_index[m].contains_key(&name.name) => {
                            let tv = self.t.fresh();
                            self.global_index[m].insert(name.name.clone(), self.globals.len());
                            self.globals.push(GlobalDef {
                                module: m,
                                name: name.name.clone(),
                                tv,
                                span: name.span,
                            });
                        }
                        StmtKind::Import { path, alias, .. } => {
                            if let Some(target) = self.import_target(m, path) {
                                self.top_aliases[m].entry(alias.name.clone()).or_insert(target);
                            }
                        }
                        _ => {}
                    },
                    Item::Struct(_) => {}
                }
            }
        }
    }

    /// The module an `import` in module `m` names (the loader loaded them all).
    pub fn import_target(&self, m: usize, written: &str) -> Option<usize> {
        self.prog.module_index(&resolve(&self.prog.modules[m].path, written))
    }

    /// The type an annotation names, in the current module; E0106 if unknown.
    pub fn annotation(&mut self, ty: &TypeExpr) -> Tv {
        match ty {
            TypeExpr::Int(_) => self.t.known(Con::Int),
            TypeExpr::Float(_) => self.t.known(Con::Float),
            TypeExpr::Bool(_) => self.t.known(Con::Bool),
            TypeExpr::Str(_) => self.t.known(Con::Str),
            TypeExpr::Array(inner, _) => {
                let e = self.annotation(inner);
                self.t.known(Con::Array(e))
            }
            TypeExpr::Named(id) => match self.struct_index[self.module].get(&id.name) {
                Some(&s) => self.t.known(Con::Struct(s)),
                None => {
                    let known: Vec<String> =
                        self.struct_index[self.module].keys().map(|k| format!("`{k}`")).collect();
                    let hint = if id.name == "nil" {
                        "`nil` is a value, not a type: arrays and records may hold nil".to_string()
                    } else if known.is_empty() {
                        "types are int, float, bool, str, [T] or a struct declared in this file".to_string()
                    } else {
                        let mut known = known;
                        known.sort();
                        format!(
                            "types are int, float, bool, str, [T] or a struct of this file: {}",
                            known.join(", ")
                        )
                    };
                    let at = self.annotation_at.unwrap_or(id.span);
                    self.error(Code::UnknownType, at, format!("unknown type `{}`", id.name))
                        .note(id.span, "this type")
                        .hint(hint);
                    self.t.error()
                }
            },
        }
    }
}
