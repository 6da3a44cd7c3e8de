//! `cargo run -p tern-aot --example aotc -- FILE OUT [x86_64|aarch64]`: the
//! build path without the CLI, for benchmarks and corpus sweeps.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: aotc FILE OUT [x86_64|aarch64]");
        std::process::exit(2);
    }
    let target = args.get(3).map(|t| t.parse().unwrap_or_else(|e: String| panic!("{e}"))).unwrap_or_default();
    let opts = tern_aot::BuildOptions { out: args[2].clone().into(), target, emit_obj: false };
    let t = std::time::Instant::now();
    match tern_aot::build(&args[1], &opts) {
        Ok(r) => eprintln!(
            "built {} in {:?} (check {:?}, codegen {:?}, link {:?})",
            r.executable.display(),
            t.elapsed(),
            r.check_time,
            r.codegen_time,
            r.link_time
        ),
        Err(e) => {
            eprint!("{}", e.render(tern_diag::Format::from_env(None)));
            std::process::exit(e.exit_code());
        }
    }
}
