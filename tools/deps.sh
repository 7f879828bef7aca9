# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages sandbox-shell builds and tests with; sourced by tools/test.sh and tools/demo.sh.

SBX_BUILD_DEPS=(meson ninja-build pkg-config gcc clang libc6-dev libpam0g-dev libcap-dev libcap2-bin libbsd-dev
    libseccomp-dev libsystemd-dev libslirp-dev libglib2.0-dev
    clang-format)
SBX_TEST_DEPS=(libcmocka-dev libpam-wrapper libnss-wrapper busybox-static openssh-server openssh-client mandoc
    user-mode-linux kmod tmux procps util-linux iproute2 psmisc login debootstrap binutils systemd dbus libpam-systemd sudo
    rsync sshfs nftables prometheus debhelper dpkg-dev lintian)

# Installs whatever of the lists is missing (apt-get, as root). Without root it only says what is missing.
sbx_install_deps() {
    local missing=() p
    for p in "${SBX_BUILD_DEPS[@]}" "${SBX_TEST_DEPS[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages (install them as root): ${missing[*]}" >&2
        return 1
    fi
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
