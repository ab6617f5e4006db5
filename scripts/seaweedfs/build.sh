#!/usr/bin/env bash
# Builds the pinned SeaweedFS server (the S3-compatible store the local stack and the tests use)
# from the Go module proxy into
#   ${PGSTACK_CACHE:-$HOME/.cache/pgstack}/seaweedfs/<key>/weed
# where <key> hashes this wrapper's go.mod and go.sum. Idempotent: prints the binary's path and
# exits when it is already built. Cold build: about 6 minutes on 2 cores, 2.6 GB of memory.
#
#   scripts/seaweedfs/build.sh     # prints the path of weed on stdout, progress on stderr
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[seaweedfs] %s\n' "$*" >&2; }

key=$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)
dir="${PGSTACK_CACHE:-$HOME/.cache/pgstack}/seaweedfs/$key"
out="$dir/weed"

if [ -x "$out" ]; then
  printf '%s\n' "$out"
  exit 0
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  PATH="$PATH:/usr/local/go/bin"
fi
command -v go >/dev/null 2>&1 || {
  log "ERROR: Go toolchain not found"
  exit 1
}

mkdir -p "$dir"
# One build at a time per key (CI and a developer's local:up may race).
exec 9>"$dir/.lock"
flock 9
if [ -x "$out" ]; then
  printf '%s\n' "$out"
  exit 0
fi

log "building SeaweedFS into $out (cold: ~6 min) ..."
t0=$(date +%s)
# -mod=readonly: exactly what go.mod/go.sum pin. CGO off: a static binary, no C toolchain needed.
if ! env GOWORK=off CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" \
  go -C "$here" build -trimpath -o "$dir/.weed.tmp" github.com/seaweedfs/seaweedfs/weed >"$dir/build.log" 2>&1; then
  tail -n 30 "$dir/build.log" >&2 || true
  log "ERROR: go build failed after $(($(date +%s) - t0))s (full log: $dir/build.log)"
  exit 1
fi
mv -f "$dir/.weed.tmp" "$out"
log "built in $(($(date +%s) - t0))s"
printf '%s\n' "$out"
