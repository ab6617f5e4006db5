#!/bin/sh
# Starts one offline provider plugin: launch.sh <postgresql|random> [engine args…]
# Runs main.ts with ts-node in transpile-only mode, independent of the current directory (the
# engine starts plugins from the stack's directory).
# When scripts/engine/env.sh found an upstream plugin installed for <name> (it is then missing
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
TS_NODE_PROJECT="$root/tsconfig.json" TS_NODE_TRANSPILE_ONLY=true \
  exec node -r "$root/node_modules/ts-node/register/transpile-only" "$here/main.ts" --plugin "$name" "$@"
