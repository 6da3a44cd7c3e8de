//! One test per rule: the exact code, kind and line:col of each diagnostic.
mod common;
use common::*;

// ---- loader errors come back as build diagnostics ----

#[test]
fn syntax_error_in_entry_is_build_e0001() {
    one("let x = 1\nprint(x);\n", "E0001", "syntax", 1, 10);
}

#[test]
fn syntax_error_in_imported_module() {
    let es = errs_files(&[("main.tern", "import \"m.tern\" as m;\n"), ("m.tern", "fn f( {\n")]);
    assert_eq!(es.len(), 1);
    assert!(es[0].starts_with("E0001 syntax 1:7 m.tern"), "{es:?}");
}

#[test]
fn missing_module_is_build_e0801() {
    let es = errs_files(&[("main.tern", "print(1);\nif false { import \"nope.tern\" as n; }\n")]);
    assert_eq!(es.len(), 1);
    assert!(es[0].starts_with("E0801 import 2:19 main.tern"), "{es:?}");
}

// ---- names ----

#[test]
fn unknown_variable() {
    one("let x = 1;\nprint(y + x);\n", "E0101", "name", 2, 7);
}

#[test]
fn unknown_variable_in_dead_code() {
    one("fn never() { return zz; }\n", "E0101", "name", 1, 21);
}

#[test]
fn assignment_to_unknown_variable() {
    one("q = 3;\n", "E0101", "name", 1, 1);
}

#[test]
fn unknown_function() {
    let m = one("let x = 1;\nprnt(x);\n", "E0102", "name", 2, 1);
    assert!(m.contains("`prnt`"));
}

#[test]
fn unknown_struct() {
    one("let p = Pt { x: 1 };\n", "E0103", "name", 1, 9);
}

#[test]
fn unknown_module_function_and_global() {
    let es = errs_files(&[
        ("main.tern", "import \"m.tern\" as m;\nm.nope(1);\nprint(m.gone);\n"),
        ("m.tern", "let here = 1;\n"),
    ]);
    assert_eq!(es.len(), 2, "{es:?}");
    assert!(es[0].starts_with("E0105 name 2:3 main.tern"), "{es:?}");
    assert!(es[1].starts_with("E0105 name 3:9 main.tern"), "{es:?}");
}

#[test]
fn unknown_type_name_in_annotations() {
    let es = errs("struct S { a: Nope }\nfn f(p: Pointt) -> [Thing] { return nil; }\nlet x: Vec = nil;\n");
    assert_eq!(es.len(), 4, "{es:?}");
    assert!(es[0].starts_with("E0106 name 1:15"), "{es:?}");
    // Parameter and let annotations are reported at the name they annotate.
    assert!(es[1].starts_with("E0106 name 2:6"), "{es:?}");
    assert!(es[2].starts_with("E0106 name 2:21"), "{es:?}");
    assert!(es[3].starts_with("E0106 name 3:5"), "{es:?}");
}

#[test]
fn struct_names_are_per_module() {
    let es = errs_files(&[
        ("main.tern", "import \"m.tern\" as m;\nlet s = Square { side: 1 };\n"),
        ("m.tern", "struct Square { side: int }\n"),
    ]);
    assert_eq!(es.len(), 1);
    assert!(es[0].starts_with("E0103 name 2:9 main.tern"), "{es:?}");
}

#[test]
fn alias_is_scoped_to_its_block() {
    let es = errs_files(&[
        ("main.tern", "if true { import \"m.tern\" as m; }\nprint(m.x);\n"),
        ("m.tern", "let x = 1;\n"),
    ]);
    assert_eq!(es.len(), 1);
    assert!(es[0].starts_with("E0101 name 2:7"), "{es:?}");
}

#[test]
fn alias_used_before_its_import_at_top_level() {
    let es =
        errs_files(&[("main.tern", "print(m.x);\nimport \"m.tern\" as m;\n"), ("m.tern", "let x = 1;\n")]);
    assert!(es[0].starts_with("E0101 name 1:7"), "{es:?}");
}

#[test]
fn local_is_not_visible_outside_its_block() {
    one("fn f() { { let t = 1; } return t; }\n", "E0101", "name", 1, 32);
}

#[test]
fn function_locals_do_not_leak_into_other_functions() {
    one("fn f() { let a = 1; return a; }\nfn g() { return a; }\n", "E0101", "name", 2, 17);
}

// ---- types ----

#[test]
fn add_int_and_str_names_both_types_at_the_operator() {
    let m = one("let a = 1;\nlet b = \"x\";\nprint(a + b);\n", "E0201", "type", 3, 9);
    assert!(m.ends_with("cannot add int and str"), "{m}");
}

#[test]
fn int_plus_float_hints_conversion() {
    one("print(1 + 2.0);\n", "E0201", "type", 1, 9);
    assert!(hint("print(1 + 2.0);\n").contains("float(x)"));
}

#[test]
fn arithmetic_on_bools() {
    let m = one("print(true * false);\n", "E0201", "type", 1, 12);
    assert!(m.contains("cannot multiply bool"), "{m}");
}

#[test]
fn comparisons() {
    one("print(1 < \"a\");\n", "E0201", "type", 1, 9);
    one("print([1] < [2]);\n", "E0201", "type", 1, 11);
    one("print(1 == 1.0);\n", "E0201", "type", 1, 9);
    one("print(1 == nil);\n", "E0201", "type", 1, 9);
}

#[test]
fn logic_and_not_need_bool() {
    one("print(1 && true);\n", "E0201", "type", 1, 7);
    one("print(!3);\n", "E0201", "type", 1, 7);
    one("print(-\"s\");\n", "E0201", "type", 1, 7);
}

#[test]
fn mismatch_reported_even_in_a_function_never_called() {
    one("fn never() { return 1 - \"x\"; }\n", "E0201", "type", 1, 23);
}

#[test]
fn annotation_contradicted_by_let() {
    let m = one("let x: int = \"s\";\n", "E0202", "type", 1, 5);
    assert!(m.contains("int") && m.contains("str"), "{m}");
}

#[test]
fn nil_only_for_arrays_and_records() {
    one("let x: int = nil;\n", "E0202", "type", 1, 5);
    one("let s: str = nil;\n", "E0202", "type", 1, 5);
}

#[test]
fn annotated_return_contradicted() {
    one("fn f() -> int { return \"s\"; }\n", "E0202", "type", 1, 24);
}

#[test]
fn inferred_returns_must_agree() {
    one("fn f(b) { if b { return 1; } return \"s\"; }\nprint(f(true));\n", "E0202", "type", 1, 37);
}

#[test]
fn assignment_keeps_the_type() {
    one("let x = 1;\nx = \"s\";\n", "E0201", "type", 2, 5);
    one("fn f() { let y = 1.0; y = 2; }\n", "E0201", "type", 1, 27);
}

#[test]
fn struct_field_types_in_literals_and_writes() {
    one("struct P { x: float }\nlet p = P { x: 1 };\n", "E0202", "type", 2, 16);
    one("struct P { x: float }\nlet p = P { x: 1.0 };\np.x = \"s\";\n", "E0202", "type", 3, 7);
}

#[test]
fn argument_mismatch_with_annotation() {
    let m = one("fn f(n: int) { return n; }\nprint(f(\"s\"));\n", "E0203", "type", 1, 6);
    assert!(m.contains("int") && m.contains("str"), "{m}");
}

#[test]
fn monomorphic_params_note_both_sites() {
    let src = "fn id(x) { return x; }\nprint(id(1));\nprint(id(2.5));\n";
    one(src, "E0203", "type", 3, 10);
    let out = run(&[("main.tern", src)]);
    let d = &out.result.err().unwrap()[0];
    assert_eq!(d.notes.len(), 1);
    let (line, col) = out.sources.line_col(d.notes[0].0.file, d.notes[0].0.start);
    assert_eq!((line, col), (2, 10), "the note points at the first call's argument");
    assert!(d.hint.as_ref().unwrap().contains("monomorphic"));
}

#[test]
fn builtin_argument_mismatches() {
    // Reported at the builtin's name (where the other engines report it), with a note at the argument.
    one("print(sqrt(2));\n", "E0203", "type", 1, 7);
    one("print(len(3));\n", "E0203", "type", 1, 7);
    one("print(int(\"3\"));\n", "E0203", "type", 1, 7);
    one("print(fixed(1.0, 2.0));\n", "E0203", "type", 1, 7);
    one("let a = [1];\npush(a, \"s\");\n", "E0203", "type", 2, 1);
    one("push(3, 3);\n", "E0203", "type", 1, 1);
}

#[test]
fn calling_a_variable() {
    one("let f = 1;\nf(2);\n", "E0204", "type", 2, 1);
    one("fn g(h) { return h(1); }\n", "E0204", "type", 1, 18);
}

#[test]
fn conditions_must_be_bool() {
    one("if 1 { print(1); }\n", "E0205", "type", 1, 4);
    one("let s = \"\";\nwhile s { print(1); }\n", "E0205", "type", 2, 7);
}

#[test]
fn for_bounds_must_be_int() {
    one("for i in 0..2.5 { print(i); }\n", "E0201", "type", 1, 13);
    one("for i in \"a\"..3 { print(i); }\n", "E0201", "type", 1, 10);
}

#[test]
fn for_variable_is_int() {
    one("for i in 0..3 { print(i + 0.5); }\n", "E0201", "type", 1, 25);
}

#[test]
fn cannot_infer_an_uncalled_overloaded_param() {
    let src = "fn add(a, b) { return a + b; }\n";
    let m = one(src, "E0206", "type", 1, 8);
    assert!(m.contains("cannot infer the type of parameter `a` of `add`"), "{m}");
    assert!(hint(src).contains("annotate the parameter: `fn add(a: int)`"), "{}", hint(src));
}

#[test]
fn cannot_infer_a_field_shared_by_two_structs() {
    let src = "struct A { x: int }\nstruct B { x: float }\nfn getx(p) { return p.x; }\nprint(getx(nil));\n";
    one(src, "E0206", "type", 3, 9);
    let h = hint(src);
    assert!(h.contains("annotate the parameter: `fn getx(p: A)`") && h.contains("A, B"), "{h}");
}

#[test]
fn field_no_struct_has() {
    one("fn f(p) { return p.zz; }\nf(nil);\n", "E0301", "field", 1, 20);
}

#[test]
fn missing_return_on_some_path() {
    let src = "fn f(x) { if x { return 1; } }\nprint(f(true));\n";
    one(src, "E0207", "type", 1, 4);
    assert!(hint(src).contains("return"));
    one("fn g() -> int { print(1); }\n", "E0207", "type", 1, 4);
}

#[test]
fn function_as_value() {
    one("fn f() { return 1; }\nlet g = f;\n", "E0208", "type", 2, 9);
    one("let p = print;\n", "E0208", "type", 1, 9);
    let es = errs_files(&[
        ("main.tern", "import \"m.tern\" as m;\nlet g = m.f;\n"),
        ("m.tern", "fn f() { return 1; }\n"),
    ]);
    assert!(es[0].starts_with("E0208 type 2:11"), "{es:?}");
}

#[test]
fn index_and_field_of_non_containers() {
    one("let s = \"abc\";\nprint(s[0]);\n", "E0209", "type", 2, 8);
    one("let n = 3;\nprint(n.x);\n", "E0209", "type", 2, 9);
    one("let a = [1];\nprint(a[1.0]);\n", "E0201", "type", 2, 8);
}

#[test]
fn break_continue_outside_loop() {
    one("break;\n", "E0210", "type", 1, 1);
    one("fn f() { continue; }\n", "E0210", "type", 1, 10);
    one("while true { fn_call(); }\n", "E0102", "name", 1, 14);
}

#[test]
fn loop_context_does_not_leak_into_functions() {
    // A function declared after a loop at top level is not inside it.
    one("while false { print(1); }\nfn f() { break; }\n", "E0210", "type", 2, 10);
}

#[test]
fn mixed_array_elements() {
    one("let a = [1, \"two\"];\n", "E0201", "type", 1, 13);
}

// ---- records ----

#[test]
fn record_literal_field_errors() {
    one("struct P { x: int, y: int }\nlet p = P { x: 1, y: 2, z: 3 };\n", "E0301", "field", 2, 25);
    one("struct P { x: int, y: int }\nlet p = P { x: 1 };\n", "E0302", "field", 2, 9);
    one("struct P { x: int }\nlet p = P { x: 1, x: 2 };\n", "E0303", "field", 2, 19);
    // A duplicate field in a declaration is the parser's (E0007), before checking.
    one("struct P { x: int, x: int }\n", "E0007", "syntax", 1, 20);
}

#[test]
fn unknown_field_read_and_write() {
    one("struct P { x: int }\nlet p = P { x: 1 };\nprint(p.y);\n", "E0301", "field", 3, 9);
    one("struct P { x: int }\nlet p = P { x: 1 };\np.q = 2;\n", "E0301", "field", 3, 3);
}

// ---- arity ----

#[test]
fn arity_of_functions_and_builtins() {
    let m = one("fn f(a, b) { return a; }\nprint(f(1));\n", "E0401", "arity", 2, 7);
    assert!(m.contains("2 arguments") && m.contains("1 was"), "{m}");
    one("print(1, 2);\n", "E0401", "arity", 1, 1);
    one("let t = clock(1);\n", "E0401", "arity", 1, 9);
    let es = errs_files(&[
        ("main.tern", "import \"m.tern\" as m;\nm.f();\n"),
        ("m.tern", "fn f(x) { print(x); }\n"),
    ]);
    assert!(es[0].starts_with("E0401 arity 2:3"), "{es:?}");
}

// ---- several errors at once, no cascades ----

#[test]
fn independent_errors_all_reported_sorted() {
    let es = errs("print(1 + \"a\");\nprint(nope);\nfn f() { break; }\nprint(len(1, 2));\n");
    let codes: Vec<&str> = es.iter().map(|e| &e[..5]).collect();
    assert_eq!(codes, vec!["E0201", "E0101", "E0210", "E0401"], "{es:?}");
}

#[test]
fn errors_do_not_cascade() {
    // `x` is unknown: its uses must not produce further type errors.
    let es = errs("let y = x + 1;\nlet z = y * 2.0;\nprint(y.field);\n");
    assert_eq!(es.len(), 1, "{es:?}");
    let es = errs("let a = 1 + \"s\";\nlet b = a - 2;\nprint(b < 1.5);\n");
    assert_eq!(es.len(), 1, "{es:?}");
}

#[test]
fn errors_across_modules_are_sorted_by_file() {
    let es = errs_files(&[
        ("main.tern", "import \"m.tern\" as m;\nprint(1 + true);\n"),
        ("m.tern", "print(undefined_thing);\n"),
    ]);
    assert_eq!(es.len(), 2, "{es:?}");
    assert!(es[0].contains("main.tern") && es[1].contains("m.tern"), "{es:?}");
}

#[test]
fn top_level_relet_with_another_type() {
    one("let x = 1;\nlet x = \"s\";\n", "E0201", "type", 2, 9);
}

#[test]
fn method_call_on_a_value() {
    one("let a = [1];\na.push(2);\n", "E0204", "type", 2, 3);
}

#[test]
fn module_alias_as_value() {
    let es = errs_files(&[("main.tern", "import \"m.tern\" as m;\nprint(m);\n"), ("m.tern", "let x = 1;\n")]);
    assert!(es[0].starts_with("E0101 name 2:7"), "{es:?}");
}

#[test]
fn cannot_infer_an_empty_array_binding() {
    let src = "let xs = [];\nprint(len(xs));\n";
    let m = one(src, "E0206", "type", 1, 5);
    assert!(m.contains("`xs`"), "{m}");
    assert!(hint(src).contains("let xs: [int] = ...;"), "{}", hint(src));
}

#[test]
fn cannot_infer_an_uncalled_functions_param_or_return() {
    one("fn show(v) { print(v); }\n", "E0206", "type", 1, 9);
    let m = one("fn f() { return f(); }\nprint(1);\n", "E0206", "type", 1, 4);
    assert!(m.contains("return type of `f`"), "{m}");
}

#[test]
fn assigning_to_an_annotated_variable_is_e0202_at_the_name() {
    one("let n: int = 0;\nn = 2.5;\n", "E0202", "type", 2, 1);
    one("fn f() { let m: [int] = []; m = [\"s\"]; }\n", "E0202", "type", 1, 29);
}

#[test]
fn another_modules_global_is_read_only() {
    let es = errs_files(&[("main.tern", "import \"m.tern\" as m;\nm.x = 2;\n"), ("m.tern", "let x = 1;\n")]);
    assert_eq!(es.len(), 1, "{es:?}");
    assert!(es[0].starts_with("E0209 type 2:3"), "{es:?}");
}

#[test]
fn return_without_value_in_a_value_function() {
    one("fn f(x) { if x { return 1; } return; }\nprint(f(true));\n", "E0202", "type", 1, 30);
}

#[test]
fn loops_never_count_as_returning() {
    one("fn f(x) { while true { if x { return 1; } } }\nprint(f(true));\n", "E0207", "type", 1, 4);
}
