#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The desktop app with a large library: launch to first frame, memory,
# scroll frame times (results: docs/performance.md).
#   bench/app-library.sh [BUILD_DIR] [PHOTOS]
# BUILD_DIR (default build-release) is set up as a release build if it
# does not exist. PHOTOS (default 100000) are seeded once by
# bench/ks-bench-seed into $KS_BENCH_LIBRARY (default
# /tmp/ks-bench-library-PHOTOS) and reused by later runs. Then, for each
# renderer in $KS_BENCH_RENDERERS (default "gl cairo"), a keepsake-server
# on that data dir and bench/ks-bench-app under Xvfb, a session bus and a
# throwaway keyring with a fresh HOME: sign in by URL, quit, then
# $KS_BENCH_LAUNCHES (3) launches and a scroll through the library and
# back at $KS_BENCH_SPEED (10000) px/s. KS_BENCH_COLD=1 empties the
# thumbnail cache before each launch; KS_BENCH_SCROLL=0 skips scrolling.
set -eu

build=${1:-build-release}
photos=${2:-100000}
library=${KS_BENCH_LIBRARY:-/tmp/ks-bench-library-$photos}
port=${KS_BENCH_PORT:-18397}
renderers=${KS_BENCH_RENDERERS:-gl cairo}
src=$(cd "$(dirname "$0")/.." && pwd)

for tool in xvfb-run dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (scripts/deps.sh)" >&2; exit 1; }
done

[ -d "$build" ] || meson setup --buildtype=release "$build" "$src"
python3 -c 'import json, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
sys.exit(o["buildtype"] != "release")' "$build/meson-info/intro-buildoptions.json" ||
  echo "warning: $build is not a release build" >&2
ninja -C "$build" src/app/keepsake src/server/keepsake-server data/gschemas.compiled bench/ks-bench-seed \
  bench/ks-bench-app

server_pid=
stop_server () {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  server_pid=
}
trap stop_server EXIT INT TERM

# The store indexes its objects beside requests; the database is checked
# after an unclean stop: seconds at most (bench/server-start.sh).
start_server () {
  start=$(date +%s.%N)
  "$build/src/server/keepsake-server" --data-dir "$library/server" --listen "127.0.0.1:$port" \
    --auto-confirm >"$library/server.out" 2>"$library/server.log" &
  server_pid=$!
  for _ in $(seq 3000); do
    if grep -q listening "$library/server.out" 2>/dev/null; then
      echo "keepsake-server up in $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f') s"
      return
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "keepsake-server did not start: $(cat "$library/server.log")" >&2
  exit 1
}

mkdir -p "$library"
if [ "$(cat "$library/seeded" 2>/dev/null)" != "$photos" ]; then
  echo "Seeding $photos photos into $library (once)"
  start_server
  start=$(date +%s)
  "$build/bench/ks-bench-seed" --url "http://127.0.0.1:$port" --count "$photos" --jobs 16
  echo "Seeded in $(($(date +%s) - start)) s; data dir $(du -sh "$library/server" | cut -f1)"
  echo "$photos" >"$library/seeded"
  stop_server
fi

start_server
for renderer in $renderers; do
  echo "== GSK_RENDERER=$renderer, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  args="--app $build/src/app/keepsake --url http://127.0.0.1:$port --launches ${KS_BENCH_LAUNCHES:-3}"
  args="$args --speed ${KS_BENCH_SPEED:-10000}"
  [ "${KS_BENCH_COLD:-0}" = 1 ] && args="$args --cold"
  [ "${KS_BENCH_SCROLL:-1}" = 0 ] && args="$args --no-scroll"
  # shellcheck disable=SC2086 # $args is words
  GSK_RENDERER=$renderer xvfb-run -a -s "-screen 0 1280x800x24" \
    "$src/tests/run-with-keyring.sh" "$build/bench/ks-bench-app" $args
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
