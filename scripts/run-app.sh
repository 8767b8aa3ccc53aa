#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Keepsake and runs it against the embedded local server, with the
# server's data under $XDG_DATA_HOME/keepsake/server. Installs what it needs
# on Debian 12 first.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/deps.sh
. scripts/deps.sh

# shellcheck disable=SC2086
ks_install_packages $KS_BUILD_PACKAGES
ks_meson_build build

data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/keepsake/server"
exec build/src/server/keepsake-server --data-dir "$data_dir" --listen 127.0.0.1:0 --auto-confirm "$@"
