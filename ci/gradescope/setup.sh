#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (gradescope-autograders.readthedocs.io/en/latest/specs/). The zip holds
# this file, run_autograder and `tern/`, a checkout of the course repository
# (see ci/README.md, "Gradescope"). Installs the sandbox, the ARM64 cross
# toolchain and a Rust toolchain every user can run, then builds tern and
# grader from tern/ into /autograder/tools.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  bubblewrap qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
  build-essential ca-certificates curl git python3 >/dev/null

# System-wide Rust (readable by the unprivileged user that builds student engines).
export RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo
curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --no-modify-path
chmod -R a+rX "$RUSTUP_HOME" "$CARGO_HOME"
export PATH="$CARGO_HOME/bin:$PATH"

# Release builds: the perf thresholds are ratios calibrated on optimised reference engines.
cargo install --locked --root /autograder/tools --path /autograder/source/tern/reference/cli
cargo install --locked --root /autograder/tools --path /autograder/source/tern/grader

# Student builds run as this user: they cannot replace the tools or the course.
id student >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin student
