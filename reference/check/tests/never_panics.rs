//! Whatever parses, the checker answers without panicking: random soups of
//! Tern tokens (most don't parse; those that do are checked), plus
//! generated statement sequences that parse far more often.
use proptest::prelude::*;
use tern_diag::FileId;
use tern_syntax::loader::{LoadedModule, Program};

const TOKENS: &[&str] = &[
    "let", "fn", "if", "else", "while", "for", "in", "break", "continue", "return", "struct", "import", "as",
    "true", "false", "nil", "x", "y", "p", "f", "g", "P", "Q", "a", "int", "float", "str", "bool", "print",
    "len", "push", "str", "int", "float", "sqrt", "fixed", "clock", "0", "1", "2.5", "\"s\"", "+", "-", "*",
    "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "=", ".", "..", ",", ";", ":", "->", "(",
    ")", "{", "}", "[", "]", "x", "y", ";", ";", "(", ")", "{", "}",
];

fn check_src(src: &str) {
    if let Ok(ast) = tern_syntax::parse(FileId(0), src) {
        let program = Program {
            modules: vec![LoadedModule { path: "main.tern".into(), ast }],
            by_path: [("main.tern".to_string(), 0)].into(),
        };
        match tern_check::check(program) {
            Ok(c) => {
                // On success every expression has a type.
                assert_eq!(c.expr_types[0].len(), c.program.modules[0].ast.expr_count as usize);
            }
            Err(ds) => assert!(!ds.is_empty()),
        }
    }
}

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|toks| toks.join(" "))
}

fn expr() -> BoxedStrategy<String> {
    let leaf = prop::sample::select(vec![
        "x",
        "y",
        "1",
        "2.5",
        "\"s\"",
        "true",
        "nil",
        "[]",
        "[1, 2]",
        "p",
        "P { a: 1 }",
        "f(x)",
        "g()",
    ])
    .prop_map(String::from);
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), prop::sample::select(vec!["+", "-", "*", "<", "==", "&&", "%"]), inner.clone())
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("!{a}")),
            inner.clone().prop_map(|a| format!("{a}.a")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}[{b}]")),
            (
                prop::sample::select(vec!["f", "g", "print", "len", "push", "str", "int", "fixed", "h"]),
                prop::collection::vec(inner, 0..3)
            )
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
        ]
    })
    .boxed()
}

fn stmt() -> BoxedStrategy<String> {
    let e = expr();
    prop_oneof![
        (prop::sample::select(vec!["x", "y", "p"]), e.clone()).prop_map(|(n, e)| format!("let {n} = {e};")),
        (prop::sample::select(vec!["x", "y", "p.a", "p[0]"]), e.clone())
            .prop_map(|(n, e)| format!("{n} = {e};")),
        e.clone().prop_map(|e| format!("print({e});")),
        (e.clone(), e.clone()).prop_map(|(c, b)| format!("if {c} {{ print({b}); }} else {{ return {b}; }}")),
        e.clone().prop_map(|c| format!("while {c} {{ break; }}")),
        (e.clone(), e.clone()).prop_map(|(a, b)| format!("for x in {a}..{b} {{ continue; }}")),
        e.clone().prop_map(|e| format!("return {e};")),
        Just("break;".to_string()),
    ]
    .boxed()
}

fn program() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(stmt(), 0..6),
        prop::collection::vec(stmt(), 0..6),
        prop::collection::vec(stmt(), 0..4),
    )
        .prop_map(|(f, g, top)| {
            format!(
                "struct P {{ a: int, b: P }}\nfn f(x) {{ {} }}\nfn g() {{ {} }}\nf(1);\n{}\n",
                f.join(" "),
                g.join(" "),
                top.join("\n")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(src in soup()) {
        check_src(&src);
    }

    #[test]
    fn generated_programs_never_panic(src in program()) {
        check_src(&src);
    }

    #[test]
    fn byte_strings_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        if let Ok(s) = std::str::from_utf8(&bytes) {
            check_src(s);
        }
    }
}

#[test]
fn some_generated_programs_parse_and_check() {
    // Guards the generator itself: it must reach the checker.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut parsed, mut passed) = (0, 0);
    for _ in 0..300 {
        let src = program().new_tree(&mut runner).unwrap().current();
        if let Ok(ast) = tern_syntax::parse(FileId(0), &src) {
            parsed += 1;
            let program = Program {
                modules: vec![LoadedModule { path: "main.tern".into(), ast }],
                by_path: [("main.tern".to_string(), 0)].into(),
            };
            if tern_check::check(program).is_ok() {
                passed += 1;
            }
        }
    }
    assert!(parsed > 200, "only {parsed} of 300 generated programs parsed");
    assert!(passed > 0, "no generated program type-checked");
}

#[test]
fn deepest_legal_nesting_checks() {
    // Just under the parser's depth limit, in every nesting form.
    let n = 45;
    let arr = format!("let a = {}1{};\nprint(a);\n", "[".repeat(n), "]".repeat(n));
    let parens = format!("let b = {}1{};\nprint(b + 1);\n", "(".repeat(n), ")".repeat(n));
    let neg = format!("let c = {}1;\nprint(c);\n", "-".repeat(n));
    let blocks = format!(
        "fn f(x) {{ {} return x; {} return 0; }}\nprint(f(1));\n",
        "if x > 0 { ".repeat(n / 2),
        "}".repeat(n / 2)
    );
    let ty = format!("let d: {}int{} = nil;\nprint(d);\n", "[".repeat(n), "]".repeat(n));
    for src in [arr, parens, neg, blocks, ty] {
        let ast = tern_syntax::parse(FileId(0), &src).unwrap_or_else(|d| panic!("{}: {src}", d.message));
        let program = Program {
            modules: vec![LoadedModule { path: "main.tern".into(), ast }],
            by_path: [("main.tern".to_string(), 0)].into(),
        };
        assert!(tern_check::check(program).is_ok(), "{src}");
    }
}
