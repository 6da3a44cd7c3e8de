//! Prints a generated program: `cargo run -p tern-tests --example gen -- SEED [dynamic]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seed = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    if args.get(2).is_some_and(|a| a == "dynamic") {
        print!("{}", tern_tests::dynamic(seed));
    } else {
        print!("{}", tern_tests::well_typed(seed));
    }
}
