//! `cargo run --release -p tern-jit --example jitrun -- FILE [--threshold N] [--loop-threshold N] [--trace] [--stats]`
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = tern_jit::JitOptions::default();
    let mut file = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--threshold" => {
                i += 1;
                opts.threshold = args[i].parse().unwrap()
            }
            "--loop-threshold" => {
                i += 1;
                opts.loop_threshold = args[i].parse().unwrap()
            }
            "--trace" => opts.trace_tier = true,
            "--stats" => opts.stats = true,
            f => file = Some(f.to_string()),
        }
        i += 1;
    }
    let o = tern_jit::run_file(&file.expect("a file"), &mut opts);
    std::process::exit(o.exit_code);
}
