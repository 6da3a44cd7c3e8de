//! Well-typed programs check, and the facts the AOT compiler reads are right.
mod common;
use common::*;
use tern_check::{Resolution, Type};

const TOUR: &str = r#"
import "geometry.tern" as geo;
struct Point { x: float, y: float }
fn fib(n: int) -> int { if n < 2 { return n; } return fib(n - 1) + fib(n - 2); }
let total = 0;
for i in 0..10 { total = total + fib(i); }
let p = Point { x: 3.0, y: 4.0 };
p.y = 4.5;
while total > 10 && !(total == 50) { total = total - 7; }
print(geo.area(2.0));
print(str(total) + " " + fixed(p.x, 2));
"#;

const GEOMETRY: &str = r#"
let pi = 3.14159;
fn area(r) { return pi * r * r; }
"#;

#[test]
fn tour_program() {
    let c = ok_files(&[("main.tern", TOUR), ("geometry.tern", GEOMETRY)]);
    let area = c.function(1, "area").unwrap();
    assert_eq!(c.functions[area.0 as usize].params, vec![Type::Float]);
    assert_eq!(c.functions[area.0 as usize].ret, Type::Float);
    let total = c.globals.iter().find(|g| g.name == "total" && g.module == 0).unwrap();
    assert_eq!(total.ty, Type::Int);
    let pi = c.globals.iter().find(|g| g.name == "pi").unwrap();
    assert_eq!((pi.module, &pi.ty), (1, &Type::Float));
    let point = c.struct_by_name(0, "Point").unwrap();
    assert_eq!(
        c.structs[point.0 as usize].fields,
        vec![("x".to_string(), Type::Float), ("y".to_string(), Type::Float)]
    );
    // Every expression of every module has a type.
    for (m, module) in c.program.modules.iter().enumerate() {
        assert_eq!(c.expr_types[m].len(), module.ast.expr_count as usize);
    }
    // The call `geo.area(..)` resolves to the function in module 1.
    assert!(c.resolutions[0].values().any(|r| *r == Resolution::Function(area)));
    assert!(c.resolutions[0].values().any(|r| *r == Resolution::Module(1)));
    assert!(c.resolutions[0].values().any(|r| *r == Resolution::Builtin("print")));
}

#[test]
fn params_and_returns_inferred_from_call_sites() {
    let c = ok("fn twice(x) { return x + x; }\nfn greet(name) { return \"hi \" + name; }\nprint(twice(2.5));\nprint(greet(\"bo\"));\n");
    assert_eq!(c.functions[0].params, vec![Type::Float]);
    assert_eq!(c.functions[0].ret, Type::Float);
    assert_eq!(c.functions[1].params, vec![Type::Str]);
    assert_eq!(c.functions[1].ret, Type::Str);
}

#[test]
fn functions_are_hoisted_and_globals_visible_in_functions() {
    let c = ok("fn bump() { count = count + step; }\nlet count = 0;\nlet step = 2;\nbump();\nprint(later(1));\nfn later(x) { return x * 3; }\n");
    assert_eq!(c.functions[0].ret, Type::Nil);
    assert_eq!(c.functions[1].params, vec![Type::Int]);
}

#[test]
fn records_and_fields_through_inference() {
    let c = ok(r#"
struct Point { x: float, y: float }
fn norm2(p) { return p.x * p.x + p.y * p.y; }
fn origin() { return Point { x: 0.0, y: 0.0 }; }
let o = origin();
o.x = 1.5;
print(norm2(o));
"#);
    let point = c.struct_by_name(0, "Point").unwrap();
    let norm2 = &c.functions[0];
    assert_eq!(norm2.params, vec![Type::Struct(point)]);
    assert_eq!(norm2.ret, Type::Float);
    assert_eq!(c.functions[1].ret, Type::Struct(point));
}

#[test]
fn field_on_unknown_type_picks_the_only_struct_with_that_field() {
    let c = ok("struct Node { value: int, next: Node }\nstruct Pair { a: int, b: int }\nfn get(n) { return n.value; }\n");
    let node = c.struct_by_name(0, "Node").unwrap();
    assert_eq!(c.functions[0].params, vec![Type::Struct(node)]);
    assert_eq!(c.functions[0].ret, Type::Int);
}

#[test]
fn arrays_push_len_index() {
    let c = ok("let a = [];\npush(a, 3);\nlet n = len(a) + a[0];\nlet words = [\"a\", \"b\"];\nprint(len(words[1]));\nfn sum(xs) { let s = 0; for i in 0..len(xs) { s = s + xs[i]; } return s; }\nprint(sum([1]));\n");
    let a = c.globals.iter().find(|g| g.name == "a").unwrap();
    assert_eq!(a.ty, Type::Array(Box::new(Type::Int)));
    assert_eq!(c.functions[0].params, vec![Type::Array(Box::new(Type::Int))]);
}

#[test]
fn nil_is_a_reference_or_nil() {
    let c = ok("struct P { next: P, v: int }\nlet p: P = nil;\nlet q = P { next: nil, v: 1 };\nlet a = nil;\na = [1];\nprint(nil);\nlet z = nil;\nprint(p == nil);\nfn nothing() { print(1); }\nlet r = nothing();\n");
    let ty = |n: &str| c.globals.iter().find(|g| g.name == n).unwrap().ty.clone();
    let pid = c.struct_by_name(0, "P").unwrap();
    assert_eq!(ty("p"), Type::Struct(pid));
    assert_eq!(ty("a"), Type::Array(Box::new(Type::Int)));
    assert_eq!(ty("z"), Type::Nil);
    assert_eq!(ty("r"), Type::Nil);
    assert_eq!(c.functions[0].ret, Type::Nil);
    // The `nil` literal assigned to `a` took the array type.
    let nil_ids: Vec<_> =
        c.expr_types[0].iter().filter(|t| **t == Type::Array(Box::new(Type::Int))).collect();
    assert!(nil_ids.len() >= 2);
}

#[test]
fn shadowing_and_block_scope() {
    let c = ok("fn f() { let x = 1; { let x = \"s\"; print(x + \"!\"); } return x + 1; }\nlet y = f();\n{ let y = true; print(!y); }\n");
    assert_eq!(c.functions[0].ret, Type::Int);
    // Two bindings named x, one int one str.
    let mut tys: Vec<_> = c.binding_types.values().cloned().collect();
    tys.sort_by_key(|t| format!("{t:?}"));
    assert!(tys.contains(&Type::Str) && tys.contains(&Type::Bool));
}

#[test]
fn builtins_types() {
    let c = ok("let a = int(2.5);\nlet b = float(3);\nlet s = str([1]) + fixed(sqrt(2.0), 3);\nlet t = clock();\nlet n = len(\"héllo\");\nprint(a + t + n);\nprint(b * 2.0);\n");
    let ty = |n: &str| c.globals.iter().find(|g| g.name == n).unwrap().ty.clone();
    assert_eq!(ty("a"), Type::Int);
    assert_eq!(ty("b"), Type::Float);
    assert_eq!(ty("s"), Type::Str);
}

#[test]
fn modules_aliases_and_members() {
    let c = ok_files(&[
        ("main.tern", "import \"lib/util.tern\" as u;\nfn f() { return u.double(u.base); }\nprint(f());\nif true { import \"lib/util.tern\" as v; print(v.base); }\n"),
        ("lib/util.tern", "import \"shapes.tern\" as s;\nlet base = 21;\nfn double(x) { return x * 2; }\nfn sq() { return s.square(3).side + s.unit.side; }\n"),
        ("lib/shapes.tern", "struct Square { side: int }\nlet unit = Square { side: 1 };\nfn square(n) { return Square { side: n }; }\n"),
    ]);
    let sq = c.function(1, "sq").unwrap();
    assert_eq!(c.functions[sq.0 as usize].ret, Type::Int);
    let square = c.function(2, "square").unwrap();
    let sid = c.struct_by_name(2, "Square").unwrap();
    assert_eq!(c.functions[square.0 as usize].ret, Type::Struct(sid));
    let f = c.function(0, "f").unwrap();
    assert_eq!(c.functions[f.0 as usize].ret, Type::Int);
}

#[test]
fn definite_returns_accepted() {
    ok("fn sign(x) { if x < 0 { return -1; } else if x == 0 { return 0; } else { return 1; } }\nprint(sign(3));\nfn empty() { return; }\nempty();\n");
}

#[test]
fn every_expression_gets_a_type_even_in_dead_code() {
    let c = ok("fn never() { let a = [1, 2]; print(a[0] + 1); }\nif false { print(\"dead\" + \"code\"); }\n");
    assert!(c.expr_types[0].contains(&Type::Array(Box::new(Type::Int))));
    assert!(c.expr_types[0].contains(&Type::Str));
}

#[test]
fn global_read_before_its_let_is_left_to_runtime() {
    // E0104 is runtime-only: the checker resolves the name to the global.
    let c = ok("print(x);\nlet x = 1;\nfn f() { return later; }\nlet later = \"s\";\n");
    assert_eq!(c.functions[0].ret, Type::Str);
    assert_eq!(c.globals.len(), 2);
}

#[test]
fn top_level_relet_reuses_the_global_when_types_agree() {
    let c = ok("let x = 1;\nlet x = x + 1;\nfn f() { return x; }\n");
    assert_eq!(c.globals.len(), 1);
    assert_eq!(c.functions[0].ret, Type::Int);
}

#[test]
fn len_of_nil_is_left_to_runtime() {
    ok("print(len(nil));\n");
}

#[test]
fn binding_types_cover_params_lets_and_for_vars() {
    let src = "fn f(a) { let b = a * 2; for i in 0..b { print(i); } return b; }\nprint(f(1));\n";
    let c = ok(src);
    let file = c.program.modules[0].ast.file;
    let at = |needle: &str| {
        let start = src.find(needle).unwrap();
        tern_diag::Span::new(file, start, start + 1)
    };
    assert_eq!(c.binding_types.get(&at("a)")), Some(&Type::Int));
    assert_eq!(c.binding_types.get(&at("b =")), Some(&Type::Int));
    assert_eq!(c.binding_types.get(&at("i in")), Some(&Type::Int));
}
