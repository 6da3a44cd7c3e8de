#!/usr/bin/env bash
# Installs the system packages Tern's tests and benchmarks need on Debian:
# the ARM64 cross toolchain and qemu-user (AOT for aarch64), and the peer
# runtimes the benchmark script compares against. Idempotent; a no-op when
# everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

declare -A want=(
  [qemu-aarch64]=qemu-user
  [aarch64-linux-gnu-gcc]=gcc-aarch64-linux-gnu
  [lua5.4]=lua5.4
  [luajit]=luajit
  [hyperfine]=hyperfine
  [objdump]=binutils
  [cc]=gcc
)
missing=()
for tool in "${!want[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${want[$tool]}")
done
[ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] || missing+=(libc6-dev-arm64-cross)

if [ ${#missing[@]} -gt 0 ]; then
  echo "ci/setup.sh: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo-nextest >/dev/null 2>&1 || true
echo "ci/setup.sh: toolchain ready ($(qemu-aarch64 --version | head -1))"
