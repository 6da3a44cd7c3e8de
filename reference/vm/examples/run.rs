//! `cargo run --release -p tern-vm --example run -- [--stats] file.tern|file.tbc`
fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let stats = args.iter().any(|a| a == "--stats");
    args.retain(|a| a != "--stats");
    let Some(path) = args.first() else {
        eprintln!("usage: run [--stats] FILE");
        std::process::exit(2);
    };
    let opts = tern_vm::RunOptions { stats, format: tern_diag::Format::from_env(None), ..Default::default() };
    let outcome =
        if path.ends_with(".tbc") { tern_vm::run_tbc(path, opts) } else { tern_vm::run_file(path, opts) };
    if stats {
        eprint!("{}", outcome.stats.render());
    }
    std::process::exit(outcome.exit_code);
}
