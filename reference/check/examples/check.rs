//! `cargo run -p tern-check --example check -- FILE`: checks a program and
//! prints its diagnostics (or the inferred signatures), for eyeballing messages.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: check FILE.tern");
        std::process::exit(tern_diag::EXIT_USAGE);
    };
    let (sources, result) = tern_check::check_file(&path);
    match result {
        Ok(c) => {
            for f in &c.functions {
                println!("fn {}({:?}) -> {:?}", f.name, f.params, f.ret);
            }
            for g in &c.globals {
                println!("let {}: {:?}", g.name, g.ty);
            }
        }
        Err(ds) => {
            for d in &ds {
                eprint!("{}", tern_diag::render_human(d, &sources));
            }
            std::process::exit(tern_diag::EXIT_BEFORE_RUN);
        }
    }
}
