# shellcheck shell=bash
# What the local service scripts (local-pg.sh, local-pgbouncer.sh, local-s3.sh) share: their log
# lines, the free-port test and the throwaway TLS they serve with. Each sets `service` (the log
# prefix) and sources this file.

log() { printf '[%s] %s\n' "$service" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$service" "$*" >&2
  exit 1
}

# True when nothing listens on 127.0.0.1:<port>.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# make_tls <dir> <CA name> <server CN> <subjectAltName>: a CA and a server certificate signed by it
# (P-256, ten years), keys readable by their owner only.
make_tls() {
  local tls=$1 ca_name=$2 cn=$3 san=$4
  mkdir -p "$tls"
  log "generating a CA and a server certificate ($san)"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=$ca_name" -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=$cn" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 3650 -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
  rm -f "$tls/server.csr" "$tls/server.ext" "$tls/ca.srl"
  chmod 600 "$tls/server.key" "$tls/ca.key"
  chmod 644 "$tls/ca.crt" "$tls/server.crt"
}

# The `env` and `status` commands of a service script: print its facts file (`$facts`); status only
# while the script's `running` says so, else "not running" and exit 3.
print_facts() {
  [ -f "$facts" ] || die "no $1 yet: run $0 start"
  cat "$facts"
}
print_status() {
  if [ -f "$facts" ] && running; then
    cat "$facts"
  else
    echo "not running"
    exit 3
  fi
}
