#!/usr/bin/env bash
# A throwaway local S3-compatible server (SeaweedFS `weed mini`, built by scripts/seaweedfs/build.sh)
# for the `local` stack and the integration tests: S3 over TLS on 127.0.0.1 (its own CA; the
# certificate names 127.0.0.1 both as DNS name and IP, which pgBackRest needs), the IAM API on the same
# port, and one admin identity whose generated key lives only in files readable by the owner.
#
#   scripts/local-s3.sh start     # init (once) and start; prints nothing secret
#   scripts/local-s3.sh env       # print PGSTACK_S3_* facts (shell syntax) for the server
#   scripts/local-s3.sh stop | status | destroy
#
# Env: PGSTACK_S3_DIR (state; default <cache>/local-s3), PGSTACK_S3_PORT (S3 over TLS; default
# 58333). The server's plain-HTTP S3 listener (loopback only) is the next port; the stack's bucket
# policy refuses every request on it.
set -euo pipefail

service=local-s3
# shellcheck source=scripts/lib/services.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib/services.sh"

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
dir=${PGSTACK_S3_DIR:-${PGSTACK_CACHE:-$HOME/.cache/pgstack}/local-s3}
tls=$dir/tls
facts=$dir/facts.env
pidfile=$dir/weed.pid


init_server() {
  local port key secret
  port=${PGSTACK_S3_PORT:-58333}
  mkdir -p "$dir/data"
  chmod 700 "$dir"
  # pgBackRest matches the host against DNS names only: an IP-only SAN fails its check.
  make_tls "$tls" 'pgstack local S3 CA' 127.0.0.1 'DNS:127.0.0.1,DNS:localhost,IP:127.0.0.1'
  key="PGSTACKADMIN$(openssl rand -hex 4 | tr a-f A-F)"
  secret=$(openssl rand -base64 30 | tr -d '/+=\n' | cut -c1-40)
  umask 077
  # The identity file weed reads (-s3.config): the admin may do everything, including the IAM API
  # through which the stack makes its least-privilege users.
  cat >"$dir/s3.json" <<EOF
{
  "identities": [
    {
      "name": "pgstack-admin",
      "credentials": [{ "accessKey": "$key", "secretKey": "$secret" }],
      "actions": ["Admin", "Read", "Write", "List", "Tagging"]
    }
  ]
}
EOF
  # The same key for clients, as an AWS shared-credentials file (aws CLI: AWS_SHARED_CREDENTIALS_FILE).
  printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$key" "$secret" >"$dir/admin.credentials"
  umask 022
  cat >"$facts" <<EOF
PGSTACK_S3_ENDPOINT=https://127.0.0.1:$port
PGSTACK_S3_PORT=$port
PGSTACK_S3_HTTP_ENDPOINT=http://127.0.0.1:$((port + 1))
PGSTACK_S3_REGION=us-east-1
PGSTACK_S3_CA=$tls/ca.crt
PGSTACK_S3_ADMIN_CREDENTIALS=$dir/admin.credentials
PGSTACK_S3_DIR=$dir
EOF
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# Any HTTP answer over verified TLS (an anonymous request gets 403) means S3 is serving.
answers() {
  local code
  code=$(curl -sS -o /dev/null --max-time 2 --cacert "$PGSTACK_S3_CA" -w '%{http_code}' "$PGSTACK_S3_ENDPOINT/" 2>/dev/null) || true
  [ -n "$code" ] && [ "$code" != 000 ]
}

start() {
  local weed i
  [ -f "$facts" ] || init_server
  # shellcheck disable=SC1090
  . "$facts"
  if running; then
    log "already running: $PGSTACK_S3_ENDPOINT (CA: $PGSTACK_S3_CA)"
    return
  fi
  port_free "$PGSTACK_S3_PORT" || die "port $PGSTACK_S3_PORT is taken by another program"
  port_free "$((PGSTACK_S3_PORT + 1))" || die "port $((PGSTACK_S3_PORT + 1)) is taken by another program"
  weed=$("$here/seaweedfs/build.sh")
  # Loopback only; no WebDAV, admin UI, Iceberg or Lance listeners; no telemetry. The S3 gRPC port is
  # given explicitly (its default, port + 10000, is out of range for high ports); the other internal
  # ports (master, volume, filer) are found free by weed itself.
  (
    cd "$dir"
    setsid "$weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
      -master.telemetry=false -webdav=false -admin.ui=false \
      -s3.port.iceberg=0 -s3.port.lance=0 \
      -s3.port="$((PGSTACK_S3_PORT + 1))" -s3.port.grpc="$((PGSTACK_S3_PORT + 2))" \
      -s3.port.https="$PGSTACK_S3_PORT" -s3.cert.file="$tls/server.crt" -s3.key.file="$tls/server.key" \
      -s3.config="$dir/s3.json" -s3.iam.readOnly=false \
      >"$dir/weed.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
  )
  for i in $(seq 1 120); do
    if answers; then
      log "started: $PGSTACK_S3_ENDPOINT (TLS; CA: $PGSTACK_S3_CA; admin key: $PGSTACK_S3_ADMIN_CREDENTIALS)"
      return
    fi
    running || { tail -30 "$dir/weed.log" >&2; die "weed exited"; }
    sleep 0.5
  done
  tail -30 "$dir/weed.log" >&2
  die "weed did not answer on $PGSTACK_S3_ENDPOINT within 60 s"
}

stop() {
  local pid i
  if running; then
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

case "${1:-start}" in
start) start ;;
env) print_facts server ;;
status) print_status ;;
stop)
  stop
  log "stopped"
  ;;
destroy)
  stop
  rm -rf "$dir"
  log "removed $dir"
  ;;
*) die "usage: $0 start|env|status|stop|destroy" ;;
esac
