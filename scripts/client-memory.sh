#!/usr/bin/env bash
# Peak client memory of a store and of a read, each in its own process, against a local network
# (`walrus local`: devnet, 7 storage nodes, 300 shards, indexer).
#
#   scripts/client-memory.sh [SIZE...]        (bytes; default: 0 268435456)
#
# Builds `walrus` and the walrus-sdk example `client_memory` in release (or uses $WALRUS and
# $CLIENT_MEMORY if set), starts one network, and for each size stores a file of random bytes
# and reads it back with `client_memory` (see crates/walrus-sdk/examples/client_memory.rs),
# printing its JSON lines: peak resident memory (VmHWM), the baseline before the blob existed,
# and the encoded slivers the operation holds. Size 0 gives the process's fixed baseline.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes=("$@")
[[ ${#sizes[@]} == 0 ]] && sizes=(0 268435456)
release="${CARGO_TARGET_DIR:-target}/release"
walrus="${WALRUS:-}"
client="${CLIENT_MEMORY:-}"
if [[ -z $walrus ]]; then
    cargo build --release -q -p walrus-cli --bin walrus
    walrus="$release/walrus"
fi
if [[ -z $client ]]; then
    cargo build --release -q -p walrus-sdk --example client_memory
    client="$release/examples/client_memory"
fi
work="$(mktemp -d)"
"$walrus" --json local --dir "$work/net" --nodes 7 --shards 300 --epoch-secs 3600 \
    --write-default-config false >"$work/endpoints" 2>"$work/local.log" &
local_pid=$!
trap 'kill -TERM $local_pid 2>/dev/null; wait $local_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
    [[ -s "$work/endpoints" ]] && break
    kill -0 "$local_pid" 2>/dev/null || { cat "$work/local.log" >&2; exit 1; }
    sleep 1
done
config="$(python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["clientConfig"])' \
    <"$work/endpoints")"
for size in "${sizes[@]}"; do
    head -c "$size" /dev/urandom >"$work/blob"
    "$client" "$config" store "$work/blob" | tee "$work/store.json"
    blob_id="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["blobId"])' <"$work/store.json")"
    "$client" "$config" read "$blob_id" "$work/out"
    cmp -s "$work/blob" "$work/out" || { echo "size $size: the blob read back differs" >&2; exit 1; }
    rm -f "$work/out"
done
