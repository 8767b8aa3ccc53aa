#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Time from a photo landing in a watched folder (written elsewhere, then
# moved in, as a camera import or a browser download ends) to the engine
# reporting it committed on the server and in its album. `sync run`
# keeps watching; the default settle interval (1 s) applies.
# Usage: bench/sync-latency.sh [BUILD] [ROUNDS]
BUILD=${1:-build}
ROUNDS=${2:-10}
. "$(dirname "$0")/sync-common.sh"

bench_start
mkdir -p "$WORK/watched"
bench_photos "$WORK/staging" "$ROUNDS" 4000x3000
"$CLI" sync add "$WORK/watched" >/dev/null
stdbuf -oL "$CLI" sync run >"$WORK/run.out" 2>&1 &
RUN_PID=$!
sleep 2

total=0
for f in "$WORK"/staging/*.jpg; do
  name=$(basename "$f")
  t0=$(now)
  mv "$f" "$WORK/watched/$name"
  while ! grep -q "Uploaded: $WORK/watched/$name" "$WORK/run.out"; do sleep 0.01; done
  t1=$(now)
  s=$(elapsed "$t0" "$t1")
  echo "$s" >>"$WORK/latencies"
  printf '%s: %s s\n' "$name" "$s"
done
kill -TERM "$RUN_PID"
wait "$RUN_PID" || true
sort -n "$WORK/latencies" | awk '{ a[NR] = $1 } END { printf "median %.3f s, max %.3f s (%d photos of 4000x3000)\n", a[int((NR + 1) / 2)], a[NR], NR }'
