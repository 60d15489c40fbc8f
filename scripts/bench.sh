#!/usr/bin/env bash
# One benchmark run, written into BENCHMARKS.md between the "bench.sh" markers (the hand-written
# analysis outside the markers is kept).
#
#   scripts/bench.sh [--quick] [--out FILE]
#
# Measures, in release builds: RedStuff encoding/decoding (n = 1000) with peak memory, recovery
# bytes per lost sliver against |blob|/n, store and read end to end over a local network
# (`walrus local --demo`: devnet + storage nodes + indexer as processes), devnet transactions
# per second, a storage node's sliver PUT/GET throughput and event rate, and indexer ingest
# rates (SQLite, fjall, and PostgreSQL when WALRUS_BENCH_POSTGRES_URL names an empty database). Every figure is printed with the command
# that produced it, the machine and the date. --quick skips the largest sizes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=0
out=BENCHMARKS.md
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) quick=1 ;;
        --out) out="$2"; shift ;;
        *) echo "usage: scripts/bench.sh [--quick] [--out FILE]" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '==> %s\n' "$*" >&2; }
target_dir="${CARGO_TARGET_DIR:-target}"
release="$target_dir/release"
report="$(mktemp)"
work="$(mktemp -d)"
trap 'rm -rf "$report" "$work"' EXIT

log "building release binaries"
cargo build --release -q -p walrus-core --example encode_timing --example recovery_cost
cargo build --release -q -p walrus-devnet --example register_bench
cargo build --release -q -p walrus-indexer --example ingest_bench
cargo build --release -q -p walrus-node --example node_bench
cargo build --release -q -p walrus-cli --bin walrus

# Runs a command under GNU time; prints its output, then "peak RSS: N MiB, wall: S s".
timed() {
    local stats="$work/time"
    /usr/bin/time -f '%M %e' -o "$stats" "$@"
    read -r kib secs <"$stats"
    printf 'peak RSS: %d MiB, wall: %s s\n' "$((kib / 1024))" "$secs"
}

emit() { printf '%s\n' "$@" >>"$report"; }
fence() { emit '```text'; cat >>"$report"; emit '```'; }

cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
mem="$(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')"
emit "<!-- bench.sh:begin -->"
emit "## Latest run of scripts/bench.sh"
emit ""
emit "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown);"
emit "machine: $(nproc) cores (${cpu:-unknown CPU}), ${mem:-unknown memory}, $(rustc --version);"
emit "load average at start: $(cut -d' ' -f1-3 /proc/loadavg). Release profile throughout."
emit ""

log "encoding and decoding"
emit "### Encoding and decoding, n = 1000"
emit ""
sizes=(1 1048576 33554432 134217728)
[[ $quick == 1 ]] && sizes=(1 1048576 33554432)
for size in "${sizes[@]}"; do
    emit "\`$release/examples/encode_timing 1000 $size\`"
    timed "$release/examples/encode_timing" 1000 "$size" 2>&1 | fence
done

log "recovery cost"
emit "### Recovery: bytes fetched to rebuild one sliver"
emit ""
emit "\`$release/examples/recovery_cost 1000 1048576 33554432\` and \`... 100 1048576\`"
emit ""
"$release/examples/recovery_cost" 1000 1048576 33554432 >>"$report"
"$release/examples/recovery_cost" 100 1048576 | tail -n +3 >>"$report"
emit ""

log "store and read end to end"
emit "### Store and read end to end (walrus local: devnet, 7 storage nodes, 300 shards, indexer)"
emit ""
e2e_sizes=(1048576 67108864 268435456)
[[ $quick == 1 ]] && e2e_sizes=(1048576 67108864)
for size in "${e2e_sizes[@]}"; do
    dir="$work/local-$size"
    cmd=("$release/walrus" --json local --dir "$dir" --nodes 7 --shards 300 --demo
        --demo-size "$size" --write-default-config false)
    emit "\`walrus --json local --dir DIR --nodes 7 --shards 300 --demo --demo-size $size --write-default-config false\`"
    timed "${cmd[@]}" 2>"$work/local.log" | grep -E '"demo"|peak RSS' | fence ||
        { emit "failed: $(tail -3 "$work/local.log")"; }
    rm -rf "$dir"
done
emit "(storeMs and readMs are the SDK's store and read inside the walrus local process;"
emit "baselineRssMib and peakRssMib are that client process's resident memory before the sample"
emit "existed and at its peak. The last line's peak RSS is GNU time's, i.e. the largest of the"
emit "process tree: the client, the devnet or a storage node.)"
emit ""

log "devnet throughput"
emit "### Devnet: register_blob transactions per second"
emit ""
emit "\`$release/examples/register_bench --wallets 64 --txs 20 --json\`"
timed "$release/examples/register_bench" --wallets 64 --txs 20 --json 2>&1 | fence

log "storage node"
emit "### Storage node: sliver PUT/GET throughput and event processing"
emit ""
emit "One node holding all 100 shards, in process with a devnet; 8 blobs of 4 MiB, 32 requests in"
emit "flight; catch-up = a fresh node applying every checkpoint since genesis (1,000 filler"
emit "registrations plus the 8 blobs), start-up included."
emit ""
emit "\`$release/examples/node_bench --shards 100 --blob-size 4194304 --blobs 8 --events 1000\`"
timed "$release/examples/node_bench" --shards 100 --blob-size 4194304 --blobs 8 --events 1000 2>&1 | fence

log "indexer ingest"
emit "### Indexer: ingest of a pre-generated chain of 100,000 blob events"
emit ""
backends=(--backend sqlite --backend fjall)
shown="--backend sqlite --backend fjall"
if [[ -n "${WALRUS_BENCH_POSTGRES_URL:-}" ]]; then
    backends+=(--backend postgres --postgres-url "$WALRUS_BENCH_POSTGRES_URL")
    shown+=" --backend postgres --postgres-url URL"
fi
emit "\`$release/examples/ingest_bench --events 100000 $shown\`"
timed "$release/examples/ingest_bench" --events 100000 "${backends[@]}" 2>&1 | fence

emit "Not measured by this script: the indexer's lag behind the chain head under load."
emit "<!-- bench.sh:end -->"

# Replace the previous run in $out (or append the first one).
if [[ -f "$out" ]] && grep -q '<!-- bench.sh:begin -->' "$out"; then
    python3 - "$out" "$report" <<'PY'
import sys
out, report = sys.argv[1], sys.argv[2]
text = open(out).read()
begin = text.index("<!-- bench.sh:begin -->")
end = text.index("<!-- bench.sh:end -->") + len("<!-- bench.sh:end -->")
open(out, "w").write(text[:begin] + open(report).read().rstrip("\n") + text[end:])
PY
else
    { [[ -f "$out" ]] && echo; cat "$report"; } >>"$out"
fi
log "wrote $out"
