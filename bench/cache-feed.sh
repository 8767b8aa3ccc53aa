#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The shared-album cache on loopback, as a friend sees it:
#   bench/cache-feed.sh BUILD_DIR [PHOTOS] [IDLE_SECONDS]
# Starts keepsake-server on a fresh data dir, signs up alice (curl) and
# bob (keepsake-cli, file token store), shares an album with bob and runs
# `keepsake-cli watch` as bob. Then:
#  1. latency: PHOTOS times, alice adds a new photo to the album; the time
#     from her POST /v1/albums/{id}/photos to the photo's grid thumbnail
#     being in bob's cache directory (verified, renamed into place);
#  2. idle: IDLE_SECONDS with no change; CPU time (utime + stime) and
#     context switches of the watch process, and the requests it made.
set -eu

build=${1:?usage: bench/cache-feed.sh BUILD_DIR [PHOTOS] [IDLE_SECONDS]}
photos=${2:-20}
idle=${3:-60}
cli=$(cd "$build" && pwd)/src/cli/keepsake-cli
port=${KS_BENCH_PORT:-18398}
base=http://127.0.0.1:$port
data=$(mktemp -d)
password=Bench-Passw0rd-7

"$build/src/server/keepsake-server" --data-dir "$data/server" --listen "127.0.0.1:$port" \
  --auto-confirm >"$data/server.out" 2>"$data/server.log" &
server=$!
watch=
trap 'kill $watch $server 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT INT TERM
for _ in $(seq 50); do
  grep -q listening "$data/server.out" 2>/dev/null && break
  sleep 0.1
done

json_field () {
  sed -n "s/.*\"$1\" *: *\"\([^\"]*\)\".*/\1/p" | head -n 1
}

cognito () {
  curl -sf "$base/cognito" -H 'Content-Type: application/x-amz-json-1.1' \
    -H "X-Amz-Target: AWSCognitoIdentityProviderService.$1" -d "$2"
}

# bob: a keepsake-cli user with his own home.
export HOME="$data/bob" XDG_CONFIG_HOME="$data/bob/.config" XDG_CACHE_HOME="$data/bob/.cache" \
  XDG_DATA_HOME="$data/bob/.local/share" XDG_STATE_HOME="$data/bob/.local/state" GSETTINGS_BACKEND=memory
mkdir -p "$HOME"
"$cli" --token-store=file server add "$base" >/dev/null
echo "$password" | "$cli" signup bob --email bob@example.org --password-stdin >/dev/null
echo "$password" | "$cli" login bob --password-stdin >/dev/null
"$cli" shared >/dev/null # the server records bob

# alice: plain HTTP.
client=$(curl -sf "$base/.well-known/keepsake.json" | json_field client_id)
cognito SignUp "{\"ClientId\":\"$client\",\"Username\":\"alice\",\"Password\":\"$password\",\
\"UserAttributes\":[{\"Name\":\"email\",\"Value\":\"alice@example.org\"}]}" >/dev/null
TOKEN=$(cognito InitiateAuth "{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"$client\",\
\"AuthParameters\":{\"USERNAME\":\"alice\",\"PASSWORD\":\"$password\"}}" | json_field AccessToken)
album=$(curl -sf "$base/v1/albums" -H "Authorization: Bearer $TOKEN" -d '{"name":"Bench"}' | json_field id)
curl -sf "$base/v1/albums/$album/members" -H "Authorization: Bearer $TOKEN" \
  -d '{"username":"bob","role":"viewer"}' >/dev/null

"$cli" watch --json >"$data/watch.out" 2>"$data/watch.err" &
watch=$!
sleep 1

# 1. Latency: prepare, PUT and commit first (not timed), then the add.
BASE=$base TOKEN=$TOKEN ALBUM=$album CACHE="$XDG_CACHE_HOME/keepsake/default" N=$photos python3 - <<'EOF'
import base64, hashlib, json, os, statistics, time, urllib.request

base, token, album, cache = (os.environ[k] for k in ("BASE", "TOKEN", "ALBUM", "CACHE"))

def call(method, url, body=None, headers=None, auth=True):
    h = dict(headers or {})
    if auth:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=body, method=method, headers=h)
    with urllib.request.urlopen(req) as reply:
        data = reply.read()
    return json.loads(data) if data else None

def thumb(name, data):
    return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

times = []
for i in range(int(os.environ["N"])):
    original, grid, preview = os.urandom(50000), os.urandom(20000), os.urandom(100000)
    prepared = call("POST", base + "/v1/photos/prepare", json.dumps({
        "sha256": hashlib.sha256(original).hexdigest(), "size": len(original),
        "content_type": "image/jpeg", "file_name": "b%d.jpg" % i, "width": 4000, "height": 3000,
        "thumbnails": [thumb("grid", grid), thumb("preview", preview)]}).encode())
    blobs = {"original": original, "grid": grid, "preview": preview}
    for upload in prepared["uploads"]:
        call("PUT", upload["url"], blobs[upload["target"]], upload["headers"], auth=False)
    photo = prepared["photo_id"]
    call("POST", base + "/v1/photos/%s/commit" % photo, b"{}")
    path = os.path.join(cache, "files", photo[:2], photo + ".grid")
    start = time.monotonic()
    call("POST", base + "/v1/albums/%s/photos" % album, json.dumps({"photo_ids": [photo]}).encode())
    while not os.path.exists(path):
        if time.monotonic() - start > 30:
            raise SystemExit("no thumbnail after 30 s")
        time.sleep(0.0005)
    times.append((time.monotonic() - start) * 1000)
    time.sleep(0.2)

times.sort()
print("Friend's add -> grid thumbnail in the cache, %d photos: median %.1f ms, p90 %.1f ms, max %.1f ms"
      % (len(times), statistics.median(times), times[int(len(times) * 0.9) - 1], times[-1]))
EOF

# 2. Idle: nothing changes for $idle seconds.
sleep 5
hz=$(getconf CLK_TCK)
cpu () { awk '{print $14 + $15}' /proc/$watch/stat; }
ctx () { awk '/^voluntary_ctxt_switches/ {v = $2} /^nonvoluntary_ctxt_switches/ {n = $2} END {print v + n}' /proc/$watch/status; }
requests () { grep -c 'GET /v1/changes' "$data/server.log" || true; }
cpu0=$(cpu); ctx0=$(ctx); req0=$(requests)
sleep "$idle"
cpu1=$(cpu); ctx1=$(ctx); req1=$(requests)
echo "Idle ${idle} s: CPU $(( (cpu1 - cpu0) * 1000 / hz )) ms, $((ctx1 - ctx0)) context switches, $((req1 - req0)) change-feed requests"
echo "Notifications printed: $(wc -l <"$data/watch.out")"
