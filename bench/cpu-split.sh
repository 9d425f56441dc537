#!/usr/bin/env bash
# Where the beacon path's CPU goes, by process: loads POST /api/event with wrk as bench/ingest.sh does,
# then reads each process's CPU time from /proc over one measured run and prints µs per beacon.
# Usage: bench/cpu-split.sh [--seconds 30] [--warmup 60] [--ref <git commit>]
#   --ref runs the same on another commit (checked out in a temporary worktree, with this bench's
#   scripts), so two commits can be compared one after the other.
set -euo pipefail
SECONDS_RUN=30 WARMUP=60 REF=
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_RUN=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --ref) REF=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [ -n "$REF" ]; then
  here=$(cd "$(dirname "$0")/.." && pwd)
  tree=$(mktemp -d) && chmod 755 "$tree"   # PostgreSQL runs as its own user and must reach .bench/pg
  git -C "$here" worktree add -q --detach "$tree" "$REF"
  trap 'git -C "$here" worktree remove --force "$tree"' EXIT
  cp "$here/bench/app.sh" "$here/bench/cpu-split.sh" "$tree/bench/"
  cp "$here/bench/LiveAnalytics.Bench/beacons.lua" "$tree/bench/LiveAnalytics.Bench/"
  [ -e "$tree/node_modules" ] || ln -s "$here/node_modules" "$tree/node_modules"
  "$tree/bench/cpu-split.sh" --seconds "$SECONDS_RUN" --warmup "$WARMUP"
  exit
fi

source "$(dirname "$0")/app.sh"
command -v wrk >/dev/null || die "wrk is missing: apt-get install wrk"
start_bench_app
export LA_DOMAIN=bench-shop.example
script=bench/LiveAnalytics.Bench/beacons.lua
wrk -t2 -c50 -d"${WARMUP}s" -s "$script" "http://127.0.0.1:$APP_PORT/api/event" >/dev/null

# CPU ticks (user + system) of every process of a kind, summed.
ticks() { local sum=0; for p in $(pgrep -f "$1"); do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $sum; }
kinds=("app:$DIR/app/LiveAnalytics.dll" "postgres:postgres" "redis:redis-server.*$REDIS_PORT")
declare -A before
for k in "${kinds[@]}"; do before[${k%%:*}]=$(ticks "${k#*:}"); done
out=$(wrk -t2 -c50 -d"${SECONDS_RUN}s" --latency -s "$script" "http://127.0.0.1:$APP_PORT/api/event")
rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
hz=$(getconf CLK_TCK)
echo "$(git log -1 --format='%h %s' | cut -c1-72)"
echo "beacons: $rps/s over ${SECONDS_RUN} s; $(awk '/ 99%/ {print "p99 " $2}' <<<"$out")"
for k in "${kinds[@]}"; do
  name=${k%%:*}; used=$(( $(ticks "${k#*:}") - before[$name] ))
  awk -v n="$name" -v t="$used" -v hz="$hz" -v s="$SECONDS_RUN" -v r="$rps" \
    'BEGIN { printf "  %-9s %6.2f cores  %6.1f us per beacon\n", n, t / hz / s, t / hz / (r * s) * 1e6 }'
done
