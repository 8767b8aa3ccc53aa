#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A folder of N files (default 100,000: small, not photos, so the first
# run only sniffs them): peak RSS of the first run, which scans and
# records them all, then the time of warm rescans with nothing changed
# (`sync run --once`: journal open, stat of every file, compare, exit).
# Usage: bench/sync-rescan.sh [BUILD] [N]
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

/usr/bin/time -f '%e %M' -o "$WORK/first" "$CLI" sync run --once >/dev/null
read -r first_s first_rss <"$WORK/first"
printf 'files: %s\n' "$(find "$WORK/files" -type f | wc -l)"
printf 'first run (scan + sniff every file): %s s, peak RSS %s MiB\n' "$first_s" "$((first_rss / 1024))"
for run in 1 2 3; do
  /usr/bin/time -f '%e %M' -o "$WORK/warm" "$CLI" sync run --once >/dev/null
  read -r warm_s warm_rss <"$WORK/warm"
  printf 'warm rescan %s: %s s, peak RSS %s MiB\n' "$run" "$warm_s" "$((warm_rss / 1024))"
done
