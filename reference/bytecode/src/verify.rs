//! Structural verification: every register, constant, name, jump target and
//! callee an instruction mentions exists. The compiler's output always
//! passes; a `.tbc` file must pass before the VM runs it, because the VM's
//! dispatch loop indexes registers without bounds checks.

use crate::instr::{Builtin, Instr};
use crate::program::{Program, TypeCheck};

pub fn verify(p: &Program) -> Result<(), String> {
    if p.functions.is_empty() {
        return Err("no top-level function".into());
    }
    for s in &p.structs {
        if s.fields.len() != s.field_types.len() {
            return Err(format!("struct {}: field types do not match fields", s.name));
        }
        if s.field_types.iter().any(|t| *t as usize >= p.types.len()) {
            return Err(format!("struct {}: bad field type index", s.name));
        }
    }
    for t in &p.types {
        if let TypeCheck::Struct(i) = t {
            if *i as usize >= p.structs.len() {
                return Err("type refers to a missing struct".into());
            }
        }
    }
    for (fi, f) in p.functions.iter().enumerate() {
        let fail = |pc: usize, what: &str| Err(format!("fn #{fi} {} pc {pc}: {what}", f.name));
        if f.num_regs == 0 || f.arity > f.num_regs {
            return fail(0, "bad register count");
        }
        if f.code.is_empty() || f.spans.len() != f.code.len() {
            return fail(0, "code and spans disagree");
        }
        if f.errors.iter().any(|e| tern_diag::Code::from_number(e.code).is_none()) {
            return fail(0, "unknown error code");
        }
        let n = f.num_regs as usize;
        let len = f.code.len() as i64;
        match f.code.last() {
            Some(
                Instr::Return { .. }
                | Instr::ReturnNil
                | Instr::Jump { .. }
                | Instr::Loop { .. }
                | Instr::Raise { .. },
            ) => {}
            _ => return fail(f.code.len() - 1, "code can run off its end"),
        }
        for (pc, ins) in f.code.iter().enumerate() {
            use Instr::*;
            let regs: &[usize] = &match *ins {
                Nil { dst }
                | Bool { dst, .. }
                | Int { dst, .. }
                | Const { dst, .. }
                | GetGlobal { dst, .. } => [dst as usize, 0, 0],
                Move { dst, src } | Neg { dst, src } | Not { dst, src } => [dst as usize, src as usize, 0],
                DefGlobal { src, .. } | SetGlobal { src, .. } | Return { src } => [src as usize, 0, 0],
                Add { dst, a, b }
                | Sub { dst, a, b }
                | Mul { dst, a, b }
                | Div { dst, a, b }
                | Rem { dst, a, b } => [dst as usize, a as usize, b as usize],
                Eq { dst, a, b }
                | Ne { dst, a, b }
                | Lt { dst, a, b }
                | Le { dst, a, b }
                | Gt { dst, a, b }
                | Ge { dst, a, b } => [dst as usize, a as usize, b as usize],
                AddI { dst, a, .. } => [dst as usize, a as usize, 0],
                JumpIfFalse { r, .. } | JumpIfTrue { r, .. } | CheckBool { r } | CheckType { r, .. } => {
                    [r as usize, 0, 0]
                }
                JumpIfNotLt { a, b, .. }
                | JumpIfNotLe { a, b, .. }
                | JumpIfNotGt { a, b, .. }
                | JumpIfNotGe { a, b, .. }
                | JumpIfNotEq { a, b, .. }
                | JumpIfNotNe { a, b, .. } => [a as usize, b as usize, 0],
                ForPrep { base, .. } | ForLoop { base, .. } => [base as usize + 2, 0, 0],
                Call { base, nargs, .. } | CallBuiltin { base, nargs, .. } => {
                    [base as usize + (nargs as usize).max(1) - 1, 0, 0]
                }
                CallMember { base, nargs, .. } => [base as usize + nargs as usize, 0, 0],
                NewArray { dst, .. } | Import { dst, .. } => [dst as usize, 0, 0],
                ArrayPush { arr, val } => [arr as usize, val as usize, 0],
                NewRecord { dst, base, s } => {
                    let Some(def) = p.structs.get(s as usize) else { return fail(pc, "bad struct") };
                    [dst as usize, base as usize + def.fields.len().max(1) - 1, 0]
                }
                GetField { dst, obj, .. } => [dst as usize, obj as usize, 0],
                SetField { obj, val, .. } => [obj as usize, val as usize, 0],
                GetIndex { dst, obj, idx } => [dst as usize, obj as usize, idx as usize],
                SetIndex { obj, idx, val } => [obj as usize, idx as usize, val as usize],
                Jump { .. } | Loop { .. } | ReturnNil | Raise { .. } => [0, 0, 0],
            };
            if regs.iter().any(|r| *r >= n) {
                return fail(pc, "register out of range");
            }
            if let Some(off) = ins.jump_offset() {
                let t = pc as i64 + 1 + off as i64;
                if t < 0 || t >= len {
                    return fail(pc, "jump target out of range");
                }
            }
            let ok = match *ins {
                Const { k, .. } => (k as usize) < f.consts.len(),
                GetGlobal { g, .. } | DefGlobal { g, .. } | SetGlobal { g, .. } => {
                    (g as usize) < p.globals.len()
                }
                Loop { id, .. } | ForLoop { id, .. } => id < f.num_loops,
                Call { nargs, f: callee, .. } => {
                    callee != 0 && p.functions.get(callee as usize).is_some_and(|c| c.arity == nargs)
                }
                CallBuiltin { nargs, b, .. } => {
                    Builtin::from_u8(b).is_some_and(|b| b.arity() == nargs as usize)
                }
                CallMember { site, .. }
                | GetField { site, .. }
                | SetField { site, .. }
                | Import { site, .. } => (site as usize) < f.names.len(),
                CheckType { ty, .. } => (ty as usize) < p.types.len(),
                Raise { e } => (e as usize) < f.errors.len(),
                _ => true,
            };
            if !ok {
                return fail(pc, &format!("bad operand in {}", ins.mnemonic()));
            }
        }
    }
    Ok(())
}
