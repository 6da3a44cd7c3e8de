//! AST -> canonical source text (`tern fmt`). Parenthesises only where
//! precedence demands, so printing a parsed program and parsing it again
//! gives the same tree.
//!
//! Comments are not in the tree; `print_module_with_comments` takes them from
//! the lexer's side list and prints each one where it was relative to the
//! nodes around it: own-line comments before the statement, item, field or
//! element that follows them, trailing comments at the end of their line,
//! and the rest before the `}` or the end of the file they precede.

use crate::ast::*;
use crate::token::Comment;
use std::fmt::Write;

pub fn print_module(m: &Module) -> String {
    print_module_with_comments(m, "", &[])
}

/// `m` and `comments` (in source order) come from `src`.
pub fn print_module_with_comments(m: &Module, src: &str, comments: &[Comment]) -> String {
    let mut p = Printer { out: String::new(), indent: 0, src, comments, next: 0 };
    for (i, item) in m.items.iter().enumerate() {
        let is_decl = !matches!(item, Item::Stmt(_));
        if i > 0 && is_decl {
            p.out.push('\n');
        }
        let limit = m.items.get(i + 1).map_or(u32::MAX, |next| item_span(next).start);
        match item {
            Item::Struct(s) => p.struct_decl(s, limit),
            Item::Fn(f) => p.fn_decl(f, limit),
            Item::Stmt(s) => p.stmt(s, limit),
        }
    }
    p.own_line_comments(u32::MAX);
    p.out
}

fn item_span(item: &Item) -> tern_diag::Span {
    match item {
        Item::Struct(s) => s.span,
        Item::Fn(f) => f.span,
        Item::Stmt(s) => s.span,
    }
}

pub fn print_expr(e: &Expr) -> String {
    let mut p = Printer { out: String::new(), indent: 0, src: "", comments: &[], next: 0 };
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

struct Printer<'c> {
    out: String,
    indent: usize,
    src: &'c str,
    /// Every comment of the file, in source order; `next` is the first not printed yet.
    comments: &'c [Comment],
    next: usize,
}

impl<'c> Printer<'c> {
    fn line_start(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
    }

    // ---- comments ----
    //
    // Each node prints the comments that precede it in the source before
    // printing itself, so comments come out in source order and none is
    // skipped: the caller's `own_line_comments` / `end_line` / block and
    // list ends flush whatever a node left behind.

    /// The next unprinted comment, if it starts before `pos`.
    fn pending(&self, pos: u32) -> Option<&'c Comment> {
        self.comments.get(self.next).filter(|c| c.span.start < pos)
    }

    fn take(&mut self) -> &'c Comment {
        self.next += 1;
        &self.comments[self.next - 1]
    }

    /// At the start of a line: every comment before `pos`, each on its own line.
    fn own_line_comments(&mut self, pos: u32) {
        while self.pending(pos).is_some() {
            let c = self.take();
            self.line_start();
            self.out.push_str(&c.text);
            self.out.push('\n');
        }
    }

    /// Where the expression whose span starts at `pos` really starts: past
    /// the `(` of parentheses around it, which widen its span but are not in
    /// the tree, and past comments among them. Only needed, and only
    /// possible (`src` is empty otherwise), when comments are left.
    fn first_token(&self, pos: u32) -> u32 {
        if self.pending(u32::MAX).is_none() {
            return pos;
        }
        let bytes = self.src.as_bytes();
        let mut i = pos as usize;
        loop {
            match bytes.get(i) {
                Some(b' ' | b'\t' | b'\r' | b'\n' | b'(') => i += 1,
                Some(b'/') if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => return i as u32,
            }
        }
    }

    /// Nothing but indentation so far on the current output line.
    fn at_line_start(&self) -> bool {
        self.out[self.out.rfind('\n').map_or(0, |i| i + 1)..].bytes().all(|b| b == b' ')
    }

    /// In the middle of a line: a comment before `pos` ends the line, and the
    /// code continues on the next one, indented one more level. At the start
    /// of a line, comments go on lines of their own (as they will on the next
    /// run, which must print the same).
    fn inline_comments(&mut self, pos: u32) {
        if self.pending(pos).is_some() && self.at_line_start() {
            self.out.truncate(self.out.rfind('\n').map_or(0, |i| i + 1));
            self.own_line_comments(pos);
            self.line_start();
            return;
        }
        while self.pending(pos).is_some() {
            let c = self.take();
            if !self.out.ends_with(' ') {
                self.out.push(' ');
            }
            self.out.push_str(&c.text);
            self.out.push('\n');
            self.indent += 1;
            self.line_start();
            self.indent -= 1;
        }
    }

    /// Right after an opening `{`, `(` or `[`: a comment that trailed it (code
    /// before it on its line, none until `first`), or one written before the
    /// bracket (`open`), stays on the bracket's line.
    fn open_line_comment(&mut self, open: u32, first: u32) {
        if self.pending(first).is_some_and(|c| c.span.start < open || !c.own_line) {
            let c = self.take();
            self.out.push(' ');
            self.out.push_str(&c.text);
        }
    }

    /// Ends the line of a node that ends at `end`, with the first comment
    /// still inside the node (such as one before its `;`) or, if none, the
    /// one that trailed it on its source line (before `limit`, where the next
    /// node starts). Any further comments are left for the caller's next
    /// `own_line_comments`: on their own lines, where the next run, seeing
    /// them there, leaves them.
    /// (The same rule as [`Self::open_line_comment`], with `end` for the bracket.)
    fn end_line(&mut self, end: u32, limit: u32) {
        self.open_line_comment(end, limit);
        self.out.push('\n');
    }

    // ---- items and statements ----

    fn ty(&mut self, t: &TypeExpr) {
        self.inline_comments(t.span().start);
        self.out.push_str(&print_type(t));
    }

    fn struct_decl(&mut self, s: &StructDecl, limit: u32) {
        self.own_line_comments(s.span.start);
        self.line_start();
        let _ = write!(self.out, "struct {} ", s.name.name);
        let field = |p: &mut Self, (name, ty): &(Ident, TypeExpr)| {
            let _ = write!(p.out, "{}: ", name.name);
            p.ty(ty);
        };
        self.list(&s.fields, s.span.end, ("{ ", " }"), |(n, t)| n.span.to(t.span()), field);
        self.end_line(s.span.end, limit);
    }

    fn fn_decl(&mut self, f: &FnDecl, limit: u32) {
        self.own_line_comments(f.span.start);
        self.line_start();
        let _ = write!(self.out, "fn {}", f.name.name);
        let params_end = f.ret.as_ref().map_or(f.body.span.start, |r| r.span().start);
        let param = |p: &mut Self, param: &Param| {
            p.out.push_str(&param.name.name);
            if let Some(t) = &param.ty {
                p.out.push_str(": ");
                p.ty(t);
            }
        };
        self.list(
            &f.params,
            params_end,
            ("(", ")"),
            |p| p.ty.as_ref().map_or(p.name.span, |t| p.name.span.to(t.span())),
            param,
        );
        if let Some(r) = &f.ret {
            self.out.push_str(" -> ");
            self.ty(r);
        }
        self.out.push(' ');
        self.block(&f.body);
        self.end_line(f.span.end, limit);
    }

    /// A comma-separated list: flat (`flat.0` items joined by `, ` `flat.1`),
    /// unless a comment lies in it (before `end`), even inside an item; then
    /// each item gets a line of its own (with a trailing comma) and each
    /// comment stays before, in or after its item. (Deciding by "any comment
    /// in the list" keeps the layout stable from one run to the next: a
    /// comment that a run moves, say out of parentheses it drops, is still in
    /// the list on the next run.)
    fn list<T>(
        &mut self,
        items: &[T],
        end: u32,
        flat: (&str, &str),
        span: fn(&T) -> tern_diag::Span,
        item: impl Fn(&mut Self, &T),
    ) {
        // An item starts at its first token, not at a `(` around it.
        let start = |p: &Self, it: &T| p.first_token(span(it).start);
        if self.pending(end).is_none() {
            self.out.push_str(flat.0);
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                item(self, it);
            }
            self.out.push_str(flat.1);
            return;
        }
        self.out.push_str(flat.0.trim_end());
        self.open_line_comment(0, items.first().map_or(end, |it| start(self, it)));
        self.out.push('\n');
        self.indent += 1;
        for (i, it) in items.iter().enumerate() {
            self.own_line_comments(start(self, it));
            self.line_start();
            item(self, it);
            self.out.push(',');
            self.end_line(span(it).end, items.get(i + 1).map_or(end, |next| start(self, next)));
        }
        self.own_line_comments(end);
        self.indent -= 1;
        self.line_start();
        self.out.push_str(flat.1.trim_start());
    }

    fn block(&mut self, b: &Block) {
        self.out.push('{');
        self.open_line_comment(b.span.start, b.stmts.first().map_or(b.span.end, |s| s.span.start));
        self.out.push('\n');
        self.indent += 1;
        for (i, s) in b.stmts.iter().enumerate() {
            self.stmt(s, b.stmts.get(i + 1).map_or(b.span.end, |next| next.span.start));
        }
        self.own_line_comments(b.span.end);
        self.indent -= 1;
        self.line_start();
        self.out.push('}');
    }

    /// `limit`: where the next statement (or the enclosing `}`) starts.
    fn stmt(&mut self, s: &Stmt, limit: u32) {
        self.own_line_comments(s.span.start);
        self.line_start();
        self.stmt_inline(s);
        self.end_line(s.span.end, limit);
    }

    fn stmt_inline(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { name, ty, init } => {
                let _ = write!(self.out, "let {}", name.name);
                if let Some(t) = ty {
                    self.out.push_str(": ");
                    self.ty(t);
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
        self.inline_comments(self.first_token(e.span.start));
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
                self.list(args, e.span.end, ("(", ")"), |a| a.span, |p, a| p.expr(a, 0));
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
                self.list(elems, e.span.end, ("[", "]"), |a| a.span, |p, a| p.expr(a, 0))
            }
            ExprKind::Record { name, fields } => {
                let paren = min >= 8;
                if paren {
                    self.out.push('(');
                }
                let _ = write!(self.out, "{} ", name.name);
                let close = if fields.is_empty() { "}" } else { " }" };
                let field = |p: &mut Self, (f, v): &(Ident, Expr)| {
                    let _ = write!(p.out, "{}: ", f.name);
                    p.expr(v, 0);
                };
                self.list(fields, e.span.end, ("{ ", close), |(f, v)| f.span.to(v.span), field);
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
