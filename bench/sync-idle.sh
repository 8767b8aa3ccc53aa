#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A running `sync run` with nothing to do: CPU time and context switches
# (wakeups) of all its threads over 60 s, after it synced a folder of N
# photos. Usage: bench/sync-idle.sh [BUILD] [N] [SECONDS]
BUILD=${1:-build}
N=${2:-500}
SECONDS_IDLE=${3:-60}
. "$(dirname "$0")/sync-common.sh"

bench_start
bench_photos "$WORK/photos" "$N" 800x600
"$CLI" sync add "$WORK/photos" >/dev/null
"$CLI" sync run --once >/dev/null
"$CLI" sync run >/dev/null 2>&1 &
RUN_PID=$!
sleep 5   # start-up rescan of the N files

ticks () { awk '{ print $14 + $15 }' "/proc/$RUN_PID/stat"; }
# Per thread, so that a pool thread exiting does not count as negative.
switches () {
  for t in /proc/"$RUN_PID"/task/*; do
    awk -v t="${t##*/}" '/ctxt_switches/ { n += $2 } END { print t, n }' "$t/status" 2>/dev/null
  done | sort
}
c0=$(ticks)
switches >"$WORK/s0"
sleep "$SECONDS_IDLE"
c1=$(ticks)
switches >"$WORK/s1"
s0=0
s1=$(join "$WORK/s0" "$WORK/s1" | awk '{ n += $3 - $2 } END { print n + 0 }')
threads=$(ls /proc/"$RUN_PID"/task | wc -l)
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$RUN_PID/status")
kill -TERM "$RUN_PID"
wait "$RUN_PID" || true

hz=$(getconf CLK_TCK)
printf 'idle %s s, %s photos watched, %s threads, RSS %s MiB\n' "$SECONDS_IDLE" "$N" "$threads" "$((rss / 1024))"
printf 'CPU: %s ticks (%.3f %% of one core)\n' "$((c1 - c0))" "$(echo "($c1 - $c0) * 100 / $hz / $SECONDS_IDLE" | bc -l)"
printf 'context switches (wakeups): %s, %.2f/s\n' "$((s1 - s0))" "$(echo "($s1 - $s0) / $SECONDS_IDLE" | bc -l)"
