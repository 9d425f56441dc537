#!/usr/bin/env bash
# Runs every test against a fresh PostgreSQL and Redis of its own (in .test/, on free loopback ports).
# Ends with "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"
source scripts/services.sh

ensure_packages chromium
DIR=$PWD/.test
[ -d "$DIR" ] && { stop_postgres "$DIR/pg"; [ -f "$DIR/redis/port" ] && stop_redis "$(cat "$DIR/redis/port")"; rm -rf "$DIR"; }
mkdir -p "$DIR"
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)
while [ "$REDIS_PORT" = "$PG_PORT" ]; do REDIS_PORT=$(free_port); done

cleanup() {
  stop_postgres "$DIR/pg"
  stop_redis "$REDIS_PORT"
}
trap cleanup EXIT
echo "Starting PostgreSQL on port $PG_PORT and Redis on port $REDIS_PORT"
start_postgres "$DIR/pg" "$PG_PORT" fast
start_redis "$DIR/redis" "$REDIS_PORT" fast
echo "$REDIS_PORT" >"$DIR/redis/port"
create_database "$PG_PORT" liveanalytics_test
export LA_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Database=liveanalytics_test;Username=postgres;Maximum Pool Size=200"
export LA_TEST_REDIS="127.0.0.1:$REDIS_PORT"

echo "Building ..."
if ! dotnet build LiveAnalytics.sln -c Release --nologo -v quiet >"$DIR/build.log" 2>&1; then
  cat "$DIR/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0 failed=0
for project in $(find . -name '*.Tests.csproj' -not -path './.*' | sort); do
  log="$DIR/$(basename "$project" .csproj).log"
  dotnet test "$project" -c Release --no-build --nologo 2>&1 | tee "$log"
  summary=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$log" | tail -1)
  if [ -z "$summary" ]; then
    echo "$project printed no test summary: counting it as one failure"
    failed=$((failed + 1))
    continue
  fi
  passed=$((passed + $(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")))
  failed=$((failed + $(sed -E 's/.*Failed: +([0-9]+), Passed.*/\1/' <<<"$summary")))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
