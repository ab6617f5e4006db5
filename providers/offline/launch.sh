#!/bin/sh
# Starts one offline provider plugin: launch.sh <postgresql|random|aws> [engine args…]
#
# The TypeScript sources are transpiled once per content hash (build.js) into
#   ${PGSTACK_CACHE:-$HOME/.cache/pgstack}/offline-provider/<hash>/
# and started with plain node (about a quarter of ts-node's start-up time); should that build
# fail, it falls back to ts-node in transpile-only mode. Nothing depends on the current directory
# (the engine starts plugins from the stack's directory).
#
# When scripts/engine/env.sh found an upstream plugin installed for <name> (so <name> is missing
# from PGSTACK_OFFLINE_PROVIDERS), this hands over to that plugin.
here=$(dirname -- "$(readlink -f -- "$0")")
root=$(cd -- "$here/../.." && pwd)
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

hash=$(find "$here" -name '*.ts' -not -path "$here/bin/*" -print | LC_ALL=C sort | xargs cat "$here/build.js" | cksum | tr ' ' '-')
out="${PGSTACK_CACHE:-${HOME:-/tmp}/.cache/pgstack}/offline-provider/$hash"
if [ -f "$out/main.js" ] || node "$here/build.js" "$out" >&2; then
  NODE_PATH="$root/node_modules${NODE_PATH:+:$NODE_PATH}" exec node "$out/main.js" --plugin "$name" "$@"
fi
echo "[offline-provider] build failed; starting through ts-node" >&2
TS_NODE_PROJECT="$root/tsconfig.json" TS_NODE_TRANSPILE_ONLY=true \
  exec node -r "$root/node_modules/ts-node/register/transpile-only" "$here/main.ts" --plugin "$name" "$@"
