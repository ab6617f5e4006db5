#!/bin/sh
# Starts one offline provider plugin: launch.sh <postgresql|random|aws> [engine args…]
#
# The TypeScript sources (this package without its tests, plus the repo's upstream/ folder of
# tokens and ID formats) are transpiled once per content hash (build.js) into
#   ${PGSTACK_CACHE:-$HOME/.cache/pgstack}/offline-provider/<hash>/
# and started with plain node (about a quarter of ts-node's start-up time); should that build
# fail, it falls back to ts-node in transpile-only mode. Modules come from this package's own
# node_modules (`npm ci --prefix providers/offline`), never the repo root's. Nothing depends on the
# current directory (the engine starts plugins from the stack's directory).
#
# When scripts/engine/env.sh found an upstream plugin installed for <name> (so <name> is missing
# from PGSTACK_OFFLINE_PROVIDERS), this hands over to that plugin.
here=$(dirname -- "$(readlink -f -- "$0")")
upstream=$(cd -- "$here/../../upstream" && pwd)
name=$1
shift
case " ${PGSTACK_OFFLINE_PROVIDERS-$name} " in
  *" $name "*) ;;
  *)
    dir=$(find "${PULUMI_HOME:-$HOME/.pulumi}/plugins" -maxdepth 1 -name "resource-$name-v*" -print 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$dir" ] && [ -x "$dir/pulumi-resource-$name" ]; then
      exec "$dir/pulumi-resource-$name" "$@"
    fi
    ;;
esac

if [ ! -d "$here/node_modules" ]; then
  echo "[offline-provider] $here/node_modules is missing: run \`npm ci --prefix providers/offline\` in the repo" >&2
  exit 1
fi
hash=$({
  find "$here" \( -path "$here/bin" -o -path "$here/node_modules" -o -path "$here/test" \) -prune -o -name '*.ts' -print
  find "$upstream" -name '*.ts' -print
} | LC_ALL=C sort | xargs cat "$here/build.js" | cksum | tr ' ' '-')
out="${PGSTACK_CACHE:-${HOME:-/tmp}/.cache/pgstack}/offline-provider/$hash"
if [ -f "$out/providers/offline/main.js" ] || node "$here/build.js" "$out" >&2; then
  NODE_PATH="$here/node_modules" exec node "$out/providers/offline/main.js" --plugin "$name" "$@"
fi
echo "[offline-provider] build failed; starting through ts-node" >&2
TS_NODE_PROJECT="$here/tsconfig.json" TS_NODE_TRANSPILE_ONLY=true \
  exec node -r "$here/node_modules/ts-node/register/transpile-only" "$here/main.ts" --plugin "$name" "$@"
