//! The terminal's manners: colour as the user asked (`--color`, `NO_COLOR`,
//! `CLICOLOR_FORCE`, through anstream), and a closed pipe (`grader status |
//! head -1`) ends the command quietly instead of panicking.
use std::io::Write;

/// `--color auto|always|never`; auto honours NO_COLOR and CLICOLOR_FORCE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

pub fn init(color: Color) {
    let choice = match color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// Writes to stdout, styles stripped where colour is off; a reader that went
/// away (broken pipe) ends the process with success, as `head` expects.
pub fn out(text: &str) {
    let mut w = anstream::stdout().lock();
    if let Err(e) = w.write_all(text.as_bytes()).and_then(|_| w.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // Any other write error (a full disk): nothing sensible left to print to.
        std::process::exit(1);
    }
}

/// Writes to stderr with the same colour rules; a closed stderr is ignored.
pub fn err(text: &str) {
    let mut w = anstream::stderr().lock();
    let _ = w.write_all(text.as_bytes()).and_then(|_| w.flush());
}

/// `println!` through [`out`].
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => { $crate::term::out(&format!("{}\n", format_args!($($t)*))) };
}
