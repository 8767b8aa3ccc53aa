#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a C file under src/ or tests/ is not formatted per .clang-format.
set -eu
cd "${1:?source dir}"
find src tests bench -path '*/node_modules' -prune -o -name '*.[ch]' -print0 | xargs -0 clang-format --dry-run --Werror
