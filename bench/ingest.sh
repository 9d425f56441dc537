#!/usr/bin/env bash
# Ingestion benchmark: beacon path vs an empty endpoint of the same app, persisted rate and loss,
# batch API vs raw COPY. Figures and method: bench/README.md.
# Usage: bench/ingest.sh [--seconds 30] [--runs 3] [--connections 50] [--warmup 60] [--batch-clients 8] [--only beacon|batch] [--engagement 0.45]
set -euo pipefail
source "$(dirname "$0")/app.sh"
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || die "wrk is missing: apt-get install wrk"
start_bench_app
dotnet "$BENCH" ingest --url "http://127.0.0.1:$APP_PORT" --pg "$PG" --redis "127.0.0.1:$REDIS_PORT" \
  --api-key "$(cat "$DIR/api-key")" --domain bench-shop.example "$@"
