#!/usr/bin/env bash
# Syntax-checks every .move file under contracts/ (or the paths given as arguments) with Sui's Move
# 2024 grammar from the pinned npm package @mysten/prettier-plugin-move. Installs the pinned
# packages with `npm ci` on first use. Prints file:line:col for each error; exits non-zero on any.
#
#   scripts/move/check.sh                 # check the whole contracts/ tree
#   scripts/move/check.sh path/to/x.move  # check given files or directories
#   scripts/move/check.sh --fmt-check     # also verify the tree is formatted with prettier-move
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

fmt_check=0
if [[ "${1:-}" == "--fmt-check" ]]; then
    fmt_check=1
    shift
fi

if [[ ! -d "$here/node_modules/@mysten/prettier-plugin-move" || ! -d "$here/node_modules/web-tree-sitter" ]]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=("$root/contracts")
fi

node "$here/check.js" "${targets[@]}"

if [[ $fmt_check -eq 1 ]]; then
    mapfile -t files < <(find "${targets[@]}" -name '*.move' -not -path '*/build/*' -exec realpath {} + | sort)
    # prettier resolves --plugin relative to the working directory: run it from here.
    (cd "$here" && ./node_modules/.bin/prettier --plugin @mysten/prettier-plugin-move --check "${files[@]}")
fi
