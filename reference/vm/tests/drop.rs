//! Freeing long chains of records/arrays must not overflow the native stack
//! (Rust's derived drop recurses once per nesting level).

mod common;
use common::ok;
use std::rc::Rc;
use tern_vm::{Record, Value};

#[test]
fn a_million_long_linked_list_of_records_is_freed() {
    let out = ok(r#"
struct Node { v: int, next: Node }
fn build(n: int) -> Node {
    let head: Node = nil;
    for i in 0..n { head = Node { v: i, next: head }; }
    return head;
}
let l = build(1000000);
print(l.v);
print(l.next.next.v);
l = nil;
print("freed");
let m = build(1000000);
print(m.next.v);
"#);
    // `m` is still alive when the program ends: freed with the VM's globals.
    assert_eq!(out, "999999\n999997\nfreed\n999998\n");
}

#[test]
fn a_million_nested_arrays_and_mixed_chains_are_freed() {
    let out = ok(r#"
struct Wrap { item: [Wrap] }
let a = [];
for i in 0..1000000 { a = [a, i]; }
print(len(a));
a = nil;
let b: Wrap = nil;
for i in 0..1000000 { b = Wrap { item: [b] }; }
b = nil;
print("freed");
"#);
    assert_eq!(out, "2\nfreed\n");
}

#[test]
fn shared_tails_stay_alive_when_one_owner_dies() {
    let out = ok(r#"
struct Node { v: int, next: Node }
let tail: Node = nil;
for i in 0..1000 { tail = Node { v: i, next: tail }; }
let a = Node { v: -1, next: tail };
let b = [tail, Node { v: -2, next: tail }];
a = nil;
b = nil;
let n = 0;
let p = tail;
while p != nil { n = n + 1; p = p.next; }
print(n);
"#);
    assert_eq!(out, "1000\n");
}

#[test]
fn dropping_a_value_chain_built_in_rust_needs_no_deep_stack() {
    // Build the chain directly and drop it on a thread with a small stack.
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let shape = Rc::new(tern_vm::Shape {
                name: "N".into(),
                module: 0,
                index: 0,
                fields: vec!["next".into()],
                checks: vec![],
                check_masks: vec![],
            });
            let mut head = Value::Nil;
            for _ in 0..1_000_000 {
                head = Value::Record(Rc::new(Record {
                    shape: shape.clone(),
                    fields: std::cell::RefCell::new(vec![head]),
                }));
                head = Value::array(vec![head]);
            }
            drop(head);
            assert_eq!(Rc::strong_count(&shape), 1, "every record was freed");
        })
        .unwrap()
        .join()
        .unwrap();
}
