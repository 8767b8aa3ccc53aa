#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Keepsake and runs the desktop app. On first run choose "This
# computer": the app starts its own keepsake-server from the build tree,
# with its data under $XDG_DATA_HOME/keepsake/server, and stops it on
# quit. Installs what it needs on Debian 12 first.
#
# KEEPSAKE_SERVER=/path/to/keepsake-server runs another server binary.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/deps.sh
. scripts/deps.sh

# shellcheck disable=SC2086
ks_install_packages $KS_BUILD_PACKAGES
ks_meson_build build -Dapp=enabled

exec build/src/app/keepsake "$@"
