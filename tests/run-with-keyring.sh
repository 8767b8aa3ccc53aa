#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a test in its own session bus with a throwaway, unlocked
# gnome-keyring and a fresh HOME, so libsecret never talks to (or prompts
# on) the user's real keyring: run-with-keyring.sh TEST [ARGS...]
set -eu

home=$(mktemp -d "${TMPDIR:-/tmp}/ks-keyring-XXXXXX")
trap 'rm -rf "$home"' EXIT INT TERM

export HOME="$home"
export XDG_CONFIG_HOME="$home/.config"
export XDG_DATA_HOME="$home/.local/share"
export XDG_STATE_HOME="$home/.local/state"
export XDG_CACHE_HOME="$home/.cache"
export XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
mkdir -m 0700 "$XDG_RUNTIME_DIR"

# Inside the bus: start the daemon with its output away from the test's
# (a daemon holding the test's stderr keeps the harness waiting), wait
# until it owns org.freedesktop.secrets, run the test, stop the daemon.
dbus-run-session -- sh -c '
  printf pw | gnome-keyring-daemon --unlock --components=secrets \
    >"$HOME/keyring.log" 2>&1
  i=0
  until gdbus call --session --dest org.freedesktop.DBus \
      --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets \
      2>/dev/null | grep -q true; do
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then
      echo "run-with-keyring: gnome-keyring did not start:" >&2
      cat "$HOME/keyring.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  pid=$(gdbus call --session --dest org.freedesktop.DBus \
      --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.GetConnectionUnixProcessID \
      org.freedesktop.secrets | tr -dc 0-9)
  status=0
  "$@" || status=$?
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  exit "$status"' keyring-test "$@"
