# Shared by the benchmark scripts: own PostgreSQL and Redis with production durability (fsync on,
# AOF every second), the app published in Release, started with the benchmark endpoints on.
# After `start_bench_app`: DIR, PG, REDIS_PORT, APP_PORT, APP_PID, BENCH (the bench program).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/services.sh
ensure_packages

DIR=$PWD/.bench
APP_PID=
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null
  stop_redis "$REDIS_PORT"; stop_postgres "$DIR/pg"
}

start_bench_app() {
  [ -d "$DIR" ] && { stop_postgres "$DIR/pg"; rm -rf "$DIR"; }
  mkdir -p "$DIR"
  PG_PORT=$(free_port); REDIS_PORT=$(free_port); APP_PORT=$(free_port)
  trap cleanup EXIT
  start_postgres "$DIR/pg" "$PG_PORT"
  start_redis "$DIR/redis" "$REDIS_PORT"
  create_database "$PG_PORT" liveanalytics

  echo "Building (Release) ..."
  dotnet publish LiveAnalytics/LiveAnalytics.csproj -c Release -o "$DIR/app" --nologo -v quiet >"$DIR/build.log" 2>&1 || { cat "$DIR/build.log"; die "build failed"; }
  dotnet build bench/LiveAnalytics.Bench -c Release -o "$DIR/bench" --nologo -v quiet >>"$DIR/build.log" 2>&1 || { cat "$DIR/build.log"; die "build failed"; }
  BENCH="$DIR/bench/LiveAnalytics.Bench.dll"

  PG="Host=127.0.0.1;Port=$PG_PORT;Database=liveanalytics;Username=postgres"
  ConnectionStrings__Postgres="$PG" ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT" \
  Demo__Seed=true Demo__Domain=bench-shop.example Demo__Password=bench-password-0 Demo__KeyFile="$DIR/api-key" \
  Benchmark__EmptyEndpoint=true Ingestion__TrustedProxies__0=127.0.0.1 Ingestion__PerIpPerSecond=1000000 Ingestion__PerSitePerSecond=10000000 \
  Persistence__FlushEverySeconds=1 Logging__LogLevel__Default=Warning "$@" \
    dotnet "$DIR/app/LiveAnalytics.dll" --urls "http://127.0.0.1:$APP_PORT" --contentRoot "$DIR/app" >"$DIR/app.log" 2>&1 &
  APP_PID=$!
  for _ in $(seq 120); do
    curl -fs "http://127.0.0.1:$APP_PORT/healthz" >/dev/null 2>&1 && [ -s "$DIR/api-key" ] && break
    kill -0 "$APP_PID" 2>/dev/null || { cat "$DIR/app.log"; die "the app stopped during start-up"; }
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:$APP_PORT/healthz" >/dev/null || { cat "$DIR/app.log"; die "the app did not start"; }
}
