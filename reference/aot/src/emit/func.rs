//! Lowering of one function body (or one module's top-level code) to
//! Cranelift IR. Ints, floats and bools stay unboxed in SSA variables;
//! checks (div-zero, nil, bounds, call depth) are inline with cold error blocks.

use super::{ProgramEmitter, MAX_FRAMES};
use crate::layout::{clif_type, ARR_DATA, ARR_LEN, REC_FIELDS};
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, Block, BlockArg, FuncRef, GlobalValue, InstBuilder, MemFlagsData, TrapCode, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{DataId, FuncId, Module};
use std::collections::HashMap;
use tern_check::{Resolution, Type};
use tern_diag::Span;
use tern_syntax::ast::*;

pub fn lower_function(
    em: &mut ProgramEmitter,
    fbc: &mut FunctionBuilderContext,
    id: FuncId,
    module: usize,
    decl: &FnDecl,
    ret: &Type,
) -> Result<(), String> {
    let mut ctx = em.module.make_context();
    ctx.func.signature = em.module.declarations().get_function_decl(id).signature.clone();
    {
        let b = FunctionBuilder::new(&mut ctx.func, fbc);
        let mut fx = FnLower::new(em, b, module, decl.name.name.clone(), Some(ret.clone()));
        let entry = fx.b.create_block();
        fx.b.append_block_params_for_function_params(entry);
        fx.b.switch_to_block(entry);
        let params: Vec<Value> = fx.b.block_params(entry).to_vec();
        fx.depth = params[0];
        for (p, v) in decl.params.iter().zip(params[1..].iter().copied()) {
            let var = fx.declare_local(p.name.span);
            fx.b.def_var(var, v);
        }
        fx.block(&decl.body);
        fx.finish();
    }
    em.module
        .define_function(id, &mut ctx)
        .map_err(|e| format!("cannot compile `{}`: {e:?}", decl.name.name))?;
    Ok(())
}

pub fn lower_init(em: &mut ProgramEmitter, fbc: &mut FunctionBuilderContext, m: usize) -> Result<(), String> {
    let id = em.init_ids[m];
    let mut ctx = em.module.make_context();
    ctx.func.signature = em.module.declarations().get_function_decl(id).signature.clone();
    let checked = em.checked;
    {
        let b = FunctionBuilder::new(&mut ctx.func, fbc);
        let frame = em.module_frame(m);
        let mut fx = FnLower::new(em, b, m, frame, None);
        let entry = fx.b.create_block();
        fx.b.append_block_params_for_function_params(entry);
        fx.b.switch_to_block(entry);
        fx.depth = fx.b.block_params(entry)[0];
        // Marked first, so an import cycle back into this module binds it as it is.
        let flags = fx.data_addr(fx.em.module_flags);
        let one = fx.b.ins().iconst(types::I8, 1);
        fx.b.ins().store(MemFlagsData::trusted(), one, flags, m as i32);
        for item in &checked.program.modules[m].ast.items {
            if let Item::Stmt(s) = item {
                fx.top_stmt(s);
            }
        }
        fx.finish();
    }
    em.module
        .define_function(id, &mut ctx)
        .map_err(|e| format!("cannot compile module {}: {e:?}", em.checked.program.modules[m].path))?;
    Ok(())
}

struct FnLower<'e, 'a, 'b> {
    em: &'e mut ProgramEmitter<'a>,
    b: FunctionBuilder<'b>,
    module: usize,
    frame: String,
    /// `None` for module init functions.
    ret: Option<Type>,
    locals: HashMap<Span, Variable>,
    var_types: HashMap<usize, types::Type>,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
    /// (continue target, break target) of enclosing loops.
    loops: Vec<(Block, Block)>,
    funcs: HashMap<FuncId, FuncRef>,
    data: HashMap<DataId, GlobalValue>,
    /// This frame's depth: active frames below it (`<main>` is 0). Passed
    /// as a hidden first argument so calls need no global counter.
    depth: Value,
    /// Names of import aliases bound in the enclosing blocks (block scoped).
    alias_scopes: Vec<Vec<String>>,
}

impl<'e, 'a, 'b> FnLower<'e, 'a, 'b> {
    fn new(
        em: &'e mut ProgramEmitter<'a>,
        b: FunctionBuilder<'b>,
        module: usize,
        frame: String,
        ret: Option<Type>,
    ) -> Self {
        let frontend = em.module.target_config();
        let depth = cranelift_codegen::entity::packed_option::ReservedValue::reserved_value();
        FnLower {
            em,
            b,
            module,
            frame,
            ret,
            locals: HashMap::new(),
            var_types: HashMap::new(),
            frontend,
            loops: Vec::new(),
            funcs: HashMap::new(),
            data: HashMap::new(),
            depth,
            alias_scopes: Vec::new(),
        }
    }

    fn finish(mut self) {
        if !self.is_terminated() {
            self.return_default();
        }
        self.b.seal_all_blocks();
        self.b.finalize(self.frontend);
    }

    fn internal(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        self.em.internal_error.get_or_insert_with(|| format!("internal error in tern-aot: {msg}"));
    }

    // ---------- small helpers ----------

    fn is_terminated(&self) -> bool {
        let Some(block) = self.b.current_block() else { return true };
        match self.b.func.layout.last_inst(block) {
            Some(inst) => self.b.func.dfg.insts[inst].opcode().is_terminator(),
            None => false,
        }
    }

    /// Code after `return`/`break` still gets lowered, into an unreachable block.
    fn start_dead_block(&mut self) {
        let block = self.b.create_block();
        self.b.switch_to_block(block);
    }

    fn return_default(&mut self) {
        match self.ret.clone() {
            None => {
                self.b.ins().return_(&[]);
            }
            Some(t) => {
                let v = self.zero(&t);
                self.b.ins().return_(&[v]);
            }
        }
    }

    fn zero(&mut self, ty: &Type) -> Value {
        match clif_type(ty) {
            types::F64 => self.b.ins().f64const(0.0),
            t => self.b.ins().iconst(t, 0),
        }
    }

    fn ty(&self, e: &Expr) -> Type {
        self.em.checked.expr_types[self.module].get(e.id as usize).cloned().unwrap_or(Type::Nil)
    }

    fn resolution(&self, id: ExprId) -> Option<Resolution> {
        self.em.checked.resolutions[self.module].get(&id).cloned()
    }

    fn declare_local(&mut self, span: Span) -> Variable {
        let ty = match self.em.checked.binding_types.get(&span) {
            Some(t) => clif_type(t),
            None => {
                self.internal(format!("no type for binding at {span:?}"));
                types::I64
            }
        };
        let var = self.b.declare_var(ty);
        self.locals.insert(span, var);
        self.var_types.insert(var.index(), ty);
        var
    }

    fn func_ref(&mut self, id: FuncId) -> FuncRef {
        if let Some(r) = self.funcs.get(&id) {
            return *r;
        }
        let r = self.em.module.declare_func_in_func(id, self.b.func);
        self.funcs.insert(id, r);
        r
    }

    fn data_addr(&mut self, id: DataId) -> Value {
        let gv = match self.data.get(&id) {
            Some(gv) => *gv,
            None => {
                let gv = self.em.module.declare_data_in_func(id, self.b.func);
                self.data.insert(id, gv);
                gv
            }
        };
        self.b.ins().symbol_value(types::I64, gv)
    }

    fn call_rt(&mut self, name: &str, args: &[Value]) -> Option<Value> {
        let Some(&id) = self.em.runtime.get(name) else {
            self.internal(format!("unknown runtime function {name}"));
            return None;
        };
        let r = self.func_ref(id);
        let call = self.b.ins().call(r, args);
        self.b.inst_results(call).first().copied()
    }

    fn call_rt1(&mut self, name: &str, args: &[Value]) -> Value {
        match self.call_rt(name, args) {
            Some(v) => v,
            None => self.b.ins().iconst(types::I64, 0),
        }
    }

    fn site(&mut self, span: Span, message: &str) -> i32 {
        let frame = self.frame.clone();
        self.em.sites.add(self.em.sources, &frame, span, message)
    }

    /// Branches to a cold block that reports runtime error `code` when `cond` holds.
    fn error_if(&mut self, cond: Value, code: i32, site: i32, a: Option<Value>, b: Option<Value>) {
        let err = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(err);
        self.b.ins().brif(cond, err, &[], cont, &[]);
        self.b.switch_to_block(err);
        self.publish_depth();
        let code = self.b.ins().iconst(types::I32, code as i64);
        let site = self.b.ins().iconst(types::I32, site as i64);
        let a = a.unwrap_or_else(|| self.b.ins().iconst(types::I64, 0));
        let b = b.unwrap_or_else(|| self.b.ins().iconst(types::I64, 0));
        self.call_rt("tern_error", &[code, site, a, b]);
        self.b.ins().trap(TrapCode::unwrap_user(1));
        self.b.switch_to_block(cont);
    }

    /// Stores this frame's depth where the runtime's error reporter reads it;
    /// needed only before calls into the runtime that may raise an error.
    fn publish_depth(&mut self) {
        let addr = self.data_addr(self.em.depth);
        self.b.ins().store(MemFlagsData::trusted(), self.depth, addr, 0);
    }

    fn nil_check(&mut self, ptr: Value, span: Span, message: &str) {
        let is_nil = self.b.ins().icmp_imm_s(IntCC::Equal, ptr, 0);
        let site = self.site(span, message);
        self.error_if(is_nil, 501, site, None, None);
    }

    /// Widens a value to its 8-byte slot representation.
    fn widen_to_slot(&mut self, v: Value, ty: &Type) -> Value {
        match clif_type(ty) {
            types::F64 => self.b.ins().bitcast(types::I64, MemFlagsData::new(), v),
            types::I8 => self.b.ins().uextend(types::I64, v),
            _ => v,
        }
    }

    fn load_slot(&mut self, ty: &Type, addr: Value, offset: i32) -> Value {
        self.b.ins().load(clif_type(ty), MemFlagsData::trusted(), addr, offset)
    }

    fn store_slot(&mut self, v: Value, ty: &Type, addr: Value, offset: i32) {
        let slot = self.widen_to_slot(v, ty);
        self.b.ins().store(MemFlagsData::trusted(), slot, addr, offset);
    }

    /// Index errors point right after the indexed expression (where `[` stands).
    fn bracket_span(&self, obj: &Expr, whole: Span) -> Span {
        Span { file: whole.file, start: obj.span.end, end: obj.span.end + 1 }
    }

    // ---------- statements ----------

    /// A loop body: `continue` goes to `next` (the header, or a `for`
    /// loop's latch), `break` to `exit`; falling off the end goes to `next`.
    fn loop_body(&mut self, body: &tern_syntax::ast::Block, next: Block, exit: Block) {
        self.loops.push((next, exit));
        self.block(body);
        self.loops.pop();
        if !self.is_terminated() {
            self.b.ins().jump(next, &[]);
        }
    }

    fn block(&mut self, b: &tern_syntax::ast::Block) {
        self.alias_scopes.push(Vec::new());
        for s in &b.stmts {
            self.stmt(s);
        }
        self.alias_scopes.pop();
    }

    /// A function may run before the outermost `import ... as a` it uses has
    /// run: that is E0104, like reading a global before its `let` (the
    /// interpreter treats outermost aliases as module globals). Top-level
    /// code cannot (the checker only lets it use an alias after its import).
    fn check_alias_bound(&mut self, base: &Expr) {
        let ExprKind::Name(id) = &base.kind else { return };
        if self.ret.is_none() || !matches!(self.resolution(base.id), Some(Resolution::Module(_))) {
            return;
        }
        if self.alias_scopes.iter().any(|s| s.contains(&id.name)) {
            return;
        }
        let Some(&slot) = self.em.alias_index.get(&(self.module, id.name.clone())) else { return };
        let flags = self.data_addr(self.em.alias_flags);
        let ready = self.b.ins().load(types::I8, MemFlagsData::trusted(), flags, slot as i32);
        let missing = self.b.ins().icmp_imm_s(IntCC::Equal, ready, 0);
        let site = self.site(id.span, &format!("global `{}` read before its `let` ran", id.name));
        self.error_if(missing, 104, site, None, None);
    }

    /// An outermost statement of a module: its `let`s (re)initialise the
    /// module's one global of that name.
    fn top_stmt(&mut self, s: &Stmt) {
        if let StmtKind::Import { path, path_span, alias } = &s.kind {
            self.import(path, *path_span);
            if let Some(&slot) = self.em.alias_index.get(&(self.module, alias.name.clone())) {
                let flags = self.data_addr(self.em.alias_flags);
                let one = self.b.ins().iconst(types::I8, 1);
                self.b.ins().store(MemFlagsData::trusted(), one, flags, slot as i32);
            }
            return;
        }
        if let StmtKind::Let { name, init, .. } = &s.kind {
            let global =
                self.em.checked.globals.iter().position(|g| g.module == self.module && g.name == name.name);
            if let Some(g) = global {
                let v = self.expr(init);
                let ty = self.em.checked.globals[g].ty.clone();
                let v = self.fit(v, clif_type(&ty));
                self.write_global(g, v, &ty);
                return;
            }
        }
        self.stmt(s);
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { name, init, .. } => {
                let v = self.expr(init);
                let var = self.declare_local(name.span);
                self.def_local(var, v);
            }
            StmtKind::Import { path, path_span, alias } => {
                self.import(path, *path_span);
                if let Some(scope) = self.alias_scopes.last_mut() {
                    scope.push(alias.name.clone());
                }
            }
            StmtKind::If { cond, then, els } => {
                let c = self.expr(cond);
                let then_b = self.b.create_block();
                let else_b = self.b.create_block();
                let merge = self.b.create_block();
                self.b.ins().brif(c, then_b, &[], else_b, &[]);
                self.b.switch_to_block(then_b);
                self.block(then);
                if !self.is_terminated() {
                    self.b.ins().jump(merge, &[]);
                }
                self.b.switch_to_block(else_b);
                match els {
                    Some(Else::Block(eb)) => self.block(eb),
                    Some(Else::If(st)) => self.stmt(st),
                    None => {}
                }
                if !self.is_terminated() {
                    self.b.ins().jump(merge, &[]);
                }
                self.b.switch_to_block(merge);
            }
            StmtKind::While { cond, body } => {
                let header = self.b.create_block();
                let body_b = self.b.create_block();
                let exit = self.b.create_block();
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(header);
                let c = self.expr(cond);
                self.b.ins().brif(c, body_b, &[], exit, &[]);
                self.b.switch_to_block(body_b);
                self.loop_body(body, header, exit);
                self.b.switch_to_block(exit);
            }
            StmtKind::For { var, start, end, body } => {
                let start = self.expr(start);
                let end = self.expr(end);
                let counter = self.b.declare_var(types::I64);
                self.b.def_var(counter, start);
                let header = self.b.create_block();
                let body_b = self.b.create_block();
                let latch = self.b.create_block();
                let exit = self.b.create_block();
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(header);
                let i = self.b.use_var(counter);
                let more = self.b.ins().icmp(IntCC::SignedLessThan, i, end);
                self.b.ins().brif(more, body_b, &[], exit, &[]);
                self.b.switch_to_block(body_b);
                // A fresh binding each iteration: assigning to it cannot steer the loop.
                let binding = self.declare_local(var.span);
                self.b.def_var(binding, i);
                self.loop_body(body, latch, exit);
                self.b.switch_to_block(latch);
                let i = self.b.use_var(counter);
                let next = self.b.ins().iadd_imm_s(i, 1);
                self.b.def_var(counter, next);
                self.b.ins().jump(header, &[]);
                self.b.switch_to_block(exit);
            }
            StmtKind::Break | StmtKind::Continue => {
                let Some(&(cont, brk)) = self.loops.last() else {
                    self.internal("break/continue outside a loop");
                    return;
                };
                let target = if matches!(s.kind, StmtKind::Break) { brk } else { cont };
                self.b.ins().jump(target, &[]);
                self.start_dead_block();
            }
            StmtKind::Return(value) => {
                match (value, self.ret.clone()) {
                    (Some(e), Some(_)) => {
                        let v = self.expr(e);
                        let want = self.b.func.signature.returns[0].value_type;
                        let v = self.fit(v, want);
                        self.b.ins().return_(&[v]);
                    }
                    (Some(e), None) => {
                        self.expr(e);
                        self.b.ins().return_(&[]);
                    }
                    (None, _) => self.return_default(),
                }
                self.start_dead_block();
            }
            StmtKind::Block(b) => self.block(b),
            StmtKind::Expr(e) => {
                self.expr(e);
            }
            StmtKind::Assign { target, value } => self.assign(target, value),
        }
    }

    /// Makes `v` the machine type `want` (the checker's types always agree;
    /// this only guards against a gap turning into a Cranelift verifier panic).
    fn fit(&mut self, v: Value, want: types::Type) -> Value {
        let have = self.b.func.dfg.value_type(v);
        if have == want {
            return v;
        }
        self.internal(format!("value of machine type {have} where {want} is expected"));
        match (have, want) {
            (types::I8, types::I64) => self.b.ins().uextend(types::I64, v),
            (types::I64, types::I8) => self.b.ins().ireduce(types::I8, v),
            (types::F64, types::I64) => self.b.ins().bitcast(types::I64, MemFlagsData::new(), v),
            (types::I64, types::F64) => self.b.ins().bitcast(types::F64, MemFlagsData::new(), v),
            (types::I8, types::F64) => {
                let w = self.b.ins().uextend(types::I64, v);
                self.b.ins().bitcast(types::F64, MemFlagsData::new(), w)
            }
            _ => {
                let w = self.b.ins().bitcast(types::I64, MemFlagsData::new(), v);
                self.b.ins().ireduce(types::I8, w)
            }
        }
    }

    fn def_local(&mut self, var: Variable, v: Value) {
        let want = self.var_types.get(&var.index()).copied().unwrap_or(types::I64);
        let v = self.fit(v, want);
        self.b.def_var(var, v);
    }

    fn assign(&mut self, target: &Expr, value: &Expr) {
        match &target.kind {
            ExprKind::Name(id) => {
                let v = self.expr(value);
                let ty = self.ty(value);
                match self.resolution(target.id) {
                    Some(Resolution::Local(span)) => match self.locals.get(&span).copied() {
                        Some(var) => self.def_local(var, v),
                        None => self.internal(format!("assignment to unknown local `{}`", id.name)),
                    },
                    Some(Resolution::Global(g)) => {
                        self.check_global_ready(
                            g,
                            id.span,
                            &format!("global `{}` assigned before its `let` ran", id.name),
                        );
                        self.write_global(g, v, &ty);
                    }
                    other => self.internal(format!("cannot assign to `{}` ({other:?})", id.name)),
                }
            }
            ExprKind::Field { obj, field } => {
                if let Some(Resolution::Global(g)) = self.resolution(target.id) {
                    let v = self.expr(value);
                    let ty = self.ty(value);
                    self.check_global_ready(
                        g,
                        field.span,
                        &format!("global `{}` assigned before its `let` ran", field.name),
                    );
                    self.write_global(g, v, &ty);
                    return;
                }
                let r = self.expr(obj);
                let v = self.expr(value);
                let ty = self.ty(value);
                let Some(slot) = self.field_slot(obj, field) else { return };
                let span = field.span;
                self.nil_check(r, span, &format!("field `{}` of nil", field.name));
                self.store_slot(v, &ty, r, REC_FIELDS + 8 * slot as i32);
            }
            ExprKind::Index { obj, index } => {
                let a = self.expr(obj);
                let i = self.expr(index);
                let v = self.expr(value);
                let ty = self.ty(value);
                let span = self.bracket_span(obj, target.span);
                let data = self.element_addr(a, i, span, "indexing nil");
                self.store_slot(v, &ty, data, 0);
            }
            _ => self.internal("invalid assignment target"),
        }
    }

    fn import(&mut self, path: &str, span: Span) {
        let Some(m) = self.em.imported_module(self.module, path) else {
            self.internal(format!("module `{path}` was not loaded"));
            return;
        };
        let flags = self.data_addr(self.em.module_flags);
        let started = self.b.ins().load(types::I8, MemFlagsData::trusted(), flags, m as i32);
        let run = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(started, done, &[], run, &[]);
        self.b.switch_to_block(run);
        let init = self.em.init_ids[m];
        let site = self.site(span, "call depth exceeded 10000 (runaway recursion?)");
        self.call_tern(init, &[], site);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }

    // ---------- globals ----------

    fn check_global_ready(&mut self, g: usize, span: Span, message: &str) {
        let flags = self.data_addr(self.em.global_flags);
        let ready = self.b.ins().load(types::I8, MemFlagsData::trusted(), flags, g as i32);
        let missing = self.b.ins().icmp_imm_s(IntCC::Equal, ready, 0);
        let site = self.site(span, message);
        self.error_if(missing, 104, site, None, None);
    }

    fn read_global(&mut self, g: usize, span: Span, name: &str) -> Value {
        let owner = self.em.checked.globals[g].module;
        let message = if owner == self.module {
            format!("global `{name}` read before its `let` ran")
        } else {
            format!(
                "`{name}` of module `{}` read before its `let` ran",
                self.em.checked.program.modules[owner].path
            )
        };
        self.check_global_ready(g, span, &message);
        let ty = self.em.checked.globals[g].ty.clone();
        let base = self.data_addr(self.em.globals);
        self.load_slot(&ty, base, 8 * g as i32)
    }

    fn write_global(&mut self, g: usize, v: Value, ty: &Type) {
        let base = self.data_addr(self.em.globals);
        self.store_slot(v, ty, base, 8 * g as i32);
        let flags = self.data_addr(self.em.global_flags);
        let one = self.b.ins().iconst(types::I8, 1);
        self.b.ins().store(MemFlagsData::trusted(), one, flags, g as i32);
    }

    // ---------- calls ----------

    /// A direct call. The callee's depth is passed as a hidden argument; the
    /// call site goes into this frame's shadow-stack slot `tern_stack[depth]`
    /// (one store) so the runtime can print a trace. No counter to restore.
    fn call_tern(&mut self, id: FuncId, args: &[Value], site: i32) -> Option<Value> {
        let depth = self.depth;
        // `<main>` is frame 0, so a call from frame MAX_FRAMES - 1 would be frame MAX_FRAMES + 1.
        let too_deep = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, depth, MAX_FRAMES - 1);
        self.error_if(too_deep, 1001, site, None, None);
        let stack = self.data_addr(self.em.stack);
        let offset = self.b.ins().ishl_imm_s(depth, 2);
        let slot = self.b.ins().iadd(stack, offset);
        let site_v = self.b.ins().iconst(types::I32, site as i64);
        self.b.ins().store(MemFlagsData::trusted(), site_v, slot, 0);
        let deeper = self.b.ins().iadd_imm_s(depth, 1);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(deeper);
        all.extend_from_slice(args);
        let r = self.func_ref(id);
        let call = self.b.ins().call(r, &all);
        self.b.inst_results(call).first().copied()
    }

    fn call(&mut self, e: &Expr, callee: &Callee, args: &[Expr]) -> Value {
        let name = callee.name();
        if let Callee::Member { base, .. } = callee {
            self.check_alias_bound(base);
        }
        match self.resolution(e.id) {
            Some(Resolution::Function(f)) => {
                let mut vals: Vec<Value> = args.iter().map(|a| self.expr(a)).collect();
                let params: Vec<types::Type> =
                    self.em.checked.functions[f.0 as usize].params.iter().map(clif_type).collect();
                if params.len() != vals.len() {
                    self.internal(format!("call to `{}` with {} arguments", name.name, vals.len()));
                    return self.b.ins().iconst(types::I64, 0);
                }
                for (v, t) in vals.iter_mut().zip(params) {
                    *v = self.fit(*v, t);
                }
                let id = self.em.fn_ids[f.0 as usize];
                let site = self.site(name.span, "call depth exceeded 10000 (runaway recursion?)");
                match self.call_tern(id, &vals, site) {
                    Some(v) => v,
                    None => self.b.ins().iconst(types::I64, 0),
                }
            }
            Some(Resolution::Builtin(b)) => self.builtin(b, name.span, args),
            other => {
                self.internal(format!("call to `{}` resolved to {other:?}", name.name));
                self.b.ins().iconst(types::I64, 0)
            }
        }
    }

    fn builtin(&mut self, name: &str, span: Span, args: &[Expr]) -> Value {
        let vals: Vec<Value> = args.iter().map(|a| self.expr(a)).collect();
        let tys: Vec<Type> = args.iter().map(|a| self.ty(a)).collect();
        let nil = |fx: &mut Self| fx.b.ins().iconst(types::I64, 0);
        if vals.len() != tern_syntax::ast::builtin_arity(name).unwrap_or(usize::MAX) {
            self.internal(format!("builtin `{name}` with {} arguments", vals.len()));
            return nil(self);
        }
        match name {
            "print" | "str" => {
                let bits = self.widen_to_slot(vals[0], &tys[0]);
                let desc = self.em.descriptor_data(&tys[0]);
                let desc = self.data_addr(desc);
                if name == "print" {
                    self.call_rt("tern_print", &[bits, desc]);
                    nil(self)
                } else {
                    self.call_rt1("tern_to_str", &[bits, desc])
                }
            }
            "int" => match tys[0] {
                Type::Float => {
                    let site = self.site(span, "cannot convert to int");
                    let site = self.b.ins().iconst(types::I32, site as i64);
                    self.publish_depth();
                    self.call_rt1("tern_int_of_float", &[vals[0], site])
                }
                _ => vals[0],
            },
            "float" => match tys[0] {
                Type::Int => self.b.ins().fcvt_from_sint(types::F64, vals[0]),
                _ => vals[0],
            },
            "sqrt" => self.b.ins().sqrt(vals[0]),
            "fixed" => {
                let site = self.site(span, "fixed() digits out of range");
                let site = self.b.ins().iconst(types::I32, site as i64);
                self.publish_depth();
                self.call_rt1("tern_fixed", &[vals[0], vals[1], site])
            }
            "len" => match tys[0] {
                Type::Str => self.call_rt1("tern_str_len", &[vals[0]]),
                _ => {
                    self.nil_check(vals[0], span, "`len` of nil");
                    self.b.ins().load(types::I64, MemFlagsData::trusted(), vals[0], ARR_LEN)
                }
            },
            "push" => {
                let bits = self.widen_to_slot(vals[1], &tys[1]);
                let site = self.site(span, "`push` onto nil");
                let site = self.b.ins().iconst(types::I32, site as i64);
                self.publish_depth();
                self.call_rt("tern_arr_push", &[vals[0], bits, site]);
                nil(self)
            }
            "clock" => self.call_rt1("tern_clock", &[]),
            _ => {
                self.internal(format!("unknown builtin `{name}`"));
                nil(self)
            }
        }
    }

    // ---------- expressions ----------

    fn expr(&mut self, e: &Expr) -> Value {
        match &e.kind {
            ExprKind::Int(n) => self.b.ins().iconst(types::I64, *n),
            ExprKind::Float(x) => self.b.ins().f64const(*x),
            ExprKind::Bool(v) => self.b.ins().iconst(types::I8, *v as i64),
            ExprKind::Nil => self.b.ins().iconst(types::I64, 0),
            ExprKind::Str(s) => {
                let id = self.em.string_data(s);
                self.data_addr(id)
            }
            ExprKind::Name(id) => match self.resolution(e.id) {
                Some(Resolution::Local(span)) => match self.locals.get(&span).copied() {
                    Some(var) => self.b.use_var(var),
                    None => {
                        self.internal(format!("local `{}` used before declaration", id.name));
                        self.b.ins().iconst(types::I64, 0)
                    }
                },
                Some(Resolution::Global(g)) => self.read_global(g, id.span, &id.name),
                other => {
                    self.internal(format!("name `{}` resolved to {other:?}", id.name));
                    self.b.ins().iconst(types::I64, 0)
                }
            },
            ExprKind::Unary { op, operand } => {
                let v = self.expr(operand);
                match (op, self.ty(operand)) {
                    (UnOp::Neg, Type::Float) => self.b.ins().fneg(v),
                    (UnOp::Neg, _) => self.b.ins().ineg(v),
                    (UnOp::Not, _) => self.b.ins().bxor_imm_s(v, 1),
                }
            }
            ExprKind::Binary { op, op_span, lhs, rhs } => self.binary(*op, *op_span, lhs, rhs),
            ExprKind::Call { callee, args } => self.call(e, callee, args),
            ExprKind::Field { obj, field } => {
                if let Some(Resolution::Global(g)) = self.resolution(e.id) {
                    self.check_alias_bound(obj);
                    return self.read_global(g, field.span, &field.name);
                }
                let r = self.expr(obj);
                let Some(slot) = self.field_slot(obj, field) else {
                    return self.b.ins().iconst(types::I64, 0);
                };
                let span = field.span;
                self.nil_check(r, span, &format!("field `{}` of nil", field.name));
                let ty = self.ty(e);
                self.load_slot(&ty, r, REC_FIELDS + 8 * slot as i32)
            }
            ExprKind::Index { obj, index } => {
                let a = self.expr(obj);
                let i = self.expr(index);
                let span = self.bracket_span(obj, e.span);
                let addr = self.element_addr(a, i, span, "indexing nil");
                let ty = self.ty(e);
                self.load_slot(&ty, addr, 0)
            }
            ExprKind::Array(items) => {
                let vals: Vec<(Value, Type)> = items.iter().map(|x| (self.expr(x), self.ty(x))).collect();
                let n = self.b.ins().iconst(types::I64, vals.len() as i64);
                let arr = self.call_rt1("tern_arr_new", &[n]);
                if !vals.is_empty() {
                    let data = self.b.ins().load(types::I64, MemFlagsData::trusted(), arr, ARR_DATA);
                    for (k, (v, t)) in vals.iter().enumerate() {
                        self.store_slot(*v, t, data, 8 * k as i32);
                    }
                }
                arr
            }
            ExprKind::Record { name, fields } => {
                let Type::Struct(sid) = self.ty(e) else {
                    self.internal(format!("record `{}` has no struct type", name.name));
                    return self.b.ins().iconst(types::I64, 0);
                };
                let info = &self.em.checked.structs[sid.0 as usize];
                let order: Vec<Option<usize>> =
                    fields.iter().map(|(f, _)| info.fields.iter().position(|(n, _)| *n == f.name)).collect();
                let nfields = info.fields.len();
                let vals: Vec<(Value, Type)> =
                    fields.iter().map(|(_, x)| (self.expr(x), self.ty(x))).collect();
                let sid_v = self.b.ins().iconst(types::I64, sid.0 as i64);
                let n = self.b.ins().iconst(types::I64, nfields as i64);
                let rec = self.call_rt1("tern_rec_new", &[sid_v, n]);
                for ((v, t), slot) in vals.iter().zip(order) {
                    match slot {
                        Some(k) => self.store_slot(*v, t, rec, REC_FIELDS + 8 * k as i32),
                        None => self.internal(format!("unknown field in `{}` literal", name.name)),
                    }
                }
                rec
            }
        }
    }

    fn field_slot(&mut self, obj: &Expr, field: &Ident) -> Option<usize> {
        let Type::Struct(sid) = self.ty(obj) else {
            self.internal(format!("field `{}` of a non-record", field.name));
            return None;
        };
        let slot = self.em.checked.structs[sid.0 as usize].fields.iter().position(|(n, _)| *n == field.name);
        if slot.is_none() {
            self.internal(format!("unknown field `{}`", field.name));
        }
        slot
    }

    /// Nil and bounds checks, then the address of element `i`.
    fn element_addr(&mut self, arr: Value, i: Value, span: Span, nil_message: &str) -> Value {
        self.nil_check(arr, span, nil_message);
        let len = self.b.ins().load(types::I64, MemFlagsData::trusted(), arr, ARR_LEN);
        // Unsigned compare also catches negative indices.
        let out = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
        let site = self.site(span, "index out of range");
        self.error_if(out, 701, site, Some(i), Some(len));
        let data = self.b.ins().load(types::I64, MemFlagsData::trusted(), arr, ARR_DATA);
        let offset = self.b.ins().ishl_imm_s(i, 3);
        self.b.ins().iadd(data, offset)
    }

    fn binary(&mut self, op: BinOp, op_span: Span, lhs: &Expr, rhs: &Expr) -> Value {
        if matches!(op, BinOp::And | BinOp::Or) {
            let l = self.expr(lhs);
            let rhs_b = self.b.create_block();
            let merge = self.b.create_block();
            let result = self.b.append_block_param(merge, types::I8);
            if op == BinOp::And {
                self.b.ins().brif(l, rhs_b, &[], merge, &[BlockArg::Value(l)]);
            } else {
                self.b.ins().brif(l, merge, &[BlockArg::Value(l)], rhs_b, &[]);
            }
            self.b.switch_to_block(rhs_b);
            let r = self.expr(rhs);
            self.b.ins().jump(merge, &[BlockArg::Value(r)]);
            self.b.switch_to_block(merge);
            return result;
        }
        let lt = self.ty(lhs);
        let l = self.expr(lhs);
        let r = self.expr(rhs);
        match (op, &lt) {
            (BinOp::Add, Type::Int) => self.b.ins().iadd(l, r),
            (BinOp::Sub, Type::Int) => self.b.ins().isub(l, r),
            (BinOp::Mul, Type::Int) => self.b.ins().imul(l, r),
            (BinOp::Div | BinOp::Rem, Type::Int) => match rhs.kind {
                // A literal divisor other than 0 and -1 needs no checks.
                ExprKind::Int(k) if k != 0 && k != -1 => {
                    if op == BinOp::Div {
                        self.b.ins().sdiv(l, r)
                    } else {
                        self.b.ins().srem(l, r)
                    }
                }
                _ => self.int_div(op, op_span, l, r),
            },
            (BinOp::Add, Type::Float) => self.b.ins().fadd(l, r),
            (BinOp::Sub, Type::Float) => self.b.ins().fsub(l, r),
            (BinOp::Mul, Type::Float) => self.b.ins().fmul(l, r),
            (BinOp::Div, Type::Float) => self.b.ins().fdiv(l, r),
            (BinOp::Rem, Type::Float) => {
                // C fmod: exact, sign of the dividend.
                let v = self.call_rt("fmod", &[l, r]);
                v.unwrap_or_else(|| self.b.ins().f64const(0.0))
            }
            (BinOp::Add, Type::Str) => self.call_rt1("tern_str_concat", &[l, r]),
            (BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge, _) => {
                self.compare(op, &lt, l, r)
            }
            _ => {
                self.internal(format!("operator {} on {lt:?}", op.text()));
                self.b.ins().iconst(types::I64, 0)
            }
        }
    }

    /// Truncating division with Rust's wrapping semantics: MIN / -1 == MIN,
    /// MIN % -1 == 0 (the hardware would trap on both).
    fn int_div(&mut self, op: BinOp, span: Span, l: Value, r: Value) -> Value {
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
        let site = self.site(span, if op == BinOp::Div { "division by zero" } else { "modulo by zero" });
        self.error_if(zero, 601, site, None, None);
        let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, r, -1);
        let one = self.b.ins().iconst(types::I64, 1);
        let safe = self.b.ins().select(minus_one, one, r);
        if op == BinOp::Div {
            let q = self.b.ins().sdiv(l, safe);
            let neg = self.b.ins().ineg(l);
            self.b.ins().select(minus_one, neg, q)
        } else {
            let m = self.b.ins().srem(l, safe);
            let z = self.b.ins().iconst(types::I64, 0);
            self.b.ins().select(minus_one, z, m)
        }
    }

    fn compare(&mut self, op: BinOp, ty: &Type, l: Value, r: Value) -> Value {
        match ty {
            Type::Float => {
                let cc = match op {
                    BinOp::Eq => FloatCC::Equal,
                    BinOp::Ne => FloatCC::NotEqual,
                    BinOp::Lt => FloatCC::LessThan,
                    BinOp::Le => FloatCC::LessThanOrEqual,
                    BinOp::Gt => FloatCC::GreaterThan,
                    _ => FloatCC::GreaterThanOrEqual,
                };
                self.b.ins().fcmp(cc, l, r)
            }
            Type::Str => {
                let (v, rhs) = if matches!(op, BinOp::Eq | BinOp::Ne) {
                    (self.call_rt1("tern_str_eq", &[l, r]), 1)
                } else {
                    (self.call_rt1("tern_str_cmp", &[l, r]), 0)
                };
                let cc = match op {
                    BinOp::Eq => IntCC::Equal,
                    BinOp::Ne => IntCC::NotEqual,
                    BinOp::Lt => IntCC::SignedLessThan,
                    BinOp::Le => IntCC::SignedLessThanOrEqual,
                    BinOp::Gt => IntCC::SignedGreaterThan,
                    _ => IntCC::SignedGreaterThanOrEqual,
                };
                self.b.ins().icmp_imm_s(cc, v, rhs)
            }
            _ => {
                let cc = match op {
                    BinOp::Eq => IntCC::Equal,
                    BinOp::Ne => IntCC::NotEqual,
                    BinOp::Lt => IntCC::SignedLessThan,
                    BinOp::Le => IntCC::SignedLessThanOrEqual,
                    BinOp::Gt => IntCC::SignedGreaterThan,
                    _ => IntCC::SignedGreaterThanOrEqual,
                };
                // nil (i64 0) may meet an array/record; widen so both sides agree.
                let (l, r) = self.same_width(l, r);
                self.b.ins().icmp(cc, l, r)
            }
        }
    }

    fn same_width(&mut self, l: Value, r: Value) -> (Value, Value) {
        let lt = self.b.func.dfg.value_type(l);
        let rt = self.b.func.dfg.value_type(r);
        if lt == rt {
            return (l, r);
        }
        let l = if lt == types::I8 { self.b.ins().uextend(types::I64, l) } else { l };
        let r = if rt == types::I8 { self.b.ins().uextend(types::I64, r) } else { r };
        (l, r)
    }
}
