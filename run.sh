#!/usr/bin/env bash
# Runs LiveAnalytics with a PostgreSQL and a Redis of its own (in .run/, on loopback).
# A second ./run.sh --port OTHER while one runs starts a second app node on the same services.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/services.sh

usage() {
  cat <<'USAGE'
Usage: ./run.sh [--port N] [--no-demo-traffic]
       ./run.sh --reset-password EMAIL
       ./run.sh --operator EMAIL | --revoke-operator EMAIL | --list-operators
  --port N             HTTP port of this app node on 127.0.0.1 (default 5080)
  --no-demo-traffic    do not simulate visitors on the demo site
  --reset-password E   give the account with e-mail E a new random password, print it, and exit
                       (the operator's way to let a merchant back in where no reset mail can)
  --operator E         make the account with e-mail E an operator (it may open /jobs), and exit
  --revoke-operator E  take that back, and exit
  --list-operators     print the operators' addresses, and exit
Environment: LA_PG_PORT (default 54329) and LA_REDIS_PORT (default 56379) choose the services' ports.
USAGE
}

PORT=5080
DEMO_TRAFFIC=true
COMMAND=()   # an operator's command for the app instead of the server
while (($#)); do
  case $1 in
    --port) [ $# -ge 2 ] || die "--port needs a number"; PORT=$2; shift 2 ;;
    --port=*) PORT=${1#*=}; shift ;;
    --no-demo-traffic) DEMO_TRAFFIC=false; shift ;;
    --reset-password) [ $# -ge 2 ] || die "--reset-password needs an e-mail address"; COMMAND=(reset-password "$2"); shift 2 ;;
    --operator) [ $# -ge 2 ] || die "--operator needs an e-mail address"; COMMAND=(operator "$2"); shift 2 ;;
    --revoke-operator) [ $# -ge 2 ] || die "--revoke-operator needs an e-mail address"; COMMAND=(operator "$2" --revoke); shift 2 ;;
    --list-operators) COMMAND=(operator --list); shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
[[ $PORT =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) || die "--port must be a number from 1 to 65535"

DATA=$PWD/.run
PG_PORT=${LA_PG_PORT:-54329}
REDIS_PORT=${LA_REDIS_PORT:-56379}
ensure_packages
mkdir -p "$DATA"
((${#COMMAND[@]} == 0)) && port_in_use "$PORT" && die "port $PORT is taken: choose another with --port"

STARTED_PG= STARTED_REDIS= APP_PID= EXIT_CODE=0
cleanup() {
  local rc=$?   # a die's, or the app's, exit status: kept, not turned into success
  trap - EXIT INT TERM
  if [ -n "$APP_PID" ]; then
    kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null
    rm -f "$DATA/node-$PORT.pid"
  fi
  [ -n "$STARTED_REDIS" ] && { echo "Stopping Redis"; stop_redis "$REDIS_PORT"; }
  [ -n "$STARTED_PG" ] && { echo "Stopping PostgreSQL"; stop_postgres "$DATA/pg"; }
  [ "$EXIT_CODE" != 0 ] && rc=$EXIT_CODE
  exit "$rc"
}
trap cleanup EXIT INT TERM

if postgres_running "$DATA/pg"; then
  echo "Reusing the running PostgreSQL on port $PG_PORT"
else
  echo "Starting PostgreSQL on port $PG_PORT"
  start_postgres "$DATA/pg" "$PG_PORT"; STARTED_PG=1
fi
if [ -f "$DATA/redis/redis.pid" ] && redis_running "$REDIS_PORT"; then
  echo "Reusing the running Redis on port $REDIS_PORT"
else
  echo "Starting Redis on port $REDIS_PORT"
  start_redis "$DATA/redis" "$REDIS_PORT"; STARTED_REDIS=1
fi
create_database "$PG_PORT" liveanalytics

[ -s "$DATA/demo-password" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 16 >"$DATA/demo-password"

# Build, unless another node runs from the build output (replacing its files under it is unsafe).
other_nodes=$(for f in "$DATA"/node-*.pid; do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && echo "$f"; done || true)
if [ -z "$other_nodes" ]; then
  echo "Building ..."
  dotnet publish LiveAnalytics/LiveAnalytics.csproj -c Release -o "$DATA/app" --nologo -v quiet >"$DATA/build.log" 2>&1 \
    || { cat "$DATA/build.log"; die "the build failed"; }
fi

export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Database=liveanalytics;Username=postgres"
export ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT"
if ((${#COMMAND[@]})); then
  dotnet "$DATA/app/LiveAnalytics.dll" "${COMMAND[@]}" --contentRoot "$DATA/app" || EXIT_CODE=$?
  exit "$EXIT_CODE"
fi
export Demo__Seed=true Demo__Traffic=$DEMO_TRAFFIC Demo__Password="$(cat "$DATA/demo-password")" Demo__KeyFile="$DATA/demo-api-key"
dotnet "$DATA/app/LiveAnalytics.dll" --urls "http://127.0.0.1:$PORT" --contentRoot "$DATA/app" &
APP_PID=$!
echo "$APP_PID" >"$DATA/node-$PORT.pid"

for _ in $(seq 120); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$APP_PID" 2>/dev/null || die "the app stopped during start-up (see the log above)"
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || die "the app did not answer on port $PORT within 60 s"

SITE_ID=$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d liveanalytics -tAc "SELECT id FROM sites WHERE domain = 'demo-shop.example'")
cat <<INFO

LiveAnalytics is running. Ctrl-C stops what this command started.
Dashboard: http://127.0.0.1:$PORT/sites/$SITE_ID
Demo email: demo@liveanalytics.local
Demo password: $(cat "$DATA/demo-password")
Demo site: demo-shop.example
Demo API key: $(cat "$DATA/demo-api-key" 2>/dev/null || echo "(created by the first node; see .run/demo-api-key)")

INFO
wait "$APP_PID"
