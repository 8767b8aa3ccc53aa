#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the bench/sync-*.sh scripts: a keepsake-server on a fresh
# data dir, a signed-in keepsake-cli in throwaway XDG dirs, photos.
#   BUILD   build directory (default: build)
#   KS_BENCH_PORT  server port (default: 18398)
#   KS_BENCH_LINE  "UP DOWN RTT": put the server behind bench/link.py,
#                  a line of UP and DOWN Mbit/s and RTT ms, on port + 1
set -eu

BUILD=${BUILD:-build}
PORT=${KS_BENCH_PORT:-18398}
SERVER="$BUILD/src/server/keepsake-server"
CLI="${KS_CLI:-$BUILD/src/cli/keepsake-cli}"
WORK=$(mktemp -d /tmp/ks-sync-bench-XXXXXX)
SERVER_PID=
LINE_PID=
# The address clients use: the server's, or the line's in front of it.
URL="http://127.0.0.1:$PORT"
# Preloaded into the CLI, it reports how long the main loop stopped
# answering (bench/ks-bench-stalls.c): `env LD_PRELOAD="$STALLS"
# KS_BENCH_STALLS=FILE "$CLI" …`.
STALLS="$BUILD/bench/libks-bench-stalls.so"

for tool in "$SERVER" "$CLI" "$STALLS"; do
  [ -e "$tool" ] || { echo "missing $tool: build first" >&2; exit 1; }
done
"$CLI" --help 2>&1 | grep -q 'sync run' || { echo "$CLI has no sync commands" >&2; exit 1; }

export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_STATE_HOME="$WORK/home/.state" \
  XDG_CACHE_HOME="$WORK/home/.cache" XDG_DATA_HOME="$WORK/home/.data" GIO_USE_PROXY_RESOLVER=dummy
mkdir -p "$HOME"

bench_cleanup () {
  [ -n "$LINE_PID" ] && kill "$LINE_PID" 2>/dev/null && wait "$LINE_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap bench_cleanup EXIT INT TERM

# Starts the server and signs "bench" in (token in a file: no keyring).
bench_start () {
  public=
  if [ -n "${KS_BENCH_LINE:-}" ]; then
    URL="http://127.0.0.1:$((PORT + 1))"
    public="--public-url=$URL"
    # shellcheck disable=SC2086 # three numbers
    python3 "$(dirname "$0")/link.py" "$((PORT + 1))" "$PORT" $KS_BENCH_LINE >"$WORK/line.log" &
    LINE_PID=$!
  fi
  "$SERVER" --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" ${public:+"$public"} --auto-confirm 2>"$WORK/server.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    grep -q listening "$WORK/server.log" 2>/dev/null &&
      { [ -z "$LINE_PID" ] || grep -q listening "$WORK/line.log"; } && break
    sleep 0.1
  done
  "$CLI" --token-store file server add "$URL" >/dev/null
  echo 'Bench-Passw0rd!x' | "$CLI" --token-store file signup bench --email bench@example.org --password-stdin >/dev/null
  echo 'Bench-Passw0rd!x' | "$CLI" --token-store file login bench --password-stdin >/dev/null
}

# N distinct photos in DIR: a few real JPEGs, each copy made unique by
# bytes after its end marker (still a valid JPEG, another SHA-256).
bench_photos () {
  dir=$1 n=$2 size=${3:-2000x1500}
  mkdir -p "$dir" "$WORK/bases"
  for b in 1 2 3 4; do
    [ -f "$WORK/bases/$b.jpg" ] || convert -size "$size" "plasma:fractal" -quality 92 "$WORK/bases/$b.jpg"
  done
  i=0
  while [ "$i" -lt "$n" ]; do
    { cat "$WORK/bases/$((i % 4 + 1)).jpg"; printf 'keepsake-bench-%08d' "$i"; } >"$dir/IMG_$(printf %06d "$i").jpg"
    i=$((i + 1))
  done
}

now () { date +%s.%N; }
# The bytes that crossed the line (KS_BENCH_LINE) since the last report.
bench_line_report () {
  [ -n "$LINE_PID" ] || return 0
  kill -USR1 "$LINE_PID"
  sleep 0.2
  tail -n 1 "$WORK/line.log"
}

elapsed () { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }
