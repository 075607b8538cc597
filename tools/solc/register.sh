#!/usr/bin/env bash
# Registers the pinned npm solc (through tools/solc/solc.js) as an installed native compiler for py-solc-x,
# ape-solidity, forge and slither: an executable named solc-v<version> in $SOLCX_BINARY_PATH (.solcx/ here).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="${SOLCX_BINARY_PATH:-$root/.solcx}"
version="$(node -p "require('$root/node_modules/solc/package.json').version")"
mkdir -p "$dest"
target="$dest/solc-v$version"
cat > "$target" <<SH
#!/bin/sh
exec node "$root/tools/solc/solc.js" "\$@"
SH
chmod +x "$target"
ln -sf "solc-v$version" "$dest/solc"
echo "$target"
