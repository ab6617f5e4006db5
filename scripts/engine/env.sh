# shellcheck shell=bash
# Source me (bash or zsh):  . scripts/engine/env.sh
# Puts the pgstack engine (built by scripts/engine/bootstrap.sh) on PATH and points Pulumi at a
# private, offline, local setup. Safe under `set -euo pipefail`; sets no shell options.
#
# Exports:
#   PGSTACK_ENGINE_DIR   ${PGSTACK_CACHE:-$HOME/.cache/pgstack}/engine/<key>  (key = hash of the pins)
#   PGSTACK_ENGINE_BIN   $PGSTACK_ENGINE_DIR/bin (prepended to PATH)
#   PULUMI_HOME          private Pulumi home in the cache (plugins, credentials, workspaces)
#   PGSTACK_CHECKOUT     this checkout (the directory holding scripts/engine/)
#   PULUMI_BACKEND_URL   file://<checkout> (state in <checkout>/.pulumi/), unless already set
#   PGSTACK_LOCAL_FACTS  <checkout>/.pulumi/local-facts.json: the local stack's machine facts
#   PULUMI_CONFIG_PASSPHRASE  "pgstack-local" if unset (local, non-secret state only)
#   PULUMI_SKIP_UPDATE_CHECK, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION,
#   PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK  = true

if [ -n "${BASH_SOURCE:-}" ]; then
  PGSTACK_ENGINE_SRC=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
elif [ -n "${ZSH_VERSION:-}" ]; then
  # shellcheck disable=SC2296
  PGSTACK_ENGINE_SRC=$(cd -- "$(dirname -- "${(%):-%x}")" && pwd)
else
  PGSTACK_ENGINE_SRC=$(cd -- "$(dirname -- "$0")" && pwd)
fi
export PGSTACK_ENGINE_SRC

# Cache key: hash of the pins (versions.env incl. ENGINE_RECIPE, wrapper go.mod/go.sum).
PGSTACK_ENGINE_KEY=$(
  cd -- "$PGSTACK_ENGINE_SRC" &&
    cat versions.env cli/go.mod cli/go.sum nodejs/go.mod nodejs/go.sum 2>/dev/null |
    sha256sum | cut -c1-16
)
export PGSTACK_ENGINE_KEY

export PGSTACK_CACHE="${PGSTACK_CACHE:-${HOME}/.cache/pgstack}"
export PGSTACK_ENGINE_DIR="${PGSTACK_CACHE}/engine/${PGSTACK_ENGINE_KEY}"
export PGSTACK_ENGINE_BIN="${PGSTACK_ENGINE_DIR}/bin"

case ":${PATH:-}:" in
  *":${PGSTACK_ENGINE_BIN}:"*) ;;
  *) export PATH="${PGSTACK_ENGINE_BIN}${PATH:+:${PATH}}" ;;
esac

export PULUMI_HOME="${PGSTACK_CACHE}/pulumi-home"
# The engine writes a debug-level log of everything it does to $PULUMI_HOME/logs on every run
# (compressed, and encrypted once it has the stack's secrets): a quarter of its CPU time in a
# `preview` of 1,000 tenants, and hundreds of MB an hour of tests. It has no switch for it, and skips
# it when that directory cannot be made: a file of that name (in this project's own PULUMI_HOME,
# replacing the logs earlier runs left there) stands in the way unless PGSTACK_ENGINE_LOGS=1.
# Verbose logging asked for on the command line still goes where it asks.
if [ "${PGSTACK_ENGINE_LOGS:-}" != "1" ] && [ ! -f "${PULUMI_HOME}/logs" ]; then
  mkdir -p "${PULUMI_HOME}" && rm -rf "${PULUMI_HOME}/logs" && : >"${PULUMI_HOME}/logs"
elif [ "${PGSTACK_ENGINE_LOGS:-}" = "1" ] && [ -f "${PULUMI_HOME}/logs" ]; then
  rm -f "${PULUMI_HOME}/logs"
fi
# State lives with the checkout (<checkout>/.pulumi/, git-ignored), as after `pulumi login file://.`:
# two checkouts (or two people) never share a stack's state.
PGSTACK_CHECKOUT="${PGSTACK_ENGINE_SRC%/scripts/engine}"
export PGSTACK_CHECKOUT
if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  export PULUMI_BACKEND_URL="file://${PGSTACK_CHECKOUT}"
fi
# State is written once, when an operation ends, instead of before and after every step: the file
# backend rewrites the whole state each time, so a first `up` grew with the square of its size (100
# tenants: 59.6 s instead of 14.5 s, bench/results/scale.md; 300 tenants took 542 s). A run that is
# killed, or whose machine dies, records nothing of what it did: `npm run recover` then adopts what
# it made from the server (docs/runbooks/tenants.md). PULUMI_SKIP_CHECKPOINTS=false writes every step.
export PULUMI_SKIP_CHECKPOINTS="${PULUMI_SKIP_CHECKPOINTS:-true}"
# Where `npm run local:*` writes the local stack's machine facts (config/localFacts.ts).
export PGSTACK_LOCAL_FACTS="${PGSTACK_CHECKOUT}/.pulumi/local-facts.json"
# Secrets in state are encrypted with the passphrase. The public default "pgstack-local" is for the
# local file backend only; any other backend (s3://, gs://, azblob://, Pulumi Cloud) needs your own
# PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE: without one this fails (returns 1, exports
# no default) instead of encrypting real secrets with a passphrase that is in the repository.
if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  case "${PULUMI_BACKEND_URL}" in
    file://*) export PULUMI_CONFIG_PASSPHRASE="pgstack-local" ;;
    *)
      echo "scripts/engine/env.sh: PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL} is not a local file backend;" \
        "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (the local default is public)" >&2
      return 1 2>/dev/null || exit 1
      ;;
  esac
fi
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true

# Provider plugins. The upstream postgresql/random plugins cannot be had on machines without the
# internet; when one is not installed in $PULUMI_HOME/plugins, the repo's offline TypeScript
# provider (providers/offline) serves it: its bin/ goes on PATH, where the engine finds it as an
# "ambient" plugin. PGSTACK_OFFLINE_PROVIDERS lists the plugins served offline; a launcher whose
# plugin has an upstream install hands over to that (PATH plugins win over installed ones).
PGSTACK_OFFLINE_PROVIDERS=""
for pgstack_p in postgresql random aws; do
  if [ -z "$(find "${PULUMI_HOME}/plugins" -maxdepth 1 -name "resource-${pgstack_p}-v*" -print 2>/dev/null | head -n 1)" ]; then
    PGSTACK_OFFLINE_PROVIDERS="${PGSTACK_OFFLINE_PROVIDERS:+${PGSTACK_OFFLINE_PROVIDERS} }${pgstack_p}"
  fi
done
unset pgstack_p
export PGSTACK_OFFLINE_PROVIDERS
export PGSTACK_OFFLINE_PROVIDER_BIN="${PGSTACK_ENGINE_SRC%/scripts/engine}/providers/offline/bin"
if [ -n "$PGSTACK_OFFLINE_PROVIDERS" ] && [ -d "$PGSTACK_OFFLINE_PROVIDER_BIN" ]; then
  case ":${PATH}:" in
    *":${PGSTACK_OFFLINE_PROVIDER_BIN}:"*) ;;
    *) export PATH="${PGSTACK_OFFLINE_PROVIDER_BIN}:${PATH}" ;;
  esac
fi
