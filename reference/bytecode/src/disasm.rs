//! Human-readable listing of a compiled module: one instruction per line
//! with its operands explained and the source line it came from.

use crate::instr::{Builtin, Instr};
use crate::program::{Const, FunctionProto, Program};
use std::fmt::Write;

pub fn disasm(p: &Program) -> String {
    let mut out = String::new();
    let file = p.path.rsplit('/').next().unwrap_or(&p.path).to_string();
    for (fi, f) in p.functions.iter().enumerate() {
        let _ = writeln!(
            out,
            "fn #{fi} {} (arity {}, {} registers, {} loops)",
            f.name, f.arity, f.num_regs, f.num_loops
        );
        for (pc, ins) in f.code.iter().enumerate() {
            let (line, _) = p.line_col(f.spans.get(pc).map(|s| s.start).unwrap_or(0));
            let text = format!("{:<12} {}", ins.mnemonic(), operands(p, f, pc, ins));
            let _ = writeln!(out, "  {pc:04}  {text:<48} {file}:{line}");
        }
        out.push('\n');
    }
    out
}

fn konst(c: Option<&Const>) -> String {
    match c {
        Some(Const::Int(i)) => i.to_string(),
        Some(Const::Float(f)) => format!("{f:?}"),
        Some(Const::Str(s)) => format!("{s:?}"),
        None => "?".into(),
    }
}

fn operands(p: &Program, f: &FunctionProto, pc: usize, ins: &Instr) -> String {
    use Instr::*;
    let target = |off: i32| pc as i64 + 1 + off as i64;
    let name = |site: u16| f.names.get(site as usize).cloned().unwrap_or_else(|| "?".into());
    let global = |g: u32| p.globals.get(g as usize).cloned().unwrap_or_else(|| "?".into());
    match *ins {
        Nil { dst } => format!("r{dst}"),
        Bool { dst, v } => format!("r{dst}, {v}"),
        Int { dst, v } => format!("r{dst}, {v}"),
        Const { dst, k } => format!("r{dst}, k{k} ; {}", konst(f.consts.get(k as usize))),
        Move { dst, src } => format!("r{dst}, r{src}"),
        GetGlobal { dst, g } => format!("r{dst}, g{g} ; {}", global(g)),
        DefGlobal { src, g } | SetGlobal { src, g } => format!("g{g}, r{src} ; {}", global(g)),
        Add { dst, a, b } | Sub { dst, a, b } | Mul { dst, a, b } | Div { dst, a, b } | Rem { dst, a, b } => {
            format!("r{dst}, r{a}, r{b}")
        }
        Eq { dst, a, b }
        | Ne { dst, a, b }
        | Lt { dst, a, b }
        | Le { dst, a, b }
        | Gt { dst, a, b }
        | Ge { dst, a, b } => {
            format!("r{dst}, r{a}, r{b}")
        }
        AddI { dst, a, v } => format!("r{dst}, r{a}, {v}"),
        Neg { dst, src } | Not { dst, src } => format!("r{dst}, r{src}"),
        Jump { off } => format!("-> {}", target(off)),
        JumpIfFalse { r, off } | JumpIfTrue { r, off } => format!("r{r} -> {}", target(off)),
        CheckBool { r } => format!("r{r}"),
        JumpIfNotLt { a, b, off }
        | JumpIfNotLe { a, b, off }
        | JumpIfNotGt { a, b, off }
        | JumpIfNotGe { a, b, off }
        | JumpIfNotEq { a, b, off }
        | JumpIfNotNe { a, b, off } => format!("r{a}, r{b} -> {}", target(off)),
        Loop { id, off } => format!("loop{id} -> {}", target(off)),
        ForPrep { base, off } => format!("r{base} -> {}", target(off)),
        ForLoop { base, id, off } => format!("r{base}, loop{id} -> {}", target(off)),
        Call { base, nargs, f: fi } => {
            let n = p.functions.get(fi as usize).map(|f| f.name.as_str()).unwrap_or("?");
            format!("r{base}, {nargs} args, fn #{fi} ; {n}")
        }
        CallBuiltin { base, nargs, b } => {
            let n = Builtin::from_u8(b).map(|b| b.name()).unwrap_or("?");
            format!("r{base}, {nargs} args ; {n}")
        }
        CallMember { base, nargs, site } => format!("r{base}, {nargs} args ; .{}", name(site)),
        Return { src } => format!("r{src}"),
        ReturnNil => String::new(),
        NewArray { dst, cap } => format!("r{dst}, cap {cap}"),
        ArrayPush { arr, val } => format!("r{arr}, r{val}"),
        NewRecord { dst, base, s } => {
            let n = p.structs.get(s as usize).map(|s| s.name.as_str()).unwrap_or("?");
            format!("r{dst}, r{base}.., struct {s} ; {n}")
        }
        GetField { dst, obj, site } => format!("r{dst}, r{obj} ; .{}", name(site)),
        SetField { obj, val, site } => format!("r{obj}, r{val} ; .{}", name(site)),
        GetIndex { dst, obj, idx } => format!("r{dst}, r{obj}[r{idx}]"),
        SetIndex { obj, idx, val } => format!("r{obj}[r{idx}], r{val}"),
        Import { dst, site } => format!("r{dst} ; {:?}", name(site)),
        CheckType { r, kind, ty } => {
            let t = p.types.get(ty as usize).map(|t| t.describe(&p.structs)).unwrap_or_else(|| "?".into());
            format!("r{r}, {kind:?} ; {t}")
        }
        Raise { e } => {
            let m =
                f.errors.get(e as usize).map(|e| format!("E{:04} {}", e.code, e.message)).unwrap_or_default();
            format!("#{e} ; {m}")
        }
    }
}
