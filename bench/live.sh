#!/usr/bin/env bash
# Live delivery benchmark: event POST to an API stream client, a widget and the live page's DOM in
# Chromium under a background load; widget fan-out to many viewers; memory per viewer and per circuit.
# Figures and method: bench/README.md.
# Usage: bench/live.sh [--seconds 30] [--runs 3] [--load 5000] [--viewers 10000] [--circuits 20] [--circuit-page /sites/{site}/history]
#        [--phases 12345] [--hold-seconds 0]   ({site}: the measured site's id; hold: time for dotnet-dump while the pages are open)
set -euo pipefail
source "$(dirname "$0")/app.sh"
ulimit -n 65536 2>/dev/null || true   # the app and the bench each hold one socket per widget viewer
start_bench_app
dotnet "$BENCH" live --url "http://127.0.0.1:$APP_PORT" --pg "$PG" \
  --api-key "$(cat "$DIR/api-key")" --domain bench-shop.example --password bench-password-0 "$@"
