//! AST -> canonical source text (`tern fmt`). Parenthesises only where
//! precedence demands, so printing a parsed program and parsing it again
//! gives the same tree.

use crate::ast::*;
use std::fmt::Write;

pub fn print_module(m: &Module) -> String {
    let mut p = Printer { out: String::new(), indent: 0 };
    for (i, item) in m.items.iter().enumerate() {
        let is_decl = !matches!(item, Item::Stmt(_));
        if i > 0 && is_decl {
            p.out.push('\n');
        }
        match item {
            Item::Struct(s) => p.struct_decl(s),
            Item::Fn(f) => p.fn_decl(f),
            Item::Stmt(s) => p.stmt(s),
        }
    }
    p.out
}

pub fn print_expr(e: &Expr) -> String {
    let mut p = Printer { out: String::new(), indent: 0 };
    p.expr(e, 0);
    p.out
}

pub fn print_type(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Int(_) => "int".into(),
        TypeExpr::Float(_) => "float".into(),
        TypeExpr::Bool(_) => "bool".into(),
        TypeExpr::Str(_) => "str".into(),
        TypeExpr::Array(inner, _) => format!("[{}]", print_type(inner)),
        TypeExpr::Named(id) => id.name.clone(),
    }
}

/// A string literal in source form.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A float literal that lexes back to the same value.
fn float_literal(x: f64) -> String {
    let s = format!("{x:?}");
    // Debug prints `1e16` / `1e-7` for some values; the lexer wants a digit after a `.`
    // only when there is a `.`, so both forms lex back.
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

struct Printer {
    out: String,
    indent: usize,
}

impl Printer {
    fn line_start(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
    }

    fn struct_decl(&mut self, s: &StructDecl) {
        let fields: Vec<String> = s.fields.iter().map(|(n, t)| format!("{}: {}", n.name, print_type(t))).collect();
        self.line_start();
        let _ = writeln!(self.out, "struct {} {{ {} }}", s.name.name, fields.join(", "));
    }

    fn fn_decl(&mut self, f: &FnDecl) {
        let params: Vec<String> = f
            .params
            .iter()
            .map(|p| match &p.ty {
                Some(t) => format!("{}: {}", p.name.name, print_type(t)),
                None => p.name.name.clone(),
            })
            .collect();
        self.line_start();
        let _ = write!(self.out, "fn {}({})", f.name.name, params.join(", "));
        if let Some(r) = &f.ret {
            let _ = write!(self.out, " -> {}", print_type(r));
        }
        self.out.push(' ');
        self.block(&f.body);
        self.out.push('\n');
    }

    fn block(&mut self, b: &Block) {
        self.out.push_str("{\n");
        self.indent += 1;
        for s in &b.stmts {
            self.stmt(s);
        }
        self.indent -= 1;
        self.line_start();
        self.out.push('}');
    }

    fn stmt(&mut self, s: &Stmt) {
        self.line_start();
        self.stmt_inline(s);
        self.out.push('\n');
    }

    fn stmt_inline(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { name, ty, init } => {
                let _ = write!(self.out, "let {}", name.name);
                if let Some(t) = ty {
                    let _ = write!(self.out, ": {}", print_type(t));
                }
                self.out.push_str(" = ");
                self.expr(init, 0);
                self.out.push(';');
            }
            StmtKind::Import { path, alias, .. } => {
                let _ = write!(self.out, "import {} as {};", quote(path), alias.name);
            }
            StmtKind::If { cond, then, els } => {
                self.out.push_str("if ");
                self.cond(cond);
                self.out.push(' ');
                self.block(then);
                match els {
                    None => {}
                    Some(Else::Block(b)) => {
                        self.out.push_str(" else ");
                        self.block(b);
                    }
                    Some(Else::If(nested)) => {
                        self.out.push_str(" else ");
                        self.stmt_inline(nested);
                    }
                }
            }
            StmtKind::While { cond, body } => {
                self.out.push_str("while ");
                self.cond(cond);
                self.out.push(' ');
                self.block(body);
            }
            StmtKind::For { var, start, end, body } => {
                let _ = write!(self.out, "for {} in ", var.name);
                self.cond(start);
                self.out.push_str("..");
                self.cond(end);
                self.out.push(' ');
                self.block(body);
            }
            StmtKind::Break => self.out.push_str("break;"),
            StmtKind::Continue => self.out.push_str("continue;"),
            StmtKind::Return(None) => self.out.push_str("return;"),
            StmtKind::Return(Some(e)) => {
                self.out.push_str("return ");
                self.expr(e, 0);
                self.out.push(';');
            }
            StmtKind::Block(b) => self.block(b),
            StmtKind::Expr(e) => {
                self.expr(e, 0);
                self.out.push(';');
            }
            StmtKind::Assign { target, value } => {
                self.expr(target, 0);
                self.out.push_str(" = ");
                self.expr(value, 0);
                self.out.push(';');
            }
        }
    }

    /// In conditions a record literal must be parenthesised.
    fn cond(&mut self, e: &Expr) {
        if contains_bare_record(e) {
            self.out.push('(');
            self.expr(e, 0);
            self.out.push(')');
        } else {
            self.expr(e, 0);
        }
    }

    /// Prints `e`, parenthesised when its precedence is below `min`.
    fn expr(&mut self, e: &Expr, min: u8) {
        match &e.kind {
            ExprKind::Int(n) => {
                if *n == i64::MIN {
                    self.out.push_str("(-9223372036854775807 - 1)");
                } else if *n < 0 {
                    let _ = write!(self.out, "({n})");
                } else {
                    let _ = write!(self.out, "{n}");
                }
            }
            ExprKind::Float(x) => {
                if x.is_sign_negative() {
                    let _ = write!(self.out, "(-{})", float_literal(-x));
                } else {
                    self.out.push_str(&float_literal(*x));
                }
            }
            ExprKind::Str(s) => self.out.push_str(&quote(s)),
            ExprKind::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            ExprKind::Nil => self.out.push_str("nil"),
            ExprKind::Name(id) => self.out.push_str(&id.name),
            ExprKind::Binary { op, lhs, rhs, .. } => {
                let prec = op.precedence();
                let paren = prec < min;
                if paren {
                    self.out.push('(');
                }
                self.expr(lhs, prec);
                let _ = write!(self.out, " {} ", op.text());
                self.expr(rhs, prec + 1);
                if paren {
                    self.out.push(')');
                }
            }
            ExprKind::Unary { op, operand } => {
                // Postfix operators bind tighter than prefix ones: `(-a)[i]`.
                let paren = min > 7;
                if paren {
                    self.out.push('(');
                }
                self.out.push_str(op.text());
                self.expr(operand, 7);
                if paren {
                    self.out.push(')');
                }
            }
            ExprKind::Call { callee, args } => {
                match callee {
                    Callee::Name(id) => self.out.push_str(&id.name),
                    Callee::Member { base, name } => {
                        self.expr(base, 8);
                        let _ = write!(self.out, ".{}", name.name);
                    }
                }
                self.out.push('(');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(a, 0);
                }
                self.out.push(')');
            }
            ExprKind::Field { obj, field } => {
                self.expr(obj, 8);
                let _ = write!(self.out, ".{}", field.name);
            }
            ExprKind::Index { obj, index } => {
                self.expr(obj, 8);
                self.out.push('[');
                self.expr(index, 0);
                self.out.push(']');
            }
            ExprKind::Array(elems) => {
                self.out.push('[');
                for (i, a) in elems.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(a, 0);
                }
                self.out.push(']');
            }
            ExprKind::Record { name, fields } => {
                let paren = min >= 8;
                if paren {
                    self.out.push('(');
                }
                let _ = write!(self.out, "{} {{ ", name.name);
                for (i, (f, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    let _ = write!(self.out, "{}: ", f.name);
                    self.expr(v, 0);
                }
                self.out.push_str(if fields.is_empty() { "}" } else { " }" });
                if paren {
                    self.out.push(')');
                }
            }
        }
    }
}

/// True when printing `e` would put `Name {` at a position where the
/// parser, inside a condition, would read it as the start of a block.
fn contains_bare_record(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Record { .. } => true,
        ExprKind::Binary { lhs, rhs, .. } => contains_bare_record(lhs) || contains_bare_record(rhs),
        ExprKind::Unary { operand, .. } => contains_bare_record(operand),
        ExprKind::Field { obj, .. } | ExprKind::Index { obj, .. } => contains_bare_record(obj),
        ExprKind::Call { callee: Callee::Member { base, .. }, .. } => contains_bare_record(base),
        _ => false,
    }
}
