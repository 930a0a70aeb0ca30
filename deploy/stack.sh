# Shared steps of the tests that run Signet as deployed (deploy/nginx/check,
# deploy/haproxy/check, deploy/ha/failover): a throwaway CA and server
# certificate, Signet replicas, nginx in front of them. Sourced after deploy/lib.sh; every process started is
# recorded in STACK_PIDS and stopped by stack_stop.

STACK_PIDS=()

# free_port: a TCP port nothing listens on now (the kernel's choice).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# make_ca DIR HOST: DIR/ca.pem (a CA made for this run) and DIR/server.{pem,key} for HOST.
make_ca() {
  local dir=$1 host=$2
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$host" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' "$host" >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 1 -extfile "$dir/ext.cnf" -out "$dir/server.pem" 2>/dev/null
}

# wait_http URL [SECONDS] [CURL OPTIONS...]: until URL answers 200.
wait_http() {
  local url=$1 seconds=${2:-20}; shift 2 || shift $#
  local end=$((SECONDS + seconds))
  while [ $SECONDS -lt $end ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url")" = 200 ] && return 0
    sleep 0.2
  done
  return 1
}

# start_signet NAME PORT LOGDIR [VAR=VALUE...]: one replica, in the background, with
# SIGNET_* taken from the environment; sets LAST_PID.
start_signet() {
  local name=$1 port=$2 logdir=$3; shift 3
  env "$@" SIGNET_LISTEN="127.0.0.1:$port" "$SIGNET_BIN" serve >"$logdir/$name.log" 2>&1 &
  LAST_PID=$!
  STACK_PIDS+=("$LAST_PID")
  wait_http "http://127.0.0.1:$port/readyz" 30 ||
    { tail -20 "$logdir/$name.log" >&2; die "$name did not become ready"; }
}

# render_nginx DIR LISTEN UPSTREAM_PORT...: DIR/nginx.conf running as the invoking
# (or, as root, "nobody") user, with the template of deploy/nginx.
render_nginx() {
  local dir=$1 listen=$2; shift 2
  local upstreams=""
  for p in "$@"; do upstreams+="server 127.0.0.1:$p max_fails=2 fail_timeout=5s; "; done
  "$REPO/deploy/nginx/render" SERVER_NAME=localhost LISTEN="$listen" \
    CERTIFICATE="$dir/server.pem" CERTIFICATE_KEY="$dir/server.key" UPSTREAMS="$upstreams" \
    <"$REPO/deploy/nginx/signet.conf.template" >"$dir/signet.conf"
  mkdir -p "$dir/nginx-temp"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 512; }
http {
  access_log $dir/nginx-access.log;
  client_body_temp_path $dir/nginx-temp/body;
  proxy_temp_path $dir/nginx-temp/proxy;
  fastcgi_temp_path $dir/nginx-temp/fastcgi;
  uwsgi_temp_path $dir/nginx-temp/uwsgi;
  scgi_temp_path $dir/nginx-temp/scgi;
  include $dir/signet.conf;
}
CONF
}

# unprivileged DIR: sets RUN_AS, the prefix that runs a command as the invoking
# user, or, as root, as "nobody" (who is then given DIR).
unprivileged() {
  local dir=$1
  RUN_AS=()
  if [ "$(id -u)" -eq 0 ]; then
    chown -R nobody: "$dir"
    chmod 755 "$dir"
    RUN_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  fi
}

# start_nginx DIR: nginx in the foreground of a background job, never as root.
start_nginx() {
  local dir=$1
  unprivileged "$dir"
  "${RUN_AS[@]}" nginx -t -q -c "$dir/nginx.conf" -e "$dir/nginx-error.log" ||
    die "nginx refused its configuration"
  "${RUN_AS[@]}" nginx -c "$dir/nginx.conf" -e "$dir/nginx-error.log" -g 'daemon off;' &
  LAST_PID=$!
  STACK_PIDS+=("$LAST_PID")
}

stack_stop() {
  local p
  for p in "${STACK_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${STACK_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  STACK_PIDS=()
}
