# Shared by run.sh and test.sh: install what is missing, start and stop a private PostgreSQL and Redis.
# Source it; every function fails loudly rather than half-working.

PG_BIN=/usr/lib/postgresql/15/bin

die() { echo "error: $*" >&2; exit 1; }

# ensure_packages [chromium]: Debian packages the app (and the browser tests) need.
ensure_packages() {
  local missing=()
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql)
  [ -f /usr/share/postgresql/15/extension/hll.control ] || missing+=(postgresql-15-hll)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ "${1:-}" = chromium ]; then command -v chromium >/dev/null || missing+=(chromium); fi
  command -v curl >/dev/null || missing+=(curl)
  command -v npm >/dev/null || missing+=(npm)   # the build fetches the enrichment data (package.json) with npm
  if ((${#missing[@]})); then
    [ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
    echo "Installing ${missing[*]} ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
  command -v dotnet >/dev/null || die "the .NET 10 SDK is missing: see https://dot.net (dotnet must be on PATH)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: a port nothing listens on, below Linux's ephemeral range (32768 up): a port there can be
# held by an outgoing connection (or its TIME_WAIT) and refuse the bind a moment later.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 12000))
    port_in_use "$p" || { echo "$p"; return; }
  done
  die "no free port found"
}

# Postgres refuses to run as root, so it runs as 'postgres', which must be able to reach its folder.
pg_run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_postgres DIR PORT [fast]: initialises DIR/data on first use; 'fast' turns off fsync (tests only).
start_postgres() {
  local dir=$1 port=$2 fast=${3:-}
  if [ "$(id -u)" = 0 ]; then
    install -d -o postgres -g postgres "$dir"
    runuser -u postgres -- test -w "$dir" \
      || die "user 'postgres' cannot reach $dir: make its parent folders world-executable (chmod o+x)"
  else
    mkdir -p "$dir"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_run "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed: see $dir/initdb.log"
  fi
  port_in_use "$port" && die "port $port is taken by another program; choose another (see --help)"
  local opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200"
  [ "$fast" = fast ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  pg_run "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o "$opts" start >/dev/null \
    || die "PostgreSQL did not start: see $dir/postgres.log"
}

stop_postgres() { pg_run "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true; }

postgres_running() { [ -f "$1/data/postmaster.pid" ] && pg_run "$PG_BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1; }

# create_database PORT NAME: creates it if it does not exist.
create_database() {
  local exists
  exists=$(psql -h 127.0.0.1 -p "$1" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$2'")
  [ "$exists" = 1 ] || psql -h 127.0.0.1 -p "$1" -U postgres -qc "CREATE DATABASE \"$2\"" >/dev/null
}

# start_redis DIR PORT [fast]: append-only file on, so acknowledged events survive a Redis restart.
# The file is first rewritten at 1 GB, not Redis's 64 MB: the stream only grows for its first 30 minutes,
# so with the default a busy store forked Redis and compressed the whole stream every few seconds.
start_redis() {
  local dir=$1 port=$2 fast=${3:-}
  mkdir -p "$dir"
  port_in_use "$port" && die "port $port is taken by another program; choose another (see --help)"
  local fsync=everysec
  [ "$fast" = fast ] && fsync=no
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" --pidfile "$dir/redis.pid" \
    --logfile "$dir/redis.log" --appendonly yes --appendfsync "$fsync" --save "" --auto-aof-rewrite-min-size 1gb >/dev/null \
    || die "Redis did not start: see $dir/redis.log"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  die "Redis did not answer on port $port: see $dir/redis.log"
}

stop_redis() { redis-cli -p "$1" shutdown >/dev/null 2>&1 || true; }

redis_running() { redis-cli -p "$1" ping >/dev/null 2>&1; }
