//! Removes `checktype` instructions that cannot fail.
//!
//! A forward pass over each basic block tracks which registers certainly
//! hold an int, float, bool or str (from literals, arithmetic on known
//! operands, comparisons, a call to a function whose return annotation the
//! callee itself checks, builtins with a fixed result type, and earlier
//! checks). A `checktype` of such a register against that same scalar type
//! is dropped: fib's `return n` after `n: int` was checked on entry, or
//! `return fib(n - 1) + fib(n - 2)` in `fn fib(n: int) -> int`. Knowledge is
//! forgotten at every jump target and after every unconditional transfer, so
//! the pass needs no control-flow analysis; behaviour is unchanged (a removed
//! check would have passed) and the function just dispatches fewer
//! instructions. Checks of arrays/structs and argument checks at function
//! entry always stay (callers are unknown).

use crate::instr::{Builtin, Instr, Reg};
use crate::program::{Const as K, FunctionProto, TypeCheck};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Known {
    Int,
    Float,
    Bool,
    Str,
}

fn of_check(t: &TypeCheck) -> Option<Known> {
    match t {
        TypeCheck::Int => Some(Known::Int),
        TypeCheck::Float => Some(Known::Float),
        TypeCheck::Bool => Some(Known::Bool),
        TypeCheck::Str => Some(Known::Str),
        _ => None,
    }
}

fn of_builtin(b: u8) -> Option<Known> {
    match Builtin::from_u8(b)? {
        Builtin::Str | Builtin::Fixed => Some(Known::Str),
        Builtin::Int | Builtin::Len | Builtin::Clock => Some(Known::Int),
        Builtin::Float | Builtin::Sqrt => Some(Known::Float),
        Builtin::Print | Builtin::Push => None,
    }
}

/// Drops provably passing checks from `f`. `types` is the module's type
/// table; `returns[i]` is function `i`'s return annotation (index into `types`).
pub fn elide_checks(f: &mut FunctionProto, types: &[TypeCheck], returns: &[Option<u16>]) {
    let n = f.code.len();
    let mut target = vec![false; n + 1];
    for (pc, ins) in f.code.iter().enumerate() {
        if let Some(off) = ins.jump_offset() {
            let t = pc as i64 + 1 + off as i64;
            if (0..=n as i64).contains(&t) {
                target[t as usize] = true;
            }
        }
    }
    let mut known: Vec<Option<Known>> = vec![None; 256];
    let mut keep = vec![true; n];
    let forget_from =
        |known: &mut Vec<Option<Known>>, r: Reg| known[r as usize..].iter_mut().for_each(|k| *k = None);
    for pc in 0..n {
        if target[pc] {
            known.iter_mut().for_each(|k| *k = None);
        }
        let k = |r: Reg, known: &Vec<Option<Known>>| known[r as usize];
        use Instr::*;
        match f.code[pc] {
            CheckType { r, ty, .. } => {
                let want = types.get(ty as usize).and_then(of_check);
                if want.is_some() && k(r, &known) == want {
                    keep[pc] = false;
                } else {
                    known[r as usize] = want;
                }
            }
            Int { dst, .. } | AddI { dst, .. } => known[dst as usize] = Some(Known::Int),
            Bool { dst, .. }
            | Not { dst, .. }
            | Eq { dst, .. }
            | Ne { dst, .. }
            | Lt { dst, .. }
            | Le { dst, .. }
            | Gt { dst, .. }
            | Ge { dst, .. } => known[dst as usize] = Some(Known::Bool),
            Const { dst, k: c } => {
                known[dst as usize] = match f.consts.get(c as usize) {
                    Some(K::Int(_)) => Some(Known::Int),
                    Some(K::Float(_)) => Some(Known::Float),
                    Some(K::Str(_)) => Some(Known::Str),
                    None => None,
                }
            }
            Move { dst, src } => known[dst as usize] = k(src, &known),
            Add { dst, a, b } => {
                known[dst as usize] = match (k(a, &known), k(b, &known)) {
                    (Some(x), Some(y)) if x == y && x != Known::Bool => Some(x),
                    _ => None,
                }
            }
            Sub { dst, a, b } | Mul { dst, a, b } | Div { dst, a, b } | Rem { dst, a, b } => {
                known[dst as usize] = match (k(a, &known), k(b, &known)) {
                    (Some(x), Some(y)) if x == y && matches!(x, Known::Int | Known::Float) => Some(x),
                    _ => None,
                }
            }
            Neg { dst, src } => {
                known[dst as usize] = match k(src, &known) {
                    Some(x @ (Known::Int | Known::Float)) => Some(x),
                    _ => None,
                }
            }
            CheckBool { r } => known[r as usize] = Some(Known::Bool),
            Call { base, f: callee, .. } => {
                forget_from(&mut known, base);
                let ret = returns.get(callee as usize).copied().flatten();
                known[base as usize] = ret.and_then(|t| types.get(t as usize)).and_then(of_check);
            }
            CallBuiltin { base, b, .. } => {
                forget_from(&mut known, base);
                known[base as usize] = of_builtin(b);
            }
            CallMember { base, .. } => forget_from(&mut known, base),
            ForPrep { base, .. } | ForLoop { base, .. } => {
                for k in known.iter_mut().take((base as usize + 3).min(256)).skip(base as usize) {
                    *k = None;
                }
            }
            Nil { dst }
            | GetGlobal { dst, .. }
            | NewArray { dst, .. }
            | NewRecord { dst, .. }
            | GetField { dst, .. }
            | GetIndex { dst, .. }
            | Import { dst, .. } => known[dst as usize] = None,
            DefGlobal { .. } | SetGlobal { .. } | SetField { .. } | SetIndex { .. } | ArrayPush { .. } => {}
            JumpIfFalse { .. }
            | JumpIfTrue { .. }
            | JumpIfNotLt { .. }
            | JumpIfNotLe { .. }
            | JumpIfNotGt { .. }
            | JumpIfNotGe { .. }
            | JumpIfNotEq { .. }
            | JumpIfNotNe { .. } => {}
            Jump { .. } | Loop { .. } | Return { .. } | ReturnNil | Raise { .. } => {
                // What follows is reached only by a jump (or not at all).
                known.iter_mut().for_each(|k| *k = None);
            }
        }
    }
    if keep.iter().all(|&k| k) {
        return;
    }
    // New position of every old pc (and of the end), then re-aim the jumps.
    let mut newpos = Vec::with_capacity(n + 1);
    let mut c = 0i64;
    for &kp in &keep {
        newpos.push(c);
        c += kp as i64;
    }
    newpos.push(c);
    let mut code = Vec::with_capacity(c as usize);
    let mut spans = Vec::with_capacity(c as usize);
    for pc in 0..n {
        if !keep[pc] {
            continue;
        }
        let mut ins = f.code[pc];
        if let Some(off) = ins.jump_offset() {
            let t = (pc as i64 + 1 + off as i64) as usize;
            ins.set_jump_offset((newpos[t] - (newpos[pc] + 1)) as i32);
        }
        code.push(ins);
        spans.push(f.spans[pc]);
    }
    f.code = code;
    f.spans = spans;
}
