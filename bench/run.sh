#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Benchmarks the API of a keepsake-server with wrk, on 127.0.0.1 only:
#   bench/run.sh BUILD_DIR [DURATION]
# Starts the server on a fresh data dir, signs a user up and in with the
# built-in IdP (USER_PASSWORD_AUTH), uploads one photo, then runs
# bench/prepare.lua and bench/get-photo.lua with wrk -t2 -c32.
set -eu

build=${1:?usage: bench/run.sh BUILD_DIR [DURATION]}
duration=${2:-10s}
bench=$(cd "$(dirname "$0")" && pwd)
port=${KS_BENCH_PORT:-18399}
base=http://127.0.0.1:$port
data=$(mktemp -d)
log=$data/server.log

command -v wrk >/dev/null || { echo "wrk is not installed (apt install wrk)" >&2; exit 1; }

# The access log is one line per request: send it to a file, not a tty.
"$build/src/server/keepsake-server" --data-dir "$data/server" --listen "127.0.0.1:$port" \
  --auto-confirm >"$data/server.out" 2>"$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT INT TERM
for _ in $(seq 50); do
  grep -q listening "$data/server.out" 2>/dev/null && break
  sleep 0.1
done

json_field () {
  sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}

cognito () {
  curl -sf "$base/cognito" -H 'Content-Type: application/x-amz-json-1.1' \
    -H "X-Amz-Target: AWSCognitoIdentityProviderService.$1" -d "$2"
}

client=$(curl -sf "$base/.well-known/keepsake.json" | json_field client_id)
cognito SignUp "{\"ClientId\":\"$client\",\"Username\":\"bench\",\"Password\":\"Bench-Passw0rd\",\
\"UserAttributes\":[{\"Name\":\"email\",\"Value\":\"bench@example.org\"}]}" >/dev/null
TOKEN=$(cognito InitiateAuth "{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"$client\",\
\"AuthParameters\":{\"USERNAME\":\"bench\",\"PASSWORD\":\"Bench-Passw0rd\"}}" | json_field AccessToken)
export TOKEN

# One photo to read back: prepare, PUT, commit.
head -c 4096 /dev/urandom >"$data/photo.jpg"
sha=$(sha256sum "$data/photo.jpg" | cut -d' ' -f1)
checksum=$(openssl dgst -sha256 -binary "$data/photo.jpg" | base64)
prepared=$(curl -sf "$base/v1/photos/prepare" -H "Authorization: Bearer $TOKEN" \
  -d "{\"sha256\":\"$sha\",\"size\":4096,\"content_type\":\"image/jpeg\",\"file_name\":\"b.jpg\",\"width\":1,\"height\":1}")
PHOTO=$(echo "$prepared" | json_field photo_id)
url=$(echo "$prepared" | json_field url)
curl -sf -X PUT --data-binary @"$data/photo.jpg" -H "x-amz-checksum-sha256: $checksum" "$url" >/dev/null
curl -sf -X POST "$base/v1/photos/$PHOTO/commit" -H "Authorization: Bearer $TOKEN" >/dev/null
export PHOTO

# CPU time of the server (all threads, and the main loop's) in clock
# ticks: on a machine shared with other work, CPU per request compares
# builds better than requests per second.
ticks () {
  awk '{print $14 + $15}' "$1"
}

run () {
  name=$1
  script=$2
  before=$(ticks /proc/$server/stat)
  before_main=$(ticks /proc/$server/task/$server/stat)
  wrk -t2 -c32 -d"$duration" --latency -s "$bench/$script" "$base" | tee "$data/wrk.out"
  after=$(ticks /proc/$server/stat)
  after_main=$(ticks /proc/$server/task/$server/stat)
  awk -v all=$((after - before)) -v main=$((after_main - before_main)) -v hz="$(getconf CLK_TCK)" \
    '/^Requests\/sec:/ { n = $2 } /^ *[0-9]+ requests in/ { total = $1 }
     END { if (total > 0) printf "Server CPU: %.0f us/request (main thread %.0f us), %.2f cores\n",
             all * 1e6 / hz / total, main * 1e6 / hz / total, all / hz / (total / n) }' "$data/wrk.out"
  echo "Load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "== prepare (POST /v1/photos/prepare) =="
run prepare prepare.lua
echo "== get-photo (GET /v1/photos/{id}) =="
run get-photo get-photo.lua
