#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Keepsake twice -- once normally, once under AddressSanitizer and
# UndefinedBehaviorSanitizer -- and runs the whole test suite in both.
# Installs what it needs on Debian 12 first. Warnings are errors.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/deps.sh
. scripts/deps.sh

# shellcheck disable=SC2086
ks_install_packages $KS_BUILD_PACKAGES $KS_TEST_PACKAGES
ks_install_node
npm ci --prefix tests/js --no-audit --no-fund --loglevel=error

ks_meson_build build-asan --werror -Db_sanitize=address,undefined -Db_lundef=false \
  -Dc_args=-fno-sanitize-recover=all
meson test -C build-asan --print-errorlogs --num-processes 2

ks_meson_build build --werror
meson test -C build --print-errorlogs --num-processes 2
