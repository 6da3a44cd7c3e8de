//! The two targets `tern build` knows, and the tools each one needs.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    X86_64,
    Aarch64,
}

impl Target {
    /// The machine this compiler runs on (x86-64 unless built for ARM64).
    pub fn host() -> Target {
        if cfg!(target_arch = "aarch64") {
            Target::Aarch64
        } else {
            Target::X86_64
        }
    }

    pub fn triple(self) -> &'static str {
        match self {
            Target::X86_64 => "x86_64-unknown-linux-gnu",
            Target::Aarch64 => "aarch64-unknown-linux-gnu",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::X86_64 => "x86_64",
            Target::Aarch64 => "aarch64",
        }
    }

    /// The C compiler that builds the runtime and drives the link.
    pub fn c_compiler(self) -> &'static str {
        if self == Target::host() {
            "cc"
        } else {
            match self {
                Target::X86_64 => "x86_64-linux-gnu-gcc",
                Target::Aarch64 => "aarch64-linux-gnu-gcc",
            }
        }
    }

    /// Debian packages that provide the cross toolchain and libc.
    pub fn debian_packages(self) -> &'static str {
        match (self == Target::host(), self) {
            (true, _) => "gcc libc6-dev",
            (false, Target::Aarch64) => "gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
            (false, Target::X86_64) => "gcc-x86-64-linux-gnu libc6-dev-amd64-cross",
        }
    }

    /// ELF `e_machine` of executables for this target.
    pub fn elf_machine(self) -> u16 {
        match self {
            Target::X86_64 => 62,
            Target::Aarch64 => 183,
        }
    }
}

impl Default for Target {
    fn default() -> Self {
        Target::host()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Target, String> {
        match s {
            "x86_64" | "x86-64" | "amd64" | "x86_64-unknown-linux-gnu" => Ok(Target::X86_64),
            "aarch64" | "arm64" | "aarch64-unknown-linux-gnu" => Ok(Target::Aarch64),
            other => Err(format!("unknown target `{other}` (expected x86_64 or aarch64)")),
        }
    }
}
