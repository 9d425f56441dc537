#!/usr/bin/env bash
# History benchmark (issue 5): 10 M events over 90 days by binary COPY, the rollups' rate, the
# dashboard's 90-day queries from rollups against the same figures from raw events, and the rollup
# of the current hour at 1,000 events/s. Method and figures: bench/README.md.
# Usage: bench/history.sh [--events 10000000] [--days 90] [--runs 5] [--only history|live|dashboard|dimensions] [--live-minutes 60] [--live-every 10]
# --only dashboard times the dashboard again on the data the previous run left in .bench-history/; --only dimensions
# times the Stats API v2's queries by several dimensions alone on it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
ensure_packages
DIR=$PWD/.bench-history
cleanup() { stop_postgres "$DIR/pg"; }
KEEP=
[[ " $* " == *" --only dashboard "* || " $* " == *" --only dimensions "* ]] && KEEP=1
if [ -z "$KEEP" ] && [ -d "$DIR" ]; then stop_postgres "$DIR/pg"; rm -rf "$DIR"; fi
[ -n "$KEEP" ] && [ ! -f "$DIR/pg/data/PG_VERSION" ] && die "--only dashboard and --only dimensions need the data of a previous full run in $DIR"
mkdir -p "$DIR"
trap cleanup EXIT
PG_PORT=$(free_port)
start_postgres "$DIR/pg" "$PG_PORT"
[ -n "$KEEP" ] || create_database "$PG_PORT" liveanalytics
echo "Building (Release) ..."
dotnet build bench/LiveAnalytics.Bench -c Release -o "$DIR/bench" --nologo -v quiet >"$DIR/build.log" 2>&1 || { cat "$DIR/build.log"; die "build failed"; }
dotnet "$DIR/bench/LiveAnalytics.Bench.dll" history --pg "Host=127.0.0.1;Port=$PG_PORT;Database=liveanalytics;Username=postgres;Command Timeout=0" "$@"
