# Shared steps of deploy/demo and deploy/test: install what is missing, build,
# and run a private PostgreSQL cluster when no SIGNET_DATABASE_URL is given.
# Sourced, not run.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA_DIR=${SIGNET_DATA_DIR:-$REPO/.data}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Debian 12 packages the build, the tests and the demo need.
BUILD_PACKAGES="build-essential cmake pkg-config libssl-dev libpistache-dev libpqxx-dev
  nlohmann-json3-dev libcpp-jwt-dev libargon2-dev libkainjow-mustache-dev libcurl4-openssl-dev
  libgtest-dev postgresql-15 nodejs prometheus-cpp-dev"
# systemd: systemd-analyze, for the unit check (deploy/systemd/check); nginx for
# deploy/nginx/check and the failover test (deploy/ha/failover); haproxy for
# deploy/haproxy/check; prometheus for promtool, which checks and unit-tests the
# alert rules (deploy/monitoring/check).
TEST_PACKAGES="chromium npm systemd nginx haproxy prometheus"

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # nodejs from another source may already provide npm.
  if [[ " ${missing[*]} " == *" npm "* ]] && command -v npm >/dev/null; then
    missing=("${missing[@]/npm/}")
  fi
  local wanted=()
  for p in "${missing[@]}"; do [ -n "$p" ] && wanted+=("$p"); done
  [ ${#wanted[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages: ${wanted[*]} (run as root, or: sudo apt-get install ${wanted[*]})"
  say "Installing ${wanted[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
}

# build DIR [cmake options...]; BUILD_TARGETS limits what is built (default: everything).
build() {
  local dir=$1; shift
  say "Building in ${dir#$REPO/}"
  cmake -S "$REPO" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  local targets=()
  for t in ${BUILD_TARGETS:-}; do targets+=(--target "$t"); done
  cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
}

# Runs a PostgreSQL tool as the cluster's owner: "postgres" when we are root
# (the server refuses to run as root), else ourselves.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start NAME: a private cluster in $DATA_DIR/NAME, unix socket only; sets PG_SOCKET_DIR.
pg_start() {
  local name=$1
  local dir=$DATA_DIR/$name
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      # The postgres user cannot reach the work tree: keep the cluster in /var/tmp.
      dir=/var/tmp/signet-$(printf '%s' "$DATA_DIR" | cksum | cut -d' ' -f1)/$name
      mkdir -p "$dir" && chown postgres: "$dir" "$(dirname "$dir")"
    fi
  fi
  PG_SOCKET_DIR=$dir
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "Creating a PostgreSQL cluster in $dir"
    as_pg "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
  fi
  if ! as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" \
      -o "-k $dir -c listen_addresses='' -c fsync=off -c max_connections=200" start >/dev/null ||
      die "PostgreSQL did not start; see $dir/server.log"
  fi
}

pg_stop() {
  [ -n "${PG_SOCKET_DIR:-}" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_SOCKET_DIR/data" -m fast stop >/dev/null 2>&1 || true
}

pg_conninfo() { echo "host=$PG_SOCKET_DIR port=5432 user=postgres dbname=${1:-postgres}"; }

# A 32-byte master key kept in the data folder (mode 600), made once.
master_key_file() {
  local f=$DATA_DIR/master.key
  if [ ! -s "$f" ]; then
    (umask 077; openssl rand -hex 32 >"$f")
  fi
  echo "$f"
}
