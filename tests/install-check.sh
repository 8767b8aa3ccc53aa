#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `meson install` installs a working app. First the plan (meson introspect
# --installed): every binary and data file goes where the desktop looks
# for it. Then a real `meson install --destdir` into a temp dir: the
# schema compiles there, the D-Bus service starts the installed binary,
# the resources are in it, and the installed programs run.
#
# install-check.sh MESON PYTHON BUILD_ROOT PREFIX BINDIR DATADIR APP_ID SCHEMA_ID VERSION
# (TAP output)
set -eu

meson=$1 python=$2 build=$3 prefix=$4 bindir=$5 datadir=$6 app_id=$7 schema_id=$8 version=$9

case $bindir in /*) ;; *) bindir=$prefix/$bindir ;; esac
case $datadir in /*) ;; *) datadir=$prefix/$datadir ;; esac

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...
  what=$1
  shift
  if "$@" >"$tmp/out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/# /' "$tmp/out"; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-install-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
dest=$tmp/dest

# --- The plan

"$meson" introspect --installed "$build" >"$tmp/installed.json"
"$python" -c 'import json, sys
for path in json.load(open(sys.argv[1])).values():
    print(path)' "$tmp/installed.json" | sort >"$tmp/planned"
sed 's/^/# planned: /' "$tmp/planned"

cat >"$tmp/expected" <<EOF
$bindir/keepsake
$bindir/keepsake-server
$bindir/keepsake-cli
$datadir/applications/$app_id.desktop
$datadir/metainfo/$app_id.metainfo.xml
$datadir/glib-2.0/schemas/$schema_id.gschema.xml
$datadir/dbus-1/services/$app_id.service
$datadir/icons/hicolor/scalable/apps/$app_id.svg
$datadir/icons/hicolor/symbolic/apps/$app_id-symbolic.svg
EOF
while read -r path; do
  check "planned: $path" grep -qxF "$path" "$tmp/planned"
done <"$tmp/expected"

# --- A real install

check "meson install --destdir" "$meson" install -C "$build" --no-rebuild --destdir "$dest"
while read -r path; do
  check "installed: $path" test -f "$dest$path"
done <"$tmp/planned"

# The schema compiles where it is installed and says what the app reads.
schemas=$dest$datadir/glib-2.0/schemas
check "glib-compile-schemas --strict on the installed schemas" \
  glib-compile-schemas --strict "$schemas"
check "the compiled schema has $schema_id" \
  env GSETTINGS_SCHEMA_DIR="$schemas" gsettings list-keys "$schema_id"

# D-Bus activation and the desktop file start the installed binary.
service=$dest$datadir/dbus-1/services/$app_id.service
check "the D-Bus service is named $app_id" grep -qxF "Name=$app_id" "$service"
check "the D-Bus service starts $bindir/keepsake" \
  grep -qxF "Exec=$bindir/keepsake --gapplication-service" "$service"
check "the service's binary is installed and executable" test -x "$dest$bindir/keepsake"
desktop=$dest$datadir/applications/$app_id.desktop
check "the desktop file is D-Bus activatable" grep -qxF "DBusActivatable=true" "$desktop"
icon=$(sed -n 's/^Icon=//p' "$desktop")
check "the desktop file's icon ($icon) is installed" \
  test -f "$dest$datadir/icons/hicolor/scalable/apps/$icon.svg"
if command -v desktop-file-validate >/dev/null; then
  check "the installed desktop file validates" desktop-file-validate "$desktop"
fi

# The UI is compiled into the binary.
check "the installed keepsake carries its resources" \
  sh -c 'gresource list "$1" | grep -qxF /io/github/keepsake/Keepsake/ui/ks-window.ui' \
  sh "$dest$bindir/keepsake"

# The installed programs run.
check "keepsake --version" sh -c '"$1" --version | grep -qxF "keepsake $2"' sh "$dest$bindir/keepsake" "$version"
check "keepsake-cli --version" \
  sh -c '"$1" --version | grep -qxF "keepsake-cli $2"' sh "$dest$bindir/keepsake-cli" "$version"
check "keepsake-server --version" \
  sh -c '"$1" --version | grep -qxF "keepsake-server $2"' sh "$dest$bindir/keepsake-server" "$version"
check "keepsake-server --help" sh -c '"$1" --help | grep -q -e --listen' sh "$dest$bindir/keepsake-server"

# And the app itself starts from there: its window up for a few seconds
# (on a display, a session bus, the installed schema, a fresh HOME)
# without a critical warning. `timeout` ending it is the success.
if command -v xvfb-run >/dev/null && command -v dbus-run-session >/dev/null; then
  mkdir -p "$tmp/home"
  status=0
  env -u DISPLAY -u WAYLAND_DISPLAY HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" \
    XDG_DATA_HOME="$tmp/home/.local/share" XDG_CACHE_HOME="$tmp/home/.cache" \
    XDG_DATA_DIRS="$dest$datadir:/usr/local/share:/usr/share" GSETTINGS_SCHEMA_DIR="$schemas" \
    GSETTINGS_BACKEND=memory GTK_A11Y=none GSK_RENDERER=cairo G_DEBUG=fatal-criticals \
    xvfb-run -a -s "-screen 0 1024x768x24" dbus-run-session -- \
    timeout -s TERM 6 "$dest$bindir/keepsake" >"$tmp/app.log" 2>&1 || status=$?
  if [ "$status" -eq 124 ]; then
    ok "the installed app runs"
  else
    not_ok "the installed app runs (exit status $status)"
    sed 's/^/# /' "$tmp/app.log"
  fi
else
  not_ok "the installed app runs: xvfb-run and dbus-run-session are needed"
fi

echo "1..$n"
exit "$failed"
