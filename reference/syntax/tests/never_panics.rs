//! No input panics the frontend: arbitrary bytes, token soups, and
//! well-formed programs that must survive a print/parse round trip.

use proptest::prelude::*;
use tern_diag::{FileId, Span};
use tern_syntax::ast::*;
use tern_syntax::format::format_source;
use tern_syntax::{lex, parse, pretty};

const VOCAB: &[&str] = &[
    "let",
    "fn",
    "if",
    "else",
    "while",
    "for",
    "in",
    "break",
    "continue",
    "return",
    "struct",
    "import",
    "as",
    "true",
    "false",
    "nil",
    "x",
    "y",
    "Point",
    "print",
    "len",
    "0",
    "1",
    "2.5",
    "1e3",
    "\"s\"",
    "\"",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "&&",
    "||",
    "!",
    "=",
    ".",
    "..",
    ",",
    ";",
    ":",
    "->",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "//",
    "\n",
    "é",
    "@",
    "99999999999999999999",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(FileId(0), &text);
    }

    #[test]
    fn token_soup_never_panics(toks in proptest::collection::vec(proptest::sample::select(VOCAB), 0..80)) {
        let text = toks.join(" ");
        if let Ok(m) = parse(FileId(0), &text) {
            // Whatever parses must print to something that parses to the same thing.
            let printed = pretty::print_module(&m);
            let again = parse(FileId(0), &printed).expect("printed program parses");
            prop_assert_eq!(pretty::print_module(&again), printed);
        }
    }

    #[test]
    fn generated_programs_round_trip(m in module()) {
        let printed = pretty::print_module(&m);
        let parsed = parse(FileId(0), &printed).map_err(|d| TestCaseError::fail(format!("{}\n{printed}", d.message)))?;
        prop_assert_eq!(pretty::print_module(&parsed), printed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Comments after arbitrary tokens (trailing, or on a line of their own)
    /// all survive `tern fmt`, which stays idempotent and keeps the program.
    #[test]
    fn comments_survive_formatting(m in module(), spots in proptest::collection::vec((any::<proptest::sample::Index>(), any::<bool>()), 0..12)) {
        let printed = pretty::print_module(&m);
        let src = with_comments(&printed, &spots);
        let out = format_source(FileId(0), &src).map_err(|e| TestCaseError::fail(format!("{e:?}\n{src}")))?;
        for k in 0..spots.len() {
            prop_assert!(out.contains(&format!("// c{k} ")), "comment {} lost:\n{}\n---\n{}", k, src, out);
        }
        let again = format_source(FileId(0), &out).map_err(|e| TestCaseError::fail(format!("{e:?}\n{out}")))?;
        prop_assert_eq!(&again, &out, "not idempotent:\n{}", src);
        prop_assert_eq!(pretty::print_module(&parse(FileId(0), &out).unwrap()), printed);
    }
}

/// `src` with comment `// cK "x" //` after the token each spot picks: at the
/// end of that token's line when `own_line` is false, else on a line of its own.
fn with_comments(src: &str, spots: &[(proptest::sample::Index, bool)]) -> String {
    let tokens = lex(FileId(0), src).unwrap();
    let mut inserts: Vec<(usize, String)> = spots
        .iter()
        .enumerate()
        .map(|(k, (at, own_line))| {
            let end = tokens[at.index(tokens.len())].span.end as usize;
            let text = format!("// c{k} \"x\" //");
            (end, if *own_line { format!("\n{text}\n") } else { format!(" {text}\n") })
        })
        .collect();
    inserts.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut out = src.to_string();
    for (at, text) in inserts {
        out.insert_str(at, &text);
    }
    out
}

fn sp() -> Span {
    Span::default()
}

fn ident() -> impl Strategy<Value = Ident> {
    proptest::sample::select(&["a", "b", "n", "total", "p", "xs"][..])
        .prop_map(|n| Ident { name: n.to_string(), span: sp() })
}

fn ex(kind: ExprKind) -> Expr {
    Expr { id: 0, kind, span: sp() }
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (0..=i64::MAX).prop_map(|n| ex(ExprKind::Int(n))),
        (0.0f64..1e20).prop_map(|x| ex(ExprKind::Float(x))),
        "[a-z \\n\"\\\\é]{0,6}".prop_map(|s| ex(ExprKind::Str(s))),
        any::<bool>().prop_map(|b| ex(ExprKind::Bool(b))),
        Just(ex(ExprKind::Nil)),
        ident().prop_map(|i| ex(ExprKind::Name(i))),
    ];
    leaf.prop_recursive(4, 40, 4, |inner| {
        let ops = proptest::sample::select(
            &[
                BinOp::Add,
                BinOp::Sub,
                BinOp::Mul,
                BinOp::Div,
                BinOp::Rem,
                BinOp::Eq,
                BinOp::Ne,
                BinOp::Lt,
                BinOp::Le,
                BinOp::Gt,
                BinOp::Ge,
                BinOp::And,
                BinOp::Or,
            ][..],
        );
        prop_oneof![
            (ops, inner.clone(), inner.clone()).prop_map(|(op, l, r)| ex(ExprKind::Binary {
                op,
                op_span: sp(),
                lhs: Box::new(l),
                rhs: Box::new(r)
            })),
            (proptest::sample::select(&[UnOp::Neg, UnOp::Not][..]), inner.clone())
                .prop_map(|(op, e)| ex(ExprKind::Unary { op, operand: Box::new(e) })),
            (ident(), proptest::collection::vec(inner.clone(), 0..3))
                .prop_map(|(f, args)| ex(ExprKind::Call { callee: Callee::Name(f), args })),
            (ident(), ident(), proptest::collection::vec(inner.clone(), 0..2)).prop_map(|(m, f, args)| ex(
                ExprKind::Call {
                    callee: Callee::Member { base: Box::new(ex(ExprKind::Name(m))), name: f },
                    args
                }
            )),
            (inner.clone(), ident()).prop_map(|(o, f)| ex(ExprKind::Field { obj: Box::new(o), field: f })),
            (inner.clone(), inner.clone())
                .prop_map(|(o, i)| ex(ExprKind::Index { obj: Box::new(o), index: Box::new(i) })),
            proptest::collection::vec(inner.clone(), 0..3).prop_map(|v| ex(ExprKind::Array(v))),
            proptest::collection::vec((ident(), inner), 0..3).prop_map(|fields| ex(ExprKind::Record {
                name: Ident { name: "Point".into(), span: sp() },
                fields
            })),
        ]
    })
}

fn ty() -> impl Strategy<Value = TypeExpr> {
    let leaf = prop_oneof![
        Just(TypeExpr::Int(sp())),
        Just(TypeExpr::Float(sp())),
        Just(TypeExpr::Bool(sp())),
        Just(TypeExpr::Str(sp())),
        Just(TypeExpr::Named(Ident { name: "Point".into(), span: sp() })),
    ];
    leaf.prop_recursive(2, 4, 1, |inner| inner.prop_map(|t| TypeExpr::Array(Box::new(t), sp())))
}

fn block_of(stmts: Vec<Stmt>) -> Block {
    Block { stmts, span: sp() }
}

fn st(kind: StmtKind) -> Stmt {
    Stmt { kind, span: sp() }
}

fn stmt() -> impl Strategy<Value = Stmt> {
    let simple = prop_oneof![
        (ident(), proptest::option::of(ty()), expr()).prop_map(|(name, ty, init)| st(StmtKind::Let {
            name,
            ty,
            init
        })),
        (ident(), expr()).prop_map(|(n, v)| st(StmtKind::Assign { target: ex(ExprKind::Name(n)), value: v })),
        expr().prop_map(|e| st(StmtKind::Expr(e))),
        proptest::option::of(expr()).prop_map(|e| st(StmtKind::Return(e))),
        Just(st(StmtKind::Break)),
        Just(st(StmtKind::Continue)),
        ("[a-z]{1,5}", ident()).prop_map(|(p, alias)| st(StmtKind::Import {
            path: format!("{p}.tern"),
            path_span: sp(),
            alias
        })),
    ];
    simple.prop_recursive(3, 20, 3, |inner| {
        let body = proptest::collection::vec(inner.clone(), 0..3).prop_map(block_of);
        prop_oneof![
            (expr(), body.clone(), proptest::option::of(body.clone()))
                .prop_map(|(cond, then, els)| st(StmtKind::If { cond, then, els: els.map(Else::Block) })),
            (expr(), body.clone()).prop_map(|(cond, body)| st(StmtKind::While { cond, body })),
            (ident(), expr(), expr(), body.clone()).prop_map(|(var, start, end, body)| st(StmtKind::For {
                var,
                start,
                end,
                body
            })),
            body.prop_map(|b| st(StmtKind::Block(b))),
        ]
    })
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        stmt().prop_map(Item::Stmt),
        (
            ident(),
            proptest::collection::vec((ident(), proptest::option::of(ty())), 0..3),
            proptest::option::of(ty()),
            proptest::collection::vec(stmt(), 0..4)
        )
            .prop_map(|(name, params, ret, body)| Item::Fn(FnDecl {
                name,
                params: params.into_iter().map(|(name, ty)| Param { name, ty }).collect(),
                ret,
                body: block_of(body),
                span: sp(),
            })),
        (ident(), proptest::collection::vec((ident(), ty()), 0..3))
            .prop_map(|(name, fields)| Item::Struct(StructDecl { name, fields, span: sp() })),
    ]
}

fn module() -> impl Strategy<Value = Module> {
    proptest::collection::vec(item(), 0..6).prop_map(|mut items| {
        unique_declarations(&mut items);
        Module { file: FileId(0), items, expr_count: 0 }
    })
}

/// Duplicate declarations are a syntax error (E0007): give repeats fresh names.
fn unique_declarations(items: &mut [Item]) {
    fn dedupe<'a>(names: impl Iterator<Item = &'a mut Ident>) {
        let mut seen = std::collections::HashSet::new();
        for (i, n) in names.enumerate() {
            if !seen.insert(n.name.clone()) {
                n.name = format!("{}{i}", n.name);
                seen.insert(n.name.clone());
            }
        }
    }
    dedupe(items.iter_mut().filter_map(|i| if let Item::Fn(f) = i { Some(&mut f.name) } else { None }));
    dedupe(items.iter_mut().filter_map(|i| if let Item::Struct(s) = i { Some(&mut s.name) } else { None }));
    for item in items.iter_mut() {
        match item {
            Item::Fn(f) => dedupe(f.params.iter_mut().map(|p| &mut p.name)),
            Item::Struct(s) => dedupe(s.fields.iter_mut().map(|(f, _)| f)),
            Item::Stmt(_) => {}
        }
    }
}
