//! Forward type inference over one function's bytecode, seeded with the
//! types the interpreter observed. The result says, for every reachable pc,
//! which static type each register has, and so which guards the native
//! code needs (a `Dyn` operand of an `int` add is checked, an `Int` one is not).

use tern_bytecode::{Builtin, FunctionProto, Instr};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// Still only in the slot window (never loaded by this unit).
    Slot,
    Nil,
    Bool,
    Int,
    Float,
    /// A borrowed array handle (its box pointer in the bits).
    Arr,
    /// A borrowed record of the shape with this id (`Hints::shape_word`).
    Rec(u16),
    /// A module (its index in the bits): what `m.f()` is called on.
    Mod,
    /// Loaded, type known only at run time (tag + bits).
    Dyn,
}

impl Ty {
    pub fn join(self, other: Ty) -> Ty {
        if self == other {
            self
        } else {
            Ty::Dyn
        }
    }
    fn concrete(self) -> bool {
        !matches!(self, Ty::Slot | Ty::Dyn)
    }
    fn numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }
    pub fn heap(self) -> bool {
        matches!(self, Ty::Arr | Ty::Rec(_))
    }
}

/// What the interpreter saw at an arithmetic, compare or parameter site.
pub trait Hints {
    fn at(&self, pc: usize) -> Option<Ty>;
    /// The scalar type an annotation check `types[ty]` demands (None: not a scalar check).
    fn check(&self, _ty: u16) -> Option<Ty> {
        None
    }
    /// Can native code read and write the VM's global slots in place?
    fn native_globals(&self) -> bool {
        false
    }
    /// The scalar type global `g` held when the unit was compiled (what a
    /// `getglobal` is guarded to); None: a heap value or not yet defined.
    fn global(&self, _g: u32) -> Option<Ty> {
        None
    }
    /// Offsets for native record/array access (None: they stay interpreted).
    fn heap(&self) -> Option<crate::heap::HeapLayout> {
        None
    }
    /// Has the site at `pc` run, and seen only nil, arrays and records?
    fn refs_only(&self, _pc: usize) -> bool {
        false
    }
    /// Struct `s` of the function's module, for a native `NewRecord`: its
    /// `Rc<Shape>` pointer and field count (None: records are made by the interpreter).
    fn new_record(&self, _s: u16) -> Option<(u64, usize)> {
        None
    }
    /// The shape id (`Ty::Rec`) of the records struct `s` makes.
    fn record_shape(&self, _s: u16) -> Option<u16> {
        None
    }
    /// Has the site at `pc` run, and seen only strings?
    fn strs_only(&self, _pc: usize) -> bool {
        false
    }
    /// An array-or-nil / record-of-one-struct-or-nil annotation check `types[ty]`.
    fn check_heap(&self, _ty: u16) -> Option<HeapCheck> {
        None
    }
    /// The shape and slot field site `site` saw (the interpreter's inline cache).
    fn field(&self, _site: u16) -> Option<FieldHint> {
        None
    }
    /// The shape word of shape id `id` (see `Ty::Rec`).
    fn shape_word(&self, _id: u16) -> Option<u64> {
        None
    }
    /// What a native call of function `f` returns, when its compiled code
    /// only ever returns one scalar type.
    fn call_result(&self, _f: u32) -> Option<Ty> {
        None
    }
    /// The module and function the module call site `site` called (the
    /// interpreter's inline cache), if it ran.
    fn member(&self, _site: u16) -> Option<(u32, u32)> {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapCheck {
    Array,
    /// The struct's shape, as its records hold it (`Rc` box pointer).
    Struct(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldHint {
    /// The shape's `Rc` box pointer, as a record holds it.
    pub shape_word: u64,
    /// The same shape as a small id, for `Ty::Rec`.
    pub shape_id: u16,
    pub slot: u32,
    /// The one scalar tag the field's annotation accepts natively (nil for
    /// array/struct fields); None: every store is left to the interpreter.
    pub store_tag: Option<u64>,
    /// An array or struct annotation: what a non-nil value stored there must be.
    pub store_heap: Option<HeapCheck>,
    /// The field's annotation is a scalar type: every record of the shape
    /// holds such a value there (the interpreter checks each store), so a
    /// load needs no tag check.
    pub load_ty: Option<Ty>,
}

impl Hints for () {
    fn at(&self, _: usize) -> Option<Ty> {
        None
    }
}

/// How the native code carries out one instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Operands are (after guards) of this numeric/bool type.
    Typed(Ty),
    /// Always leaves to the interpreter at this pc (it raises, or the
    /// instruction is not supported natively).
    Exit(ExitKind),
    /// Nothing type-dependent.
    Plain,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    /// The interpreter will raise a diagnostic here.
    Error,
    Unsupported,
}

/// The type both operands get guarded to, or None if the op always fails.
fn numeric_plan(a: Ty, b: Ty, hint: Option<Ty>) -> Option<Ty> {
    match (a.concrete(), b.concrete()) {
        (true, true) => (a == b && a.numeric()).then_some(a),
        (true, false) => a.numeric().then_some(a),
        (false, true) => b.numeric().then_some(b),
        (false, false) => match hint {
            Some(t) if t.numeric() => Some(t),
            Some(_) => None,
            None => Some(Ty::Int),
        },
    }
}

fn equality_plan(a: Ty, b: Ty, hint: Option<Ty>) -> Option<Ty> {
    // Identity comparisons of arrays/records (see `reference_compare`) and modules stay with the interpreter.
    if a.heap() || b.heap() || a == Ty::Mod || b == Ty::Mod {
        return None;
    }
    match (a.concrete(), b.concrete()) {
        (true, true) => (a == b).then_some(a),
        (true, false) => Some(a),
        (false, true) => Some(b),
        (false, false) => match hint {
            Some(t) if t.concrete() => Some(t),
            Some(_) => None,
            None => Some(Ty::Int),
        },
    }
}

/// `==`/`!=` compared by identity natively (a linked list's `n != nil`):
/// both sides can only be nil, an array or a record, and one of them is
/// known to be one or the site has seen nothing else. The lowering guards
/// the tags and leaves to the interpreter for anything it would reject.
fn reference_compare(a: Ty, b: Ty, refs_seen: bool) -> bool {
    let known = |t: Ty| matches!(t, Ty::Nil | Ty::Arr | Ty::Rec(_));
    let open = |t: Ty| matches!(t, Ty::Dyn | Ty::Slot);
    if !(known(a) || open(a)) || !(known(b) || open(b)) || (a == Ty::Nil && b == Ty::Nil) {
        return false;
    }
    known(a) || known(b) || refs_seen
}

fn plan_of(t: Option<Ty>, unsupported_if_none: bool) -> Plan {
    match t {
        Some(t) => Plan::Typed(t),
        None if unsupported_if_none => Plan::Exit(ExitKind::Unsupported),
        None => Plan::Exit(ExitKind::Error),
    }
}

pub fn target(pc: usize, off: i32) -> usize {
    (pc as i64 + 1 + off as i64) as usize
}

/// The plan for `code[pc]` in `state` and the registers it reads.
pub fn plan(f: &FunctionProto, pc: usize, state: &[Ty], hints: &dyn Hints) -> Plan {
    use Instr::*;
    let t = |r: u8| state[r as usize];
    let h = hints.at(pc);
    // A hint that is neither numeric nor bool nor nil means heap values: not native.
    let heapy = matches!(h, Some(Ty::Dyn));
    match f.code[pc] {
        Const { k, .. } => match f.consts.get(k as usize) {
            Some(tern_bytecode::Const::Int(_)) | Some(tern_bytecode::Const::Float(_)) => Plan::Plain,
            _ => Plan::Exit(ExitKind::Unsupported),
        },
        Add { a, b, .. }
        | Sub { a, b, .. }
        | Mul { a, b, .. }
        | Div { a, b, .. }
        | Rem { a, b, .. }
        | Lt { a, b, .. }
        | Le { a, b, .. }
        | Gt { a, b, .. }
        | Ge { a, b, .. }
        | JumpIfNotLt { a, b, .. }
        | JumpIfNotLe { a, b, .. }
        | JumpIfNotGt { a, b, .. }
        | JumpIfNotGe { a, b, .. } => plan_of(numeric_plan(t(a), t(b), h), heapy),
        AddI { a, .. } => plan_of(numeric_plan(t(a), Ty::Int, h), heapy),
        // Identity comparison of nil, arrays and records: Typed(Dyn) (see `reference_compare`).
        Eq { a, b, .. } | Ne { a, b, .. } | JumpIfNotEq { a, b, .. } | JumpIfNotNe { a, b, .. }
            if hints.heap().is_some() && reference_compare(t(a), t(b), hints.refs_only(pc)) =>
        {
            Plan::Typed(Ty::Dyn)
        }
        // Other comparisons with a known array/record: the interpreter (not a refusal).
        Eq { a, b, .. } | Ne { a, b, .. } | JumpIfNotEq { a, b, .. } | JumpIfNotNe { a, b, .. }
            if t(a).heap() || t(b).heap() =>
        {
            Plan::Exit(ExitKind::Error)
        }
        Eq { a, b, .. } | Ne { a, b, .. } | JumpIfNotEq { a, b, .. } | JumpIfNotNe { a, b, .. } => {
            plan_of(equality_plan(t(a), t(b), h), heapy)
        }
        Neg { src, .. } => {
            let s = t(src);
            plan_of(if s.concrete() { s.numeric().then_some(s) } else { numeric_plan(s, s, h) }, heapy)
        }
        Not { src: r, .. } | JumpIfFalse { r, .. } | JumpIfTrue { r, .. } | CheckBool { r } => {
            let s = t(r);
            plan_of(if s.concrete() { (s == Ty::Bool).then_some(Ty::Bool) } else { Some(Ty::Bool) }, false)
        }
        ForPrep { base, .. } | ForLoop { base, .. } => {
            let ok = [t(base), t(base + 1)].iter().all(|s| !s.concrete() || *s == Ty::Int);
            plan_of(ok.then_some(Ty::Int), false)
        }
        CallBuiltin { base, nargs, b } => match (Builtin::from_u8(b), nargs) {
            (Some(Builtin::Sqrt), 1) => {
                let s = t(base);
                plan_of((!s.concrete() || s == Ty::Float).then_some(Ty::Float), false)
            }
            (Some(Builtin::Float), 1) => {
                let s = t(base);
                match s {
                    Ty::Int | Ty::Float => Plan::Typed(s),
                    Ty::Slot | Ty::Dyn => plan_of(numeric_plan(s, s, h), heapy),
                    _ => Plan::Exit(ExitKind::Error),
                }
            }
            // Not an array (a string, say): the runtime helper.
            (Some(Builtin::Len), 1) if hints.strs_only(pc) && t(base) == Ty::Slot => Plan::Typed(Ty::Slot),
            (Some(b), _) if crate::abi::helper_builtin(b) && b != Builtin::Len => Plan::Typed(Ty::Slot),
            (Some(Builtin::Len), 1) if hints.heap().is_some() => {
                if t(base).concrete() && t(base) != Ty::Arr {
                    Plan::Exit(ExitKind::Error)
                } else {
                    Plan::Plain
                }
            }
            _ => Plan::Exit(ExitKind::Unsupported),
        },
        CheckType { r, ty, .. } => match hints.check(ty) {
            Some(want) => {
                let s = t(r);
                plan_of((!s.concrete() || s == want).then_some(want), false)
            }
            None => match hints.check_heap(ty) {
                Some(HeapCheck::Array) if t(r) == Ty::Arr => Plan::Plain,
                Some(HeapCheck::Struct(w)) if matches!(t(r), Ty::Rec(k) if hints.shape_word(k) == Some(w)) => {
                    Plan::Plain
                }
                // Scalars other than nil fail an array/struct check: the interpreter raises.
                Some(_) if t(r).concrete() && t(r) != Ty::Nil => Plan::Exit(ExitKind::Error),
                Some(_) => Plan::Plain,
                None => Plan::Exit(ExitKind::Unsupported),
            },
        },
        GetGlobal { g, .. } if hints.native_globals() => match hints.global(g) {
            // A nil global is most likely a reference not set yet: loaded as it is.
            Some(t) if t.concrete() && !(t == Ty::Nil && hints.heap().is_some()) => Plan::Typed(t),
            // An array or record: loaded as a borrowed handle (guarded in the lowering).
            Some(Ty::Dyn | Ty::Nil) if hints.heap().is_some() => Plan::Plain,
            _ => Plan::Exit(ExitKind::Unsupported),
        },
        // A heap value goes through `abi::tern_jit_store` (see `store_value`).
        SetGlobal { .. } | DefGlobal { .. } if hints.native_globals() && hints.heap().is_some() => {
            Plan::Plain
        }
        SetGlobal { src, .. } | DefGlobal { src, .. } if hints.native_globals() => match t(src) {
            Ty::Arr | Ty::Rec(_) => Plan::Exit(ExitKind::Unsupported),
            _ => Plan::Plain,
        },
        GetField { obj, site, .. } | SetField { obj, site, .. } if hints.heap().is_some() => {
            if hints.field(site).is_none() {
                Plan::Exit(ExitKind::Unsupported)
            } else if t(obj).concrete() && !matches!(t(obj), Ty::Rec(_)) {
                Plan::Exit(ExitKind::Error)
            } else {
                Plan::Plain
            }
        }
        GetIndex { obj, idx, .. } | SetIndex { obj, idx, .. } if hints.heap().is_some() => {
            if (t(obj).concrete() && t(obj) != Ty::Arr) || (t(idx).concrete() && t(idx) != Ty::Int) {
                Plan::Exit(ExitKind::Error)
            } else {
                Plan::Plain
            }
        }
        Call { .. } => Plan::Plain,
        // `m.f()` on the module the site saw: a guard on the module, then a call.
        CallMember { base, site, .. }
            if hints.member(site).is_some() && matches!(t(base), Ty::Mod | Ty::Dyn | Ty::Slot) =>
        {
            Plan::Plain
        }
        // A helper makes the record (and checks its fields' annotations).
        NewRecord { s, .. } if hints.new_record(s).is_some() => Plan::Typed(Ty::Slot),
        // An array literal: helpers make the array and append its elements.
        NewArray { .. } if hints.heap().is_some() => Plan::Typed(Ty::Slot),
        ArrayPush { arr, .. } if hints.heap().is_some() && matches!(t(arr), Ty::Arr | Ty::Dyn | Ty::Slot) => {
            Plan::Typed(Ty::Slot)
        }
        Nil { .. }
        | Bool { .. }
        | Int { .. }
        | Move { .. }
        | Jump { .. }
        | Loop { .. }
        | Return { .. }
        | ReturnNil => Plan::Plain,
        _ => Plan::Exit(ExitKind::Unsupported),
    }
}

/// Whether the interpreter records feedback when it runs `i` (so a zero
/// byte means the instruction never ran). Keep in step with tern-vm's
/// `feedback!` uses.
pub fn records_feedback(i: &Instr) -> bool {
    use Instr::*;
    matches!(
        i,
        Add { .. }
            | AddI { .. }
            | Sub { .. }
            | Mul { .. }
            | Div { .. }
            | Rem { .. }
            | Neg { .. }
            | Eq { .. }
            | Ne { .. }
            | Lt { .. }
            | Le { .. }
            | Gt { .. }
            | Ge { .. }
            | JumpIfNotEq { .. }
            | JumpIfNotNe { .. }
            | JumpIfNotLt { .. }
            | JumpIfNotLe { .. }
            | JumpIfNotGt { .. }
            | JumpIfNotGe { .. }
            | GetField { .. }
            | SetField { .. }
            | GetIndex { .. }
            | SetIndex { .. }
            | Const { .. }
            | CallBuiltin { .. }
            | CallMember { .. }
            | NewArray { .. }
            | NewRecord { .. }
            | Import { .. }
    )
}

/// Registers an instruction reads (they get loaded if still `Slot`).
pub fn reads(i: &Instr) -> Vec<u8> {
    use Instr::*;
    match *i {
        Move { src, .. }
        | Neg { src, .. }
        | Not { src, .. }
        | Return { src }
        | SetGlobal { src, .. }
        | DefGlobal { src, .. } => vec![src],
        Add { a, b, .. }
        | Sub { a, b, .. }
        | Mul { a, b, .. }
        | Div { a, b, .. }
        | Rem { a, b, .. }
        | Eq { a, b, .. }
        | Ne { a, b, .. }
        | Lt { a, b, .. }
        | Le { a, b, .. }
        | Gt { a, b, .. }
        | Ge { a, b, .. } => vec![a, b],
        JumpIfNotLt { a, b, .. }
        | JumpIfNotLe { a, b, .. }
        | JumpIfNotGt { a, b, .. }
        | JumpIfNotGe { a, b, .. }
        | JumpIfNotEq { a, b, .. }
        | JumpIfNotNe { a, b, .. } => vec![a, b],
        AddI { a, .. } => vec![a],
        GetField { obj, .. } => vec![obj],
        SetField { obj, val, .. } => vec![obj, val],
        GetIndex { obj, idx, .. } => vec![obj, idx],
        SetIndex { obj, idx, val } => vec![obj, idx, val],
        ArrayPush { arr, val } => vec![arr, val],
        JumpIfFalse { r, .. } | JumpIfTrue { r, .. } | CheckBool { r } | CheckType { r, .. } => vec![r],
        ForPrep { base, .. } => vec![base, base + 1],
        ForLoop { base, .. } => vec![base, base + 1],
        Call { base, nargs, .. } | CallBuiltin { base, nargs, .. } => (base..base + nargs).collect(),
        CallMember { base, nargs, .. } => (base..=base + nargs).collect(),
        _ => vec![],
    }
}

/// Successor pcs with the register state flowing along each edge.
pub fn step(f: &FunctionProto, pc: usize, before: &[Ty], hints: &dyn Hints) -> Vec<(usize, Vec<Ty>)> {
    use Instr::*;
    let p = plan(f, pc, before, hints);
    if let Plan::Exit(_) = p {
        return vec![];
    }
    let mut s = before.to_vec();
    for r in reads(&f.code[pc]) {
        if s[r as usize] == Ty::Slot {
            s[r as usize] = Ty::Dyn;
        }
    }
    let typed = match p {
        Plan::Typed(t) => t,
        _ => Ty::Dyn,
    };
    // Guards refine the operands they checked.
    for r in reads(&f.code[pc]) {
        if matches!(p, Plan::Typed(t) if t != Ty::Slot)
            && !matches!(f.code[pc], Call { .. })
            && s[r as usize] == Ty::Dyn
        {
            s[r as usize] = typed;
        }
    }
    let next = pc + 1;
    let set = |s: &mut Vec<Ty>, r: u8, t: Ty| s[r as usize] = t;
    match f.code[pc] {
        Nil { dst } => set(&mut s, dst, Ty::Nil),
        Bool { dst, .. } => set(&mut s, dst, Ty::Bool),
        Int { dst, .. } => set(&mut s, dst, Ty::Int),
        Const { dst, k } => set(
            &mut s,
            dst,
            if matches!(f.consts[k as usize], tern_bytecode::Const::Float(_)) { Ty::Float } else { Ty::Int },
        ),
        Move { dst, src } => {
            let t = s[src as usize];
            set(&mut s, dst, t)
        }
        Add { dst, .. }
        | Sub { dst, .. }
        | Mul { dst, .. }
        | Div { dst, .. }
        | Rem { dst, .. }
        | AddI { dst, .. } => set(&mut s, dst, typed),
        Neg { dst, .. } | GetGlobal { dst, .. } => set(&mut s, dst, typed),
        Eq { dst, .. }
        | Ne { dst, .. }
        | Lt { dst, .. }
        | Le { dst, .. }
        | Gt { dst, .. }
        | Ge { dst, .. }
        | Not { dst, .. } => set(&mut s, dst, Ty::Bool),
        Jump { off } | Loop { off, .. } => return vec![(target(pc, off), s)],
        JumpIfFalse { off, .. }
        | JumpIfTrue { off, .. }
        | JumpIfNotLt { off, .. }
        | JumpIfNotLe { off, .. }
        | JumpIfNotGt { off, .. }
        | JumpIfNotGe { off, .. }
        | JumpIfNotEq { off, .. }
        | JumpIfNotNe { off, .. } => {
            return vec![(next, s.clone()), (target(pc, off), s)];
        }
        CheckBool { .. } | CheckType { .. } => {}
        ForPrep { base, off } => {
            let skip = s.clone();
            set(&mut s, base + 2, Ty::Int);
            return vec![(next, s), (target(pc, off), skip)];
        }
        ForLoop { base, off, .. } => {
            let mut body = s.clone();
            body[base as usize + 2] = Ty::Int;
            return vec![(target(pc, off), body), (next, s)];
        }
        Call { base, f: g, .. } => {
            set(&mut s, base, hints.call_result(g).unwrap_or(Ty::Dyn));
        }
        CallMember { base, site, .. } => {
            let ret = hints.member(site).and_then(|(_, g)| hints.call_result(g));
            set(&mut s, base, ret.unwrap_or(Ty::Dyn));
        }
        CallBuiltin { base, b, .. } => set(
            &mut s,
            base,
            match Builtin::from_u8(b) {
                _ if p == Plan::Typed(Ty::Slot) => Ty::Dyn,
                Some(Builtin::Len) => Ty::Int, // (r[base] was the array, now the length)
                _ => Ty::Float,
            },
        ),
        // The object was guarded (array / record of that shape): later accesses need no guard.
        GetField { dst, obj, site } => {
            if let Some(h) = hints.field(site) {
                set(&mut s, obj, Ty::Rec(h.shape_id));
            }
            set(&mut s, dst, hints.field(site).and_then(|h| h.load_ty).unwrap_or(Ty::Dyn))
        }
        SetField { obj, site, .. } => {
            if let Some(h) = hints.field(site) {
                set(&mut s, obj, Ty::Rec(h.shape_id));
            }
        }
        GetIndex { dst, obj, .. } => {
            set(&mut s, obj, Ty::Arr);
            set(&mut s, dst, Ty::Dyn)
        }
        SetIndex { obj, .. } => set(&mut s, obj, Ty::Arr),
        // A record of its struct's shape: later field accesses need no guard.
        NewRecord { dst, s: st, .. } => set(&mut s, dst, hints.record_shape(st).map_or(Ty::Dyn, Ty::Rec)),
        NewArray { dst, .. } => set(&mut s, dst, Ty::Arr),
        Return { .. } | ReturnNil => return vec![],
        _ => {}
    }
    vec![(next, s)]
}

/// Register types at every pc reachable from `entry` (None: unreachable).
pub fn infer(
    f: &FunctionProto,
    entry: usize,
    entry_state: Vec<Ty>,
    hints: &dyn Hints,
) -> Vec<Option<Vec<Ty>>> {
    let mut states: Vec<Option<Vec<Ty>>> = vec![None; f.code.len()];
    states[entry] = Some(entry_state);
    let mut work = vec![entry];
    while let Some(pc) = work.pop() {
        let before = states[pc].clone().expect("queued pcs have a state");
        for (succ, s) in step(f, pc, &before, hints) {
            if succ >= f.code.len() {
                continue;
            }
            let merged = match &states[succ] {
                None => s,
                Some(old) => old.iter().zip(&s).map(|(a, b)| a.join(*b)).collect(),
            };
            if states[succ].as_ref() != Some(&merged) {
                states[succ] = Some(merged);
                work.push(succ);
            }
        }
    }
    states
}

/// (header, back-edge pc) of every loop.
pub fn loops(f: &FunctionProto) -> Vec<(usize, usize)> {
    f.code
        .iter()
        .enumerate()
        .filter_map(|(pc, i)| match *i {
            Instr::Loop { off, .. } | Instr::ForLoop { off, .. } => Some((target(pc, off), pc)),
            _ => None,
        })
        .collect()
}

/// A register set (functions have at most 256 registers).
pub type RegSet = [u64; 4];

fn set_has(s: &RegSet, r: usize) -> bool {
    s[r / 64] >> (r % 64) & 1 == 1
}

pub fn reg_live(s: &RegSet, r: usize) -> bool {
    r < 256 && set_has(s, r)
}

/// (registers read, registers written) by one instruction, for liveness.
fn uses_defs(i: &Instr) -> (Vec<u8>, Vec<u8>) {
    use Instr::*;
    match *i {
        Nil { dst }
        | Bool { dst, .. }
        | Int { dst, .. }
        | Const { dst, .. }
        | GetGlobal { dst, .. }
        | NewArray { dst, .. }
        | Import { dst, .. } => (vec![], vec![dst]),
        Move { dst, src } | Neg { dst, src } | Not { dst, src } | AddI { dst, a: src, .. } => {
            (vec![src], vec![dst])
        }
        DefGlobal { src, .. }
        | SetGlobal { src, .. }
        | Return { src }
        | CheckBool { r: src }
        | CheckType { r: src, .. }
        | JumpIfFalse { r: src, .. }
        | JumpIfTrue { r: src, .. } => (vec![src], vec![]),
        Add { dst, a, b }
        | Sub { dst, a, b }
        | Mul { dst, a, b }
        | Div { dst, a, b }
        | Rem { dst, a, b }
        | Eq { dst, a, b }
        | Ne { dst, a, b }
        | Lt { dst, a, b }
        | Le { dst, a, b }
        | Gt { dst, a, b }
        | Ge { dst, a, b } => (vec![a, b], vec![dst]),
        JumpIfNotLt { a, b, .. }
        | JumpIfNotLe { a, b, .. }
        | JumpIfNotGt { a, b, .. }
        | JumpIfNotGe { a, b, .. }
        | JumpIfNotEq { a, b, .. }
        | JumpIfNotNe { a, b, .. } => (vec![a, b], vec![]),
        Jump { .. } | Loop { .. } | ReturnNil | Raise { .. } => (vec![], vec![]),
        ForPrep { base, .. } => (vec![base, base + 1], vec![base + 2]),
        // The counter (base) is incremented in place.
        ForLoop { base, .. } => (vec![base, base + 1], vec![base, base + 2]),
        Call { base, nargs, .. } | CallBuiltin { base, nargs, .. } => {
            ((base..base + nargs).collect(), vec![base])
        }
        CallMember { base, nargs, .. } => ((base..=base + nargs).collect(), vec![base]),
        ArrayPush { arr, val } => (vec![arr, val], vec![]),
        GetField { dst, obj, .. } => (vec![obj], vec![dst]),
        SetField { obj, val, .. } => (vec![obj, val], vec![]),
        GetIndex { dst, obj, idx } => (vec![obj, idx], vec![dst]),
        SetIndex { obj, idx, val } => (vec![obj, idx, val], vec![]),
        // Its fields are registers base.. (as many as its struct has, which
        // only the module knows): reading all from base up is safe, and
        // leaves the registers below it dead where they are.
        NewRecord { dst, base, .. } => ((base..=u8::MAX).collect(), vec![dst]),
    }
}

/// Registers the instructions at `pcs` may write. A register outside this
/// set still holds, at any exit, the value it had when the unit was entered.
/// The registers an instruction writes on every path out of it (what ends
/// their liveness). A `for` writes its loop variable only on the way into
/// the body: on the way out the variable keeps its old value, which an exit
/// past the loop may still write back, so it must stay live there.
fn kills(i: &Instr) -> Vec<u8> {
    match *i {
        Instr::ForPrep { .. } => vec![],
        Instr::ForLoop { base, .. } => vec![base],
        _ => uses_defs(i).1,
    }
}

pub fn written(f: &FunctionProto, pcs: impl Iterator<Item = usize>) -> RegSet {
    let mut set = [0u64; 4];
    for pc in pcs {
        for d in uses_defs(&f.code[pc]).1 {
            set[d as usize / 64] |= 1u64 << (d % 64);
        }
    }
    set
}

fn successors(f: &FunctionProto, pc: usize) -> Vec<usize> {
    use Instr::*;
    let n = f.code.len();
    let v = match f.code[pc] {
        Jump { off } | Loop { off, .. } => vec![target(pc, off)],
        Return { .. } | ReturnNil | Raise { .. } => vec![],
        JumpIfFalse { off, .. }
        | JumpIfTrue { off, .. }
        | JumpIfNotLt { off, .. }
        | JumpIfNotLe { off, .. }
        | JumpIfNotGt { off, .. }
        | JumpIfNotGe { off, .. }
        | JumpIfNotEq { off, .. }
        | JumpIfNotNe { off, .. }
        | ForPrep { off, .. }
        | ForLoop { off, .. } => {
            vec![pc + 1, target(pc, off)]
        }
        _ => vec![pc + 1],
    };
    v.into_iter().filter(|s| *s < n).collect()
}

/// Registers live on entry to every pc: what a frame leaving to the
/// interpreter there must write back (the rest is never read again).
pub fn live_in(f: &FunctionProto) -> Vec<RegSet> {
    let n = f.code.len();
    let ud: Vec<_> = f.code.iter().map(|i| (uses_defs(i).0, kills(i))).collect();
    let mut live = vec![[0u64; 4]; n];
    let mut changed = true;
    while changed {
        changed = false;
        for pc in (0..n).rev() {
            let mut s = [0u64; 4];
            for succ in successors(f, pc) {
                for k in 0..4 {
                    s[k] |= live[succ][k];
                }
            }
            let (uses, defs) = &ud[pc];
            for d in defs {
                let d = *d as usize;
                s[d / 64] &= !(1u64 << (d % 64));
            }
            for r in uses {
                let r = *r as usize;
                s[r / 64] |= 1u64 << (r % 64);
            }
            if s != live[pc] {
                live[pc] = s;
                changed = true;
            }
        }
    }
    live
}

/// Speculated parameter types of a function entered at pc 0: the scalar
/// type each parameter is first guarded to (its annotation check included);
/// Dyn when it is used untyped or guarded to different types. Callers pass
/// specialised parameters in machine registers, so the body never re-checks them.
pub fn param_spec(f: &FunctionProto, hints: &dyn Hints) -> Vec<Ty> {
    let arity = f.arity as usize;
    let n = f.num_regs as usize;
    let states = infer(f, 0, vec![Ty::Slot; n], hints);
    let mut spec: Vec<Option<Ty>> = vec![None; arity];
    let mut conflict = vec![false; arity];
    let mut note = |r: usize, t: Ty| match spec[r] {
        None => spec[r] = Some(t),
        Some(o) if o != t => conflict[r] = true,
        _ => {}
    };
    // `len` of register r at `at`, natively (an array's length).
    let is_len = |at: usize, r: u8| {
        matches!(f.code.get(at), Some(Instr::CallBuiltin { base, nargs: 1, b }) if *base == r && tern_bytecode::Builtin::from_u8(*b) == Some(tern_bytecode::Builtin::Len))
            && matches!(states.get(at), Some(Some(s)) if plan(f, at, s, hints) == Plan::Plain)
    };
    for (pc, st) in states.iter().enumerate() {
        let Some(st) = st else { continue };
        if matches!(f.code[pc], Instr::Call { .. } | Instr::CallMember { .. }) {
            continue;
        }
        // Indexed, pushed to, measured or checked against an array
        // annotation first: an array (nil, or another value, fails the
        // entry's check, as a wrong scalar does).
        let array_use = match f.code[pc] {
            Instr::GetIndex { obj, .. } | Instr::SetIndex { obj, .. } | Instr::ArrayPush { arr: obj, .. } => {
                Some(obj)
            }
            Instr::CheckType { r, ty, .. } if hints.check_heap(ty) == Some(HeapCheck::Array) => Some(r),
            // `len(a)`: the argument is moved into the call window first.
            Instr::Move { dst, src } if is_len(pc + 1, dst) => Some(src),
            _ => None,
        };
        if let (Some(r), Some(_)) = (array_use, hints.heap()) {
            let r = r as usize;
            if r < arity && st[r] == Ty::Slot && plan(f, pc, st, hints) != Plan::Exit(ExitKind::Error) {
                note(r, Ty::Arr);
            }
            continue;
        }
        if let Plan::Typed(t) = plan(f, pc, st, hints) {
            if !matches!(t, Ty::Int | Ty::Float | Ty::Bool) {
                continue;
            }
            for r in reads(&f.code[pc]) {
                let r = r as usize;
                if r < arity && st[r] == Ty::Slot {
                    note(r, t);
                }
            }
        }
    }
    (0..arity).map(|r| if conflict[r] { Ty::Dyn } else { spec[r].unwrap_or(Ty::Dyn) }).collect()
}

/// A register's value known at compile time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Known {
    Int(i64),
    Float(f64),
}

/// Registers set once, by a constant load in the straight-line prologue
/// (before any branch; the bytecode compiler hoists loop-invariant literals
/// there) and never written again: they hold that constant wherever the
/// function is. Parameters are never constant.
pub fn prologue_consts(f: &FunctionProto) -> Vec<Option<Known>> {
    use Instr::*;
    let n = f.num_regs as usize;
    let mut known: Vec<Option<Known>> = vec![None; n];
    let mut defs = vec![0u32; n];
    let mut straight = true;
    for i in &f.code {
        for d in &uses_defs(i).1 {
            defs[*d as usize] += 1;
        }
        // ForLoop / ForPrep also write their counters implicitly.
        if let ForLoop { base, .. } | ForPrep { base, .. } = *i {
            defs[base as usize] += 1;
        }
        let v = match *i {
            Int { v, .. } => Some(Known::Int(v as i64)),
            Const { k, .. } => match f.consts.get(k as usize) {
                Some(tern_bytecode::Const::Int(v)) => Some(Known::Int(*v)),
                Some(tern_bytecode::Const::Float(v)) => Some(Known::Float(*v)),
                _ => None,
            },
            _ => None,
        };
        if let (true, Some(v), Int { dst, .. } | Const { dst, .. }) = (straight, v, *i) {
            if known[dst as usize].is_none() && defs[dst as usize] == 1 {
                known[dst as usize] = Some(v);
            }
        }
        if !successors_are_next(i) {
            straight = false;
        }
    }
    (0..n).map(|r| if r >= f.arity as usize && defs[r] == 1 { known[r] } else { None }).collect()
}

fn successors_are_next(i: &Instr) -> bool {
    use Instr::*;
    !matches!(
        i,
        Jump { .. }
            | Loop { .. }
            | Return { .. }
            | ReturnNil
            | Raise { .. }
            | JumpIfFalse { .. }
            | JumpIfTrue { .. }
            | JumpIfNotLt { .. }
            | JumpIfNotLe { .. }
            | JumpIfNotGt { .. }
            | JumpIfNotGe { .. }
            | JumpIfNotEq { .. }
            | JumpIfNotNe { .. }
            | ForPrep { .. }
            | ForLoop { .. }
    )
}

/// The one scalar type every reachable `return` of a unit produces (Dyn otherwise).
pub fn return_type(f: &FunctionProto, states: &[Option<Vec<Ty>>]) -> Ty {
    let mut ret: Option<Ty> = None;
    for (pc, st) in states.iter().enumerate() {
        let Some(st) = st else { continue };
        let t = match f.code[pc] {
            Instr::Return { src } => st[src as usize],
            Instr::ReturnNil => Ty::Nil,
            _ => continue,
        };
        ret = Some(match ret {
            None => t,
            Some(r) => r.join(t),
        });
    }
    match ret {
        Some(t @ (Ty::Int | Ty::Float | Ty::Bool)) => t,
        _ => Ty::Dyn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(src: &str, name: &str) -> FunctionProto {
        let (program, _) = tern_bytecode::compile_source("t.tern", src).expect("compiles");
        program.functions.into_iter().find(|f| f.name == name).expect("function")
    }

    /// A record literal reads its field registers, not every register: a
    /// local written only after it is dead there (a dead register is never
    /// loaded at a join nor written back at an exit), and so is the record's own.
    #[test]
    fn a_record_literal_keeps_only_its_fields_live() {
        let f = function("struct P { v: int }\nfn f(a: [int], k: int) -> int { let s = 0; let t = 0; for i in 0..k { let p = P { v: i }; t = a[i]; s = s + t + p.v; } return s; }\n", "f");
        let live = live_in(&f);
        let at = f.code.iter().position(|i| matches!(i, Instr::NewRecord { .. })).expect("newrecord");
        let Instr::NewRecord { base, dst, .. } = f.code[at] else { unreachable!() };
        let t = match f.code[at + 1..].iter().find(|i| matches!(i, Instr::GetIndex { .. })) {
            Some(Instr::GetIndex { dst, .. }) => *dst as usize,
            _ => panic!("getindex"),
        };
        assert!(
            t < base as usize && (dst as usize) < base as usize,
            "t and p below the literal's window: {:?}",
            f.code
        );
        assert!(!reg_live(&live[at], t), "t is written after the literal, so dead before it");
        assert!(!reg_live(&live[at], dst as usize), "the literal writes p");
        assert!(reg_live(&live[at], base as usize), "the field register is read");
        assert!(reg_live(&live[at], 0), "the array is read later");
    }
}
