#!/usr/bin/env bash
# Lints .github/workflows (and the local actions they use) with actionlint, built from the Go
# module proxy at a pinned version into ${PGSTACK_CACHE:-$HOME/.cache/pgstack}/tools (once; later
# runs reuse it). actionlint runs shellcheck on `run:` scripts when shellcheck is on PATH.
#
#   scripts/lint-workflows.sh            # lint every workflow
#   scripts/lint-workflows.sh -verbose   # extra arguments go to actionlint
#
# Needs Go (>= 1.22) on PATH or in /usr/local/go/bin.
set -euo pipefail

ACTIONLINT_VERSION=1.7.7

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
tools=${PGSTACK_CACHE:-$HOME/.cache/pgstack}/tools
dir=$tools/actionlint-$ACTIONLINT_VERSION
bin=$dir/actionlint

log() { printf '[lint-workflows] %s\n' "$*" >&2; }

install_actionlint() {
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    PATH="$PATH:/usr/local/go/bin"
  fi
  command -v go >/dev/null 2>&1 || {
    log "ERROR: Go not found; install Go to build actionlint $ACTIONLINT_VERSION"
    exit 1
  }
  mkdir -p "$dir"
  log "building actionlint v$ACTIONLINT_VERSION into $dir"
  GOBIN="$dir.tmp" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  mv -f "$dir.tmp/actionlint" "$bin"
  rmdir "$dir.tmp" 2>/dev/null || true
}

if [ ! -x "$bin" ]; then
  mkdir -p "$tools"
  # One build at a time when several runs share the cache.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$tools/.actionlint.lock"
    flock 9
  fi
  [ -x "$bin" ] || install_actionlint
fi

cd "$repo"
"$bin" "$@"
log "workflows OK (actionlint v$ACTIONLINT_VERSION$(command -v shellcheck >/dev/null 2>&1 && echo ', shellcheck'))"
