#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A folder of N files (default 100,000: small, not photos, so the first
# run only sniffs them): peak RSS of the first run, which scans and
# records them all, then the time of warm rescans with nothing changed
# (`sync run --once`: journal open, stat of every file, compare, exit).
# Usage: bench/sync-rescan.sh [BUILD] [N]  (KS_BENCH_PERF=FILE: a profile too)
BUILD=${1:-build}
N=${2:-100000}
. "$(dirname "$0")/sync-common.sh"

bench_start
mkdir -p "$WORK/files"
i=0
while [ "$i" -lt "$N" ]; do
  d="$WORK/files/d$((i / 1000))"
  [ $((i % 1000)) -eq 0 ] && mkdir -p "$d"
  i=$((i + 1))
done
# One process per directory, not per file.
for d in "$WORK"/files/d*; do
  (cd "$d" && seq -f 'note-%06g.txt' 0 999 | xargs touch)
done
"$CLI" sync add --no-album "$WORK/files" >/dev/null

/usr/bin/time -f '%e %M' -o "$WORK/first" env LD_PRELOAD="$STALLS" KS_BENCH_STALLS="$WORK/stalls-first" "$CLI" sync run --once >/dev/null
read -r first_s first_rss <"$WORK/first"
printf 'files: %s\n' "$(find "$WORK/files" -type f | wc -l)"
printf 'first run (scan + sniff every file): %s s, peak RSS %s MiB\n' "$first_s" "$((first_rss / 1024))"
printf '  %s\n' "$(cat "$WORK/stalls-first")"
# CPU time beside the wall clock: on a shared machine it moves less.
for run in 1 2 3 4 5; do
  /usr/bin/time -f '%e %M %U %S' -o "$WORK/warm" env LD_PRELOAD="$STALLS" KS_BENCH_STALLS="$WORK/stalls-$run" "$CLI" sync run --once >/dev/null
  read -r warm_s warm_rss warm_user warm_sys <"$WORK/warm"
  printf 'warm rescan %s: %s s (CPU %s s user, %s s system), peak RSS %s MiB\n' \
    "$run" "$warm_s" "$warm_user" "$warm_sys" "$((warm_rss / 1024))"
  printf '  %s\n' "$(cat "$WORK/stalls-$run")"
done
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# KS_BENCH_PERF=FILE: one more warm rescan under perf; its report (by
# self time, call chains) goes to FILE.
if [ -n "${KS_BENCH_PERF:-}" ]; then
  perf record -q -F 1999 --call-graph dwarf -o "$WORK/perf.data" -- "$CLI" sync run --once >/dev/null 2>&1
  { echo '# inclusive'
    perf report -q --stdio --children -g none --sort comm,sym --percent-limit 3 -i "$WORK/perf.data"
    echo '# self'
    perf report -q --stdio --no-children -g none --sort comm,dso,sym --percent-limit 0.7 -i "$WORK/perf.data"
  } >"$KS_BENCH_PERF" 2>/dev/null
  printf 'perf report: %s\n' "$KS_BENCH_PERF"
fi
