#!/usr/bin/env bash
# Restore drill: a backup counts only once a restore from it has worked.
#
# Against the stack's backup bucket (any S3 API: AWS S3, Cloudflare R2, MinIO, moto), with pgBackRest:
#   1. initdb a throwaway PostgreSQL cluster, archive_mode=on, archive_command = pgbackrest archive-push
#   2. write rows, create the stanza, take a full backup
#   3. write more rows (inserts, updates, deletes, a new table), switch WAL and wait until it is archived
#   4. restore into a FRESH data directory (point-in-time recovery to the end of the archived WAL),
#      start it and wait until recovery has ended
#   5. compare row counts and checksums of every table with the source: exit 1 on any mismatch
# Servers listen on Unix sockets in a private temp dir only (no TCP). The drill uses its own stanza
# under its own repo path, never the real repository, and deletes both from the bucket at the end.
#
# Required env (the stack outputs of the same names):
#   BACKUP_S3_ENDPOINT   https URL of the S3 API (pgBackRest speaks S3 over TLS only)
#   BACKUP_S3_BUCKET, BACKUP_S3_REGION, BACKUP_AWS_ACCESS_KEY_ID, BACKUP_AWS_SECRET_ACCESS_KEY
# Optional env:
#   BACKUP_S3_FORCE_PATH_STYLE  true (default; R2, MinIO, moto) | false (AWS virtual-hosted style)
#   DRILL_PGBACKREST_CONF  use this pgbackrest.conf (e.g. rendered by lib/backup.ts) for the repository
#                          instead of BACKUP_*; stanza, repo path, pg1-* and log/lock/spool paths are
#                          still the drill's own (command-line options win over the file)
#   DRILL_CA_FILE        CA bundle that signs the endpoint's certificate (repo1-storage-ca-file)
#   DRILL_REPO_PATH      repo path of the drill (default /pgstack-drill/<time>-<pid>)
#   PG_BIN               PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   DRILL_WORKDIR        where the temp dir goes (default ${TMPDIR:-/tmp})
#   DRILL_ROWS           rows written before the backup (default 1000)
#   DRILL_KEEP=1         keep the temp dir and the drill's stanza in the bucket
#   DRILL_RUN_AS         user to switch to when started as root (default postgres; PostgreSQL refuses root)
#   DRILL_FAULT          test the drill itself: drop-row (delete a row from the restored copy) or
#                        skip-wal (restore only to the end of the backup, without the later WAL)
# Exit: 0 restore identical; 1 restore differs; 2 bad usage/config; 3 missing tool; other: a step failed.
set -euo pipefail

say() { printf '[restore-drill %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() {
    local code=$1
    shift
    printf '[restore-drill] ERROR: %s\n' "$*" >&2
    exit "$code"
}

# PostgreSQL will not run as root: switch user, keeping the environment.
if [ "$(id -u)" = 0 ]; then
    run_as=${DRILL_RUN_AS:-postgres}
    command -v runuser >/dev/null || die 3 "running as root needs runuser (util-linux) to switch to $run_as"
    id "$run_as" >/dev/null 2>&1 || die 3 "running as root: user $run_as does not exist (set DRILL_RUN_AS)"
    exec runuser -u "$run_as" -- bash "$0" "$@"
fi

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
command -v pgbackrest >/dev/null || die 3 "pgbackrest not found on PATH (Debian/Ubuntu: apt-get install pgbackrest)"
for tool in initdb pg_ctl psql; do
    [ -x "$PG_BIN/$tool" ] || die 3 "$PG_BIN/$tool not found (install postgresql-15 or set PG_BIN)"
done

fault=${DRILL_FAULT:-}
case "$fault" in "" | drop-row | skip-wal) ;; *) die 2 "DRILL_FAULT must be drop-row or skip-wal" ;; esac
rows=${DRILL_ROWS:-1000}
[[ $rows =~ ^[1-9][0-9]{0,6}$ ]] || die 2 "DRILL_ROWS must be a positive integer"

if [ -n "${DRILL_PGBACKREST_CONF:-}" ]; then
    [ -r "$DRILL_PGBACKREST_CONF" ] || die 2 "DRILL_PGBACKREST_CONF $DRILL_PGBACKREST_CONF is not readable"
else
    for v in BACKUP_S3_ENDPOINT BACKUP_S3_BUCKET BACKUP_S3_REGION BACKUP_AWS_ACCESS_KEY_ID BACKUP_AWS_SECRET_ACCESS_KEY; do
        [ -n "${!v:-}" ] || die 2 "$v is not set"
    done
    endpoint=${BACKUP_S3_ENDPOINT%/}
    [[ $endpoint =~ ^https://([A-Za-z0-9.-]+)(:([0-9]{1,5}))?$ ]] ||
        die 2 "BACKUP_S3_ENDPOINT must be https://host[:port] (pgBackRest speaks S3 over TLS only), got $BACKUP_S3_ENDPOINT"
    s3_host=${BASH_REMATCH[1]}
    s3_port=${BASH_REMATCH[3]}
    case "${BACKUP_S3_FORCE_PATH_STYLE:-true}" in
        true) uri_style=path ;;
        false) uri_style=host ;;
        *) die 2 "BACKUP_S3_FORCE_PATH_STYLE must be true or false" ;;
    esac
fi
if [ -n "${DRILL_CA_FILE:-}" ]; then
    [ -r "$DRILL_CA_FILE" ] || die 2 "DRILL_CA_FILE $DRILL_CA_FILE is not readable"
fi

umask 077
work=$(mktemp -d "${DRILL_WORKDIR:-${TMPDIR:-/tmp}}/pgstack-drill.XXXXXX")
[[ $work =~ ^[A-Za-z0-9/_.-]+$ ]] || die 2 "work dir $work has characters unsafe in archive_command"
src=$work/source
dst=$work/restored
mkdir -p "$work/sock-source" "$work/sock-restored" "$work/log" "$work/lock" "$work/spool" "$work/conf.d"
stanza=drill
repo_path=${DRILL_REPO_PATH:-/pgstack-drill/$(date -u +%Y%m%dT%H%M%S)-$$}
[[ $repo_path =~ ^/[A-Za-z0-9/_.-]+$ ]] || die 2 "DRILL_REPO_PATH must be an absolute path of letters, digits, / _ . -"
port=54329
started=$(date +%s)

if [ -n "${DRILL_PGBACKREST_CONF:-}" ]; then
    conf=$DRILL_PGBACKREST_CONF
else
    conf=$work/pgbackrest.conf
    {
        echo "[global]"
        echo "repo1-type=s3"
        echo "repo1-s3-endpoint=$s3_host"
        [ -z "$s3_port" ] || echo "repo1-storage-port=$s3_port"
        echo "repo1-s3-bucket=$BACKUP_S3_BUCKET"
        echo "repo1-s3-region=$BACKUP_S3_REGION"
        echo "repo1-s3-uri-style=$uri_style"
        echo "repo1-retention-full=2"
        echo "repo1-bundle=y"
        echo "compress-type=zst"
        echo "process-max=2"
    } >"$conf"
    # Credentials go by environment, not into a file or onto a command line.
    export PGBACKREST_REPO1_S3_KEY=$BACKUP_AWS_ACCESS_KEY_ID
    export PGBACKREST_REPO1_S3_KEY_SECRET=$BACKUP_AWS_SECRET_ACCESS_KEY
fi

# The drill's own settings: an include file next to the repository config (pgBackRest ignores the
# ones a command does not take), and the repo path on the command line, where it wins over the file.
cat >"$work/conf.d/drill.conf" <<EOF
[global]
log-path=$work/log
lock-path=$work/lock
spool-path=$work/spool

[$stanza]
pg1-path=$src
pg1-socket-path=$work/sock-source
pg1-port=$port
pg1-user=drill
EOF
common=(--config="$conf" --config-include-path="$work/conf.d" --stanza="$stanza" --log-level-console=warn --log-level-file=detail)
repo=(--repo1-path="$repo_path")
[ -z "${DRILL_CA_FILE:-}" ] || repo+=(--repo1-storage-ca-file="$DRILL_CA_FILE")
pgbr() { pgbackrest "${common[@]}" "${repo[@]}" "$@"; }
psql_at() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$1" -p "$port" -U drill -d drill "${@:2}"; }

stanza_created=0
cleanup() {
    local status=$?
    set +e
    for d in "$dst" "$src"; do
        [ -f "$d/postmaster.pid" ] && "$PG_BIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1
    done
    if [ "$status" -gt 1 ]; then
        say "a step failed (exit $status); last pgBackRest log lines:"
        tail -n 20 "$work"/log/*.log 2>/dev/null | sed 's/^/    /' >&2
        [ -f "$work/restored.log" ] && tail -n 20 "$work/restored.log" | sed 's/^/    restored: /' >&2
    fi
    if [ "${DRILL_KEEP:-0}" = 1 ]; then
        say "kept $work and stanza $stanza at $repo_path"
    else
        if [ "$stanza_created" = 1 ]; then
            timeout 30 pgbackrest "${common[@]}" stop >/dev/null 2>&1
            timeout 60 pgbackrest "${common[@]}" "${repo[@]}" --io-timeout=20 --force stanza-delete >/dev/null 2>&1 ||
                say "warning: could not delete the drill stanza at $repo_path"
        fi
        rm -rf "$work"
    fi
    say "finished in $(($(date +%s) - started))s"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "1/5 throwaway PostgreSQL cluster in $work (Unix socket only)"
"$PG_BIN/initdb" -D "$src" -U drill -A trust -E UTF8 --locale=C --no-sync >"$work/initdb.log"
cat >>"$src/postgresql.conf" <<EOF
listen_addresses = ''
port = $port
unix_socket_directories = '$work/sock-source'
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --config=$conf --config-include-path=$work/conf.d --stanza=$stanza ${repo[*]} archive-push %p'
EOF
"$PG_BIN/pg_ctl" -D "$src" -l "$work/source.log" -w -t 60 start >/dev/null
"$PG_BIN/psql" -X -q -h "$work/sock-source" -p "$port" -U drill -d postgres -c "CREATE DATABASE drill" >/dev/null

say "2/5 $rows rows, stanza, full backup to $repo_path"
psql_at "$work/sock-source" <<EOF
CREATE TABLE drill_rows (id int PRIMARY KEY, payload text NOT NULL, touched boolean NOT NULL DEFAULT false);
INSERT INTO drill_rows (id, payload) SELECT i, md5(i::text) FROM generate_series(1, $rows) i;
EOF
pgbr stanza-create
stanza_created=1
pgbr check
pgbr --type=full --start-fast backup

say "3/5 writes after the backup, WAL switched and archived"
psql_at "$work/sock-source" <<EOF
INSERT INTO drill_rows (id, payload) SELECT i, md5(i::text) FROM generate_series($rows + 1, $rows + $rows / 2) i;
UPDATE drill_rows SET touched = true, payload = payload || '+' WHERE id % 10 = 0;
DELETE FROM drill_rows WHERE id % 7 = 0;
CREATE TABLE drill_after AS SELECT i AS id, repeat('x', i % 50) AS payload FROM generate_series(1, 200) i;
EOF
# check switches to a new WAL segment and waits until the one holding the writes is archived.
pgbr check

fingerprint() {
    psql_at "$1" <<'EOF'
SELECT format('drill_rows: %s rows, max id %s, md5 %s; drill_after: %s rows, md5 %s',
    (SELECT count(*) FROM drill_rows), (SELECT max(id) FROM drill_rows),
    (SELECT md5(string_agg(format('%s|%s|%s', id, payload, touched), ',' ORDER BY id)) FROM drill_rows),
    (SELECT count(*) FROM drill_after),
    (SELECT md5(string_agg(format('%s|%s', id, payload), ',' ORDER BY id)) FROM drill_after));
EOF
}
expected=$(fingerprint "$work/sock-source")

say "4/5 restore into a fresh data directory${fault:+ (fault: $fault)}"
restore_opts=()
[ "$fault" != skip-wal ] || restore_opts=(--type=immediate --target-action=promote)
pgbr --pg1-path="$dst" "${restore_opts[@]}" restore
"$PG_BIN/pg_ctl" -D "$dst" -l "$work/restored.log" -w -t 120 \
    -o "-c unix_socket_directories=$work/sock-restored -c archive_mode=off" start >/dev/null
for _ in $(seq 1 120); do
    [ "$(psql_at "$work/sock-restored" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
    sleep 0.5
done
[ "$(psql_at "$work/sock-restored" -c 'SELECT pg_is_in_recovery()')" = f ] || die 4 "restored server still in recovery after 60s"
if [ "$fault" = drop-row ]; then
    psql_at "$work/sock-restored" -c "DELETE FROM drill_rows WHERE id = (SELECT max(id) FROM drill_rows)"
fi

say "5/5 compare with the source"
actual=$(fingerprint "$work/sock-restored" 2>&1) || true
say "source:   $expected"
say "restored: $actual"
if [ "$actual" != "$expected" ]; then
    printf '[restore-drill] RESTORE DRILL FAILED: the restored copy differs from the source (mismatch)\n' >&2
    exit 1
fi
say "RESTORE DRILL PASSED: backup + WAL restored to a fresh data directory, identical to the source"
