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
# The demo's cgroups (CgroupRoot below) go with it: the session removes its own, these are the directories above.
mapfile -t demo_cg_dirs < <(sbx_cgroup_dirs_below_self sandbox-shell-demo)
sbx_at_exit 'sbx_cleanup_cgroup_dirs "${demo_cg_dirs[@]}"'

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
    CgroupRoot %c/sandbox-shell-demo"
sbx_syslog_start
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
        echo "root directory: $(ls / | xargs)"; grep -E "^(Cap|NoNewPrivs)" /proc/self/status; cat ~/README;
        touch ~/.demo-running; while [ -e ~/.demo-running ]; do sleep 0.1; done' &
    client=$!
    sbx_wait_for "[ -e /home/$user/.demo-running ]" 100
    echo "limits in force, as the host sees the session's cgroups:"
    # The outer half of sandbox-shell (it lives as long as the session) is in the session's cgroups.
    pid=$(pgrep -u "$user" -o -x sandbox-shell)
    while IFS=: read -r _ hier path; do
        case "$hier" in
        pids) echo "  TasksMax  -> pids.max = $(cat "/sys/fs/cgroup/pids$path/../pids.max") (user), $(cat "/sys/fs/cgroup/pids$path/pids.current") task(s) now" ;;
        memory) echo "  MemoryMax -> memory.limit_in_bytes = $(cat "/sys/fs/cgroup/memory$path/../memory.limit_in_bytes") (user)" ;;
        "") [ -f "/sys/fs/cgroup$path/../pids.max" ] && echo "  TasksMax  -> pids.max = $(cat "/sys/fs/cgroup$path/../pids.max") (user)"
            [ -f "/sys/fs/cgroup$path/../memory.max" ] && echo "  MemoryMax -> memory.max = $(cat "/sys/fs/cgroup$path/../memory.max") (user)" ;;
        esac
    done < <(cat "/proc/$pid/cgroup")
    rm -f "/home/$user/.demo-running"
    wait "$client"
fi
sbx_wait_for "grep -q 'session closed: user=$user' '$SBX_SYSLOG'" 30 || true
echo
echo "Logged out. pam_sandbox logged:"
grep -o 'session closed: user=.*' "$SBX_SYSLOG" | sed 's/^/  /'
echo "Leftover processes of $user: $(pgrep -u "$user" | wc -l)"
