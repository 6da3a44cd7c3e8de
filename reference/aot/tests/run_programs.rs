mod common;
use common::*;

#[test]
fn hello() {
    for t in TARGETS {
        if !can_run(t) { continue; }
        let r = run_source("print(\"hello\");\nprint(1 + 2 * 3);\n", t);
        assert_eq!((r.stdout.as_str(), r.code), ("hello\n7\n", 0), "{t}: {}", r.stderr);
    }
}
