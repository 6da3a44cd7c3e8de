//! Random programs over records, arrays and nil: linked lists built,
//! reversed and dropped, arrays of records written and swapped, identity
//! comparisons, records and arrays made in hot loops, globals holding
//! them. Well typed, so every engine (the AOT included) must print the same.

use crate::gen::Rng;
use std::fmt::Write;

const PRELUDE: &str = "struct Node { v: int, next: Node }
struct Bag { head: Node, items: [int], w: float }
fn mk(i: int) -> Node { return Node { v: i, next: nil }; }
fn push_front(h: Node, v: int) -> Node { return Node { v: v, next: h }; }
fn sum(n: Node) -> int { let t = 0; while n != nil { t = t + n.v; n = n.next; } return t; }
fn count(n: Node) -> int { let c = 0; while n != nil { c = c + 1; n = n.next; } return c; }
fn rev(n: Node) -> Node { let p: Node = nil; while n != nil { let x = n.next; n.next = p; p = n; n = x; } return p; }
fn pair(a: int, b: int) -> [int] { return [a, b]; }
";

/// One statement of the loop body (`i` is the loop variable; `head`,
/// `nodes`, `bag` and `acc` exist).
fn op(rng: &mut Rng, size: u64) -> String {
    let (a, b, k) = (rng.below(size), rng.below(size), 2 + rng.below(50));
    match rng.below(14) {
        0 => format!("head = push_front(head, i % {k});"),
        1 => format!("if i % {} == 0 {{ head = rev(head); }}", 97 + rng.below(400)),
        2 => format!("if i % {} == 0 {{ head = nil; }}", 300 + rng.below(900)),
        3 => format!("nodes[(i + {a}) % {size}] = mk(i % {k});"),
        4 => format!("let x = nodes[(i + {a}) % {size}]; if x != nil {{ acc = acc + x.v; }}"),
        5 => format!("if nodes[(i + {a}) % {size}] == nodes[(i + {b}) % {size}] {{ acc = acc + 1; }}"),
        6 => format!("let t = nodes[(i + {a}) % {size}]; nodes[(i + {a}) % {size}] = nodes[(i + {b}) % {size}]; nodes[(i + {b}) % {size}] = t;"),
        7 => "bag.head = head;".to_string(),
        8 => format!("bag.items = pair(i, i % {k});"),
        9 => "acc = acc + len(bag.items) + bag.items[1];".to_string(),
        10 => format!("if bag.head != nil && bag.head.next != nil {{ acc = acc + bag.head.next.v % {k}; }}"),
        11 => format!("nodes[(i + {a}) % {size}] = head;"),
        // (Only ever unlinking: lists stay acyclic, so `sum` and `rev` end.)
        12 => format!("let y = nodes[(i + {a}) % {size}]; if y != nil && i % {k} == 0 {{ y.next = nil; }}"),
        _ => format!("if head != nil {{ head.v = head.v + 1; acc = acc + head.v % {k}; }}"),
    }
}

fn body(rng: &mut Rng, size: u64, indent: &str, out: &mut String) {
    for _ in 0..(3 + rng.below(6)) {
        let _ = writeln!(out, "{indent}{}", op(rng, size));
    }
}

/// A well-typed program over records, arrays and nil.
pub fn heapy(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let size = 2 + rng.below(7);
    let n = 500 + rng.below(3500);
    let mut s = format!("// generated from seed {seed}\n{PRELUDE}");
    // The same kind of loop in a function (locals) and at the top level (globals).
    let _ = writeln!(s, "fn work(n: int) -> int {{\n    let head: Node = nil;\n    let nodes: [Node] = [];\n    for j in 0..{size} {{ push(nodes, nil); }}\n    let bag = Bag {{ head: nil, items: [0, 0], w: 0.5 }};\n    let acc = 0;\n    for i in 0..n {{");
    body(&mut rng, size, "        ", &mut s);
    let _ = writeln!(s, "    }}\n    return acc + sum(head) % 1000 + count(head);\n}}");
    let _ = writeln!(s, "let head: Node = nil;\nlet nodes: [Node] = [];\nfor j in 0..{size} {{ push(nodes, nil); }}\nlet bag = Bag {{ head: nil, items: [0, 0], w: 0.5 }};\nlet acc = 0;");
    let _ = writeln!(s, "for i in 0..{n} {{");
    body(&mut rng, size, "    ", &mut s);
    let _ = writeln!(s, "    if i % 500 == 0 {{ print(acc); }}\n}}");
    let _ = writeln!(
        s,
        "print(acc);\nprint(sum(head) % 1000000);\nprint(count(head));\nprint(work({}));\nprint(work({}));",
        n / 2,
        1 + rng.below(50)
    );
    let _ = writeln!(
        s,
        "let live = 0;\nfor j in 0..{size} {{ if nodes[j] != nil {{ live = live + 1; }} }}\nprint(live);"
    );
    s
}
