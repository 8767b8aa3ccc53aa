#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Sync of N photos (hash, thumbnails, upload, commit, album) into the
# built-in S3 store, against `rclone copy` of the same folder to the
# same endpoint (bytes only). Usage: bench/sync-vs-rclone.sh [BUILD] [N]
# With KS_BENCH_LINE="UP DOWN RTT" both go through a line of UP and DOWN
# Mbit/s and a round trip of RTT ms (bench/link.py) instead of straight
# to the server. KS_BENCH_SIZE=WxH sets the photos' size (default
# 2000x1500, ~1 MiB each; 4000x3000 is a 12 MP camera's, ~4 MiB).
BUILD=${1:-build}
N=${2:-200}
SIZE=${KS_BENCH_SIZE:-2000x1500}
. "$(dirname "$0")/sync-common.sh"

command -v rclone >/dev/null || { echo "rclone is not installed" >&2; exit 1; }
bench_start
bench_photos "$WORK/photos" "$N" "$SIZE"
bytes=$(du -sb "$WORK/photos" | cut -f1)

# The server's CPU time (user + system) in seconds, from /proc.
server_cpu () { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SERVER_PID/stat"; }

"$CLI" sync add "$WORK/photos" >/dev/null
bench_line_report >/dev/null
c0=$(server_cpu)
t0=$(now)
/usr/bin/time -f "sync cpu: %U user %S sys, %M KiB max RSS" env LD_PRELOAD="$STALLS" KS_BENCH_STALLS="$WORK/stalls" "$CLI" sync run --once >/dev/null
t1=$(now)
sync_s=$(elapsed "$t0" "$t1")
cat "$WORK/stalls"
echo "server cpu during the sync: $(echo "$(server_cpu) - $c0" | bc) s"
bench_line_report

creds=$("$SERVER" --data-dir "$WORK/data" credentials)
field () { echo "$creds" | sed -n "s/.*\"$1\" : \"\([^\"]*\)\".*/\1/p"; }
export RCLONE_CONFIG_KS_TYPE=s3 RCLONE_CONFIG_KS_PROVIDER=Other RCLONE_CONFIG_KS_ENV_AUTH=false \
  RCLONE_CONFIG_KS_ENDPOINT="$URL/s3" RCLONE_CONFIG_KS_REGION=us-east-1 \
  RCLONE_CONFIG_KS_FORCE_PATH_STYLE=true RCLONE_CONFIG_KS_ACCESS_KEY_ID="$(field access_key_id)" \
  RCLONE_CONFIG_KS_SECRET_ACCESS_KEY="$(field secret_access_key)"
c0=$(server_cpu)
t0=$(now)
env -u AWS_CA_BUNDLE -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy \
  /usr/bin/time -f "rclone cpu: %U user %S sys" rclone copy --config /dev/null "$WORK/photos" "ks:$(field bucket)/rclone-bench"
t1=$(now)
rclone_s=$(elapsed "$t0" "$t1")
echo "server cpu during rclone: $(echo "$(server_cpu) - $c0" | bc) s"
bench_line_report

mb=$(echo "$bytes / 1048576" | bc -l)
printf 'photos: %s of %s, %.1f MiB%s\n' "$N" "$SIZE" "$mb" "${KS_BENCH_LINE:+, line $KS_BENCH_LINE (up, down Mbit/s, RTT ms)}"
printf 'keepsake sync: %6.2f s  %6.1f MiB/s\n' "$sync_s" "$(echo "$mb / $sync_s" | bc -l)"
printf 'rclone copy:   %6.2f s  %6.1f MiB/s\n' "$rclone_s" "$(echo "$mb / $rclone_s" | bc -l)"
printf 'ratio (sync throughput / rclone throughput): %.2f\n' "$(echo "$rclone_s / $sync_s" | bc -l)"
