//! The syntax tree. Every node keeps its span; every expression has an id
//! unique within its module, so later passes (the checker, the AOT
//! compiler) can attach facts to it without changing the tree.

use tern_diag::{FileId, Span};

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub file: FileId,
    pub items: Vec<Item>,
    /// Number of expression ids handed out (ids are `0..expr_count`).
    pub expr_count: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Struct(StructDecl),
    Fn(FnDecl),
    Stmt(Stmt),
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructDecl {
    pub name: Ident,
    pub fields: Vec<(Ident, TypeExpr)>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FnDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    Int(Span),
    Float(Span),
    Bool(Span),
    Str(Span),
    Array(Box<TypeExpr>, Span),
    /// A struct name.
    Named(Ident),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Int(s)
            | TypeExpr::Float(s)
            | TypeExpr::Bool(s)
            | TypeExpr::Str(s)
            | TypeExpr::Array(_, s) => *s,
            TypeExpr::Named(id) => id.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Let {
        name: Ident,
        ty: Option<TypeExpr>,
        init: Expr,
    },
    /// `import "path" as alias;` — `path` as written, relative to the importing file.
    Import {
        path: String,
        path_span: Span,
        alias: Ident,
    },
    If {
        cond: Expr,
        then: Block,
        els: Option<Else>,
    },
    While {
        cond: Expr,
        body: Block,
    },
    For {
        var: Ident,
        start: Expr,
        end: Expr,
        body: Block,
    },
    Break,
    Continue,
    Return(Option<Expr>),
    Block(Block),
    Expr(Expr),
    /// `target = value;` where target is a name, a field or an index expression.
    Assign {
        target: Expr,
        value: Expr,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Else {
    Block(Block),
    If(Box<Stmt>),
}

pub type ExprId = u32;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub id: ExprId,
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn text(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }

    /// Binding power: higher binds tighter. All binary operators are left-associative.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne => 3,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div | BinOp::Rem => 6,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
}

impl UnOp {
    pub fn text(self) -> &'static str {
        match self {
            UnOp::Neg => "-",
            UnOp::Not => "!",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Nil,
    Name(Ident),
    Binary {
        op: BinOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Unary {
        op: UnOp,
        operand: Box<Expr>,
    },
    Call {
        callee: Callee,
        args: Vec<Expr>,
    },
    /// `obj.field`; also `alias.global` when `obj` names an import alias.
    Field {
        obj: Box<Expr>,
        field: Ident,
    },
    Index {
        obj: Box<Expr>,
        index: Box<Expr>,
    },
    Array(Vec<Expr>),
    Record {
        name: Ident,
        fields: Vec<(Ident, Expr)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Callee {
    /// `f(...)`: a function of this module or a builtin.
    Name(Ident),
    /// `base.name(...)`: a module function when `base` is an import alias.
    Member { base: Box<Expr>, name: Ident },
}

impl Callee {
    pub fn name(&self) -> &Ident {
        match self {
            Callee::Name(id) | Callee::Member { name: id, .. } => id,
        }
    }
}

/// The builtin functions and their arities.
pub const BUILTINS: &[(&str, usize)] = &[
    ("print", 1),
    ("str", 1),
    ("int", 1),
    ("float", 1),
    ("sqrt", 1),
    ("fixed", 2),
    ("len", 1),
    ("push", 2),
    ("clock", 0),
];

pub fn builtin_arity(name: &str) -> Option<usize> {
    BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}
