//! A compiled module: its functions, constants and the side tables the
//! instructions index into. One `Program` per source file; the VM links
//! modules together lazily as `import` statements run.

use crate::instr::Instr;

/// A constant-pool entry.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Int(i64),
    Float(f64),
    Str(String),
}

/// A shallow annotation check (`CheckType`): only the outer constructor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeCheck {
    Int,
    Float,
    Bool,
    Str,
    /// An array or nil.
    Array,
    /// A record of struct number `n` of *this* module, or nil.
    Struct(u16),
    /// A name that is no struct of this module: E0106 when checked.
    Unknown(String),
}

impl TypeCheck {
    pub fn describe(&self, structs: &[StructDef]) -> String {
        match self {
            TypeCheck::Int => "int".into(),
            TypeCheck::Float => "float".into(),
            TypeCheck::Bool => "bool".into(),
            TypeCheck::Str => "str".into(),
            TypeCheck::Array => "an array".into(),
            TypeCheck::Struct(i) => {
                structs.get(*i as usize).map(|s| s.name.clone()).unwrap_or_else(|| "?".into())
            }
            TypeCheck::Unknown(n) => n.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<String>,
    /// Index into `Program::types` for each field's annotation.
    pub field_types: Vec<u16>,
}

/// An error found at compile time that the phase model says must surface
/// only when the code runs (unknown name, arity, ...). `Raise` points here.
#[derive(Clone, Debug, PartialEq)]
pub struct StaticError {
    /// `tern_diag::Code` number, e.g. 102 for E0102.
    pub code: u16,
    pub message: String,
    pub hint: Option<String>,
}

/// Byte range of the source construct an instruction came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SrcSpan {
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FunctionProto {
    /// Source name; `<top>` for a module's top-level code.
    pub name: String,
    /// Registers 0..arity hold the parameters on entry.
    pub arity: u8,
    /// Size of the register window (params, locals and temporaries).
    pub num_regs: u8,
    pub code: Vec<Instr>,
    /// `spans[pc]` is where `code[pc]` came from (for diagnostics and disasm).
    pub spans: Vec<SrcSpan>,
    pub consts: Vec<Const>,
    /// Names used by `GetField`/`SetField`/`CallMember`/`Import` sites; one
    /// entry per site, so the VM can keep one inline cache per site.
    pub names: Vec<String>,
    pub errors: Vec<StaticError>,
    /// Number of back-edge counters (`Loop`/`ForLoop` ids are `0..num_loops`).
    pub num_loops: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The module's path as written (relative); never absolute in a .tbc.
    pub path: String,
    /// The module's source text, so diagnostics can quote it.
    pub source: String,
    /// `functions[0]` is the top-level code; the rest are `fn` items in order.
    pub functions: Vec<FunctionProto>,
    pub structs: Vec<StructDef>,
    /// Names of the module globals (top-level `let`s and `import` aliases).
    pub globals: Vec<String>,
    pub types: Vec<TypeCheck>,
}

impl Program {
    /// Index of a top-level `fn` by name (module member calls).
    pub fn function_index(&self, name: &str) -> Option<usize> {
        self.functions.iter().skip(1).position(|f| f.name == name).map(|i| i + 1)
    }

    pub fn global_index(&self, name: &str) -> Option<usize> {
        self.globals.iter().position(|g| g == name)
    }

    /// 1-based (line, col) of a byte offset in `source` (col counts chars).
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let off = (offset as usize).min(self.source.len());
        let before = self.source.get(..off).unwrap_or("");
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = before[line_start..].chars().count() as u32 + 1;
        (line, col)
    }
}
