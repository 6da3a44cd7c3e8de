//! `.tbc` files: corruption never panics; a round trip runs identically.
mod common;
use proptest::prelude::*;
use tern_bytecode::tbc;

const SAMPLE: &str = "struct P { x: int, y: float }\nfn fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }\n\
let p = P { x: 1, y: 2.5 };\nlet a = [1, \"s\", nil];\nfor i in 0..3 { print(i * p.x); }\nprint(fib(10) + p.x);\nprint(a);\nwhile false { }\nprint(nope);\n";

fn sample_bytes() -> Vec<u8> {
    let (p, _) = tern_bytecode::compile_source("main.tern", SAMPLE).unwrap();
    tbc::write(&p)
}

#[test]
fn round_trip_is_identity_and_header_is_portable() {
    let (p, _) = tern_bytecode::compile_source("dir/main.tern", SAMPLE).unwrap();
    let bytes = tbc::write(&p);
    assert_eq!(&bytes[..7], b"TERNBC\0");
    assert_eq!(u16::from_le_bytes([bytes[7], bytes[8]]), tbc::FORMAT_VERSION);
    let back = tbc::read(&bytes).unwrap();
    assert_eq!(back.path, "main.tern", "only the file name is stored");
    assert_eq!(back.functions, p.functions);
    assert_eq!(back.source, p.source);
    assert!(tbc::read(b"TERNBC\0\x63\x00").unwrap_err().contains("version"));
    assert!(tbc::read(b"PK\x03\x04abcdef").unwrap_err().contains("magic"));
}

#[test]
fn tbc_runs_with_imports_next_to_it_and_reports_positions() {
    let dir = tempfile::tempdir().unwrap();
    let src_dir = dir.path().join("src");
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&src_dir).unwrap();
    std::fs::create_dir_all(&out_dir).unwrap();
    let main = "import \"util.tern\" as u;\nprint(u.greet());\nprint(1 / 0);\n";
    let (p, _) = tern_bytecode::compile_source(src_dir.join("main.tern").to_str().unwrap(), main).unwrap();
    std::fs::write(out_dir.join("main.tbc"), tbc::write(&p)).unwrap();
    std::fs::write(out_dir.join("util.tern"), "fn greet() -> str { return \"hi\"; }\n").unwrap();
    let r = common::run_path(out_dir.join("main.tbc").to_str().unwrap(), tern_diag::Format::Human);
    assert_eq!(r.out, "hi\n");
    assert_eq!(r.code, 70);
    assert!(r.err.contains("main.tern:3:9: division by zero"), "{}", r.err);
    assert!(r.err.contains("print(1 / 0);"), "the snippet comes from the embedded source: {}", r.err);
}

#[test]
fn corrupt_tbc_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.tbc");
    let mut bytes = sample_bytes();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&p, &bytes).unwrap();
    let r = common::run_path(p.to_str().unwrap(), tern_diag::Format::Human);
    assert_eq!(r.code, 65);
    assert!(r.err.contains("not a valid .tbc file"), "{}", r.err);
}

/// A tiny generator of well-typed, terminating programs over int variables.
fn program(ops: &[(u8, u8, u8, i16)]) -> String {
    let mut src = String::from("fn sq(x: int) -> int { return x * x; }\nlet v0 = 1;\n");
    let mut vars = 1usize;
    for &(kind, a, b, lit) in ops {
        let x = format!("v{}", a as usize % vars);
        let y = format!("v{}", b as usize % vars);
        let d = if lit == 0 { 1 } else { lit };
        let line = match kind % 10 {
            0 => format!("let v{vars} = {x} + {lit};\n"),
            1 => format!("let v{vars} = {x} * {y} - {lit};\n"),
            2 => format!("let v{vars} = {x} / {d} + {y} % {d};\n"),
            3 => format!("if {x} < {y} {{ print({x}); }} else {{ print(\"ge \" + str({y})); }}\n"),
            4 => format!(
                "let v{vars} = 0;\nfor i in 0..{} {{ v{vars} = v{vars} + i * {x}; }}\n",
                (lit.unsigned_abs() % 7)
            ),
            5 => format!("print(float({x}) * 0.5 + 0.25);\n"),
            6 => format!("let v{vars} = sq({x} % 1000);\n"),
            7 => format!("print([{x}, {y}, {x} == {y}, {x} != {y} && true]);\n"),
            8 => format!("{x} = -{y};\n"),
            _ => format!("print(fixed(float({x} % 100000) / 7.0, {}));\n", lit.unsigned_abs() % 10),
        };
        if matches!(kind % 10, 0 | 1 | 2 | 4 | 6) {
            vars += 1;
        }
        src.push_str(&line);
    }
    src.push_str(&format!("print(v{});\n", vars - 1));
    src
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_or_truncated_tbc_never_panics(
        cut in 0usize..4000,
        flips in proptest::collection::vec((0usize..4000, any::<u8>()), 0..8),
    ) {
        let mut bytes = sample_bytes();
        for (at, v) in flips {
            let n = bytes.len();
            bytes[at % n] = v;
        }
        let keep = cut.min(bytes.len());
        let _ = tbc::read(&bytes[..keep]);
        let _ = tbc::read(&bytes);
    }

    #[test]
    fn source_and_tbc_round_trip_agree(ops in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<i16>()), 1..25)) {
        let src = program(&ops);
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("main.tern");
        std::fs::write(&main, &src).unwrap();
        let from_source = common::run_path(main.to_str().unwrap(), tern_diag::Format::Json);
        let (p, _) = tern_bytecode::compile_file(main.to_str().unwrap()).unwrap();
        let tbc_path = dir.path().join("main.tbc");
        std::fs::write(&tbc_path, tbc::write(&p)).unwrap();
        let from_tbc = common::run_path(tbc_path.to_str().unwrap(), tern_diag::Format::Json);
        prop_assert_eq!(from_source.code, 0, "{}\n{}", src, from_source.err);
        prop_assert_eq!(&from_source.out, &from_tbc.out);
        prop_assert_eq!(from_source.code, from_tbc.code);
    }
}
