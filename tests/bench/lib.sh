# Shared by tests/bench/run and tests/bench/proxy: JSON and Basic-auth helpers, CPU
# pinning and accounting, one wrk run. Sourced after deploy/lib.sh, with BENCH (this
# folder), SERVER_CPU and LOAD_CPU set.

json() { node -e "const v=JSON.parse(require('fs').readFileSync(0,'utf8'))$1; process.stdout.write(String(v))"; }
basic() { printf 'Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }

# pin_tree CPUS PID...: these processes, their children and all their threads onto CPUS
# (threads started later inherit it).
pin_tree() {
  local cpus=$1 p
  shift
  for p in "$@" $(for q in "$@"; do pgrep -P "$q"; done); do taskset -a -cp "$cpus" "$p" >/dev/null; done
}
pg_pids() { local pm; pm=$(head -1 "$PG_SOCKET_DIR/data/postmaster.pid"); echo "$pm" $(pgrep -P "$pm"); }
# pin_pg [CPUS]: PostgreSQL and all its backends onto CPUS (default the server core).
pin_pg() { pin_tree "${1:-$SERVER_CPU}" $(pg_pids); }

# cpu_ticks PID...: user+system clock ticks used so far by these processes.
cpu_ticks() {
  local p t=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}

# core_busy [CPU]: non-idle ticks of the server core, or of CPU (to see other processes' share of it).
core_busy() { awk -v c="cpu${1:-$SERVER_CPU}" '$1 == c {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# bench_build: SIGNET and BANK_API from SIGNET_BUILD_DIR (default build/), built if missing.
bench_build() {
  BUILD_DIR=${SIGNET_BUILD_DIR:-$REPO/build}
  SIGNET=$BUILD_DIR/provider/app/signet
  BANK_API=$BUILD_DIR/provider/bank-api/bank-api
  if [ ! -x "$SIGNET" ] || [ ! -x "$BANK_API" ]; then build "$BUILD_DIR"; fi
}

# wrk_run OUT SCRIPT URL SECONDS CONNECTIONS [VAR=VALUE...]: one wrk run on the load
# core; its JSON summary (wrk/common.lua) lands in OUT.
wrk_run() {
  local out=$1 script=$2 url=$3 secs=$4 conns=$5
  shift 5
  if ! env BENCH_WRK_DIR="$BENCH/wrk" BENCH_OUT="$out" "$@" \
    taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s \
    -s "$BENCH/wrk/$script" "$url" >"$out.txt" 2>&1 || [ ! -s "$out" ]; then
    cat "$out.txt" >&2
    die "wrk failed ($script $url)"
  fi
}

# mint_tokens URL AUTH SCOPE FILE: at least 4608 client-credentials access tokens (more
# than bank-api's verified-token cache holds, 4096), minted with wrk; prints the count.
mint_tokens() {
  local url=$1 auth=$2 scope=$3 file=$4 n=0 secs=2
  while [ "$n" -lt 4608 ]; do
    rm -f "$file".*
    wrk_run "$(dirname "$file")/mint.$(basename "$file").json" mint.lua "$url" "$secs" "${CONNS:-32}" BENCH_CAPTURE=token \
      BENCH_PATH=/token BENCH_AUTH="$auth" BENCH_BODY="grant_type=client_credentials&scope=$scope" \
      BENCH_CODES_OUT="$file"
    cat "$file".* >"$file"
    n=$(wc -l <"$file")
    secs=$((secs * 2))
  done
  rm -f "$file".*
  echo "$n"
}
