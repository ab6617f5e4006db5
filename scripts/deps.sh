#!/usr/bin/env bash
# System packages pgstack's scripts and tests use, from Debian's archive. Installs only what is
# missing; a no-op on a machine that has them. Needs root (or sudo) when something is missing.
set -euo pipefail

# command -> Debian package
declare -A need=(
  [openssl]=openssl
  [psql]=postgresql-client
  [pgbackrest]=pgbackrest
  [pgbouncer]=pgbouncer
  # scripts/local-s3.sh waits for the S3 server with curl; its test lists listening ports with ss.
  [curl]=curl
  [ss]=iproute2
)
missing=()
for cmd in "${!need[@]}"; do
  # pgbouncer lives in /usr/sbin, not on every user's PATH.
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${need[$cmd]}")
done
# The client matrix (test/integration/clients.test.ts): Python module -> Debian package, for the
# system interpreter (/usr/bin/python3; a pyenv or venv python3 on PATH does not see them).
declare -A py=(
  [psycopg]=python3-psycopg
  [psycopg2]=python3-psycopg2
  [sqlalchemy]=python3-sqlalchemy
  [alembic]=python3-alembic
)
for mod in "${!py[@]}"; do
  /usr/bin/python3 -c "import $mod" >/dev/null 2>&1 || missing+=("${py[$mod]}")
done
# Server binaries for the throwaway local cluster.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "[deps] system packages present"
  exit 0
fi
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "[deps] installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "[deps] installed: ${missing[*]}"
