//! Module globals read and written natively (in place in the VM's slots).
mod common;
use common::*;

fn events_of(src: &str, threshold: u32, loop_threshold: u32) -> (Run, Vec<String>, Run) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_program(dir.path(), &[("main.tern", src)]);
    let (run, events) = jit(&path, threshold, loop_threshold);
    (run, events, interp(&path))
}

#[test]
fn value_layout_is_what_native_code_assumes() {
    assert!(tern_jit::abi::value_layout_ok());
}

#[test]
fn top_level_loop_over_globals_is_osr_compiled_and_agrees() {
    let src = "let s = 0;\nlet f = 0.5;\nlet on = true;\nlet z = nil;\nfor i in 0..20000 { s = s + i % 13; if on { f = f + 0.25; } on = !on; z = nil; }\nprint(s);\nprint(f);\nprint(on);\nprint(z);\n";
    agree(src);
    let (run, events, want) = events_of(src, 1000, 1000);
    assert_eq!(run, want);
    assert!(events.iter().any(|e| e.starts_with("tier: event=osr fn=<main> ")), "{events:#?}");
    // The only exit is at the `print` after the loop, never a guard inside it.
    assert!(!events.iter().any(|e| e.contains("event=refuse") || e.contains("reason=guard")), "{events:#?}");
}

#[test]
fn global_changing_type_mid_loop_deopts_and_stays_right() {
    let src = "let k = 0;\nlet t = 0;\nfor i in 0..5000 { k = k + 1; if i == 3000 { k = 2.5; t = k; k = 7; } }\nprint(k);\nprint(t);\nfn g() { return k + 1; }\nfor i in 0..3000 { g(); if i == 2000 { k = 1.5; } }\nprint(g() + 0.0);\n";
    agree(src);
}

#[test]
fn global_read_and_written_before_its_let_raises_like_the_interpreter() {
    agree("fn bump() { for i in 0..3000 { c = c + 1; } }\nfn read() { let s = 0; for i in 0..3000 { s = s + d; } return s; }\nlet c = 1;\nbump();\nprint(c);\nprint(read());\nlet d = 2;\n");
    agree("fn w() { for i in 0..3000 { e = i; } }\nw();\nlet e = 0;\n");
}

#[test]
fn global_holding_a_heap_value_is_left_to_the_interpreter() {
    let src = "let a = [1];\nlet n = 0;\nfor i in 0..3000 { n = n + 1; if i == 2500 { n = \"s\"; print(n); n = 0; } }\nprint(n);\nlet s = \"x\";\nfn set() { for i in 0..2000 { s = i; } }\nset();\nprint(s);\n";
    agree(src);
}

/// Globals holding arrays, records or nil are read and written natively in
/// a top-level loop (heap stores through the store helper; a nil global is
/// loaded as it is, not speculated to stay nil).
#[test]
fn heap_globals_in_a_top_level_loop_run_natively() {
    let src = "struct Node { v: int, next: Node }\nlet best: [int] = nil;\nlet head: Node = nil;\nlet rows = [[1], [2, 3], [4, 5, 6]];\nlet n = 0;\n\
for i in 0..30000 { let r = rows[i % 3]; if best == nil || len(r) > len(best) { best = r; } if i % 3 == 0 { best = nil; } if i % 1000 == 0 { head = Node { v: i, next: head }; } n = n + len(r); }\n\
print(best);\nprint(n);\nprint(head.v);\nprint(head.next.v);\n";
    let events = common::agree_traced(src);
    assert!(events.iter().any(|e| e.starts_with("tier: event=osr fn=<main> ")), "{events:#?}");
    // Inside the loop, native code leaves only to free displaced values (the
    // prints after it have not run when the loop is compiled: those exit).
    let in_loop = |e: &&String| {
        e.split(' ')
            .find_map(|f| f.strip_prefix("pc="))
            .and_then(|pc| pc.parse::<usize>().ok())
            .is_some_and(|pc| pc < 71)
    };
    assert!(
        !events
            .iter()
            .filter(in_loop)
            .any(|e| e.starts_with("tier: event=deopt fn=<main> ") && !e.contains("reason=displaced-budget")),
        "{events:#?}"
    );
    assert!(!events.iter().any(|e| e.contains("event=refuse")), "{events:#?}");
}
