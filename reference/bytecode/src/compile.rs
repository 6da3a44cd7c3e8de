//! AST -> register bytecode, one module at a time.
//!
//! The compiler never rejects a program for a name, type, field or arity
//! problem: the interpreter's phase model says those surface only when the
//! code runs, so it emits `Raise` pointing at a `StaticError` instead. The
//! only compile errors are implementation limits (registers, jump range).
//!
//! Register allocation is a stack: locals take the next free register when
//! their `let` runs and keep it until their block ends; temporaries live
//! above the locals and are released as soon as an expression is done.

use crate::instr::{Builtin, CheckKind, Instr, Reg};
use crate::program::*;
use std::collections::HashMap;
use tern_diag::{Code, Diagnostic, Phase, Span};
use tern_syntax::ast::*;

/// Registers a function may use (u8 operands; a few kept spare).
pub const MAX_REGS: u16 = 250;

struct ModCtx {
    fns: HashMap<String, (u32, usize)>,
    structs: HashMap<String, u16>,
    struct_defs: Vec<StructDef>,
    globals: Vec<String>,
    global_types: HashMap<String, Option<u16>>,
    types: Vec<TypeCheck>,
}

impl ModCtx {
    fn global(&self, name: &str) -> Option<u32> {
        self.globals.iter().position(|g| g == name).map(|i| i as u32)
    }

    fn intern_type(&mut self, t: &TypeExpr) -> u16 {
        let check = match t {
            TypeExpr::Int(_) => TypeCheck::Int,
            TypeExpr::Float(_) => TypeCheck::Float,
            TypeExpr::Bool(_) => TypeCheck::Bool,
            TypeExpr::Str(_) => TypeCheck::Str,
            TypeExpr::Array(..) => TypeCheck::Array,
            TypeExpr::Named(id) => match self.structs.get(&id.name) {
                Some(i) => TypeCheck::Struct(*i),
                None => TypeCheck::Unknown(id.name.clone()),
            },
        };
        if let Some(i) = self.types.iter().position(|c| *c == check) {
            return i as u16;
        }
        self.types.push(check);
        (self.types.len() - 1) as u16
    }
}

/// Compiles one parsed module. `phase` is given to limit errors.
pub fn compile_module(path: &str, source: &str, ast: &Module, phase: Phase) -> Result<Program, Diagnostic> {
    let mut ctx = ModCtx {
        fns: HashMap::new(),
        structs: HashMap::new(),
        struct_defs: Vec::new(),
        globals: Vec::new(),
        global_types: HashMap::new(),
        types: Vec::new(),
    };
    let mut fn_decls = Vec::new();
    for item in &ast.items {
        match item {
            Item::Fn(f) => {
                if !ctx.fns.contains_key(&f.name.name) {
                    ctx.fns.insert(f.name.name.clone(), (fn_decls.len() as u32 + 1, f.params.len()));
                }
                fn_decls.push(f);
            }
            Item::Struct(s) => {
                if !ctx.structs.contains_key(&s.name.name) {
                    ctx.structs.insert(s.name.name.clone(), ctx.struct_defs.len() as u16);
                    ctx.struct_defs.push(StructDef {
                        name: s.name.name.clone(),
                        fields: s.fields.iter().map(|(f, _)| f.name.clone()).collect(),
                        field_types: Vec::new(),
                    });
                }
            }
            Item::Stmt(s) => match &s.kind {
                StmtKind::Let { name, ty, .. } => {
                    if ctx.global(&name.name).is_none() {
                        ctx.globals.push(name.name.clone());
                    }
                    let annotated = ty.is_some();
                    let entry = ctx.global_types.entry(name.name.clone()).or_insert(None);
                    // Only a single annotated `let` makes assignments checkable.
                    if annotated && entry.is_none() {
                        *entry = Some(u16::MAX);
                    }
                }
                StmtKind::Import { alias, .. } if ctx.global(&alias.name).is_none() => {
                    ctx.globals.push(alias.name.clone());
                }
                _ => {}
            },
        }
    }
    // Field annotations need every struct name known first.
    for item in &ast.items {
        if let Item::Struct(s) = item {
            let idx = ctx.structs[&s.name.name] as usize;
            if ctx.struct_defs[idx].field_types.is_empty() {
                let tys: Vec<u16> = s.fields.iter().map(|(_, t)| ctx.intern_type(t)).collect();
                ctx.struct_defs[idx].field_types = tys;
            }
        }
    }
    // Global annotations: the type of the one annotated let.
    for item in &ast.items {
        if let Item::Stmt(Stmt { kind: StmtKind::Let { name, ty: Some(t), .. }, .. }) = item {
            if ctx.global_types.get(&name.name) == Some(&Some(u16::MAX)) {
                let i = ctx.intern_type(t);
                ctx.global_types.insert(name.name.clone(), Some(i));
            }
        }
    }

    let mut functions = Vec::new();
    let top_stmts: Vec<&Stmt> =
        ast.items.iter().filter_map(|i| if let Item::Stmt(s) = i { Some(s) } else { None }).collect();
    {
        let mut fc = FnC::new(&mut ctx, "<top>", phase, true, None);
        for s in top_stmts {
            fc.stmt(s)?;
        }
        let end = Span::new(ast.file, source.len(), source.len());
        fc.emit(Instr::ReturnNil, end);
        functions.push(fc.finish());
    }
    // Return annotation per function index (0 is the top level), for `elide`.
    let mut returns: Vec<Option<u16>> = vec![None];
    for f in fn_decls {
        let ret = f.ret.as_ref().map(|t| ctx.intern_type(t));
        returns.push(ret);
        let mut fc = FnC::new(&mut ctx, &f.name.name, phase, false, ret);
        if f.params.len() > MAX_REGS as usize {
            return Err(fc.limit(f.name.span, "too many parameters"));
        }
        fc.proto.arity = f.params.len() as u8;
        fc.scopes.push(Vec::new());
        for p in &f.params {
            let r = fc.alloc(p.name.span)?;
            let ty = p.ty.as_ref().map(|t| fc.ctx.intern_type(t));
            fc.bind(&p.name.name, r, ty);
        }
        for (i, p) in f.params.iter().enumerate() {
            if let Some(t) = &p.ty {
                let ty = fc.ctx.intern_type(t);
                fc.emit(Instr::CheckType { r: i as Reg, kind: CheckKind::Argument, ty }, p.name.span);
            }
        }
        fc.hoist_loop_constants(&f.body.stmts)?;
        fc.block_body(&f.body)?;
        let end = Span::new(ast.file, f.body.span.end as usize - 1, f.body.span.end as usize);
        fc.return_value(None, end)?;
        functions.push(fc.finish());
    }
    for f in &mut functions {
        crate::elide::elide_checks(f, &ctx.types, &returns);
    }
    Ok(Program {
        path: path.to_string(),
        source: source.to_string(),
        functions,
        structs: ctx.struct_defs,
        globals: ctx.globals,
        types: ctx.types,
    })
}

struct Local {
    name: String,
    reg: Reg,
    ty: Option<u16>,
}

struct LoopCtx {
    breaks: Vec<usize>,
    continues: Vec<usize>,
    /// `while` loops continue by jumping back to the condition (pc, loop id).
    back_to: Option<(usize, u16)>,
}

struct FnC<'a> {
    ctx: &'a mut ModCtx,
    proto: FunctionProto,
    phase: Phase,
    scopes: Vec<Vec<Local>>,
    next: u16,
    loops: Vec<LoopCtx>,
    /// Top-level code: `let`s at block depth 0 define globals.
    is_top: bool,
    ret_ty: Option<u16>,
    /// Numeric literals used as operands inside loops, loaded once into
    /// registers in the prologue (saves a dispatch per iteration). Read-only.
    hoisted: Vec<(u64, bool, Reg)>,
    /// Index of each constant already in the pool (floats by bit pattern):
    /// a linear search made a long top level quadratic to compile.
    const_index: std::collections::HashMap<ConstKey, u32>,
}

#[derive(PartialEq, Eq, Hash)]
enum ConstKey {
    Int(i64),
    Float(u64),
    Str(String),
}

type R<T> = Result<T, Diagnostic>;

impl<'a> FnC<'a> {
    fn new(ctx: &'a mut ModCtx, name: &str, phase: Phase, is_top: bool, ret_ty: Option<u16>) -> Self {
        FnC {
            ctx,
            proto: FunctionProto {
                name: name.to_string(),
                arity: 0,
                num_regs: 0,
                code: Vec::new(),
                spans: Vec::new(),
                consts: Vec::new(),
                names: Vec::new(),
                errors: Vec::new(),
                num_loops: 0,
            },
            phase,
            scopes: Vec::new(),
            next: 0,
            loops: Vec::new(),
            is_top,
            ret_ty,
            hoisted: Vec::new(),
            const_index: std::collections::HashMap::new(),
        }
    }

    fn finish(mut self) -> FunctionProto {
        // A call's result register must exist even in a function without locals.
        self.proto.num_regs = self.proto.num_regs.max(1);
        self.proto
    }

    fn limit(&self, span: Span, what: &str) -> Diagnostic {
        Diagnostic::new(Code::UnexpectedToken, self.phase, span, format!("implementation limit: {what}"))
            .with_hint("split the function into smaller functions")
    }

    fn emit(&mut self, i: Instr, span: Span) -> usize {
        self.proto.code.push(i);
        self.proto.spans.push(SrcSpan { start: span.start, end: span.end });
        self.proto.code.len() - 1
    }

    fn alloc(&mut self, span: Span) -> R<Reg> {
        if self.next >= MAX_REGS {
            return Err(self.limit(span, "more than 250 registers in one function"));
        }
        let r = self.next as Reg;
        self.next += 1;
        self.proto.num_regs = self.proto.num_regs.max(self.next as u8);
        Ok(r)
    }

    fn alloc_n(&mut self, n: usize, span: Span) -> R<Reg> {
        let base = self.next;
        for _ in 0..n.max(1) {
            self.alloc(span)?;
        }
        Ok(base as Reg)
    }

    fn bind(&mut self, name: &str, reg: Reg, ty: Option<u16>) {
        self.scopes.last_mut().expect("a scope is open").push(Local { name: name.to_string(), reg, ty });
    }

    fn local(&self, name: &str) -> Option<(Reg, Option<u16>)> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|l| l.name == name).map(|l| (l.reg, l.ty))
    }

    fn at_global_level(&self) -> bool {
        self.is_top && self.scopes.is_empty()
    }

    fn konst(&mut self, c: Const) -> u32 {
        let key = match &c {
            Const::Int(v) => ConstKey::Int(*v),
            Const::Float(f) => ConstKey::Float(f.to_bits()),
            Const::Str(s) => ConstKey::Str(s.clone()),
        };
        if let Some(i) = self.const_index.get(&key) {
            return *i;
        }
        self.proto.consts.push(c);
        let i = (self.proto.consts.len() - 1) as u32;
        self.const_index.insert(key, i);
        i
    }

    fn site(&mut self, name: &str) -> R<u16> {
        if self.proto.names.len() >= u16::MAX as usize {
            return Err(self.limit(Span::default(), "too many field sites"));
        }
        self.proto.names.push(name.to_string());
        Ok((self.proto.names.len() - 1) as u16)
    }

    fn raise(&mut self, code: Code, message: String, hint: Option<&str>, span: Span) -> R<()> {
        self.proto.errors.push(StaticError { code: code.number(), message, hint: hint.map(str::to_string) });
        let e = (self.proto.errors.len() - 1) as u16;
        self.emit(Instr::Raise { e }, span);
        Ok(())
    }

    fn patch_to_here(&mut self, site: usize) -> R<()> {
        let off = self.proto.code.len() as i64 - site as i64 - 1;
        self.proto.code[site].set_jump_offset(off as i32);
        Ok(())
    }

    fn jump_back(&mut self, target: usize, id: u16, span: Span) {
        let off = target as i64 - self.proto.code.len() as i64 - 1;
        self.emit(Instr::Loop { id, off: off as i32 }, span);
    }

    fn new_loop_id(&mut self, span: Span) -> R<u16> {
        if self.proto.num_loops == u16::MAX {
            return Err(self.limit(span, "too many loops"));
        }
        self.proto.num_loops += 1;
        Ok(self.proto.num_loops - 1)
    }

    fn hoisted_reg(&self, bits: u64, float: bool) -> Option<Reg> {
        self.hoisted.iter().find(|h| h.0 == bits && h.1 == float).map(|h| h.2)
    }

    /// Loads up to 8 distinct numeric literals that are operands of binary
    /// operators inside loops into registers reserved for the whole function.
    fn hoist_loop_constants(&mut self, stmts: &[Stmt]) -> R<()> {
        let mut found: Vec<(u64, bool, Span)> = Vec::new();
        for s in stmts {
            scan_stmt(s, false, &mut found);
        }
        for (bits, float, span) in found.into_iter().take(8) {
            let r = self.alloc(span)?;
            if float {
                let k = self.konst(Const::Float(f64::from_bits(bits)));
                self.emit(Instr::Const { dst: r, k }, span);
            } else {
                self.load_int(r, bits as i64, span);
            }
            self.hoisted.push((bits, float, r));
        }
        Ok(())
    }

    // ---------------------------------------------------------------- statements

    fn block_body(&mut self, b: &Block) -> R<()> {
        let save = self.next;
        self.scopes.push(Vec::new());
        for s in &b.stmts {
            self.stmt(s)?;
        }
        self.scopes.pop();
        self.next = save;
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> R<()> {
        let temps = self.next;
        match &s.kind {
            StmtKind::Let { name, ty, init } => {
                let ty = ty.as_ref().map(|t| self.ctx.intern_type(t));
                if self.at_global_level() {
                    let g = self.ctx.global(&name.name).expect("collected");
                    let r = self.expr(init, None)?;
                    if let Some(ty) = ty {
                        self.emit(Instr::CheckType { r, kind: CheckKind::Annotation, ty }, name.span);
                    }
                    self.emit(Instr::DefGlobal { src: r, g }, name.span);
                    self.next = temps;
                } else {
                    let r = self.alloc(name.span)?;
                    self.expr_into(init, r)?;
                    if let Some(ty) = ty {
                        self.emit(Instr::CheckType { r, kind: CheckKind::Annotation, ty }, name.span);
                    }
                    self.next = r as u16 + 1;
                    self.bind(&name.name, r, ty);
                }
                return Ok(());
            }
            StmtKind::Import { path, path_span, alias } => {
                let site = self.site(path)?;
                if self.at_global_level() {
                    let g = self.ctx.global(&alias.name).expect("collected");
                    let r = self.alloc(*path_span)?;
                    self.emit(Instr::Import { dst: r, site }, *path_span);
                    self.emit(Instr::DefGlobal { src: r, g }, alias.span);
                    self.next = temps;
                } else {
                    let r = self.alloc(*path_span)?;
                    self.emit(Instr::Import { dst: r, site }, *path_span);
                    self.bind(&alias.name, r, None);
                }
                return Ok(());
            }
            StmtKind::If { cond, then, els } => {
                let to_else = self.cond_false_jumps(cond)?;
                self.block_body(then)?;
                match els {
                    None => {
                        for j in to_else {
                            self.patch_to_here(j)?;
                        }
                    }
                    Some(e) => {
                        let over = self.emit(Instr::Jump { off: 0 }, s.span);
                        for j in to_else {
                            self.patch_to_here(j)?;
                        }
                        match e {
                            Else::Block(b) => self.block_body(b)?,
                            Else::If(st) => {
                                self.scopes.push(Vec::new());
                                self.stmt(st)?;
                                self.scopes.pop();
                            }
                        }
                        self.patch_to_here(over)?;
                    }
                }
            }
            StmtKind::While { cond, body } => {
                let id = self.new_loop_id(s.span)?;
                let top = self.proto.code.len();
                let exits = self.cond_false_jumps(cond)?;
                self.loops.push(LoopCtx {
                    breaks: Vec::new(),
                    continues: Vec::new(),
                    back_to: Some((top, id)),
                });
                self.block_body(body)?;
                self.jump_back(top, id, s.span);
                let l = self.loops.pop().expect("pushed");
                for j in exits.into_iter().chain(l.breaks) {
                    self.patch_to_here(j)?;
                }
            }
            StmtKind::For { var, start, end, body } => {
                let id = self.new_loop_id(s.span)?;
                let base = self.alloc_n(3, var.span)?;
                self.expr_into(start, base)?;
                self.expr_into(end, base + 1)?;
                let range_span = start.span.to(end.span);
                let prep = self.emit(Instr::ForPrep { base, off: 0 }, range_span);
                let body_start = self.proto.code.len();
                self.loops.push(LoopCtx { breaks: Vec::new(), continues: Vec::new(), back_to: None });
                self.scopes.push(Vec::new());
                self.bind(&var.name, base + 2, None);
                self.block_body(body)?;
                self.scopes.pop();
                let l = self.loops.pop().expect("pushed");
                for j in l.continues {
                    self.patch_to_here(j)?;
                }
                let off = body_start as i64 - self.proto.code.len() as i64 - 1;
                self.emit(Instr::ForLoop { base, id, off: off as i32 }, range_span);
                self.patch_to_here(prep)?;
                for j in l.breaks {
                    self.patch_to_here(j)?;
                }
            }
            StmtKind::Break | StmtKind::Continue => {
                let is_break = matches!(s.kind, StmtKind::Break);
                match self.loops.last() {
                    None => {
                        let w = if is_break { "break" } else { "continue" };
                        self.raise(
                            Code::LoopControlOutsideLoop,
                            format!("`{w}` outside a loop"),
                            None,
                            s.span,
                        )?;
                    }
                    Some(l) => {
                        if !is_break {
                            if let Some((top, id)) = l.back_to {
                                self.jump_back(top, id, s.span);
                                return Ok(());
                            }
                        }
                        let j = self.emit(Instr::Jump { off: 0 }, s.span);
                        let l = self.loops.last_mut().expect("checked");
                        if is_break {
                            l.breaks.push(j)
                        } else {
                            l.continues.push(j)
                        }
                    }
                }
            }
            StmtKind::Return(e) => {
                let span = e.as_ref().map(|e| e.span).unwrap_or(s.span);
                self.return_value(e.as_ref(), span)?;
            }
            StmtKind::Block(b) => self.block_body(b)?,
            StmtKind::Expr(e) => {
                self.expr(e, None)?;
            }
            StmtKind::Assign { target, value } => self.assign(target, value)?,
        }
        self.next = temps;
        Ok(())
    }

    fn return_value(&mut self, e: Option<&Expr>, span: Span) -> R<()> {
        match (e, self.ret_ty) {
            (None, None) => {
                self.emit(Instr::ReturnNil, span);
            }
            (e, ty) => {
                let r = match e {
                    Some(e) => self.expr(e, None)?,
                    None => {
                        let r = self.alloc(span)?;
                        self.emit(Instr::Nil { dst: r }, span);
                        r
                    }
                };
                if let Some(ty) = ty {
                    self.emit(Instr::CheckType { r, kind: CheckKind::Annotation, ty }, span);
                }
                self.emit(Instr::Return { src: r }, span);
            }
        }
        Ok(())
    }

    fn assign(&mut self, target: &Expr, value: &Expr) -> R<()> {
        match &target.kind {
            ExprKind::Name(id) => {
                if let Some((r, ty)) = self.local(&id.name) {
                    self.expr_into(value, r)?;
                    if let Some(ty) = ty {
                        self.emit(Instr::CheckType { r, kind: CheckKind::Annotation, ty }, id.span);
                    }
                } else if let Some(g) = self.ctx.global(&id.name) {
                    let r = self.expr(value, None)?;
                    if let Some(Some(ty)) = self.ctx.global_types.get(&id.name).copied() {
                        self.emit(Instr::CheckType { r, kind: CheckKind::Annotation, ty }, id.span);
                    }
                    self.emit(Instr::SetGlobal { src: r, g }, id.span);
                } else {
                    self.unknown_name(id)?;
                }
            }
            ExprKind::Field { obj, field } => {
                let o = self.expr(obj, None)?;
                let v = self.expr(value, None)?;
                let site = self.site(&field.name)?;
                self.emit(Instr::SetField { obj: o, val: v, site }, field.span);
            }
            ExprKind::Index { obj, index } => {
                let o = self.expr(obj, None)?;
                let i = self.expr(index, None)?;
                let v = self.expr(value, None)?;
                self.emit(Instr::SetIndex { obj: o, idx: i, val: v }, index_span(target, obj));
            }
            _ => {
                self.raise(
                    Code::BadAssignTarget,
                    "cannot assign to this expression".into(),
                    None,
                    target.span,
                )?;
            }
        }
        Ok(())
    }

    fn unknown_name(&mut self, id: &Ident) -> R<()> {
        if self.ctx.fns.contains_key(&id.name) || Builtin::from_name(&id.name).is_some() {
            self.raise(
                Code::FunctionAsValue,
                format!("function `{}` used as a value", id.name),
                Some("functions can only be called; Tern has no first-class functions"),
                id.span,
            )
        } else {
            self.raise(Code::UnknownVariable, format!("unknown variable `{}`", id.name), None, id.span)
        }
    }

    /// Emits the jumps taken when `cond` is false; the caller patches them.
    fn cond_false_jumps(&mut self, cond: &Expr) -> R<Vec<usize>> {
        let save = self.next;
        if let ExprKind::Binary { op, op_span, lhs, rhs } = &cond.kind {
            let mk: Option<fn(Reg, Reg) -> Instr> = match op {
                BinOp::Lt => Some(|a, b| Instr::JumpIfNotLt { a, b, off: 0 }),
                BinOp::Le => Some(|a, b| Instr::JumpIfNotLe { a, b, off: 0 }),
                BinOp::Gt => Some(|a, b| Instr::JumpIfNotGt { a, b, off: 0 }),
                BinOp::Ge => Some(|a, b| Instr::JumpIfNotGe { a, b, off: 0 }),
                BinOp::Eq => Some(|a, b| Instr::JumpIfNotEq { a, b, off: 0 }),
                BinOp::Ne => Some(|a, b| Instr::JumpIfNotNe { a, b, off: 0 }),
                _ => None,
            };
            if let Some(mk) = mk {
                let a = self.expr(lhs, None)?;
                let b = self.expr(rhs, None)?;
                let j = self.emit(mk(a, b), *op_span);
                self.next = save;
                return Ok(vec![j]);
            }
        }
        let r = self.expr(cond, None)?;
        let j = self.emit(Instr::JumpIfFalse { r, off: 0 }, cond.span);
        self.next = save;
        Ok(vec![j])
    }

    // ---------------------------------------------------------------- expressions

    /// Evaluates `e` into register `r`, which may be a live local that `e`
    /// itself reads: constructs that write their destination before they
    /// finish reading (`&&`, `||`, array literals) go through a temporary.
    fn expr_into(&mut self, e: &Expr, r: Reg) -> R<()> {
        let save = self.next;
        let direct =
            !matches!(e.kind, ExprKind::Array(_) | ExprKind::Binary { op: BinOp::And | BinOp::Or, .. });
        if direct {
            self.expr(e, Some(r))?;
        } else {
            let t = self.expr(e, None)?;
            if t != r {
                self.emit(Instr::Move { dst: r, src: t }, e.span);
            }
        }
        self.next = save;
        Ok(())
    }

    /// The destination: `dst` or a fresh temporary.
    fn target(&mut self, dst: Option<Reg>, span: Span) -> R<Reg> {
        match dst {
            Some(d) => Ok(d),
            None => self.alloc(span),
        }
    }

    /// Compiles `e`; the value ends up in `dst` if given, else in the
    /// returned register (a local's own register or a temporary).
    fn expr(&mut self, e: &Expr, dst: Option<Reg>) -> R<Reg> {
        match &e.kind {
            ExprKind::Int(v) if dst.is_none() && self.hoisted_reg(*v as u64, false).is_some() => {
                Ok(self.hoisted_reg(*v as u64, false).expect("checked"))
            }
            ExprKind::Float(f) if dst.is_none() && self.hoisted_reg(f.to_bits(), true).is_some() => {
                Ok(self.hoisted_reg(f.to_bits(), true).expect("checked"))
            }
            ExprKind::Int(v) => {
                let d = self.target(dst, e.span)?;
                self.load_int(d, *v, e.span);
                Ok(d)
            }
            ExprKind::Float(f) => {
                let d = self.target(dst, e.span)?;
                let k = self.konst(Const::Float(*f));
                self.emit(Instr::Const { dst: d, k }, e.span);
                Ok(d)
            }
            ExprKind::Str(s) => {
                let d = self.target(dst, e.span)?;
                let k = self.konst(Const::Str(s.clone()));
                self.emit(Instr::Const { dst: d, k }, e.span);
                Ok(d)
            }
            ExprKind::Bool(v) => {
                let d = self.target(dst, e.span)?;
                self.emit(Instr::Bool { dst: d, v: *v }, e.span);
                Ok(d)
            }
            ExprKind::Nil => {
                let d = self.target(dst, e.span)?;
                self.emit(Instr::Nil { dst: d }, e.span);
                Ok(d)
            }
            ExprKind::Name(id) => {
                if let Some((r, _)) = self.local(&id.name) {
                    match dst {
                        Some(d) if d != r => {
                            self.emit(Instr::Move { dst: d, src: r }, e.span);
                            Ok(d)
                        }
                        _ => Ok(r),
                    }
                } else if let Some(g) = self.ctx.global(&id.name) {
                    let d = self.target(dst, e.span)?;
                    self.emit(Instr::GetGlobal { dst: d, g }, id.span);
                    Ok(d)
                } else {
                    let d = self.target(dst, e.span)?;
                    self.unknown_name(id)?;
                    Ok(d)
                }
            }
            ExprKind::Unary { op, operand } => {
                // Fold `-literal` so `-9223372036854775807 - 1` needs no runtime negation.
                if *op == UnOp::Neg {
                    if let ExprKind::Int(v) = operand.kind {
                        let d = self.target(dst, e.span)?;
                        self.load_int(d, v.wrapping_neg(), e.span);
                        return Ok(d);
                    }
                }
                let save = self.next;
                let s = self.expr(operand, None)?;
                self.next = save;
                let d = self.target(dst, e.span)?;
                let op_span = Span::new(e.span.file, e.span.start as usize, e.span.start as usize + 1);
                match op {
                    UnOp::Neg => self.emit(Instr::Neg { dst: d, src: s }, op_span),
                    UnOp::Not => self.emit(Instr::Not { dst: d, src: s }, op_span),
                };
                Ok(d)
            }
            ExprKind::Binary { op, op_span, lhs, rhs } => self.binary(*op, *op_span, lhs, rhs, dst, e.span),
            ExprKind::Call { callee, args } => self.call(callee, args, dst, e.span),
            ExprKind::Field { obj, field } => {
                let save = self.next;
                let o = self.expr(obj, None)?;
                self.next = save;
                let d = self.target(dst, e.span)?;
                let site = self.site(&field.name)?;
                self.emit(Instr::GetField { dst: d, obj: o, site }, field.span);
                Ok(d)
            }
            ExprKind::Index { obj, index } => {
                let save = self.next;
                let o = self.expr(obj, None)?;
                let i = self.expr(index, None)?;
                self.next = save;
                let d = self.target(dst, e.span)?;
                self.emit(Instr::GetIndex { dst: d, obj: o, idx: i }, index_span(e, obj));
                Ok(d)
            }
            ExprKind::Array(items) => {
                let d = self.target(dst, e.span)?;
                let cap = items.len().min(u16::MAX as usize) as u16;
                self.emit(Instr::NewArray { dst: d, cap }, e.span);
                for it in items {
                    let save = self.next;
                    let v = self.expr(it, None)?;
                    self.emit(Instr::ArrayPush { arr: d, val: v }, it.span);
                    self.next = save;
                }
                Ok(d)
            }
            ExprKind::Record { name, fields } => self.record(name, fields, dst, e.span),
        }
    }

    fn load_int(&mut self, d: Reg, v: i64, span: Span) {
        if let Ok(small) = i32::try_from(v) {
            self.emit(Instr::Int { dst: d, v: small }, span);
        } else {
            let k = self.konst(Const::Int(v));
            self.emit(Instr::Const { dst: d, k }, span);
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        op_span: Span,
        lhs: &Expr,
        rhs: &Expr,
        dst: Option<Reg>,
        span: Span,
    ) -> R<Reg> {
        if matches!(op, BinOp::And | BinOp::Or) {
            let d = self.target(dst, span)?;
            let save = self.next;
            self.expr(lhs, Some(d))?;
            self.emit(Instr::CheckBool { r: d }, lhs.span);
            let j = if op == BinOp::And {
                self.emit(Instr::JumpIfFalse { r: d, off: 0 }, op_span)
            } else {
                self.emit(Instr::JumpIfTrue { r: d, off: 0 }, op_span)
            };
            self.expr(rhs, Some(d))?;
            self.emit(Instr::CheckBool { r: d }, rhs.span);
            self.patch_to_here(j)?;
            self.next = save;
            return Ok(d);
        }
        let save = self.next;
        // `x + 5` and `x - 1` use the immediate form.
        if let (BinOp::Add | BinOp::Sub, ExprKind::Int(v)) = (op, &rhs.kind) {
            let imm = if op == BinOp::Add { Some(*v) } else { v.checked_neg() };
            if let Some(imm) = imm.and_then(|i| i16::try_from(i).ok()) {
                let a = self.expr(lhs, None)?;
                self.next = save;
                let d = self.target(dst, span)?;
                self.emit(Instr::AddI { dst: d, a, v: imm }, op_span);
                return Ok(d);
            }
        }
        let a = self.expr(lhs, None)?;
        let b = self.expr(rhs, None)?;
        self.next = save;
        let d = self.target(dst, span)?;
        let i = match op {
            BinOp::Add => Instr::Add { dst: d, a, b },
            BinOp::Sub => Instr::Sub { dst: d, a, b },
            BinOp::Mul => Instr::Mul { dst: d, a, b },
            BinOp::Div => Instr::Div { dst: d, a, b },
            BinOp::Rem => Instr::Rem { dst: d, a, b },
            BinOp::Eq => Instr::Eq { dst: d, a, b },
            BinOp::Ne => Instr::Ne { dst: d, a, b },
            BinOp::Lt => Instr::Lt { dst: d, a, b },
            BinOp::Le => Instr::Le { dst: d, a, b },
            BinOp::Gt => Instr::Gt { dst: d, a, b },
            BinOp::Ge => Instr::Ge { dst: d, a, b },
            BinOp::And | BinOp::Or => unreachable!("handled above"),
        };
        self.emit(i, op_span);
        Ok(d)
    }

    fn call(&mut self, callee: &Callee, args: &[Expr], dst: Option<Reg>, span: Span) -> R<Reg> {
        let save = self.next;
        let name = callee.name();
        if args.len() > 200 {
            return Err(self.limit(name.span, "more than 200 arguments"));
        }
        let result = match callee {
            Callee::Name(id) => {
                let wrong_arity = |want: usize| {
                    format!(
                        "`{}` takes {} argument{} but {} {} given",
                        id.name,
                        want,
                        if want == 1 { "" } else { "s" },
                        args.len(),
                        if args.len() == 1 { "was" } else { "were" }
                    )
                };
                if self.local(&id.name).is_some() || self.ctx.global(&id.name).is_some() {
                    let r = self.alloc(span)?;
                    self.raise(
                        Code::NotCallable,
                        format!("`{}` is a variable, not a function", id.name),
                        None,
                        id.span,
                    )?;
                    r
                } else if let Some(&(f, arity)) = self.ctx.fns.get(&id.name) {
                    let base = self.alloc_n(args.len(), span)?;
                    if arity != args.len() {
                        self.raise(Code::WrongArity, wrong_arity(arity), None, id.span)?;
                    } else {
                        self.args_into(args, base)?;
                        self.emit(Instr::Call { base, nargs: args.len() as u8, f }, id.span);
                    }
                    base
                } else if let Some(b) = Builtin::from_name(&id.name) {
                    let base = self.alloc_n(args.len(), span)?;
                    if b.arity() != args.len() {
                        self.raise(Code::WrongArity, wrong_arity(b.arity()), None, id.span)?;
                    } else {
                        self.args_into(args, base)?;
                        self.emit(Instr::CallBuiltin { base, nargs: args.len() as u8, b: b as u8 }, id.span);
                    }
                    base
                } else {
                    let r = self.alloc(span)?;
                    self.raise(
                        Code::UnknownFunction,
                        format!("unknown function `{}`", id.name),
                        None,
                        id.span,
                    )?;
                    r
                }
            }
            Callee::Member { base: m, name } => {
                let base = self.alloc_n(args.len() + 1, span)?;
                self.expr_into(m, base)?;
                self.args_into(args, base + 1)?;
                let site = self.site(&name.name)?;
                self.emit(Instr::CallMember { base, nargs: args.len() as u8, site }, name.span);
                base
            }
        };
        self.next = save;
        match dst {
            Some(d) if d != result => {
                self.emit(Instr::Move { dst: d, src: result }, span);
                Ok(d)
            }
            Some(d) => Ok(d),
            None => {
                // The result register stays allocated as a temporary.
                self.next = self.next.max(result as u16 + 1);
                if result as u16 >= save {
                    self.next = result as u16 + 1;
                }
                Ok(result)
            }
        }
    }

    fn args_into(&mut self, args: &[Expr], base: Reg) -> R<()> {
        for (i, a) in args.iter().enumerate() {
            self.expr_into(a, base + i as u8)?;
        }
        Ok(())
    }

    fn record(&mut self, name: &Ident, fields: &[(Ident, Expr)], dst: Option<Reg>, span: Span) -> R<Reg> {
        let d = self.target(dst, span)?;
        let Some(&s) = self.ctx.structs.get(&name.name) else {
            self.raise(Code::UnknownStruct, format!("unknown struct `{}`", name.name), None, name.span)?;
            return Ok(d);
        };
        let def = self.ctx.struct_defs[s as usize].clone();
        let mut slot_of = Vec::new();
        for (i, (f, _)) in fields.iter().enumerate() {
            let Some(slot) = def.fields.iter().position(|n| *n == f.name) else {
                self.raise(
                    Code::UnknownField,
                    format!("struct `{}` has no field `{}`", def.name, f.name),
                    None,
                    f.span,
                )?;
                return Ok(d);
            };
            if fields[..i].iter().any(|(g, _)| g.name == f.name) {
                self.raise(Code::DuplicateField, format!("field `{}` given twice", f.name), None, f.span)?;
                return Ok(d);
            }
            slot_of.push(slot);
        }
        if let Some(missing) = def.fields.iter().find(|n| !fields.iter().any(|(f, _)| f.name == **n)) {
            self.raise(
                Code::MissingField,
                format!("record `{}` misses field `{}`", def.name, missing),
                None,
                name.span,
            )?;
            return Ok(d);
        }
        let save = self.next;
        let base = self.alloc_n(def.fields.len(), span)?;
        for ((_, e), slot) in fields.iter().zip(slot_of) {
            self.expr_into(e, base + slot as u8)?;
        }
        self.emit(Instr::NewRecord { dst: d, base, s }, name.span);
        self.next = save;
        Ok(d)
    }
}

/// The `[` of an index expression `obj[i]`: right after the object.
fn index_span(e: &Expr, obj: &Expr) -> Span {
    Span { file: e.span.file, start: obj.span.end, end: obj.span.end + 1 }
}

fn scan_stmt(s: &Stmt, in_loop: bool, out: &mut Vec<(u64, bool, Span)>) {
    let block = |b: &Block, in_loop: bool, out: &mut Vec<(u64, bool, Span)>| {
        for s in &b.stmts {
            scan_stmt(s, in_loop, out);
        }
    };
    match &s.kind {
        StmtKind::Let { init, .. } => scan_expr(init, in_loop, out),
        StmtKind::If { cond, then, els } => {
            scan_expr(cond, in_loop, out);
            block(then, in_loop, out);
            match els {
                Some(Else::Block(b)) => block(b, in_loop, out),
                Some(Else::If(s)) => scan_stmt(s, in_loop, out),
                None => {}
            }
        }
        StmtKind::While { cond, body } => {
            scan_expr(cond, true, out);
            block(body, true, out);
        }
        StmtKind::For { body, .. } => block(body, true, out),
        StmtKind::Return(Some(e)) | StmtKind::Expr(e) => scan_expr(e, in_loop, out),
        StmtKind::Block(b) => block(b, in_loop, out),
        StmtKind::Assign { target, value } => {
            scan_expr(target, in_loop, out);
            scan_expr(value, in_loop, out);
        }
        _ => {}
    }
}

fn scan_expr(e: &Expr, in_loop: bool, out: &mut Vec<(u64, bool, Span)>) {
    let note = |x: &Expr, out: &mut Vec<(u64, bool, Span)>| {
        let key = match x.kind {
            ExprKind::Int(v) => (v as u64, false),
            ExprKind::Float(f) => (f.to_bits(), true),
            _ => return,
        };
        if in_loop && !out.iter().any(|o| (o.0, o.1) == key) {
            out.push((key.0, key.1, x.span));
        }
    };
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs, .. } => {
            if !matches!(op, BinOp::And | BinOp::Or) {
                note(lhs, out);
                // `x + 5` / `x - 5` already use the immediate form.
                let immediate = matches!((op, &rhs.kind), (BinOp::Add | BinOp::Sub, ExprKind::Int(v)) if i16::try_from(*v).is_ok() && *v != i16::MIN as i64);
                if !immediate {
                    note(rhs, out);
                }
            }
            scan_expr(lhs, in_loop, out);
            scan_expr(rhs, in_loop, out);
        }
        ExprKind::Unary { operand, .. } => scan_expr(operand, in_loop, out),
        ExprKind::Call { callee, args } => {
            if let Callee::Member { base, .. } = callee {
                scan_expr(base, in_loop, out);
            }
            for a in args {
                scan_expr(a, in_loop, out);
            }
        }
        ExprKind::Field { obj, .. } => scan_expr(obj, in_loop, out),
        ExprKind::Index { obj, index } => {
            scan_expr(obj, in_loop, out);
            scan_expr(index, in_loop, out);
        }
        ExprKind::Array(items) => items.iter().for_each(|i| scan_expr(i, in_loop, out)),
        ExprKind::Record { fields, .. } => fields.iter().for_each(|(_, x)| scan_expr(x, in_loop, out)),
        _ => {}
    }
}
