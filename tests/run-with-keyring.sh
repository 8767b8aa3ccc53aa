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

exec dbus-run-session -- sh -c '
  printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' keyring-test "$@"
