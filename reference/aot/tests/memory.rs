//! The collector and the string buffers: programs that allocate in loops run
//! in bounded memory and still print exactly what the interpreter prints.

mod common;
use common::*;
use std::process::Command;
use tern_aot::Target;

/// Runs the host executable with its address space capped at `limit_kb`.
fn run_capped(exe: &std::path::Path, limit_kb: u64) -> (String, String, i32) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kb} && exec \"$0\""))
        .arg(exe)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

// About 2 GB of strings, arrays and records are allocated in total; without
// freeing, a 256 MB address-space cap kills the program.
const CHURN: &str = r#"
struct Box { s: str, next: Box }
fn churn(round: int) -> int {
    let big = "";
    for i in 0..1000 { big = big + "0123456789"; }
    let a: [str] = [];
    let chain: Box = nil;
    for i in 0..100 {
        push(a, big + str(i));
        chain = Box { s: a[i], next: chain };
    }
    return len(a[99]) + len(chain.s) + len(a);
}
let total = 0;
for r in 0..200 { total = total + churn(r); }
print(total);
"#;

#[test]
fn allocation_in_a_loop_runs_in_bounded_memory() {
    let b = build_files(&[("main.tern", CHURN)], Target::host());
    let (out, err, code) = run_capped(&b.exe, 256 * 1024);
    assert_eq!((out.as_str(), err.as_str(), code), ("4020800\n", "", 0));
}

#[test]
fn appending_shares_buffers_without_changing_older_strings() {
    let src = r#"
let base = "ab";
let x = base + "c";
let y = x + "d";
let z = x + "e";
let w = y + "f";
print(x); print(y); print(z); print(w);
let s = "";
let keep: [str] = [];
for i in 0..50 { s = s + str(i % 10); push(keep, s); }
print(keep[3]); print(keep[10]); print(len(keep[49]));
let t = keep[3] + "!";
print(t); print(keep[4]);
print([x, y, z] == [x, y, z]);
print(x + "" == x);
print("" + "");
"#;
    let expected = "abc\nabcd\nabce\nabcdf\n0123\n01234567890\n50\n0123!\n01234\nfalse\ntrue\n\n";
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let r = run_source(src, t);
        assert_eq!((r.stdout.as_str(), r.stderr.as_str(), r.code), (expected, "", 0), "{t}");
    }
}

#[test]
fn records_and_arrays_survive_collections() {
    // Live data reachable only through globals, locals, arrays and record
    // fields must survive the many collections the garbage below triggers.
    let src = r#"
struct Node { v: int, name: str, next: Node }
let head: Node = nil;
for i in 0..1000 { head = Node { v: i, name: "n" + str(i), next: head }; }
fn garbage(n: int) -> int {
    let t = 0;
    for i in 0..n { let s = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" + str(i); t = t + len(s); }
    return t;
}
fn sum(n: Node) -> int { let t = 0; while n != nil { t = t + n.v + len(n.name); n = n.next; } return t; }
let grid: [[str]] = [];
for i in 0..100 { let row: [str] = []; for j in 0..10 { push(row, str(i * j)); } push(grid, row); }
let g = garbage(300000);
print(sum(head));
print(grid[99][9]);
print(grid[7]);
print(g);
"#;
    let expected = "503390\n891\n[\"0\", \"7\", \"14\", \"21\", \"28\", \"35\", \"42\", \"49\", \"56\", \"63\"]\n13688890\n";
    for t in TARGETS {
        if !can_run(t) {
            continue;
        }
        let r = run_source(src, t);
        assert_eq!((r.stdout.as_str(), r.stderr.as_str(), r.code), (expected, "", 0), "{t}");
    }
}
