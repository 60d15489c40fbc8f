#!/usr/bin/env bash
# Coverage-guided fuzzing of every target with cargo fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]
#
# Defaults: 60 seconds, every target in fuzz/fuzz_targets. Seeds come from
# `cargo run -p walrus-fuzz --example write_seeds`; the corpus grows in fuzz/corpus/<target>.
# A crash is copied to fuzz/regressions/<target>/ so that `cargo test -p walrus-fuzz` replays
# it on stable Rust; the script exits non-zero if any target failed.
#
# Needs a nightly toolchain (libFuzzer's sanitizer flags) and cargo-fuzz; it installs
# cargo-fuzz with `cargo install` when missing. The stable test suite does not need either.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-60}"
shift || true
if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(ls fuzz/fuzz_targets | sed 's/\.rs$//' | sort)
fi

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz.sh: cargo fuzz needs a nightly toolchain (rustup toolchain install nightly)" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz
fi

# Build against the versions the workspace pins (the fuzz package has its own workspace, so it
# would otherwise resolve the newest compatible versions).
[[ -f fuzz/Cargo.lock ]] || cp Cargo.lock fuzz/Cargo.lock

echo "==> writing seeds to fuzz/corpus" >&2
cargo run --quiet -p walrus-fuzz --example write_seeds -- fuzz/corpus

failed=()
for target in "${targets[@]}"; do
    echo "==> fuzzing $target for ${seconds}s" >&2
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    # -s none: no AddressSanitizer (the code under test has no unsafe blocks; safe Rust panics
    # are what we look for), which makes each run several times faster.
    if ! (cd fuzz && cargo +nightly fuzz run -s none "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 \
        -artifact_prefix="artifacts/$target/"); then
        failed+=("$target")
        mkdir -p "fuzz/regressions/$target"
        cp fuzz/artifacts/"$target"/* "fuzz/regressions/$target/" 2>/dev/null || true
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz.sh: failing targets: ${failed[*]} (inputs copied to fuzz/regressions/)" >&2
    exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets ran ${seconds}s each without a failure" >&2
