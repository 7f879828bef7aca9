#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: builds sandbox-shell, then logs in over SSH on 127.0.0.1 as a sandboxed user, on a small built-in rootfs
# (busybox). Everything happens in a private mount namespace with its own /etc, so the machine's files are untouched and
# nothing is left afterwards. Run as root on Debian 12. With a terminal you get an interactive shell (type exit to
# leave); without one, a few commands show what the sandboxed user sees.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "${SBX_IN_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it starts sshd and sets file capabilities)" >&2; exit 1; }
    . "$top/tools/deps.sh"
    sbx_install_deps
    cd "$top"
    [ -d build-demo ] || meson setup build-demo >/dev/null
    ninja -C build-demo >/dev/null
fi

. "$top/build-demo/tests/sbx-env.sh"
. "$top/tests/lib/harness.sh"
. "$top/tests/lib/sshd.sh"
sbx_enter_private_ns "$@"
set -e

user=demo
sbx_add_user "$user" 2999
sbx_add_group sandboxed 2900 "$user"
sbx_make_rootfs "$SBX_WS/rootfs"
sbx_rootfs_add_prog "$SBX_WS/rootfs" /usr/lib/openssh/sftp-server
sbx_write_conf "Sandbox no

Match Group sandboxed
    Sandbox yes
    RootDirectory $SBX_WS/rootfs
    Shell /bin/sh
    Hostname sandbox-%u
    Network none
    TasksMax 64
    MemoryMax 256M
    CgroupRoot %c/sandbox-shell"
cp "$top/etc/sshd_config.d/sandbox-shell.conf" "$SBX_WS/sshd-sandbox.conf"
sbx_sshd_start "Include $SBX_WS/sshd-sandbox.conf"
sbx_ssh_authorize "$user"
echo "hello from the host's side" >"/home/$user/README"
chown "$user:$user" "/home/$user/README"

cat <<MSG

sandbox-shell demo: sshd listens on 127.0.0.1:$SBX_SSH_PORT; user '$user' (group sandboxed) has the login shell
$SBX_SHELL. Policy: $(sed -n '/Match/,$p' /etc/sandbox-shell/sandbox-shell.conf | tr -s ' \n' ' ')

MSG
if [ -t 0 ] && [ -t 1 ]; then
    echo "Logging in: try  echo \$\$ ; ps ; hostname ; ls / ; cat /proc/self/status | grep Cap ; exit"
    sbx_ssh "$user" -t || true
else
    sbx_ssh "$user" 'echo "PID of my shell: $$"; echo "hostname: $(hostname)"; echo "processes I can see:"; ps;
        echo "root directory: $(ls /)"; grep -E "^(Cap|NoNewPrivs)" /proc/self/status; cat ~/README'
fi
echo
echo "Logged out. Leftover processes of $user: $(pgrep -u "$user" | wc -l)"
