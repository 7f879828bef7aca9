#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The escape suite: every tests/escape/attacks/NN-name.sh runs as the sandboxed user inside a real sandbox, in a
# pam_sandbox session of its own (su through a PAM stack with pam_sandbox, as a login gets it, with the policy's cgroup
# limits), and must report that the attack failed ("held" as its last line, exit 0). The host side is then checked:
# the marker outside the rootfs is unchanged, the host processes the attacks aimed at are alive, the host listener saw
# no connection, the host name is the same, the fork bomb and the memory hog met the cgroup's limits (the close line's
# tasks-limit hits and OOM kills), and no process, mount or cgroup of the user is left.
escape_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$escape_dir/../integration/shell-common.sh"
. "$escape_dir/../lib/sshd.sh" # sbx_pam_service
sbx_shell_setup "$@"
sbx_syslog_start
[ -x "${SBX_PROBE:-}" ] || sbx_fail "SBX_PROBE (tests/lib/sbx-probe) is not set"
[ -x "${SBX_ESCAPE:-}" ] || sbx_fail "SBX_ESCAPE (tests/escape/sbx-escape) is not set"
root=$SBX_WS/rootfs
install -m 0755 -o 0 -g 0 "$SBX_PROBE" "$root/bin/sbx-probe"
install -m 0755 -o 0 -g 0 "$SBX_ESCAPE" "$root/bin/sbx-escape"
# Setuid-root copies: running them must not elevate.
install -m 4755 -o 0 -g 0 "$SBX_ESCAPE" "$root/bin/suid-escape"
mkdir -p "$root/suid"
install -m 4755 -o 0 -g 0 "$(command -v busybox)" "$root/suid/busybox"
mkdir -p "$root/escape"
install -m 0644 -o 0 -g 0 "$escape_dir"/attacks/*.sh "$root/escape/"

# The policy: the standard one, its cgroups in a tree of the test's own, with the limits the exhaustion attacks run
# into (no rlimit: the cgroup must stop them). su's PAM stack opens each session with pam_sandbox.
cg_top=sbx-$(basename "$0" .sh)
mapfile -t cg_tops < <(sbx_cgroup_dirs_below_self "$cg_top")
sbx_at_exit 'sbx_cleanup_cgroup_dirs "${cg_tops[@]}"'
sbx_write_conf "Sandbox no
CgroupRoot %c/$cg_top/sandbox-shell

Match User sbxshell
    Sandbox yes
    RootDirectory $root
    Shell /bin/sh
    Hostname box-%u
    Environment FROM_POLICY=yes
    TasksMax 64
    MemoryMax 256M
    MemorySwapMax 0${SBX_ESCAPE_INSTANCE:+
    Instance user}"
sbx_pam_service su
# With SBX_ESCAPE_INSTANCE (test-escape-instance.sh) every attack runs in a shell that joined the user's instance,
# not as PID 1; the mode is seen first, so that the suite cannot pass in the other.
if [ -n "${SBX_ESCAPE_INSTANCE:-}" ]; then
    out=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin su sbxshell -c 'echo PID=$$; cat /proc/1/comm' </dev/null 2>&1)
    sbx_assert_match "Instance user: the attacks' shell has joined the instance, it is not PID 1" '^PID=([2-9]|[1-9][0-9]+)$' "$out"
    sbx_assert_match "... whose PID 1 is the init" '^sandbox-init$' "$out"
    sbx_wait_for "! pgrep -u sbxshell >/dev/null" 100 || sbx_fail "the instance outlived its login (Linger 0)"
fi
SBX_MOUNTS_BEFORE=$(sbx_shell_mounts)

# The host side the attacks aim at.
marker=$SBX_WS/host-marker
echo "host marker $RANDOM$RANDOM" >"$marker"
chmod 0644 "$marker"
marker_before=$(cat "$marker")
sleep 1000 &
sleeper=$!
sbx_at_exit "kill $sleeper 2>/dev/null"
port=$(sbx_free_port) || sbx_fail "no free port"
busybox nc -l -p "$port" >"$SBX_WS/listener.out" 2>&1 &
listener=$!
sbx_at_exit "kill $listener 2>/dev/null"
hostname_before=$(hostname)
# What the kernel has, for the attacks that meet a different error where it lacks something. Whether it runs 32-bit
# programs: the probe's int 0x80 mount, as root outside the sandbox in a throwaway mount namespace, works or is
# killed by SIGSEGV.
ia32=$(unshare --mount --propagation private -- "$SBX_ESCAPE" int80-mount 2>&1)
case "$?:$ia32" in
"0:int80-mount: ok") ia32=yes ;;
139:*) ia32=no ;;
*) sbx_fail "cannot tell whether the kernel runs 32-bit programs: $ia32" ;;
esac
yes_if() { if [ -e "$1" ]; then echo yes; else echo no; fi; }
cat >"$root/escape/host.env" <<ENV
HOST_PID=$$
HOST_SLEEPER=$sleeper
HOST_MARKER=$marker
HOST_PORT=$port
HOST_UID=$(id -u sbxshell)
HOST_SYSRQ=$(yes_if /proc/sysrq-trigger)
HOST_MODPROBE=$(yes_if /proc/sys/kernel/modprobe)
HOST_IA32=$ia32
ENV
sed 's/^/# host.env: /' "$root/escape/host.env"

# close_lines: pam_sandbox's session-close lines for sbxshell in the syslog so far. field LINE NAME: NAME=... of one.
close_lines() { grep 'pam_sandbox(su:session): session closed: user=sbxshell ' "$SBX_SYSLOG"; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
n=0 failed=()
for f in "$escape_dir"/attacks/[0-9][0-9]-*.sh; do
    name=$(basename "$f" .sh)
    n=$((n + 1))
    closed=$(close_lines | wc -l)
    out=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=xterm LANG=C.UTF-8 su sbxshell -c "exec sh /escape/$name.sh" \
        </dev/null 2>&1)
    rc=$?
    sbx_wait_for "[ \$(close_lines | wc -l) -gt $closed ]" 20 || true
    line=$(close_lines | tail -n +$((closed + 1)))
    why=""
    if [ "$(printf '%s\n' "$line" | grep -c .)" != 1 ]; then
        why="not one pam_sandbox session: close lines '$line'"
    elif [ "$name" = 29-fork-bomb ] && ! [ "$(field "$line" tasks_max_hits)" -gt 0 ] 2>/dev/null; then
        why="the cgroup's task limit was not hit: $line"
    elif [ "$name" = 30-memory-hog ] && ! [ "$(field "$line" oom_kills)" -gt 0 ] 2>/dev/null; then
        why="the cgroup's OOM killer did not kill: $line"
    fi
    if [ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | tail -1)" = held ] && [ -z "$why" ]; then
        echo "ok - $name"
    else
        echo "not ok - $name (exit $rc): $out${why:+
# $why}"
        failed+=("$name")
    fi
    case $name in 29-fork-bomb | 30-memory-hog) echo "# $name: $line" ;; esac
    sbx_wait_for "! pgrep -u sbxshell >/dev/null" 100 || sbx_fail "$name: processes of sbxshell are left"
done
[ "$n" -ge 40 ] || sbx_fail "only $n attacks"

# The host is untouched.
sbx_assert_eq "the host marker is unchanged" "$marker_before" "$(cat "$marker")"
kill -0 "$sleeper" 2>/dev/null || sbx_fail "the host sleeper (PID $sleeper) was signalled"
kill -0 "$listener" 2>/dev/null || sbx_fail "the host listener got a connection and exited"
sbx_assert_eq "the host listener received nothing" "" "$(cat "$SBX_WS/listener.out")"
sbx_assert_eq "the host name is unchanged" "$hostname_before" "$(hostname)"
sbx_assert_eq "the rootfs has no new files" "" "$(find "$root" -newer "$root/escape/host.env" ! -type d)"
sbx_shell_assert_clean "after the escape suite"
# Every attack has its line in the README.
for f in "$escape_dir"/attacks/[0-9]*.sh; do
    f=$(basename "$f")
    grep -qF "$f" "$escape_dir/README.md" || sbx_fail "tests/escape/README.md does not name the attack $f"
done
echo "ok - tests/escape/README.md names every attack"
[ ${#failed[@]} = 0 ] || sbx_fail "${#failed[@]} of $n attacks did not fail as expected: ${failed[*]}"
echo "ok - $n attacks, all refused; the host is untouched"
