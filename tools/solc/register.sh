#!/usr/bin/env bash
# Registers each pinned npm solcjs compiler (through tools/solc/solc.js) as an installed native compiler for
# py-solc-x, ape-solidity, forge and slither: an executable named solc-v<version> in $SOLCX_BINARY_PATH
# (.solcx/ here). The compilers are the npm package `solc` (the project's compiler; `solc` links to it) and any
# npm alias `solc-<version>` (e.g. `solc-0.8.19` for Morpho Blue, whose source pins `pragma solidity 0.8.19`).
# Every executable runs the same front end, which loads the solcjs module of its own version.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="${SOLCX_BINARY_PATH:-$root/.solcx}"
mkdir -p "$dest"

register() {
  local version="$1"
  local target="$dest/solc-v$version"
  cat > "$target" <<SH
#!/bin/sh
SOLCJS_VERSION=$version exec node "$root/tools/solc/solc.js" "\$@"
SH
  chmod +x "$target"
  echo "$target"
}

default="$(node -p "require('$root/node_modules/solc/package.json').version")"
register "$default"
for alias in "$root"/node_modules/solc-[0-9]*/; do
  [ -f "$alias/package.json" ] || continue
  register "$(node -p "require('${alias}package.json').version")"
done
ln -sf "solc-v$default" "$dest/solc"
