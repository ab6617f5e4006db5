#!/usr/bin/env bash
# Builds the pinned Pulumi engine from Go modules (through the Go module proxy) into
#   ${PGSTACK_CACHE:-$HOME/.cache/pgstack}/engine/<key>/bin
# where <key> hashes versions.env and the wrapper modules' go.mod/go.sum (see env.sh).
# Idempotent: when the pinned binaries are present it only prints "engine ready".
#
#   scripts/engine/bootstrap.sh          # build (or reuse) the engine
#   . scripts/engine/env.sh              # then use it: pulumi, pulumi-language-nodejs on PATH
#
# Env: PGSTACK_CACHE (cache root), PGSTACK_USE_SYSTEM_PULUMI=0 (always build the CLI even when a
# `pulumi` is already on PATH). Needs only Go (>= the wrapper go.mod's `go` line) and coreutils.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

log() { printf '[engine] %s\n' "$*" >&2; }
die() {
  printf '[engine] ERROR: %s\n' "$*" >&2
  exit 1
}

# shellcheck source=versions.env
. "$here/versions.env"
# shellcheck source=env.sh
. "$here/env.sh"

bin=$PGSTACK_ENGINE_BIN
logs=$PGSTACK_ENGINE_DIR/logs
use_system=${PGSTACK_USE_SYSTEM_PULUMI:-1}

# A pulumi on PATH that is not ours (env.sh already put $bin first, so skip it).
system_pulumi() {
  local d IFS=:
  for d in $PATH; do
    if [ -z "$d" ] || [ "$d" = "$bin" ]; then continue; fi
    if [ -x "$d/pulumi" ] && [ ! -d "$d/pulumi" ]; then
      printf '%s\n' "$d/pulumi"
      return 0
    fi
  done
  return 1
}

# Forced build requested but the CLI slot holds a link to a system pulumi: drop it.
if [ "$use_system" = 0 ] && [ -L "$bin/pulumi" ]; then
  rm -f "$bin/pulumi" "$bin/pulumi-language-nodejs" "$PGSTACK_ENGINE_DIR/.ready"
fi

# Which postgresql/random/aws provider will run (env.sh decides): one line.
providers_line() {
  local p d out=""
  for p in postgresql random aws; do
    case " $PGSTACK_OFFLINE_PROVIDERS " in
      *" $p "*) out="$out $p=offline($PGSTACK_OFFLINE_PROVIDER_BIN)" ;;
      *)
        d=$(find "$PULUMI_HOME/plugins" -maxdepth 1 -name "resource-$p-v*" -print 2>/dev/null | sort -V | tail -n 1)
        out="$out $p=upstream(${d##*/resource-$p-})"
        ;;
    esac
  done
  log "providers:$out"
}

if [ -f "$PGSTACK_ENGINE_DIR/.ready" ] && [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] &&
  [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
  providers_line
  log "engine ready ($bin)"
  exit 0
fi

# --- preflight ---------------------------------------------------------------------------------
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  PATH="$PATH:/usr/local/go/bin"
fi
command -v go >/dev/null 2>&1 || die "Go toolchain not found (install Go >= 1.25 and put it on PATH)"

# The wrapper modules must require exactly what versions.env records.
check_pin() { # <wrapper dir> <module> <version>
  awk -v m="$2" -v v="$3" '
    ($1 == m && $2 == v) || ($1 == "require" && $2 == m && $3 == v) { found = 1 }
    END { exit !found }' "$here/$1/go.mod" ||
    die "$1/go.mod does not require $2 $3 (as versions.env says); fix one of them"
}
check_pin cli github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_VERSION"
check_pin cli github.com/pulumi/pulumi/sdk/v3 "v$PULUMI_VERSION"
check_pin nodejs github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 "$PULUMI_LANGUAGE_NODEJS_MODULE_VERSION"
check_pin nodejs github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_LANGUAGE_NODEJS_SDK_VERSION"
check_pin nodejs github.com/pulumi/pulumi/sdk/v3 "v$PULUMI_LANGUAGE_NODEJS_SDK_VERSION"

mkdir -p "$bin" "$logs" "$PULUMI_HOME"

# One bootstrap at a time per engine dir.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$PGSTACK_ENGINE_DIR/.lock"
  flock 9
fi
trap 'rm -f "$bin"/.*.tmp' EXIT

log "building engine into $bin ($(go version | cut -d" " -f3-))"
t_all=$(date +%s)

# build <binary> <wrapper dir> <main package> <version stamped into it>
build() {
  local name=$1 dir=$2 pkg=$3 ver=$4
  local out="$bin/$name" tmp="$bin/.$name.tmp" buildlog="$logs/$name.log" t0
  if [ -x "$out" ]; then
    log "$name: present"
    return 0
  fi
  log "$name: building $pkg (v$ver) ..."
  t0=$(date +%s)
  # -mod=readonly: build exactly what go.mod/go.sum pin, never edit them. GOWORK=off: ignore any
  # go.work around the checkout. CGO off + osusergo: static binary, like upstream releases.
  if ! env GOWORK=off CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" \
    go -C "$here/$dir" build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$ver" \
    -o "$tmp" "$pkg" >"$buildlog" 2>&1; then
    tail -n 30 "$buildlog" >&2 || true
    die "$name: go build failed after $(($(date +%s) - t0))s (full log: $buildlog)"
  fi
  mv -f "$tmp" "$out"
  log "$name: built in $(($(date +%s) - t0))s"
}

# --- pulumi CLI (+ its language host when it ships one) ----------------------------------------
sys=""
if [ "$use_system" != 0 ] && [ ! -e "$bin/pulumi" ]; then
  sys=$(system_pulumi) || sys=""
fi
if [ -n "$sys" ]; then
  sys=$(readlink -f "$sys")
  sys_ver=$("$sys" version 2>/dev/null || true)
  log "pulumi: using system $sys ($sys_ver); PGSTACK_USE_SYSTEM_PULUMI=0 to build v$PULUMI_VERSION"
  if [ "$sys_ver" != "v$PULUMI_VERSION" ]; then
    log "WARNING: npm @pulumi/pulumi is pinned to $NPM_PULUMI_VERSION but the system CLI is $sys_ver"
  fi
  ln -sfn "$sys" "$bin/pulumi"
  if [ -x "$(dirname -- "$sys")/pulumi-language-nodejs" ]; then
    ln -sfn "$(dirname -- "$sys")/pulumi-language-nodejs" "$bin/pulumi-language-nodejs"
    log "pulumi-language-nodejs: using the one shipped with the system CLI"
  fi
else
  build pulumi cli github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$PULUMI_VERSION"
fi

# --- Node.js language host ---------------------------------------------------------------------
build pulumi-language-nodejs nodejs github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 \
  "$PULUMI_LANGUAGE_NODEJS_VERSION"

# --- Node.js dynamic-provider host -------------------------------------------------------------
# Pulumi runs `pulumi-resource-pulumi-nodejs` (from the program's directory) for
# pulumi.dynamic.Resource; release tarballs ship it next to the CLI. Ours runs the dynamic-provider
# entry point of the @pulumi/pulumi that the program itself depends on.
if [ ! -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
  cat >"$bin/.pulumi-resource-pulumi-nodejs.tmp" <<'SH'
#!/bin/sh
# pgstack engine: host for Node.js dynamic providers (written by scripts/engine/bootstrap.sh).
entry=$(node -e 'process.stdout.write(require.resolve("@pulumi/pulumi/cmd/dynamic-provider"))') || exit 1
exec node "$entry" "$@"
SH
  chmod +x "$bin/.pulumi-resource-pulumi-nodejs.tmp"
  mv -f "$bin/.pulumi-resource-pulumi-nodejs.tmp" "$bin/pulumi-resource-pulumi-nodejs"
fi

# --- resource providers ------------------------------------------------------------------------
# Not servable by the Go module proxy at any tried version (see versions.env): nothing to build.
for p in POSTGRESQL RANDOM; do
  v="${p}_PROVIDER_MODULE_VERSION"
  if [ -n "${!v:-}" ]; then
    die "$v is set but bootstrap.sh has no recipe for providers yet"
  fi
done
providers_line

# --- sanity check + stamp ----------------------------------------------------------------------
got=$("$bin/pulumi" version 2>&1) || die "pulumi does not run: $got"
log "pulumi version: $got"
date -u +%Y-%m-%dT%H:%M:%SZ >"$PGSTACK_ENGINE_DIR/.ready"
log "done in $(($(date +%s) - t_all))s"
log "engine ready ($bin)"
