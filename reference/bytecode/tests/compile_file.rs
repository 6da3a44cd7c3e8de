//! `compile_file_keeping_sources` hands back the SourceMap with an error, so
//! a syntax error renders with its position and snippet.

use tern_diag::{render_human, Code, Phase};

fn temp_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("tern-bytecode-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn syntax_error_keeps_the_source_for_rendering() {
    let path = temp_file("bad.tern", "let x = 1;\nlet y = ;\n");
    let (d, sources) = match tern_bytecode::compile_file_keeping_sources(&path) {
        Err(e) => e,
        Ok(_) => panic!("a syntax error must not compile"),
    };
    assert_eq!(d.phase, Phase::Parse);
    let text = render_human(&d, &sources);
    let header = text.lines().next().unwrap();
    assert!(header.contains("bad.tern:2:9"), "header without position: {header}");
    assert!(text.contains("let y = ;"), "no snippet in:\n{text}");
    // The old signature still reports the same diagnostic.
    let old = tern_bytecode::compile_file(&path).err().expect("error");
    assert_eq!(old.code, d.code);
}

#[test]
fn unreadable_file_is_module_not_found_with_an_empty_map() {
    let (d, sources) =
        tern_bytecode::compile_file_keeping_sources("/nonexistent/dir/x.tern").err().expect("error");
    assert_eq!(d.code, Code::ModuleNotFound);
    assert!(render_human(&d, &sources).starts_with("error[E0801]"));
}

#[test]
fn success_returns_program_and_sources() {
    let path = temp_file("ok.tern", "print(1 + 2);\n");
    let (p, sources) = tern_bytecode::compile_file_keeping_sources(&path).ok().expect("compiles");
    assert!(!p.functions.is_empty());
    assert!(sources.text(tern_diag::FileId(0)).contains("print"));
}
