#!/usr/bin/env bash
# Builds the pgx v5 client of the matrix (test/integration/clients.test.ts) from the Go module proxy
# into ${PGSTACK_CACHE:-$HOME/.cache/pgstack}/pgx-client/<key>/pgx-client, <key> hashing go.mod, go.sum
# and main.go (like scripts/seaweedfs/build.sh). Prints the binary's path; a no-op when built.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
key=$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)
dir="${PGSTACK_CACHE:-$HOME/.cache/pgstack}/pgx-client/$key"
out="$dir/pgx-client"
if [ -x "$out" ]; then
  printf '%s\n' "$out"
  exit 0
fi
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ ! -x "$out" ]; then
  # -mod=readonly: exactly what go.mod/go.sum pin.
  env GOWORK=off CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" \
    go -C "$here" build -trimpath -o "$dir/.tmp" . >&2
  mv -f "$dir/.tmp" "$out"
fi
printf '%s\n' "$out"
