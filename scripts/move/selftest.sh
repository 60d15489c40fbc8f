#!/usr/bin/env bash
# Runs the Move syntax check over contracts/ and proves that it catches errors: a file with a
# missing `)`, a file with a missing `;`, and a copy of a real contract with a deleted `}` must each
# make check.sh exit non-zero and report file:line:col. Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$here/check.sh" --fmt-check

cat > "$tmp/missing_paren.move" <<'MOVE'
module demo::bad;

public fun f(x: u64): u64 {
    g(x
}
MOVE
cat > "$tmp/missing_semicolon.move" <<'MOVE'
module demo::bad;

public fun f(x: u64): u64 {
    let y = x + 1
    y
}
MOVE
sed '0,/^}/s/^}//' "$root/contracts/walrus/sources/storage_resource.move" > "$tmp/broken_storage.move"

n_failed=0
for bad in "$tmp"/*.move; do
    if out="$("$here/check.sh" "$bad" 2>&1)"; then
        echo "FAIL: check.sh accepted $bad"
        n_failed=$((n_failed + 1))
    elif ! grep -qE "$(basename "$bad"):[0-9]+:[0-9]+: " <<<"$out"; then
        echo "FAIL: no file:line:col for $bad: $out"
        n_failed=$((n_failed + 1))
    else
        echo "ok: $(head -n1 <<<"$out")"
    fi
done
echo "move syntax selftest: $((3 - n_failed)) passed, $n_failed failed"
[[ $n_failed -eq 0 ]]
