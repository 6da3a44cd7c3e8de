//! The instruction set. Every instruction is 8 bytes (`Instr` is a plain
//! Copy enum; a test pins the size) so the dispatch loop reads one word per step.
//! Registers are `u8` (a function has at most 250 registers, as in Lua),
//! jump offsets are relative to the *next* instruction.
//! See reference/BYTECODE.md for the meaning of each instruction.

/// A register index in the current call frame's window.
pub type Reg = u8;

/// Which builtin a `CallBuiltin` calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Builtin {
    Print = 0,
    Str = 1,
    Int = 2,
    Float = 3,
    Sqrt = 4,
    Fixed = 5,
    Len = 6,
    Push = 7,
    Clock = 8,
}

impl Builtin {
    pub const ALL: [Builtin; 9] = [
        Builtin::Print,
        Builtin::Str,
        Builtin::Int,
        Builtin::Float,
        Builtin::Sqrt,
        Builtin::Fixed,
        Builtin::Len,
        Builtin::Push,
        Builtin::Clock,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::Print => "print",
            Builtin::Str => "str",
            Builtin::Int => "int",
            Builtin::Float => "float",
            Builtin::Sqrt => "sqrt",
            Builtin::Fixed => "fixed",
            Builtin::Len => "len",
            Builtin::Push => "push",
            Builtin::Clock => "clock",
        }
    }

    pub fn arity(self) -> usize {
        match self {
            Builtin::Fixed | Builtin::Push => 2,
            Builtin::Clock => 0,
            _ => 1,
        }
    }

    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.name() == name)
    }

    pub fn from_u8(n: u8) -> Option<Builtin> {
        Builtin::ALL.get(n as usize).copied()
    }
}

/// What a failed `CheckType` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CheckKind {
    /// `let x: T`, `-> T`, record fields: E0202.
    Annotation = 0,
    /// A parameter's annotation: E0203.
    Argument = 1,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Instr {
    // --- loads and moves -------------------------------------------------
    /// r[dst] = nil
    Nil {
        dst: Reg,
    },
    /// r[dst] = true / false
    Bool {
        dst: Reg,
        v: bool,
    },
    /// r[dst] = v (ints that fit in 32 bits)
    Int {
        dst: Reg,
        v: i32,
    },
    /// r[dst] = consts[k] (big int, float, string)
    Const {
        dst: Reg,
        k: u32,
    },
    /// r[dst] = r[src]
    Move {
        dst: Reg,
        src: Reg,
    },

    // --- module globals (index into the module's global table) ----------
    /// r[dst] = globals[g]; E0104 if its `let` has not run yet
    GetGlobal {
        dst: Reg,
        g: u32,
    },
    /// globals[g] = r[src] (a top-level `let`)
    DefGlobal {
        src: Reg,
        g: u32,
    },
    /// globals[g] = r[src] (assignment; E0104 if its `let` has not run yet)
    SetGlobal {
        src: Reg,
        g: u32,
    },

    // --- arithmetic and comparison: r[dst] = r[a] op r[b] ----------------
    Add {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Sub {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Mul {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Div {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Rem {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    /// r[dst] = r[a] + v where v is an int immediate (`n - 1` compiles to AddI v=-1)
    AddI {
        dst: Reg,
        a: Reg,
        v: i16,
    },
    Eq {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Ne {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Lt {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Le {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Gt {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    Ge {
        dst: Reg,
        a: Reg,
        b: Reg,
    },
    /// r[dst] = -r[src] (int wraps) ; r[dst] = !r[src]
    Neg {
        dst: Reg,
        src: Reg,
    },
    Not {
        dst: Reg,
        src: Reg,
    },

    // --- control flow (offsets relative to the next instruction) ---------
    /// pc += off (forward only; backward jumps are `Loop`)
    Jump {
        off: i32,
    },
    /// if !r[r] { pc += off }; E0205 if r[r] is not a bool (if/while conditions)
    JumpIfFalse {
        r: Reg,
        off: i32,
    },
    /// if r[r] { pc += off }; E0205 if not a bool
    JumpIfTrue {
        r: Reg,
        off: i32,
    },
    /// E0201 unless r[r] is a bool (operands of && and ||)
    CheckBool {
        r: Reg,
    },
    /// Fused compare-and-branch: if !(r[a] OP r[b]) { pc += off }
    JumpIfNotLt {
        a: Reg,
        b: Reg,
        off: i32,
    },
    JumpIfNotLe {
        a: Reg,
        b: Reg,
        off: i32,
    },
    JumpIfNotGt {
        a: Reg,
        b: Reg,
        off: i32,
    },
    JumpIfNotGe {
        a: Reg,
        b: Reg,
        off: i32,
    },
    JumpIfNotEq {
        a: Reg,
        b: Reg,
        off: i32,
    },
    JumpIfNotNe {
        a: Reg,
        b: Reg,
        off: i32,
    },
    /// Back edge of a `while` loop: pc += off (off < 0); bumps loop counter `id`.
    Loop {
        id: u16,
        off: i32,
    },
    /// `for` loop entry. r[base] = start, r[base+1] = end (E0201 unless both
    /// ints). If start >= end, pc += off (skip the loop), else r[base+2] = start.
    ForPrep {
        base: Reg,
        off: i32,
    },
    /// `for` loop back edge: r[base] += 1; if r[base] < r[base+1] then
    /// r[base+2] = r[base] and pc += off (off < 0); bumps loop counter `id`.
    ForLoop {
        base: Reg,
        id: u16,
        off: i32,
    },

    // --- calls -----------------------------------------------------------
    /// Calls function `f` of this module with args in r[base..base+nargs];
    /// those registers become the callee's r0.. (no copying). Result -> r[base].
    Call {
        base: Reg,
        nargs: u8,
        f: u32,
    },
    /// Calls a builtin with args in r[base..base+nargs]; result -> r[base].
    CallBuiltin {
        base: Reg,
        nargs: u8,
        b: u8,
    },
    /// Module function call `m.f(args)`: module value in r[base], args in
    /// r[base+1..]; function name in `names[site]` (inline-cached); result -> r[base].
    CallMember {
        base: Reg,
        nargs: u8,
        site: u16,
    },
    Return {
        src: Reg,
    },
    ReturnNil,

    // --- arrays, records, modules ----------------------------------------
    /// r[dst] = [] with capacity `cap`
    NewArray {
        dst: Reg,
        cap: u16,
    },
    /// r[arr].push(r[val]) (array literals)
    ArrayPush {
        arr: Reg,
        val: Reg,
    },
    /// r[dst] = struct `s` of this module with fields r[base..base+n] in declaration order
    NewRecord {
        dst: Reg,
        base: Reg,
        s: u16,
    },
    /// r[dst] = r[obj].names[site] (record field or module global; inline-cached)
    GetField {
        dst: Reg,
        obj: Reg,
        site: u16,
    },
    /// r[obj].names[site] = r[val]
    SetField {
        obj: Reg,
        val: Reg,
        site: u16,
    },
    /// r[dst] = r[obj][r[idx]]
    GetIndex {
        dst: Reg,
        obj: Reg,
        idx: Reg,
    },
    /// r[obj][r[idx]] = r[val]
    SetIndex {
        obj: Reg,
        idx: Reg,
        val: Reg,
    },
    /// Loads (first time: reads, parses, compiles, runs top level) the module
    /// whose path is `names[site]`; r[dst] = the module handle.
    Import {
        dst: Reg,
        site: u16,
    },
    /// Shallow annotation check of r[r] against `types[ty]`.
    CheckType {
        r: Reg,
        kind: CheckKind,
        ty: u16,
    },
    /// Raises `errors[e]`: an error the compiler found but the phase model
    /// says must surface only when executed (unknown name, arity, ...).
    Raise {
        e: u16,
    },
}

impl Instr {
    /// Name as printed by the disassembler.
    pub fn mnemonic(&self) -> &'static str {
        use Instr::*;
        match self {
            Nil { .. } => "nil",
            Bool { .. } => "bool",
            Int { .. } => "int",
            Const { .. } => "const",
            Move { .. } => "move",
            GetGlobal { .. } => "getglobal",
            DefGlobal { .. } => "defglobal",
            SetGlobal { .. } => "setglobal",
            Add { .. } => "add",
            Sub { .. } => "sub",
            Mul { .. } => "mul",
            Div { .. } => "div",
            Rem { .. } => "rem",
            AddI { .. } => "addi",
            Eq { .. } => "eq",
            Ne { .. } => "ne",
            Lt { .. } => "lt",
            Le { .. } => "le",
            Gt { .. } => "gt",
            Ge { .. } => "ge",
            Neg { .. } => "neg",
            Not { .. } => "not",
            Jump { .. } => "jump",
            JumpIfFalse { .. } => "jumpiffalse",
            JumpIfTrue { .. } => "jumpiftrue",
            CheckBool { .. } => "checkbool",
            JumpIfNotLt { .. } => "jumpifnotlt",
            JumpIfNotLe { .. } => "jumpifnotle",
            JumpIfNotGt { .. } => "jumpifnotgt",
            JumpIfNotGe { .. } => "jumpifnotge",
            JumpIfNotEq { .. } => "jumpifnoteq",
            JumpIfNotNe { .. } => "jumpifnotne",
            Loop { .. } => "loop",
            ForPrep { .. } => "forprep",
            ForLoop { .. } => "forloop",
            Call { .. } => "call",
            CallBuiltin { .. } => "callbuiltin",
            CallMember { .. } => "callmember",
            Return { .. } => "return",
            ReturnNil => "returnnil",
            NewArray { .. } => "newarray",
            ArrayPush { .. } => "arraypush",
            NewRecord { .. } => "newrecord",
            GetField { .. } => "getfield",
            SetField { .. } => "setfield",
            GetIndex { .. } => "getindex",
            SetIndex { .. } => "setindex",
            Import { .. } => "import",
            CheckType { .. } => "checktype",
            Raise { .. } => "raise",
        }
    }

    /// The jump offset, if this instruction can jump.
    pub fn jump_offset(&self) -> Option<i32> {
        use Instr::*;
        match *self {
            Jump { off }
            | JumpIfFalse { off, .. }
            | JumpIfTrue { off, .. }
            | JumpIfNotLt { off, .. }
            | JumpIfNotLe { off, .. }
            | JumpIfNotGt { off, .. }
            | JumpIfNotGe { off, .. }
            | JumpIfNotEq { off, .. }
            | JumpIfNotNe { off, .. }
            | Loop { off, .. }
            | ForPrep { off, .. }
            | ForLoop { off, .. } => Some(off),
            _ => None,
        }
    }

    /// Rewrites the jump offset (used by the compiler to patch forward jumps).
    pub fn set_jump_offset(&mut self, new: i32) {
        use Instr::*;
        match self {
            Jump { off }
            | JumpIfFalse { off, .. }
            | JumpIfTrue { off, .. }
            | JumpIfNotLt { off, .. }
            | JumpIfNotLe { off, .. }
            | JumpIfNotGt { off, .. }
            | JumpIfNotGe { off, .. }
            | JumpIfNotEq { off, .. }
            | JumpIfNotNe { off, .. }
            | Loop { off, .. }
            | ForPrep { off, .. }
            | ForLoop { off, .. } => *off = new,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn instructions_are_one_word() {
        assert_eq!(std::mem::size_of::<super::Instr>(), 8);
    }
}
