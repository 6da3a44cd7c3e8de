//! Records and arrays accessed natively (borrowed handles, shape guards,
//! bounds checks that leave to the interpreter).
mod common;
use common::*;

fn run_default(src: &str) -> (Run, Vec<String>, Run) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), &[("main.tern", src)]);
    let (run, events) = jit(&path, tern_jit::DEFAULT_THRESHOLD, tern_jit::DEFAULT_LOOP_THRESHOLD);
    (run, events, interp(&path))
}

const BODIES: &str = "struct P { x: float, v: float, n: int, on: bool, next: P }\nfn mk(i) { return P { x: float(i), v: 0.5, n: i, on: true, next: nil }; }\nlet ps = [mk(0), mk(1), mk(2)];\n";

#[test]
fn record_and_array_loop_runs_natively_and_agrees() {
    let src = format!("{BODIES}fn step(ps: [P], dt: float) {{ for i in 0..len(ps) {{ let p = ps[i]; p.x = p.x + p.v * dt; p.n = p.n + 1; p.on = !p.on; }} }}\nfor k in 0..3000 {{ step(ps, 0.01); }}\nprint(ps);\nlet a = [1, 2, 3];\nlet s = 0;\nfor k in 0..3000 {{ a[k % 3] = a[k % 3] + k; s = s + a[k % 3]; }}\nprint(s);\nprint(a);\n");
    agree(&src);
    let (run, events, want) = run_default(&src);
    assert_eq!(run, want);
    assert!(events.iter().any(|e| e.starts_with("tier: event=compile fn=step ")), "{events:#?}");
    assert!(events.iter().any(|e| e.starts_with("tier: event=osr fn=<main> ")), "{events:#?}");
    assert!(
        !events.iter().any(|e| e.contains("event=refuse")
            || e.contains("reason=guard")
            || e.contains("event=deopt fn=step")),
        "{events:#?}"
    );
}

#[test]
fn element_type_change_mid_loop_deopts_and_stays_right() {
    let src = "let a = [];\nfor i in 0..4000 { push(a, i); }\na[3500] = 2.5;\na[3600] = \"s\";\nlet s = 0;\nlet f = 0.0;\nfor i in 0..4000 { let v = a[i]; if i == 3500 { f = v; } else if i != 3600 { s = s + v; } }\nprint(s);\nprint(f);\n";
    let events = agree(src);
    let (run, events2, want) = run_default(src);
    assert_eq!(run, want);
    assert!(events2.iter().chain(&events).any(|e| e.contains("event=deopt")), "{events2:#?}");
}

#[test]
fn index_out_of_range_in_native_code_is_the_interpreters_error() {
    agree("fn sum(a: [int], n: int) -> int { let s = 0; for i in 0..n { s = s + a[i]; } return s; }\nlet a = [1, 2, 3];\nfor k in 0..3000 { sum(a, 3); }\nprint(sum(a, 4));\n");
    agree("let a = [1, 2, 3];\nfor i in 0..3000 { a[i % 3] = i; }\na[-1] = 0;\n");
    agree("let a = [1, 2, 3];\nfor i in 0..3000 { a[i % 3] = i; if i == 2999 { a[3] = 1; } }\n");
}

#[test]
fn nil_and_unknown_fields_in_native_code_are_the_interpreters_errors() {
    let src = format!("{BODIES}fn xs(ps: [P]) -> float {{ let t = 0.0; for i in 0..len(ps) {{ t = t + ps[i].x; }} return t; }}\nfor k in 0..3000 {{ xs(ps); }}\nps[1] = nil;\nprint(xs(ps));\n");
    agree(&src);
    agree(&format!("{BODIES}let t = 0.0;\nfor i in 0..3000 {{ t = t + ps[i % 3].next.x; }}\n"));
    agree(&format!("{BODIES}struct Q {{ y: float }}\nlet q = Q {{ y: 1.0 }};\nfor i in 0..3000 {{ let p = ps[i % 3]; if i == 2500 {{ p = q; }} p.x = p.x + 1.0; }}\n"));
}

#[test]
fn field_annotation_violation_in_native_code_is_the_interpreters_error() {
    agree(&format!(
        "{BODIES}for i in 0..3000 {{ let p = ps[i % 3]; let v = 1.5; if i == 2800 {{ v = 7; }} p.x = v; }}\n"
    ));
    agree(&format!(
        "{BODIES}fn f(p: P) -> int {{ return p.n; }}\nfor i in 0..3000 {{ f(ps[i % 3]); }}\nprint(f([1]));\n"
    ));
}

#[test]
fn heap_values_stored_over_are_left_to_the_interpreter() {
    // Overwriting the last reference to a record the loop still holds must not free it early.
    let src = format!("{BODIES}let t = 0.0;\nfor i in 0..3000 {{ let p = ps[i % 3]; if i == 2000 {{ ps[i % 3] = mk(9); }} t = t + p.x; p.next = nil; }}\nprint(t);\nprint(ps[2].x);\nlet names = [\"a\", \"b\"];\nfor i in 0..3000 {{ names[i % 2] = \"c\"; }}\nprint(names);\n");
    agree(&src);
}

#[test]
fn known_records_and_arrays_stored_compared_and_reshaped_stay_right() {
    // A record guarded once (later accesses unguarded), stored into a field and an element
    // (reference taken by the interpreter), compared by identity, and a register re-bound to
    // a record of another struct.
    let src = format!("{BODIES}struct Q {{ x: float }}\nlet q = Q {{ x: 9.0 }};\nlet out = [nil, nil, nil];\nlet same = 0;\nlet t = 0.0;\nfor i in 0..4000 {{ let p = ps[i % 3]; t = t + p.x + p.v; p.next = ps[(i + 1) % 3]; out[i % 3] = p; if p == ps[0] {{ same = same + 1; }} if p.next == nil {{ t = t + 1.0; }} if i == 3500 {{ let r = q; t = t + r.x; }} }}\nprint(t);\nprint(same);\nprint(out[1].n);\nprint(ps[0].next.n);\n");
    agree(&src);
    let (run, _, want) = run_default(&src);
    assert_eq!(run, want);
}

#[test]
fn osr_entry_with_an_array_register_agrees() {
    agree("fn sum(n) { let a = []; for i in 0..n { push(a, i); } let s = 0; for k in 0..3 { for i in 0..len(a) { s = s + a[i]; } } return s; }\nprint(sum(3000));\n");
}

/// `n != nil` on a linked list, and identity comparisons of arrays and
/// records, run natively: no deopt, the interpreter's answers.
#[test]
fn identity_comparisons_run_natively() {
    let src = "struct Node { v: int, next: Node }\n\
fn sum(n: Node) -> int { let t = 0; while n != nil { t = t + n.v; n = n.next; } return t; }\n\
fn build(k: int) -> Node { let h: Node = nil; for i in 0..k { h = Node { v: i, next: h }; } return h; }\n\
fn count_same(xs: [[int]], y: [int]) -> int { let c = 0; for i in 0..len(xs) { if xs[i] == y { c = c + 1; } if xs[i] != y { c = c + 100; } } return c; }\n\
let list = build(300);\nlet t = 0;\nfor r in 0..200 { t = t + sum(list); }\nprint(t);\n\
let y = [1];\nlet xs = [y, [1], y, [2]];\nlet c = 0;\nfor r in 0..2000 { c = c + count_same(xs, y); }\nprint(c);\n\
let last = list;\nwhile last.next != nil { last = last.next; }\nprint(last.v);\nprint(list == last);\nprint(list != list);\nprint(last.next == nil);\n";
    let events = agree_traced(src);
    assert_stays_native(&events, &["sum", "count_same"]);
}

/// What identity comparison natively leaves to the interpreter: strings
/// (compared by content), a type error (array against record, int against
/// nil) keeps the interpreter's diagnostic; records of two struct types
/// compare by identity, as in the interpreter.
#[test]
fn comparisons_the_native_identity_test_cannot_answer_leave_to_the_interpreter() {
    agree("struct A { x: int }\nstruct B { y: int }\nfn same(p, q) { return p == q; }\nlet a = A { x: 1 };\nlet b = B { y: 1 };\nlet n = 0;\nfor i in 0..3000 { if same(a, nil) { n = n + 1; } if same(a, b) { n = n + 10; } if same(b, b) { n = n + 100; } }\nprint(n);\nprint(same(\"ab\", \"ab\"));\nprint(same(nil, nil));\nprint(same([1], a));\n");
    agree("fn isnil(p) { return p == nil; }\nlet k = 0;\nfor i in 0..3000 { if isnil([i]) { k = k + 1; } if isnil(nil) { k = k + 2; } }\nprint(k);\nprint(isnil(3));\n");
}

/// Storing records into fields and elements runs natively (the helper
/// takes a reference to the new value; the old one stays alive until the
/// run ends): reversing a linked list, sorting an array of records.
#[test]
fn heap_stores_run_natively() {
    let src = "struct Node { v: int, next: Node }\n\
fn build(k: int) -> Node { let h: Node = nil; for i in 0..k { h = Node { v: i, next: h }; } return h; }\n\
fn reverse(n: Node) -> Node { let prev: Node = nil; while n != nil { let next = n.next; n.next = prev; prev = n; n = next; } return prev; }\n\
struct P { key: int, name: str }\n\
fn sort(a: [P]) { for i in 0..len(a) { for j in 0..len(a) - 1 - i { if a[j].key > a[j + 1].key { let t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; } } } }\n\
let list = build(500);\nfor r in 0..41 { list = reverse(list); }\nprint(list.v);\nprint(list.next.next.v);\n\
let ps: [P] = [];\nfor i in 0..120 { push(ps, P { key: (i * 7919) % 120, name: \"p\" + str(i) }); }\nsort(ps);\nprint(ps[0].name);\nprint(ps[119].key);\n";
    let events = agree_traced(src);
    assert_stays_native(&events, &["reverse", "sort"]);
}

/// A run that displaces more values than it may keep alive leaves to the
/// interpreter after the store, which frees them, and the loop is entered
/// natively again at its next back edge (the OSR unit is reused).
#[test]
fn a_run_displacing_too_many_values_leaves_and_comes_back() {
    let src = "struct P { key: int }\nlet a: [P] = [P { key: 1 }, P { key: 2 }];\nlet t = 0;\nfor i in 0..200000 { let x = a[0]; a[0] = a[1]; a[1] = x; t = t + a[0].key; }\nprint(t);\nprint(a[0].key);\n";
    let events = agree_traced(src);
    let budget = events
        .iter()
        .position(|e| e.starts_with("tier: event=deopt fn=<main> ") && e.contains("reason=displaced-budget"));
    let budget = budget.unwrap_or_else(|| panic!("no displaced-budget exit: {events:#?}"));
    assert!(events[budget..].iter().any(|e| e.starts_with("tier: event=osr fn=<main> ")), "{events:#?}");
    assert_eq!(
        events.iter().filter(|e| e.starts_with("tier: event=compile fn=<main> ")).count(),
        1,
        "{events:#?}"
    );
}

/// What native heap stores leave to the interpreter: a value the field's
/// annotation rejects (its diagnostic); and a displaced value native code
/// still holds stays alive.
#[test]
fn heap_stores_keep_annotations_and_displaced_values() {
    agree("struct Node { v: int, next: Node }\nstruct Other { v: int }\nfn link(a: Node, b) { a.next = b; }\nlet n = Node { v: 1, next: nil };\nlet m = Node { v: 2, next: nil };\nfor i in 0..3000 { link(n, m); link(n, nil); }\nprint(n.next);\nlink(n, Other { v: 3 });\n");
    agree("struct Node { v: int, next: Node }\nfn link(a: Node, b) { a.next = b; }\nlet n = Node { v: 1, next: nil };\nfor i in 0..3000 { link(n, nil); }\nlink(n, [1]);\n");
    // The displaced value is the last reference (the caller made it fresh): a
    // borrowed handle to it in native code must stay valid after the store.
    let events = agree_traced("struct Node { v: int, next: Node }\nfn relink(n: Node, m: Node) -> int { let old = n.next; n.next = m; return old.v + old.v; }\nfn swap_in(a: [[int]], r: [int]) -> int { let old = a[0]; a[0] = r; return old[0] + len(old); }\nlet n = Node { v: 1, next: nil };\nlet m = Node { v: 2, next: nil };\nlet a = [[0]];\nlet r = [5];\nlet t = 0;\nfor i in 0..3000 { n.next = Node { v: i, next: nil }; t = t + relink(n, m); a[0] = [i, i]; t = t + swap_in(a, r); }\nprint(t);\n");
    assert_stays_native(&events, &["relink", "swap_in"]);
}

/// Records are made natively (a helper builds them; the run's handle table
/// keeps them alive until it ends or its budget sends it back to the
/// interpreter, after which the loop is entered natively again).
#[test]
fn records_are_made_natively() {
    let src = "struct V { x: float, y: float }\nfn vec(x: float, y: float) -> V { return V { x: x, y: y }; }\nfn add(a: V, b: V) -> V { return vec(a.x + b.x, a.y + b.y); }\n\
fn run(n: int) -> float { let p = vec(0.0, 0.0); let d = vec(0.5, 0.25); for i in 0..n { p = add(p, d); } return p.x + p.y; }\n\
struct Node { v: int, next: Node }\nfn build(k: int) -> Node { let h: Node = nil; for i in 0..k { h = Node { v: i, next: h }; } return h; }\n\
print(run(40000));\nlet l = build(30000);\nprint(l.v);\nprint(l.next.next.v);\n";
    let events = agree_traced(src);
    assert_stays_native(&events, &["vec", "build"]);
    // The budget exits happen in `vec`; the loop entered again is its caller's.
    let reentries = events.iter().filter(|e| e.starts_with("tier: event=osr fn=run ")).count();
    assert!(reentries >= 2, "{events:#?}");
    assert!(!events.iter().any(|e| e.contains("event=refuse")), "{events:#?}");
}

/// A field value a native `NewRecord` cannot take (its annotation) is the
/// interpreter's error, with its trace.
#[test]
fn a_record_field_annotation_error_in_native_code_is_the_interpreters() {
    agree("struct V { x: float, n: int }\nfn mk(a, b) { return V { x: a, n: b }; }\nlet t = 0.0;\nfor i in 0..3000 { t = t + mk(1.5, i).x; }\nprint(t);\nprint(mk(2.5, 3.5));\n");
}

/// Array literals are made natively (a helper makes the array and appends
/// each element, taking its own reference).
#[test]
fn arrays_are_made_natively() {
    let src = "struct P { k: int }\nfn pair(a: int, b: int) -> [int] { return [a, b]; }\nfn wrap(p: P) -> [P] { return [p, nil, p]; }\n\
fn rows(n: int) -> [[float]] { let m: [[float]] = []; for i in 0..n { let row: [float] = []; for j in 0..n { push(row, float(i * j)); } push(m, row); } return m; }\n\
let t = 0;\nfor i in 0..30000 { let p = pair(i, i + 1); t = t + p[0] * p[1] % 7; let w = wrap(P { k: i }); t = t + w[2].k - w[0].k + len(w); }\nprint(t);\nlet m = rows(200);\nprint(m[199][199]);\nprint(len(m[0]));\n";
    let events = agree_traced(src);
    assert_stays_native(&events, &["pair", "wrap", "rows"]);
}

/// Native field and element accesses go through two cranelift alias
/// regions (`values`, `headers`) so that header loads are reused across
/// field stores. A load must still see every store to the same memory,
/// whichever reference it went through, and a header a helper changed
/// (an array grown by `push`) must be loaded again.
#[test]
fn loads_see_stores_through_other_references_and_helpers() {
    let src = "struct P { x: float, n: int, on: bool }\n\
fn fields(a: P, b: P, k: int) -> float { let s = 0.0; for i in 0..k { let before = b.x; a.x = a.x + 1.0; a.n = a.n + 2; a.on = !a.on; s = s + (b.x - before) + float(b.n % 5); if b.on { s = s + 0.5; } } return s; }\n\
fn elems(u: [int], v: [int], k: int) -> int { let s = 0; for i in 0..k { let before = v[i % 4]; u[i % 4] = u[i % 4] + 3; s = s + v[i % 4] - before; } return s; }\n\
fn grow(a: [int], k: int) -> int { let s = 0; for i in 0..k { push(a, i); s = s + a[len(a) - 1] + len(a); } return s; }\n\
let p = P { x: 0.0, n: 0, on: false };\n\
print(fields(p, p, 5000));\n\
print(fields(p, P { x: 1.0, n: 1, on: true }, 5000));\n\
let a = [0, 0, 0, 0];\n\
print(elems(a, a, 5000));\n\
print(elems(a, [1, 2, 3, 4], 5000));\n\
print(grow([], 5000));\n";
    let events = agree_traced(src);
    assert_stays_native(&events, &["fields", "elems", "grow"]);
}
