#!/usr/bin/env bash
# The whole test suite: formatting, lints, every Rust test, and the Move syntax/format check.
# Works on a fresh Debian machine with only the Rust toolchain: it installs what else it needs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '\n==> %s\n' "$*" >&2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# Node.js and npm run Sui's Move grammar (scripts/move/check.sh).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs and npm (Debian packages)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
# rustfmt and clippy ship with rustup's default profile; add them if this toolchain lacks them.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    log "adding rustfmt and clippy"
    rustup component add rustfmt clippy
fi

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

log "Move syntax and formatting check (with its self-test)"
bash scripts/move/selftest.sh

log "cargo test (every crate; test vectors are read from ../shared/vectors)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
status=0
cargo test --workspace 2>&1 | tee "$out" || status=$?
# One closing line over every test binary (cargo's own last line is a crate's doc tests).
awk '/^test result:/ { p += $4; f += $6; i += $8 }
     END { printf "walrus: %d passed, %d failed, %d skipped\n", p, f, i }' "$out"
exit "$status"
