//! Turns the solved type table into the public, fully concrete [`Checked`](crate::Checked) parts.

use crate::checker::Checker;
use crate::{FnInfo, GlobalInfo, Resolution, StructInfo, Type};
use std::collections::HashMap;
use tern_diag::Span;
use tern_syntax::ast::{ExprId, Item};

pub struct Parts {
    pub structs: Vec<StructInfo>,
    pub functions: Vec<FnInfo>,
    pub globals: Vec<GlobalInfo>,
    pub expr_types: Vec<Vec<Type>>,
    pub binding_types: HashMap<Span, Type>,
    pub resolutions: Vec<HashMap<ExprId, Resolution>>,
}

impl Checker<'_> {
    /// Walks every function body and every module's top-level code, in source order.
    pub fn walk(&mut self) {
        let prog = self.prog;
        let mut next_fn = 0u32;
        for (m, module) in prog.modules.iter().enumerate() {
            self.module = m;
            self.cur_fn = None;
            self.loops = 0;
            self.scopes.reset();
            for item in &module.ast.items {
                match item {
                    Item::Fn(f) => {
                        let top = std::mem::take(&mut self.scopes);
                        self.function(crate::FnId(next_fn), f);
                        next_fn += 1;
                        self.scopes = top;
                        self.loops = 0;
                    }
                    Item::Stmt(s) => self.stmt(s, true),
                    Item::Struct(_) => {}
                }
            }
        }
    }

    pub fn finish(&mut self) -> Parts {
        let structs = (0..self.structs.len())
            .map(|i| {
                let fields: Vec<_> = self.structs[i].fields.clone();
                StructInfo {
                    module: self.structs[i].module,
                    name: self.structs[i].name.name.clone(),
                    fields: fields.into_iter().map(|(f, tv)| (f.name, self.t.resolve(tv))).collect(),
                }
            })
            .collect();
        let functions = (0..self.fns.len())
            .map(|i| {
                let params: Vec<_> = self.fns[i].params.iter().map(|p| p.tv).collect();
                let f = &self.fns[i];
                let (module, name, item, ret) = (f.module, f.name.name.clone(), f.item, f.ret);
                FnInfo {
                    module,
                    name,
                    item,
                    params: params.into_iter().map(|tv| self.t.resolve(tv)).collect(),
                    ret: self.t.resolve(ret),
                }
            })
            .collect();
        let globals = (0..self.globals.len())
            .map(|i| {
                let g = &self.globals[i];
                let (module, name, span, tv) = (g.module, g.name.clone(), g.span, g.tv);
                GlobalInfo { module, name, ty: self.t.resolve(tv), span }
            })
            .collect();
        let slots = std::mem::take(&mut self.expr_tv);
        let expr_types = slots
            .into_iter()
            .map(|m| m.into_iter().map(|tv| tv.map(|tv| self.t.resolve(tv)).unwrap_or(Type::Nil)).collect())
            .collect();
        let mut binding_types = HashMap::new();
        for i in 0..self.bindings.len() {
            let (span, tv) = (self.bindings[i].span, self.bindings[i].tv);
            binding_types.insert(span, self.t.resolve(tv));
        }
        Parts {
            structs,
            functions,
            globals,
            expr_types,
            binding_types,
            resolutions: std::mem::take(&mut self.resolutions),
        }
    }
}
