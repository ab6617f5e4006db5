#!/usr/bin/env bash
# A real pgBouncer (Debian's package) in front of the local cluster of scripts/local-pg.sh, for the
# `local` stack (server.pooler) and the integration tests: TLS required from clients (the cluster's
# server certificate: SAN localhost, 127.0.0.1), verify-full to the server (the cluster's CA), SCRAM,
# DISCARD ALL between clients, 127.0.0.1 only. Two processes: session pooling on PGSTACK_POOLER_PORT
# (DATABASE_URL: Debian's pgBouncer 1.18 cannot keep prepared statements in transaction pooling) and
# transaction pooling on PGSTACK_POOLER_TX_PORT (DATABASE_URL_TRANSACTION_POOLED). Its config is rendered by
# lib/pgbouncer.ts (scripts/local-pgbouncer.ts); its auth role `pgbouncer_auth` is created here, the
# lookup function by the stack (components/access/poolerAuth.ts) in the app database.
#
#   scripts/local-pgbouncer.sh start    # start the cluster if needed, (re)write the config, start or reload
#   scripts/local-pgbouncer.sh env      # print PGSTACK_POOLER_* variables (shell syntax)
#   scripts/local-pgbouncer.sh status | stop
#
# Env: PGSTACK_POOLER_DIR (where its files live), PGSTACK_POOLER_PORT (default: 56432, or the next
# free), PGSTACK_POOLER_TX_PORT (default: the next free port after it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

service=local-pgbouncer
# shellcheck source=scripts/lib/services.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib/services.sh"

# Like the cluster: as root, the pooler runs as `postgres` (pgBouncer refuses to run as root) and its
# files live where that user can reach them.
if [ "$(id -u)" = 0 ]; then
  run_as=postgres
  default_dir=/var/tmp/pgstack/local-pgbouncer
else
  run_as=
  default_dir=${PGSTACK_CACHE:-$HOME/.cache/pgstack}/local-pgbouncer
fi
dir=${PGSTACK_POOLER_DIR:-$default_dir}
facts=$dir/facts.env
pidfile=$dir/pgbouncer.pid
txpidfile=$dir/pgbouncer-tx.pid

as_pg() {
  if [ -n "$run_as" ]; then
    runuser -u "$run_as" -- "$@"
  else
    "$@"
  fi
}

bouncer_bin() {
  command -v pgbouncer 2>/dev/null || { [ -x /usr/sbin/pgbouncer ] && echo /usr/sbin/pgbouncer; } ||
    die "pgbouncer is not installed (scripts/deps.sh installs it)"
}


choose_port() {
  local p=$1
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

# running [pidfile]
running() { local f=${1:-$pidfile}; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

wait_listening() {
  local i
  for i in $(seq 1 50); do
    if ! port_free "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# launch <ini> <pidfile> <port> <changed>: start it, or reload it when its config changed.
launch() {
  local ini=$1 pf=$2 p=$3 changed=$4 bin
  bin=$(bouncer_bin)
  if running "$pf"; then
    if [ "$changed" = changed ]; then kill -HUP "$(cat "$pf")"; log "config changed: reloaded $ini"; fi
    return
  fi
  if ! port_free "$p"; then die "port $p is taken by another program"; fi
  as_pg "$bin" -d -q "$ini" || { tail -20 "${ini%.ini}.log" >&2; die "pgBouncer ($ini) did not start"; }
  wait_listening "$p" || { tail -20 "${ini%.ini}.log" >&2; die "pgBouncer is not listening on $p"; }
}

start() {
  local bin port txport changed version
  bin=$(bouncer_bin)
  bash "$here/local-pg.sh" start
  # shellcheck disable=SC1090
  eval "$(bash "$here/local-pg.sh" env | sed 's/^/export /')"
  mkdir -p "$dir"
  if [ -f "$facts" ]; then
    # shellcheck disable=SC1090
    . "$facts"
    port=$PGSTACK_POOLER_PORT
    txport=${PGSTACK_POOLER_TX_PORT:-}
  else
    port=$(choose_port "${PGSTACK_POOLER_PORT:-56432}")
  fi
  # A facts file from before the second listener has no TX port: choose one now.
  [ -n "${txport:-}" ] || txport=$(choose_port "${PGSTACK_POOLER_TX_PORT:-$((port + 1))}")
  changed=$("$repo/node_modules/.bin/ts-node" --transpile-only "$repo/scripts/local-pgbouncer.ts" prepare "$dir" "$port" "$txport")
  [ -z "$run_as" ] || chown -R "$run_as" "$dir"
  version=$("$bin" --version | sed -n 's/^PgBouncer //p' | head -1)
  cat >"$facts" <<EOT
PGSTACK_POOLER_HOST=127.0.0.1
PGSTACK_POOLER_PORT=$port
PGSTACK_POOLER_TX_PORT=$txport
PGSTACK_POOLER_AUTH_USER=pgbouncer_auth
PGSTACK_POOLER_DIR=$dir
PGSTACK_POOLER_VERSION=$version
EOT
  launch "$dir/pgbouncer.ini" "$pidfile" "$port" "$changed"
  launch "$dir/pgbouncer-tx.ini" "$txpidfile" "$txport" "$changed"
  log "pgBouncer $version on 127.0.0.1:$port (session pooling) and 127.0.0.1:$txport (transaction pooling); TLS required, verify-full to the cluster"
}

case "${1:-start}" in
start) start ;;
env) print_facts pooler ;;
status)
  if [ -f "$facts" ] && running && running "$txpidfile"; then
    cat "$facts"
  else
    echo "not running"
    exit 3
  fi
  ;;
stop)
  for f in "$pidfile" "$txpidfile"; do
    if running "$f"; then
      pid=$(cat "$f")
      kill -INT "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  log "stopped"
  ;;
*) die "usage: $0 start|env|status|stop" ;;
esac
