//! `cargo run -p tern-bytecode --example disasm -- file.tern`
fn main() {
    let path = std::env::args().nth(1).expect("usage: disasm FILE.tern");
    match tern_bytecode::compile_file(&path) {
        Ok((p, _)) => print!("{}", tern_bytecode::disasm(&p)),
        Err(d) => eprintln!("{}", d.message),
    }
}
