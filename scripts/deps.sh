# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by run-app.sh and run-tests.sh: installs the Debian 12 packages a
# step needs, and nothing when they are all there already.

KS_BUILD_PACKAGES="meson ninja-build pkg-config gcc libc6-dev
  libglib2.0-dev libglib2.0-dev-bin libssl-dev libsqlite3-dev
  libjson-glib-dev libsoup-3.0-dev libgtk-4-dev libadwaita-1-dev
  libsecret-1-dev gettext desktop-file-utils appstream-util appstream"

KS_TEST_PACKAGES="libasan8 libubsan1 xvfb xauth dbus dbus-x11 libglib2.0-bin
  gnome-keyring imagemagick clang-format rclone ca-certificates"

ks_as_root () {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "keepsake: need root (or sudo) to run: $*" >&2
    return 1
  fi
}

# ks_install_packages PKG... : apt-get installs the ones not yet installed.
ks_install_packages () {
  local missing=""
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
      missing="$missing $pkg"
    fi
  done
  if [ -n "$missing" ]; then
    echo "keepsake: installing Debian packages:$missing"
    ks_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086
    ks_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
  fi
}

# Node.js runs the third-party AWS SDK peers in the tests. A Node.js that
# is already installed (with its npm) is used as it is.
ks_install_node () {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    return 0
  fi
  ks_install_packages nodejs npm
}

# ks_meson_build DIR [meson options...] : configure once, then build.
ks_meson_build () {
  local dir="$1"
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@"
  fi
  ninja -C "$dir"
}
