#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# keepsake-server's start on a large data dir (results: docs/performance.md).
#   bench/server-start.sh [BUILD_DIR] [DATA_DIR]
# BUILD_DIR (default build-release) holds keepsake-server; DATA_DIR
# (default /tmp/ks-bench-library-100000/server, seeded by
# bench/app-library.sh) a server data dir with the "bench" user of
# ks-bench-seed. Each run starts the server and times, from the exec: the
# "listening" line; signed in (USER_PASSWORD_AUTH); the first page of
# the library (100 photos); its 100 grid thumbnails, 8 at a time; and
# the store's index complete (ListObjects waits for it; the server's own
# figure, or the listening time for a server that indexes before it).
# $KS_BENCH_RUNS (5) runs after a clean stop (SIGTERM), then as many after
# a crash (SIGKILL); KS_BENCH_COLD=1 empties the page cache before each
# run (root only).
set -eu

build=${1:-build-release}
data=${2:-/tmp/ks-bench-library-100000/server}
runs=${KS_BENCH_RUNS:-5}
port=${KS_BENCH_PORT:-18396}
server="$build/src/server/keepsake-server"
url="http://127.0.0.1:$port"
work=$(mktemp -d /tmp/ks-server-start-XXXXXX)
pid=

[ -x "$server" ] || { echo "missing $server: build first" >&2; exit 1; }
[ -f "$data/keepsake.db" ] || { echo "$data is not a seeded data dir (bench/app-library.sh)" >&2; exit 1; }
if [ "${KS_BENCH_COLD:-0}" = 1 ] && [ "$(id -u)" != 0 ]; then
  echo "KS_BENCH_COLD=1 needs root (drop_caches)" >&2
  exit 1
fi

cleanup () {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

now () { date +%s.%N; }
since () { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

wait_for () {
  for _ in $(seq 30000); do
    grep -q "$1" "$work/out" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "keepsake-server exited: $(cat "$work/err")" >&2; exit 1; }
    sleep 0.01
  done
  echo "no \"$1\" from keepsake-server in 5 minutes" >&2
  exit 1
}

cognito () {
  curl -sf "$url/cognito" -H 'Content-Type: application/x-amz-json-1.1' \
    -H "X-Amz-Target: AWSCognitoIdentityProviderService.$1" -d "$2"
}

# One start; $1 is how the previous run ended.
run () {
  [ "${KS_BENCH_COLD:-0}" = 1 ] && { sync; echo 3 >/proc/sys/vm/drop_caches; }
  start=$(now)
  G_MESSAGES_DEBUG=ks-server "$server" --data-dir "$data" --listen "127.0.0.1:$port" \
    >"$work/out" 2>"$work/err" &
  pid=$!
  wait_for listening
  listening=$(since "$start")

  client=$(curl -sf "$url/.well-known/keepsake.json" | sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p')
  token=$(cognito InitiateAuth "{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"$client\",
    \"AuthParameters\":{\"USERNAME\":\"bench\",\"PASSWORD\":\"Bench-Passw0rd!x\"}}" |
    sed -n 's/.*"AccessToken":"\([^"]*\)".*/\1/p')
  signed_in=$(since "$start")
  curl -sf -H "Authorization: Bearer $token" "$url/v1/photos?limit=100" >"$work/page.json"
  page=$(since "$start")
  python3 -c 'import json, sys
for photo in json.load(open(sys.argv[1]))["photos"]:
    print(photo["urls"]["grid"])' "$work/page.json" >"$work/urls"
  xargs -P 8 -n 1 curl -sf -o /dev/null <"$work/urls"
  thumbs=$(since "$start")

  # Once the store is indexed; before listening if it says no time.
  wait_for "S3 store:"
  indexed=$(sed -n 's/.*indexed in \([0-9.]*\) s.*/\1/p' "$work/out")
  echo "after a $1 stop: listening $listening s, signed in $signed_in s, first page $page s," \
    "$(wc -l <"$work/urls") thumbnails $thumbs s, index complete ${indexed:-$listening} s"
}

stop () {
  kill "-$1" "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

echo "$server on $data ($(find "$data/objects" -type f | wc -l) files)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
# The first start after another binary, or a crash, may check more.
run warm-up >/dev/null
stop TERM
for _ in $(seq "$runs"); do
  run clean
  stop TERM
done
run clean >/dev/null
stop KILL
for _ in $(seq "$runs"); do
  run crash
  stop KILL
done
run crash >/dev/null
stop TERM
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
