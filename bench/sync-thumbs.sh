#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Thumbnails a second: the sync engine's local work on N photos (one
# read: SHA-256, a decode at scale, the 1280 px preview and the 256 px
# grid thumbnail as JPEG; bench/ks-bench-thumbs) against vipsthumbnail
# making the same two sizes (the grid from the preview, as we do), both
# one photo per core. vipsthumbnail (Debian: libvips-tools) is installed
# with apt-get when missing. No server is needed.
# Usage: bench/sync-thumbs.sh [BUILD] [N] [SIZE]   (defaults: build 100 2000x1500)
BUILD=${1:-build}
N=${2:-100}
SIZE=${3:-2000x1500}
. "$(dirname "$0")/sync-common.sh"

THUMBS="$BUILD/bench/ks-bench-thumbs"
[ -x "$THUMBS" ] || { echo "missing $THUMBS: build first" >&2; exit 1; }
if ! command -v vipsthumbnail >/dev/null; then
  echo "installing libvips-tools for vipsthumbnail" >&2
  apt-get install -y -q libvips-tools >&2 || { echo "cannot install libvips-tools" >&2; exit 1; }
fi
JOBS=$(nproc)

bench_photos "$WORK/photos" "$N" "$SIZE"
# Read once so that both start from the page cache.
cat "$WORK"/photos/*.jpg >/dev/null

printf 'photos: %s of %s, %s threads; load average %s\n' "$N" "$SIZE" "$JOBS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'keepsake (SHA-256 + preview + grid): '
"$THUMBS" --jobs "$JOBS" "$WORK"/photos/*.jpg

mkdir -p "$WORK/vips"
t0=$(now)
/usr/bin/time -f '%U %S' -o "$WORK/vips-cpu" sh -c '
  cd "$1/photos" && ls | VIPS_CONCURRENCY=1 xargs -P "$2" -n 10 \
    vipsthumbnail --size 1280 -o "$1/vips/%s-preview.jpg[Q=85]"
  cd "$1/vips" && ls | VIPS_CONCURRENCY=1 xargs -P "$2" -n 10 \
    vipsthumbnail --size 256 -o "$1/vips/%s-grid.jpg[Q=85]"' vips "$WORK" "$JOBS"
t1=$(now)
vips_s=$(elapsed "$t0" "$t1")
read -r vips_user vips_sys <"$WORK/vips-cpu"
printf 'vipsthumbnail (preview + grid):      %.2f s: %.1f photos/s, %.1f ms CPU a photo\n' "$vips_s" \
  "$(echo "$N / $vips_s" | bc -l)" "$(echo "($vips_user + $vips_sys) * 1000 / $N" | bc -l)"
t0=$(now)
(cd "$WORK/photos" && ls | xargs -P "$JOBS" -n 10 sha256sum >/dev/null)
t1=$(now)
printf 'sha256sum alone (included in ours, not in vipsthumbnail): %s s\n' "$(elapsed "$t0" "$t1")"
