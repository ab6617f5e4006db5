#!/usr/bin/env bash
# A throwaway local PostgreSQL cluster for the `local` stack and the integration tests, made from
# this machine's PostgreSQL binaries: TLS on (a generated CA and server certificate), pg_hba.conf
# allowing only `hostssl … scram-sha-256` (no trust, no plaintext TCP), a superuser admin with a
# generated password, listening on 127.0.0.1 only.
#
# It also holds an RDS-like admin, `pgstack_rds_admin`, with its own generated password: what an RDS
# master user is (LOGIN CREATEROLE CREATEDB, NOSUPERUSER NOREPLICATION NOBYPASSRLS, member of a
# NOLOGIN `rds_superuser` that holds the predefined roles RDS gives it: pg_monitor,
# pg_signal_backend, pg_checkpoint, and on 16+ pg_use_reserved_connections, pg_create_subscription),
# owner of the postgres and template1 databases as the master user is on RDS.
# PGSTACK_ADMIN=rds makes the local stack and the integration tests use it (scripts/lib/localServices.ts).
#
#   scripts/local-pg.sh start     # init (once) and start; prints the connection facts
#   scripts/local-pg.sh env       # print PGSTACK_PG_* variables (shell syntax) for a running cluster
#   scripts/local-pg.sh stop | status | destroy
#   scripts/local-pg.sh crash-restart   # stop as a crash would (immediate), then start: recovery tests
#
# Env: PGSTACK_PG_DIR (where the cluster lives), PGSTACK_PG_PORT (default: 55432, or the next free).
set -euo pipefail

service=local-pg
# shellcheck source=scripts/lib/services.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib/services.sh"

# initdb refuses to run as root: when we are root the cluster belongs to the `postgres` user and
# lives where that user can reach it.
if [ "$(id -u)" = 0 ]; then
  run_as=postgres
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  default_dir=/var/tmp/pgstack/local-pg
else
  run_as=
  default_dir=${PGSTACK_CACHE:-$HOME/.cache/pgstack}/local-pg
fi
dir=${PGSTACK_PG_DIR:-$default_dir}
data=$dir/data
tls=$dir/tls
facts=$dir/facts.env
admin_user=pgstack_admin
rds_admin_user=pgstack_rds_admin

as_pg() {
  if [ -n "$run_as" ]; then
    runuser -u "$run_as" -- "$@"
  else
    "$@"
  fi
}

pg_bin() {
  local v
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  for v in $(ls /usr/lib/postgresql 2>/dev/null | sort -rn); do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then
      echo "/usr/lib/postgresql/$v/bin"
      return
    fi
  done
  return 1
}


choose_port() {
  local p=${PGSTACK_PG_PORT:-55432}
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

init_cluster() {
  local bin port pw
  bin=$(pg_bin) || die "no PostgreSQL server binaries found (apt-get install postgresql)"
  port=$(choose_port)
  mkdir -p "$dir"
  chmod 755 "$dir"
  make_tls "$tls" 'pgstack local CA' localhost 'DNS:localhost,IP:127.0.0.1'
  pw=$(openssl rand -hex 24)
  umask 077
  printf '%s\n' "$pw" >"$dir/admin-password"
  umask 022
  [ -z "$run_as" ] || chown -R "$run_as" "$dir"
  # initdb reads the password from a file the cluster owner can read; it is removed right after.
  as_pg bash -c "umask 077; cat > '$dir/.pwfile'" <"$dir/admin-password"
  log "initdb ($bin) into $data"
  as_pg "$bin/initdb" -D "$data" -U "$admin_user" --pwfile="$dir/.pwfile" \
    --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$dir/.pwfile"
  as_pg mkdir -p "$dir/socket"
  as_pg tee "$data/pgstack.conf" >/dev/null <<EOF
# pgstack local cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/socket'
ssl = on
ssl_cert_file = '$tls/server.crt'
ssl_key_file = '$tls/server.key'
ssl_ca_file = '$tls/ca.crt'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
shared_preload_libraries = 'pg_stat_statements'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  echo "include 'pgstack.conf'" | as_pg tee -a "$data/postgresql.conf" >/dev/null
  as_pg tee "$data/pg_hba.conf" >/dev/null <<'EOF'
# pgstack: TLS + SCRAM only. No trust, no plaintext TCP, no local socket logins.
hostssl all all 127.0.0.1/32 scram-sha-256
hostssl all all ::1/128      scram-sha-256
EOF
  cat >"$facts" <<EOF
PGSTACK_PG_HOST=127.0.0.1
PGSTACK_PG_PORT=$port
PGSTACK_PG_USER=$admin_user
PGSTACK_PG_CA=$tls/ca.crt
PGSTACK_PG_PASSWORD_FILE=$dir/admin-password
PGSTACK_PG_BIN=$bin
PGSTACK_PG_DIR=$dir
EOF
}

# The RDS-like admin (see the top): created, or brought back to exactly these attributes, as the
# superuser over TLS; its password is set as a SCRAM verifier, so the server never sees it in clear.
ensure_rds_admin() {
  local pwfile=$dir/rds-admin-password passfile verifier
  if [ ! -f "$pwfile" ]; then
    umask 077
    openssl rand -hex 24 >"$pwfile"
    umask 022
  fi
  verifier=$(node -e '
const c = require("crypto");
const pw = require("fs").readFileSync(0, "utf8").trim();
const salt = c.randomBytes(16), it = 4096;
const salted = c.pbkdf2Sync(pw, salt, it, 32, "sha256");
const hmac = (k) => c.createHmac("sha256", salted).update(k).digest();
const stored = c.createHash("sha256").update(hmac("Client Key")).digest();
process.stdout.write(`SCRAM-SHA-256$${it}:${salt.toString("base64")}$${stored.toString("base64")}:${hmac("Server Key").toString("base64")}`);
' <"$pwfile")
  passfile=$(mktemp)
  chmod 600 "$passfile"
  printf '127.0.0.1:%s:postgres:%s:%s\n' "$PGSTACK_PG_PORT" "$admin_user" "$(cat "$dir/admin-password")" >"$passfile"
  PGPASSFILE=$passfile PGOPTIONS="-c client_min_messages=warning" "$PGSTACK_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -v verifier="$verifier" \
    "host=127.0.0.1 port=$PGSTACK_PG_PORT dbname=postgres user=$admin_user sslmode=verify-full sslrootcert=$PGSTACK_PG_CA" \
    >/dev/null <<SQL || {
DO \$\$
DECLARE r text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_superuser') THEN
    CREATE ROLE rds_superuser NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$rds_admin_user') THEN
    CREATE ROLE $rds_admin_user LOGIN;
  END IF;
  FOREACH r IN ARRAY ARRAY['pg_monitor', 'pg_signal_backend', 'pg_checkpoint',
                           'pg_use_reserved_connections', 'pg_create_subscription'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('GRANT %I TO rds_superuser', r);
    END IF;
  END LOOP;
END
\$\$;
ALTER ROLE rds_superuser NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE $rds_admin_user LOGIN NOSUPERUSER CREATEDB CREATEROLE NOREPLICATION NOBYPASSRLS INHERIT
  PASSWORD :'verifier';
GRANT rds_superuser TO $rds_admin_user;
-- As on RDS, where the master user owns postgres and template1 (rdsadmin owns template0 and its own
-- database): the stack's admin may lock them down and still connect.
ALTER DATABASE postgres OWNER TO $rds_admin_user;
ALTER DATABASE template1 OWNER TO $rds_admin_user;
SQL
    rm -f "$passfile"
    die "could not create the RDS-like admin $rds_admin_user"
  }
  rm -f "$passfile"
  cat >>"$facts" <<EOF
PGSTACK_PG_RDS_USER=$rds_admin_user
PGSTACK_PG_RDS_PASSWORD_FILE=$pwfile
EOF
  log "RDS-like admin $rds_admin_user ready (no superuser; PGSTACK_ADMIN=rds uses it)"
}

running() { [ -f "$data/postmaster.pid" ] && as_pg "$(pg_bin)/pg_ctl" -D "$data" status >/dev/null 2>&1; }

start() {
  [ -f "$facts" ] || init_cluster
  # shellcheck disable=SC1090
  . "$facts"
  if running; then
    log "already running on 127.0.0.1:$PGSTACK_PG_PORT"
  else
    if ! port_free "$PGSTACK_PG_PORT"; then die "port $PGSTACK_PG_PORT is taken by another program"; fi
    as_pg "$PGSTACK_PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
      { tail -20 "$dir/server.log" >&2; die "the server did not start"; }
    log "started on 127.0.0.1:$PGSTACK_PG_PORT (TLS, scram-sha-256; CA: $PGSTACK_PG_CA)"
  fi
  grep -q '^PGSTACK_PG_RDS_USER=' "$facts" || ensure_rds_admin
}

case "${1:-start}" in
start) start ;;
env) print_facts cluster ;;
status) print_status ;;
stop)
  if [ -f "$facts" ] && running; then as_pg "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
  log "stopped"
  ;;
crash-restart)
  # For recovery tests: stops the server as a crash would (immediate mode: no shutdown checkpoint,
  # every transaction in flight is lost), then starts it again with the same facts.
  [ -f "$facts" ] && running || die "not running"
  as_pg "$(pg_bin)/pg_ctl" -D "$data" -m immediate -w stop >/dev/null
  start
  ;;
destroy)
  if [ -f "$facts" ] && running; then as_pg "$(pg_bin)/pg_ctl" -D "$data" -m immediate -w stop >/dev/null || true; fi
  rm -rf "$dir"
  log "removed $dir"
  ;;
*) die "usage: $0 start|env|status|stop|crash-restart|destroy" ;;
esac
