# Shared steps of the checks of a TLS proxy in front of two Signet replicas
# (deploy/nginx/check, deploy/haproxy/check). Sourced after deploy/lib.sh and
# deploy/stack.sh. proxy_check_begin makes a database and a client,
# proxy_check_replicas two replicas; the caller starts its proxy on $PORT with $T/server.{pem,key}, calls
# proxy_check_connect, then the check_* steps it wants, and ends with failed=0.

pass() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

proxy_check_cleanup() {
  stack_stop
  psql -X -q -d "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  if [ "$failed" -eq 1 ]; then
    for f in "$T"/*.log; do echo "----- $f" >&2; tail -15 "$f" >&2; done
  fi
  rm -rf "$T"
}

# proxy_check_begin PROXY TRUSTED_PROXIES: T (a folder removed at exit), a
# database and a client-credentials client (ID, SECRET), SIGNET_* exported, PORT
# (free, for the proxy), and a certificate for localhost from a CA made for this
# run ($T/ca.pem, $T/server.{pem,key}).
proxy_check_begin() {
  PROXY=$1
  local trusted=$2
  : "${SIGNET_BIN:?absolute path of the signet binary}"
  : "${SIGNET_TEST_DATABASE_URL:?admin libpq conninfo (keyword form)}"
  T=$(mktemp -d "/tmp/signet-$PROXY.XXXXXX")
  DB=signet_${PROXY}_$$
  ADMIN=$SIGNET_TEST_DATABASE_URL
  failed=1
  trap proxy_check_cleanup EXIT

  psql -X -q -d "$ADMIN" -c "CREATE DATABASE $DB" >/dev/null
  export SIGNET_DATABASE_URL="$ADMIN dbname=$DB"
  export SIGNET_MASTER_KEY=$(openssl rand -hex 32)
  PORT=$(free_port)
  export SIGNET_ISSUER=https://localhost:$PORT
  export SIGNET_TRUSTED_PROXIES=$trusted
  export SIGNET_TOKEN_MAX_AUTH_FAILURES_PER_ADDRESS=3
  export SIGNET_HTTP_THREADS=1 SIGNET_WORKERS=2
  "$SIGNET_BIN" migrate >/dev/null 2>>"$T/cli.log"
  local client
  client=$("$SIGNET_BIN" client add --name Reconciler --grant client_credentials \
    --scope read:transactions 2>>"$T/cli.log")
  ID=$(node -p 'JSON.parse(require("fs").readFileSync(0)).client_id' <<<"$client")
  SECRET=$(node -p 'JSON.parse(require("fs").readFileSync(0)).client_secret' <<<"$client")
  make_ca "$T" localhost
}

# proxy_check_replicas [VAR=VALUE...]: two replicas on ports A and B (PID_A,
# PID_B); the VAR=VALUE settings go to replica A only.
proxy_check_replicas() {
  A=$(free_port)
  start_signet signet-a "$A" "$T" "$@"
  PID_A=$LAST_PID
  B=$(free_port)
  start_signet signet-b "$B" "$T"
  PID_B=$LAST_PID
}

# proxy_check_connect: BASE and C (curl for it), once the proxy answers.
proxy_check_connect() {
  BASE=https://localhost:$PORT
  C=(curl -s --max-time 10 --cacert "$T/ca.pem" --resolve "localhost:$PORT:127.0.0.1")
  wait_http "$BASE/healthz" 20 --cacert "$T/ca.pem" --resolve "localhost:$PORT:127.0.0.1" ||
    fail "$PROXY does not answer on $PORT"
}

# TLS 1.1 refused by the proxy; the same client speaks 1.1 to a server that
# allows it, so the refusal is the proxy's. TLS 1.2 accepted.
check_tls_versions() {
  local old_tls=(openssl s_client -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -servername localhost)
  if echo | "${old_tls[@]}" -connect "127.0.0.1:$PORT" 2>&1 | grep -q 'Protocol  *: TLSv1.1'; then
    fail "$PROXY accepted TLS 1.1"
  fi
  local ctrl
  ctrl=$(free_port)
  openssl s_server -accept "127.0.0.1:$ctrl" -cert "$T/server.pem" -key "$T/server.key" -tls1_1 \
    -cipher 'DEFAULT:@SECLEVEL=0' -naccept 1 -quiet >/dev/null 2>&1 &
  STACK_PIDS+=("$!")
  sleep 0.5
  echo | "${old_tls[@]}" -connect "127.0.0.1:$ctrl" 2>&1 | grep -q 'Protocol  *: TLSv1.1' ||
    fail "control: this openssl cannot speak TLS 1.1, so the refusal proves nothing"
  pass "TLS 1.1 refused (the client speaks it to a server that allows it)"
  "${C[@]}" --tlsv1.2 --tls-max 1.2 -o /dev/null "$BASE/healthz" || fail "TLS 1.2 refused"
  pass "TLS 1.2 and 1.3 accepted"
}

# check_hsts [PATH...]: HSTS on answers, errors included (extra paths: more answers).
check_hsts() {
  local path
  for path in /.well-known/openid-configuration /no-such-page "$@"; do
    "${C[@]}" -D - -o /dev/null "$BASE$path" | grep -qi '^strict-transport-security: max-age=63072000' ||
      fail "no HSTS on $path"
  done
  pass "HSTS on every answer"
}

check_discovery() {
  local issuer
  issuer=$("${C[@]}" "$BASE/.well-known/openid-configuration" |
    node -p 'JSON.parse(require("fs").readFileSync(0)).issuer')
  [ "$issuer" = "$SIGNET_ISSUER" ] || fail "discovery through $PROXY: issuer \"$issuer\""
  pass "discovery through $PROXY"
}

# token FROM_ADDRESS SECRET [curl options...]: the status of a client-credentials request.
token() {
  local from=$1 secret=$2
  shift 2
  "${C[@]}" --interface "$from" -o "$T/answer.json" -w '%{http_code}' -u "$ID:$secret" \
    -d grant_type=client_credentials -d scope=read:transactions "$@" "$BASE/token"
}

check_client_credentials() {
  [ "$(token 127.0.0.2 "$SECRET")" = 200 ] ||
    fail "client-credentials token through $PROXY: $(cat "$T/answer.json")"
  grep -q '"access_token"' "$T/answer.json" || fail "no access_token: $(cat "$T/answer.json")"
  pass "client-credentials token through $PROXY"
}

# Per-address throttling behind the proxy. Each replica counts its own failures,
# so 2 x 3 failures from 127.0.0.2 (the proxy alternates) lock that address on both.
check_throttling() {
  local s got i
  for _ in 1 2 3 4 5 6; do token 127.0.0.2 wrong >/dev/null; done
  s=$(token 127.0.0.2 "$SECRET")
  [ "$s" = 429 ] || fail "127.0.0.2 after 6 failed authentications: $s, not 429"
  s=$(token 127.0.0.2 "$SECRET" -H 'X-Forwarded-For: 127.0.0.3')
  [ "$s" = 429 ] || fail "127.0.0.2 naming another address in X-Forwarded-For: $s, not 429"
  for _ in 1 2; do
    s=$(token 127.0.0.3 "$SECRET")
    [ "$s" = 200 ] || fail "127.0.0.3 throttled with 127.0.0.2 ($s): the proxy's address was used"
  done
  s=$(token 127.0.0.3 wrong)
  [ "$s" = 401 ] || fail "127.0.0.3's first failure: $s, not 401"
  pass "two client addresses behind $PROXY throttled separately; a client's X-Forwarded-For ignored"
  # The audit writer stores events in batches in the background: wait up to 10 s.
  for i in $(seq 1 50); do
    got=$(psql -X -qAt -d "$SIGNET_DATABASE_URL" -c \
      "SELECT string_agg(DISTINCT client_address, ',') FROM audit_events WHERE event = 'throttled'")
    [ -n "$got" ] && break
    sleep 0.2
  done
  [ "$got" = 127.0.0.2 ] || fail "audit names \"$got\" as the throttled address"
  pass "audit events name the client's address"
}

# check_replica_killed PID: that replica killed with -9; the proxy's retry after a
# refused connection answers every following request.
check_replica_killed() {
  local pid=$1 s i
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  for i in 1 2 3 4 5 6; do
    s=$(token 127.0.0.4 "$SECRET")
    [ "$s" = 200 ] || fail "token $i after a replica was killed: $s"
    s=$("${C[@]}" -o /dev/null -w '%{http_code}' "$BASE/jwks")
    [ "$s" = 200 ] || fail "/jwks $i after a replica was killed: $s"
  done
  pass "a replica killed: 12 of 12 requests answered by the other"
}
