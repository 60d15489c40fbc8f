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

# A fresh CI clone gains nothing from incremental compilation, and its caches cost gigabytes.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

log "Move syntax and formatting check (with its self-test)"
bash scripts/move/selftest.sh

# PostgreSQL on 127.0.0.1 for the indexer's tests, which read WALRUS_TEST_POSTGRES_URL and fail
# without it. Installs the Debian package if needed, starts the cluster, creates the role and a
# database, and drops the per-test databases of earlier runs.
if [[ -z "${WALRUS_TEST_POSTGRES_URL:-}" ]]; then
    if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
        log "installing postgresql (Debian package)"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    pg_version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$pg_version main"; then
        as_root pg_createcluster "$pg_version" main >/dev/null
    fi
    if ! pg_lsclusters -h | awk -v v="$pg_version" '$1==v && $2=="main" {print $4}' | grep -qx online; then
        log "starting PostgreSQL $pg_version"
        as_root pg_ctlcluster "$pg_version" main start
    fi
    pg_port="$(pg_lsclusters -h | awk -v v="$pg_version" '$1==v && $2=="main" {print $3}')"
    pg() { as_root su postgres -c "psql -p $pg_port -qtAc \"$1\""; }
    [[ "$(pg "SELECT 1 FROM pg_roles WHERE rolname='walrus'")" == 1 ]] ||
        pg "CREATE ROLE walrus LOGIN PASSWORD 'walrus' CREATEDB" >/dev/null
    [[ "$(pg "SELECT 1 FROM pg_database WHERE datname='walrus_test'")" == 1 ]] ||
        pg "CREATE DATABASE walrus_test OWNER walrus" >/dev/null
    for db in $(pg "SELECT datname FROM pg_database WHERE datname LIKE 'walrus_idx_%'"); do
        pg "DROP DATABASE $db" >/dev/null
    done
    export WALRUS_TEST_POSTGRES_URL="postgres://walrus:walrus@127.0.0.1:${pg_port}/walrus_test"
fi

log "cargo test (every crate; test vectors are read from ../shared/vectors)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
status=0
cargo test --workspace --no-fail-fast 2>&1 | tee "$out" || status=$?
# One closing line over every test binary (cargo's own last line is a crate's doc tests).
awk '/^test result:/ { p += $4; f += $6; i += $8 }
     END { printf "walrus: %d passed, %d failed, %d skipped\n", p, f, i }' "$out"
du -sh target 2>/dev/null | sed 's/^/build directory: /' >&2 || true
exit "$status"
