//! Tokens -> AST by recursive descent, with precedence climbing for binary
//! operators. Stops at the first error, which carries a hint.

use crate::ast::*;
use crate::lexer::lex_with_comments;
use crate::token::{Comment, Tok, Token};
use tern_diag::{Code, Diagnostic, FileId, Phase, Span};

/// Nesting deeper than this is refused so hostile input cannot overflow the stack.
pub const MAX_DEPTH: u32 = 100;

/// An expression whose tree is taller than this is refused. Left-associative
/// chains (`a + b + c ...`, `a.b.c ...`, `a[0][0] ...`, `m.f().g() ...`) are
/// parsed by loops, so [`MAX_DEPTH`] does not bound them, but every later
/// phase (checker, bytecode compiler, AOT emitter) walks the tree recursively:
/// this limit keeps all of them within their stacks.
pub const MAX_EXPR_HEIGHT: u32 = 10_000;

/// Parses one file. Errors carry phase `parse`; callers re-phase them
/// (`import` for a lazily loaded module, `build` under AOT).
pub fn parse(file: FileId, src: &str) -> Result<Module, Diagnostic> {
    parse_with_comments(file, src).map(|(module, _)| module)
}

/// Like `parse`, also returning the file's comments, which the tree does not hold.
pub fn parse_with_comments(file: FileId, src: &str) -> Result<(Module, Vec<Comment>), Diagnostic> {
    let (tokens, comments) = lex_with_comments(file, src)?;
    let mut p = Parser { file, tokens, pos: 0, depth: 0, no_record: false, heights: Vec::new() };
    let items = p.file_items()?;
    Ok((Module { file, items, expr_count: p.heights.len() as u32 }, comments))
}

struct Parser {
    file: FileId,
    tokens: Vec<Token>,
    pos: usize,
    depth: u32,
    /// Set while parsing an `if`/`while` condition or a `for` range, where
    /// `name {` opens the body, not a record literal (as in Rust).
    no_record: bool,
    /// The height of every expression tree built so far; an expression's id
    /// is its index here (so the next id is the length).
    heights: Vec<u32>,
}

type PResult<T> = Result<T, Diagnostic>;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos].tok
    }

    fn span(&self) -> Span {
        self.tokens[self.pos].span
    }

    fn prev_span(&self) -> Span {
        self.tokens[self.pos.saturating_sub(1)].span
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos].clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn at(&self, tok: &Tok) -> bool {
        self.peek() == tok
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.at(tok) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn error(&self, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Code::UnexpectedToken, Phase::Parse, self.span(), msg)
    }

    fn unexpected(&self, wanted: &str) -> Diagnostic {
        let found = self.peek().describe();
        let mut d = self.error(format!("expected {wanted}, found {found}"));
        if wanted.contains("`;`") {
            // Point just after the previous token: that is where the `;` belongs.
            let prev = self.prev_span();
            d.span = Some(Span { file: self.file, start: prev.end, end: prev.end });
            d = d.with_hint("statements end with `;`");
        }
        d
    }

    fn expect(&mut self, tok: Tok) -> PResult<Span> {
        if self.at(&tok) {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(&format!("`{}`", tok.text())))
        }
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.peek().clone() {
            Tok::Ident(name) => {
                let span = self.bump().span;
                Ok(Ident { name, span })
            }
            tok if Tok::keyword(tok.text()).is_some() => Err(self
                .error(format!("expected {what}, found keyword `{}`", tok.text()))
                .with_hint("keywords cannot be used as names")),
            _ => Err(self.unexpected(what)),
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self
                .error(format!("nesting deeper than {MAX_DEPTH} levels"))
                .with_hint("split the expression into smaller `let`s"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Builds an expression node, refusing it when its tree would be taller
    /// than [`MAX_EXPR_HEIGHT`] (E0001 at the operator, field or `[` that
    /// crosses the limit).
    fn mk(&mut self, kind: ExprKind, span: Span) -> PResult<Expr> {
        self.mk_at(kind, span, None)
    }

    /// [`Self::mk`] for an index, whose `[` (`open`) the node does not record.
    fn mk_at(&mut self, kind: ExprKind, span: Span, open: Option<Span>) -> PResult<Expr> {
        let h = |e: &Expr| self.heights[e.id as usize];
        let (below, at) = match &kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Nil
            | ExprKind::Name(_) => (0, span),
            ExprKind::Binary { op_span, lhs, rhs, .. } => (h(lhs).max(h(rhs)), *op_span),
            ExprKind::Unary { operand, .. } => (h(operand), span),
            ExprKind::Call { callee, args } => {
                let base = match callee {
                    Callee::Member { base, .. } => h(base),
                    Callee::Name(_) => 0,
                };
                (args.iter().map(h).fold(base, u32::max), callee.name().span)
            }
            ExprKind::Field { obj, field } => (h(obj), field.span),
            ExprKind::Index { obj, index } => (h(obj).max(h(index)), open.unwrap_or(index.span)),
            ExprKind::Array(elems) => (elems.iter().map(h).max().unwrap_or(0), span),
            ExprKind::Record { fields, .. } => (fields.iter().map(|(_, e)| h(e)).max().unwrap_or(0), span),
        };
        let height = below + 1;
        if height > MAX_EXPR_HEIGHT {
            return Err(Diagnostic::new(
                Code::UnexpectedToken,
                Phase::Parse,
                at,
                format!("expression nested deeper than {MAX_EXPR_HEIGHT} operations"),
            )
            .with_hint("split the expression into smaller `let`s"));
        }
        let id = self.heights.len() as u32;
        self.heights.push(height);
        Ok(Expr { id, kind, span })
    }

    // ---- items and statements ----

    fn file_items(&mut self) -> PResult<Vec<Item>> {
        let mut items = Vec::new();
        while !self.at(&Tok::Eof) {
            items.push(match self.peek() {
                Tok::Struct => Item::Struct(self.struct_decl()?),
                Tok::Fn => Item::Fn(self.fn_decl()?),
                _ => Item::Stmt(self.stmt()?),
            });
        }
        let fns = items.iter().filter_map(|i| if let Item::Fn(f) = i { Some(&f.name) } else { None });
        no_duplicates(fns, "function")?;
        let structs = items.iter().filter_map(|i| if let Item::Struct(s) = i { Some(&s.name) } else { None });
        no_duplicates(structs, "struct")?;
        Ok(items)
    }

    fn struct_decl(&mut self) -> PResult<StructDecl> {
        let start = self.expect(Tok::Struct)?;
        let name = self.ident("a struct name")?;
        self.expect(Tok::LBrace)?;
        let mut fields = Vec::new();
        while !self.at(&Tok::RBrace) {
            let field = self.ident("a field name")?;
            if !self.at(&Tok::Colon) {
                return Err(self.unexpected("`:`").with_hint("struct fields need a type, like `x: int`"));
            }
            self.bump();
            let ty = self.type_expr()?;
            fields.push((field, ty));
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        let end = self.expect(Tok::RBrace)?;
        no_duplicates(fields.iter().map(|(f, _)| f), "field")?;
        Ok(StructDecl { name, fields, span: start.to(end) })
    }

    fn fn_decl(&mut self) -> PResult<FnDecl> {
        let start = self.expect(Tok::Fn)?;
        let name = self.ident("a function name")?;
        self.expect(Tok::LParen)?;
        let mut params = Vec::new();
        while !self.at(&Tok::RParen) {
            let pname = self.ident("a parameter name")?;
            let ty = if self.eat(&Tok::Colon) { Some(self.type_expr()?) } else { None };
            params.push(Param { name: pname, ty });
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        self.expect(Tok::RParen)?;
        no_duplicates(params.iter().map(|p| &p.name), "parameter")?;
        let ret = if self.eat(&Tok::Arrow) { Some(self.type_expr()?) } else { None };
        let body = self.block()?;
        let span = start.to(body.span);
        Ok(FnDecl { name, params, ret, body, span })
    }

    fn type_expr(&mut self) -> PResult<TypeExpr> {
        self.enter()?;
        let span = self.span();
        let ty = match self.peek().clone() {
            Tok::LBracket => {
                self.bump();
                let inner = self.type_expr()?;
                let end = self.expect(Tok::RBracket)?;
                TypeExpr::Array(Box::new(inner), span.to(end))
            }
            Tok::Ident(name) => {
                self.bump();
                match name.as_str() {
                    "int" => TypeExpr::Int(span),
                    "float" => TypeExpr::Float(span),
                    "bool" => TypeExpr::Bool(span),
                    "str" => TypeExpr::Str(span),
                    _ => TypeExpr::Named(Ident { name, span }),
                }
            }
            _ => {
                return Err(self
                    .unexpected("a type")
                    .with_hint("types are int, float, bool, str, [T] or a struct name"))
            }
        };
        self.leave();
        Ok(ty)
    }

    fn block(&mut self) -> PResult<Block> {
        self.enter()?;
        let start = self.expect(Tok::LBrace)?;
        let mut stmts = Vec::new();
        while !self.at(&Tok::RBrace) {
            if self.at(&Tok::Eof) {
                return Err(self
                    .unexpected("`}`")
                    .with_hint("a block opened here is never closed")
                    .with_note(start, "block starts here"));
            }
            if matches!(self.peek(), Tok::Fn | Tok::Struct) {
                let what = self.peek().text();
                return Err(Diagnostic::new(
                    Code::ItemNotAllowed,
                    Phase::Parse,
                    self.span(),
                    format!("`{what}` declarations are only allowed at the top level of a file"),
                )
                .with_hint("move the declaration out of the block"));
            }
            stmts.push(self.stmt()?);
        }
        let end = self.expect(Tok::RBrace)?;
        self.leave();
        Ok(Block { stmts, span: start.to(end) })
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        self.enter()?;
        let start = self.span();
        let kind = match self.peek() {
            Tok::Let => {
                self.bump();
                let name = self.ident("a variable name")?;
                let ty = if self.eat(&Tok::Colon) { Some(self.type_expr()?) } else { None };
                if !self.at(&Tok::Eq) {
                    return Err(self.unexpected("`=`").with_hint("a `let` needs a value, like `let x = 0;`"));
                }
                self.bump();
                let init = self.expr()?;
                self.expect(Tok::Semi)?;
                StmtKind::Let { name, ty, init }
            }
            Tok::Import => {
                self.bump();
                let (path, path_span) = match self.peek().clone() {
                    Tok::Str(s) => (s, self.bump().span),
                    _ => {
                        return Err(self
                            .unexpected("a module path string")
                            .with_hint("write `import \"util.tern\" as util;`"))
                    }
                };
                if !self.at(&Tok::As) {
                    return Err(self
                        .unexpected("`as`")
                        .with_hint("an import names its module: `import \"util.tern\" as util;`"));
                }
                self.bump();
                let alias = self.ident("a module alias")?;
                self.expect(Tok::Semi)?;
                StmtKind::Import { path, path_span, alias }
            }
            Tok::If => return self.if_stmt().inspect(|_| self.leave()),
            Tok::While => {
                self.bump();
                let cond = self.cond_expr()?;
                let body = self.block()?;
                StmtKind::While { cond, body }
            }
            Tok::For => {
                self.bump();
                let var = self.ident("a loop variable")?;
                self.expect(Tok::In)?;
                let saved = std::mem::replace(&mut self.no_record, true);
                let range_start = self.expr()?;
                if !self.at(&Tok::DotDot) {
                    return Err(self
                        .unexpected("`..`")
                        .with_hint("loops over a range: `for i in 0..n { ... }`"));
                }
                self.bump();
                let range_end = self.expr()?;
                self.no_record = saved;
                let body = self.block()?;
                StmtKind::For { var, start: range_start, end: range_end, body }
            }
            Tok::Break => {
                self.bump();
                self.expect(Tok::Semi)?;
                StmtKind::Break
            }
            Tok::Continue => {
                self.bump();
                self.expect(Tok::Semi)?;
                StmtKind::Continue
            }
            Tok::Return => {
                self.bump();
                let value = if self.at(&Tok::Semi) { None } else { Some(self.expr()?) };
                self.expect(Tok::Semi)?;
                StmtKind::Return(value)
            }
            Tok::LBrace => StmtKind::Block(self.block()?),
            Tok::Fn | Tok::Struct => {
                let what = self.peek().text();
                return Err(Diagnostic::new(
                    Code::ItemNotAllowed,
                    Phase::Parse,
                    self.span(),
                    format!("`{what}` declarations are only allowed at the top level of a file"),
                ));
            }
            _ => {
                let target = self.expr()?;
                if self.at(&Tok::Eq) {
                    let eq = self.bump().span;
                    if !matches!(
                        target.kind,
                        ExprKind::Name(_) | ExprKind::Field { .. } | ExprKind::Index { .. }
                    ) {
                        return Err(Diagnostic::new(
                            Code::BadAssignTarget,
                            Phase::Parse,
                            target.span,
                            "cannot assign to this expression",
                        )
                        .with_note(eq, "assignment here")
                        .with_hint("assign to a variable, a field `p.x` or an element `a[i]`"));
                    }
                    let value = self.expr()?;
                    self.expect(Tok::Semi)?;
                    StmtKind::Assign { target, value }
                } else {
                    self.expect(Tok::Semi)?;
                    StmtKind::Expr(target)
                }
            }
        };
        self.leave();
        Ok(Stmt { kind, span: start.to(self.prev_span()) })
    }

    fn if_stmt(&mut self) -> PResult<Stmt> {
        let start = self.expect(Tok::If)?;
        let cond = self.cond_expr()?;
        let then = self.block()?;
        let els = if self.eat(&Tok::Else) {
            if self.at(&Tok::If) {
                self.enter()?;
                let nested = self.if_stmt()?;
                self.leave();
                Some(Else::If(Box::new(nested)))
            } else {
                Some(Else::Block(self.block()?))
            }
        } else {
            None
        };
        Ok(Stmt { kind: StmtKind::If { cond, then, els }, span: start.to(self.prev_span()) })
    }

    fn cond_expr(&mut self) -> PResult<Expr> {
        let saved = std::mem::replace(&mut self.no_record, true);
        let e = self.expr();
        self.no_record = saved;
        e
    }

    // ---- expressions ----

    pub fn expr(&mut self) -> PResult<Expr> {
        self.binary(1)
    }

    fn binop(&self) -> Option<BinOp> {
        Some(match self.peek() {
            Tok::OrOr => BinOp::Or,
            Tok::AndAnd => BinOp::And,
            Tok::EqEq => BinOp::Eq,
            Tok::NotEq => BinOp::Ne,
            Tok::Lt => BinOp::Lt,
            Tok::Le => BinOp::Le,
            Tok::Gt => BinOp::Gt,
            Tok::Ge => BinOp::Ge,
            Tok::Plus => BinOp::Add,
            Tok::Minus => BinOp::Sub,
            Tok::Star => BinOp::Mul,
            Tok::Slash => BinOp::Div,
            Tok::Percent => BinOp::Rem,
            _ => return None,
        })
    }

    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        self.enter()?;
        let mut lhs = self.unary()?;
        while let Some(op) = self.binop() {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            let op_span = self.bump().span;
            let rhs = self.binary(prec + 1)?;
            let span = lhs.span.to(rhs.span);
            lhs = self.mk(ExprKind::Binary { op, op_span, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span)?;
        }
        self.leave();
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let op = match self.peek() {
            Tok::Minus => UnOp::Neg,
            Tok::Bang => UnOp::Not,
            _ => return self.postfix(),
        };
        self.enter()?;
        let start = self.bump().span;
        let operand = self.unary()?;
        self.leave();
        let span = start.to(operand.span);
        self.mk(ExprKind::Unary { op, operand: Box::new(operand) }, span)
    }

    fn args(&mut self) -> PResult<(Vec<Expr>, Span)> {
        self.expect(Tok::LParen)?;
        let saved = std::mem::replace(&mut self.no_record, false);
        let mut args = Vec::new();
        while !self.at(&Tok::RParen) {
            args.push(self.expr()?);
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        self.no_record = saved;
        let end = self.expect(Tok::RParen)?;
        Ok((args, end))
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    let name = self.ident("a field name")?;
                    if self.at(&Tok::LParen) {
                        let (args, end) = self.args()?;
                        let span = e.span.to(end);
                        e = self.mk(
                            ExprKind::Call { callee: Callee::Member { base: Box::new(e), name }, args },
                            span,
                        )?;
                    } else {
                        let span = e.span.to(name.span);
                        e = self.mk(ExprKind::Field { obj: Box::new(e), field: name }, span)?;
                    }
                }
                Tok::LBracket => {
                    self.enter()?;
                    let open = self.bump().span;
                    let saved = std::mem::replace(&mut self.no_record, false);
                    let index = self.expr()?;
                    self.no_record = saved;
                    let end = self.expect(Tok::RBracket)?;
                    self.leave();
                    let span = e.span.to(end);
                    e = self.mk_at(
                        ExprKind::Index { obj: Box::new(e), index: Box::new(index) },
                        span,
                        Some(open),
                    )?;
                }
                Tok::LParen => {
                    return Err(self
                        .error("only named functions can be called")
                        .with_hint("call a function by its name, like `f(x)` or `module.f(x)`"));
                }
                _ => return Ok(e),
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let span = self.span();
        let kind = match self.peek().clone() {
            Tok::Int(n) => {
                self.bump();
                ExprKind::Int(n)
            }
            Tok::Float(x) => {
                self.bump();
                ExprKind::Float(x)
            }
            Tok::Str(s) => {
                self.bump();
                ExprKind::Str(s)
            }
            Tok::True => {
                self.bump();
                ExprKind::Bool(true)
            }
            Tok::False => {
                self.bump();
                ExprKind::Bool(false)
            }
            Tok::Nil => {
                self.bump();
                ExprKind::Nil
            }
            Tok::Ident(name) => {
                self.bump();
                let id = Ident { name, span };
                if self.at(&Tok::LParen) {
                    let (args, end) = self.args()?;
                    return self.mk(ExprKind::Call { callee: Callee::Name(id), args }, span.to(end));
                }
                if self.at(&Tok::LBrace) && !self.no_record {
                    return self.record(id);
                }
                ExprKind::Name(id)
            }
            Tok::LParen => {
                self.enter()?;
                self.bump();
                let saved = std::mem::replace(&mut self.no_record, false);
                let inner = self.expr()?;
                self.no_record = saved;
                self.expect(Tok::RParen)?;
                self.leave();
                // Parentheses only group; the span widens to include them.
                return Ok(Expr { span: span.to(self.prev_span()), ..inner });
            }
            Tok::LBracket => {
                self.enter()?;
                self.bump();
                let saved = std::mem::replace(&mut self.no_record, false);
                let mut elems = Vec::new();
                while !self.at(&Tok::RBracket) {
                    elems.push(self.expr()?);
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
                self.no_record = saved;
                let end = self.expect(Tok::RBracket)?;
                self.leave();
                return self.mk(ExprKind::Array(elems), span.to(end));
            }
            _ => return Err(self.unexpected("an expression")),
        };
        self.mk(kind, span)
    }

    fn record(&mut self, name: Ident) -> PResult<Expr> {
        self.enter()?;
        self.expect(Tok::LBrace)?;
        let mut fields = Vec::new();
        while !self.at(&Tok::RBrace) {
            let field = self.ident("a field name")?;
            if !self.at(&Tok::Colon) {
                return Err(self
                    .unexpected("`:`")
                    .with_hint("record literals give each field a value: `Point { x: 1, y: 2 }`"));
            }
            self.bump();
            let value = self.expr()?;
            fields.push((field, value));
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        let end = self.expect(Tok::RBrace)?;
        self.leave();
        let span = name.span.to(end);
        self.mk(ExprKind::Record { name, fields }, span)
    }
}

/// Two declarations of one name in the same list is E0007, at the second.
fn no_duplicates<'a>(names: impl Iterator<Item = &'a Ident>, what: &str) -> PResult<()> {
    let mut seen: Vec<&Ident> = Vec::new();
    for name in names {
        if let Some(first) = seen.iter().find(|s| s.name == name.name) {
            return Err(Diagnostic::new(
                Code::ItemNotAllowed,
                Phase::Parse,
                name.span,
                format!("{what} `{}` is declared twice", name.name),
            )
            .with_note(first.span, "first declared here")
            .with_hint(format!("rename or remove one of the two {what}s")));
        }
        seen.push(name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Module {
        parse(FileId(0), src).unwrap_or_else(|d| panic!("{src}: {}", d.message))
    }

    #[test]
    fn parses_the_tour() {
        let m = ok(r#"
            import "geometry.tern" as geo;
            struct Point { x: float, y: float }
            fn fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }
            let total = 0;
            for i in 0..10 { total = total + fib(i); }
            let p = Point { x: 3.0, y: 4.0 };
            p.y = 4.5;
            while total > 10 && !(total == 50) { total = total - 7; }
            print(geo.area(2.0));
        "#);
        assert_eq!(m.items.len(), 9);
    }

    #[test]
    fn precedence_and_associativity() {
        let m = ok("x = 1 - 2 - 3 * 4;");
        let Item::Stmt(Stmt { kind: StmtKind::Assign { value, .. }, .. }) = &m.items[0] else { panic!() };
        let ExprKind::Binary { op: BinOp::Sub, lhs, rhs, .. } = &value.kind else { panic!() };
        assert!(matches!(lhs.kind, ExprKind::Binary { op: BinOp::Sub, .. }));
        assert!(matches!(rhs.kind, ExprKind::Binary { op: BinOp::Mul, .. }));
    }

    #[test]
    fn record_literal_not_in_condition() {
        // `if p { ... }`: `p {` opens the block, not a record.
        ok("if p { print(1); }");
        ok("if (P { x: 1 }).x == 1 { print(1); }");
    }

    #[test]
    fn errors() {
        let e = parse(FileId(0), "let x = 1\nprint(x);").unwrap_err();
        assert_eq!(e.code, Code::UnexpectedToken);
        assert_eq!(e.span.unwrap().start, 9, "points right after `1`");
        assert_eq!(parse(FileId(0), "fn f() { fn g() {} }").unwrap_err().code, Code::ItemNotAllowed);
        assert_eq!(parse(FileId(0), "1 + 2 = 3;").unwrap_err().code, Code::BadAssignTarget);
        for dup in [
            "fn f() {} fn f() {}",
            "struct S { a: int } struct S { b: int }",
            "fn f(a, a) {}",
            "struct S { a: int, a: int }",
        ] {
            let e = parse(FileId(0), dup).unwrap_err();
            assert_eq!(e.code, Code::ItemNotAllowed, "{dup}");
            assert!(e.message.contains("declared twice"), "{dup}");
        }
        let deep = "(".repeat(10_000);
        assert_eq!(parse(FileId(0), &deep).unwrap_err().code, Code::UnexpectedToken);
        let deep_blocks = "{".repeat(10_000);
        assert!(parse(FileId(0), &deep_blocks).is_err());
        let deep_unary = "-".repeat(10_000) + "1;";
        assert!(parse(FileId(0), &deep_unary).is_err());
    }

    #[test]
    fn expression_height_limit() {
        let n = MAX_EXPR_HEIGHT as usize;
        // A flat chain of n - 1 operators is n - 1 nodes tall: accepted.
        ok(&format!("let x = 1{};", " + 1".repeat(n - 1)));
        // Every left-nested chain one node taller is refused at the link that crosses the limit.
        for (chain, link) in
            [(" + 1", " + 1"), (" && a", " && a"), (".f", ".f"), ("[0]", "[0]"), (".f()", ".f()")]
        {
            let src = format!("let x = a{};", chain.repeat(n));
            let e = parse(FileId(0), &src).unwrap_err();
            assert_eq!(e.code, Code::UnexpectedToken, "{link}");
            assert!(e.message.contains("expression nested deeper than"), "{link}: {}", e.message);
            let at = e.span.unwrap().start as usize;
            assert_eq!(
                at,
                "let x = a".len()
                    + link.len() * (n - 1)
                    + if link.starts_with(' ') {
                        1
                    } else if link == "[0]" {
                        0
                    } else {
                        1
                    },
                "{link}"
            );
        }
        // Nesting through parentheses adds up: the tree is what later phases walk.
        let mut src = "1".to_string();
        for _ in 0..3 {
            src = format!("({src}{})", " + 1".repeat(n / 3 + 1));
        }
        assert!(parse(FileId(0), &format!("let x = {src};")).is_err());
    }
}
