//! The portable `.tbc` file: one compiled entry module.
//!
//! Layout (all integers little-endian, no padding, nothing host-dependent):
//! ```text
//! magic   "TERNBC\0"          7 bytes
//! version u16                 FORMAT_VERSION
//! path    str                 entry path relative to the .tbc's directory (file name only)
//! source  str                 the entry's source text, for diagnostics
//! globals u32 n, n × str
//! types   u32 n, n × (u8 tag [u16 struct | str name])
//! structs u32 n, n × (str name, u32 m, m × (str field, u16 type))
//! funcs   u32 n, n × function
//! function = str name, u8 arity, u8 num_regs, u16 num_loops,
//!            u32 n, n × instr, n × (u32 start, u32 end),
//!            u32 n, n × const (u8 tag: 0 int i64 | 1 float f64 bits | 2 str),
//!            u32 n, n × str names,
//!            u32 n, n × (u16 code, str message, u8 has_hint, [str hint])
//! instr  = u8 opcode, then its operands in declaration order (u8/u16/u32/i16/i32 as declared, bool as u8)
//! str    = u32 byte length, UTF-8 bytes
//! ```
//! Reading never trusts a length: each count is checked against the bytes
//! that remain before anything is allocated, and the result is [`verify`]d.

use crate::instr::{CheckKind, Instr};
use crate::program::*;
use crate::verify::verify;

pub const MAGIC: &[u8; 7] = b"TERNBC\0";
pub const FORMAT_VERSION: u16 = 1;

/// Serialises a program. The stored path is the file name only, so a
/// `.tbc` file never embeds an absolute or machine-specific path.
pub fn write(p: &Program) -> Vec<u8> {
    let mut w = W(Vec::new());
    w.0.extend_from_slice(MAGIC);
    w.u16(FORMAT_VERSION);
    let name = std::path::Path::new(&p.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    w.str(&name);
    w.str(&p.source);
    w.u32(p.globals.len() as u32);
    for g in &p.globals {
        w.str(g);
    }
    w.u32(p.types.len() as u32);
    for t in &p.types {
        match t {
            TypeCheck::Int => w.u8(0),
            TypeCheck::Float => w.u8(1),
            TypeCheck::Bool => w.u8(2),
            TypeCheck::Str => w.u8(3),
            TypeCheck::Array => w.u8(4),
            TypeCheck::Struct(i) => {
                w.u8(5);
                w.u16(*i);
            }
            TypeCheck::Unknown(n) => {
                w.u8(6);
                w.str(n);
            }
        }
    }
    w.u32(p.structs.len() as u32);
    for s in &p.structs {
        w.str(&s.name);
        w.u32(s.fields.len() as u32);
        for (f, t) in s.fields.iter().zip(&s.field_types) {
            w.str(f);
            w.u16(*t);
        }
    }
    w.u32(p.functions.len() as u32);
    for f in &p.functions {
        w.str(&f.name);
        w.u8(f.arity);
        w.u8(f.num_regs);
        w.u16(f.num_loops);
        w.u32(f.code.len() as u32);
        for i in &f.code {
            encode(&mut w, i);
        }
        for s in &f.spans {
            w.u32(s.start);
            w.u32(s.end);
        }
        w.u32(f.consts.len() as u32);
        for c in &f.consts {
            match c {
                Const::Int(i) => {
                    w.u8(0);
                    w.0.extend_from_slice(&i.to_le_bytes());
                }
                Const::Float(x) => {
                    w.u8(1);
                    w.0.extend_from_slice(&x.to_bits().to_le_bytes());
                }
                Const::Str(s) => {
                    w.u8(2);
                    w.str(s);
                }
            }
        }
        w.u32(f.names.len() as u32);
        for n in &f.names {
            w.str(n);
        }
        w.u32(f.errors.len() as u32);
        for e in &f.errors {
            w.u16(e.code);
            w.str(&e.message);
            match &e.hint {
                Some(h) => {
                    w.u8(1);
                    w.str(h);
                }
                None => w.u8(0),
            }
        }
    }
    w.0
}

/// Parses and verifies a `.tbc` image. `path` becomes the program's path
/// (the caller passes `dir(tbc file)/stored name`, see [`stored_name`]).
pub fn read(bytes: &[u8]) -> Result<Program, String> {
    let mut r = Rd { b: bytes, pos: 0 };
    if r.take(7)? != MAGIC {
        return Err("not a Tern bytecode file (bad magic)".into());
    }
    let version = r.u16()?;
    if version != FORMAT_VERSION {
        return Err(format!("unsupported .tbc format version {version} (this tern reads {FORMAT_VERSION})"));
    }
    let path = r.str()?;
    let source = r.str()?;
    let n = r.count(4)?;
    let mut globals = Vec::with_capacity(n);
    for _ in 0..n {
        globals.push(r.str()?);
    }
    let n = r.count(1)?;
    let mut types = Vec::with_capacity(n);
    for _ in 0..n {
        types.push(match r.u8()? {
            0 => TypeCheck::Int,
            1 => TypeCheck::Float,
            2 => TypeCheck::Bool,
            3 => TypeCheck::Str,
            4 => TypeCheck::Array,
            5 => TypeCheck::Struct(r.u16()?),
            6 => TypeCheck::Unknown(r.str()?),
            t => return Err(format!("bad type tag {t}")),
        });
    }
    let n = r.count(8)?;
    let mut structs = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.str()?;
        let m = r.count(6)?;
        let mut fields = Vec::with_capacity(m);
        let mut field_types = Vec::with_capacity(m);
        for _ in 0..m {
            fields.push(r.str()?);
            field_types.push(r.u16()?);
        }
        structs.push(StructDef { name, fields, field_types });
    }
    let n = r.count(20)?;
    let mut functions = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.str()?;
        let arity = r.u8()?;
        let num_regs = r.u8()?;
        let num_loops = r.u16()?;
        let m = r.count(9)?;
        let mut code = Vec::with_capacity(m);
        for _ in 0..m {
            code.push(decode(&mut r)?);
        }
        let mut spans = Vec::with_capacity(m);
        for _ in 0..m {
            spans.push(SrcSpan { start: r.u32()?, end: r.u32()? });
        }
        let k = r.count(2)?;
        let mut consts = Vec::with_capacity(k);
        for _ in 0..k {
            consts.push(match r.u8()? {
                0 => Const::Int(i64::from_le_bytes(r.take(8)?.try_into().expect("8 bytes"))),
                1 => {
                    Const::Float(f64::from_bits(u64::from_le_bytes(r.take(8)?.try_into().expect("8 bytes"))))
                }
                2 => Const::Str(r.str()?),
                t => return Err(format!("bad constant tag {t}")),
            });
        }
        let k = r.count(4)?;
        let mut names = Vec::with_capacity(k);
        for _ in 0..k {
            names.push(r.str()?);
        }
        let k = r.count(7)?;
        let mut errors = Vec::with_capacity(k);
        for _ in 0..k {
            let code = r.u16()?;
            let message = r.str()?;
            let hint = match r.u8()? {
                0 => None,
                1 => Some(r.str()?),
                t => return Err(format!("bad hint flag {t}")),
            };
            errors.push(StaticError { code, message, hint });
        }
        functions.push(FunctionProto {
            name,
            arity,
            num_regs,
            code,
            spans,
            consts,
            names,
            errors,
            num_loops,
        });
    }
    if r.pos != bytes.len() {
        return Err(format!("{} trailing bytes after the program", bytes.len() - r.pos));
    }
    let p = Program { path, source, functions, structs, globals, types };
    verify(&p).map_err(|e| format!("invalid bytecode: {e}"))?;
    Ok(p)
}

struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i16(&mut self, v: i16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Rd<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.b.len() - self.pos < n {
            return Err(format!("truncated file (wanted {n} bytes at offset {})", self.pos));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn i16(&mut self) -> Result<i16, String> {
        Ok(i16::from_le_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    /// A count of items each at least `min_size` bytes long: bounded by what remains.
    fn count(&mut self, min_size: usize) -> Result<usize, String> {
        let n = self.u32()? as usize;
        let remaining = self.b.len() - self.pos;
        if n.saturating_mul(min_size) > remaining {
            return Err(format!("corrupt length {n} at offset {} ({remaining} bytes remain)", self.pos - 4));
        }
        Ok(n)
    }
    fn str(&mut self) -> Result<String, String> {
        let n = self.count(1)?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| format!("invalid UTF-8 in a string at offset {}", self.pos - n))
    }
    fn bool(&mut self) -> Result<bool, String> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("bad bool {b}")),
        }
    }
}

#[rustfmt::skip]
fn encode(w: &mut W, i: &Instr) {
    use Instr::*;
    match *i {
        Nil { dst } => { w.u8(0); w.u8(dst); }
        Bool { dst, v } => { w.u8(1); w.u8(dst); w.u8(v as u8); }
        Int { dst, v } => { w.u8(2); w.u8(dst); w.i32(v); }
        Const { dst, k } => { w.u8(3); w.u8(dst); w.u32(k); }
        Move { dst, src } => { w.u8(4); w.u8(dst); w.u8(src); }
        GetGlobal { dst, g } => { w.u8(5); w.u8(dst); w.u32(g); }
        DefGlobal { src, g } => { w.u8(6); w.u8(src); w.u32(g); }
        SetGlobal { src, g } => { w.u8(7); w.u8(src); w.u32(g); }
        Add { dst, a, b } => { w.u8(8); w.u8(dst); w.u8(a); w.u8(b); }
        Sub { dst, a, b } => { w.u8(9); w.u8(dst); w.u8(a); w.u8(b); }
        Mul { dst, a, b } => { w.u8(10); w.u8(dst); w.u8(a); w.u8(b); }
        Div { dst, a, b } => { w.u8(11); w.u8(dst); w.u8(a); w.u8(b); }
        Rem { dst, a, b } => { w.u8(12); w.u8(dst); w.u8(a); w.u8(b); }
        AddI { dst, a, v } => { w.u8(13); w.u8(dst); w.u8(a); w.i16(v); }
        Eq { dst, a, b } => { w.u8(14); w.u8(dst); w.u8(a); w.u8(b); }
        Ne { dst, a, b } => { w.u8(15); w.u8(dst); w.u8(a); w.u8(b); }
        Lt { dst, a, b } => { w.u8(16); w.u8(dst); w.u8(a); w.u8(b); }
        Le { dst, a, b } => { w.u8(17); w.u8(dst); w.u8(a); w.u8(b); }
        Gt { dst, a, b } => { w.u8(18); w.u8(dst); w.u8(a); w.u8(b); }
        Ge { dst, a, b } => { w.u8(19); w.u8(dst); w.u8(a); w.u8(b); }
        Neg { dst, src } => { w.u8(20); w.u8(dst); w.u8(src); }
        Not { dst, src } => { w.u8(21); w.u8(dst); w.u8(src); }
        Jump { off } => { w.u8(22); w.i32(off); }
        JumpIfFalse { r, off } => { w.u8(23); w.u8(r); w.i32(off); }
        JumpIfTrue { r, off } => { w.u8(24); w.u8(r); w.i32(off); }
        CheckBool { r } => { w.u8(25); w.u8(r); }
        JumpIfNotLt { a, b, off } => { w.u8(26); w.u8(a); w.u8(b); w.i32(off); }
        JumpIfNotLe { a, b, off } => { w.u8(27); w.u8(a); w.u8(b); w.i32(off); }
        JumpIfNotGt { a, b, off } => { w.u8(28); w.u8(a); w.u8(b); w.i32(off); }
        JumpIfNotGe { a, b, off } => { w.u8(29); w.u8(a); w.u8(b); w.i32(off); }
        JumpIfNotEq { a, b, off } => { w.u8(30); w.u8(a); w.u8(b); w.i32(off); }
        JumpIfNotNe { a, b, off } => { w.u8(31); w.u8(a); w.u8(b); w.i32(off); }
        Loop { id, off } => { w.u8(32); w.u16(id); w.i32(off); }
        ForPrep { base, off } => { w.u8(33); w.u8(base); w.i32(off); }
        ForLoop { base, id, off } => { w.u8(34); w.u8(base); w.u16(id); w.i32(off); }
        Call { base, nargs, f } => { w.u8(35); w.u8(base); w.u8(nargs); w.u32(f); }
        CallBuiltin { base, nargs, b } => { w.u8(36); w.u8(base); w.u8(nargs); w.u8(b); }
        CallMember { base, nargs, site } => { w.u8(37); w.u8(base); w.u8(nargs); w.u16(site); }
        Return { src } => { w.u8(38); w.u8(src); }
        ReturnNil => { w.u8(39); }
        NewArray { dst, cap } => { w.u8(40); w.u8(dst); w.u16(cap); }
        ArrayPush { arr, val } => { w.u8(41); w.u8(arr); w.u8(val); }
        NewRecord { dst, base, s } => { w.u8(42); w.u8(dst); w.u8(base); w.u16(s); }
        GetField { dst, obj, site } => { w.u8(43); w.u8(dst); w.u8(obj); w.u16(site); }
        SetField { obj, val, site } => { w.u8(44); w.u8(obj); w.u8(val); w.u16(site); }
        GetIndex { dst, obj, idx } => { w.u8(45); w.u8(dst); w.u8(obj); w.u8(idx); }
        SetIndex { obj, idx, val } => { w.u8(46); w.u8(obj); w.u8(idx); w.u8(val); }
        Import { dst, site } => { w.u8(47); w.u8(dst); w.u16(site); }
        CheckType { r, kind, ty } => { w.u8(48); w.u8(r); w.u8(kind as u8); w.u16(ty); }
        Raise { e } => { w.u8(49); w.u16(e); }
    }
}

fn decode(r: &mut Rd) -> Result<Instr, String> {
    use Instr::*;
    let op = r.u8()?;
    Ok(match op {
        0 => Nil { dst: r.u8()? },
        1 => Bool { dst: r.u8()?, v: r.bool()? },
        2 => Int { dst: r.u8()?, v: r.i32()? },
        3 => Const { dst: r.u8()?, k: r.u32()? },
        4 => Move { dst: r.u8()?, src: r.u8()? },
        5 => GetGlobal { dst: r.u8()?, g: r.u32()? },
        6 => DefGlobal { src: r.u8()?, g: r.u32()? },
        7 => SetGlobal { src: r.u8()?, g: r.u32()? },
        8 => Add { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        9 => Sub { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        10 => Mul { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        11 => Div { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        12 => Rem { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        13 => AddI { dst: r.u8()?, a: r.u8()?, v: r.i16()? },
        14 => Eq { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        15 => Ne { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        16 => Lt { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        17 => Le { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        18 => Gt { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        19 => Ge { dst: r.u8()?, a: r.u8()?, b: r.u8()? },
        20 => Neg { dst: r.u8()?, src: r.u8()? },
        21 => Not { dst: r.u8()?, src: r.u8()? },
        22 => Jump { off: r.i32()? },
        23 => JumpIfFalse { r: r.u8()?, off: r.i32()? },
        24 => JumpIfTrue { r: r.u8()?, off: r.i32()? },
        25 => CheckBool { r: r.u8()? },
        26 => JumpIfNotLt { a: r.u8()?, b: r.u8()?, off: r.i32()? },
        27 => JumpIfNotLe { a: r.u8()?, b: r.u8()?, off: r.i32()? },
        28 => JumpIfNotGt { a: r.u8()?, b: r.u8()?, off: r.i32()? },
        29 => JumpIfNotGe { a: r.u8()?, b: r.u8()?, off: r.i32()? },
        30 => JumpIfNotEq { a: r.u8()?, b: r.u8()?, off: r.i32()? },
        31 => JumpIfNotNe { a: r.u8()?, b: r.u8()?, off: r.i32()? },
        32 => Loop { id: r.u16()?, off: r.i32()? },
        33 => ForPrep { base: r.u8()?, off: r.i32()? },
        34 => ForLoop { base: r.u8()?, id: r.u16()?, off: r.i32()? },
        35 => Call { base: r.u8()?, nargs: r.u8()?, f: r.u32()? },
        36 => CallBuiltin { base: r.u8()?, nargs: r.u8()?, b: r.u8()? },
        37 => CallMember { base: r.u8()?, nargs: r.u8()?, site: r.u16()? },
        38 => Return { src: r.u8()? },
        39 => ReturnNil,
        40 => NewArray { dst: r.u8()?, cap: r.u16()? },
        41 => ArrayPush { arr: r.u8()?, val: r.u8()? },
        42 => NewRecord { dst: r.u8()?, base: r.u8()?, s: r.u16()? },
        43 => GetField { dst: r.u8()?, obj: r.u8()?, site: r.u16()? },
        44 => SetField { obj: r.u8()?, val: r.u8()?, site: r.u16()? },
        45 => GetIndex { dst: r.u8()?, obj: r.u8()?, idx: r.u8()? },
        46 => SetIndex { obj: r.u8()?, idx: r.u8()?, val: r.u8()? },
        47 => Import { dst: r.u8()?, site: r.u16()? },
        48 => CheckType {
            r: r.u8()?,
            kind: match r.u8()? {
                0 => CheckKind::Annotation,
                1 => CheckKind::Argument,
                k => return Err(format!("bad check kind {k}")),
            },
            ty: r.u16()?,
        },
        49 => Raise { e: r.u16()? },
        _ => return Err(format!("unknown opcode {op} at offset {}", r.pos - 1)),
    })
}
