#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The sandbox as its user sees it: the shell is PID 1, ps shows only the sandbox, the host's /tmp is invisible, the
# home is writable and the rest read-only, no capability and no_new_privs, only fds 0-2, the exact clean
# environment, the policy's hostname, every mount nosuid (and nodev but for the device nodes), exit codes (137 after
# a SIGKILL: test-shell-signals.sh).
. "$(dirname "$0")/shell-common.sh"
sbx_shell_setup "$@"

touch /tmp/sbx-host-marker
sbx_at_exit "rm -f /tmp/sbx-host-marker"
echo "only on the host" >"$SBX_WS/rootfs/host-file" 2>/dev/null || true

out=$(sbx_shell_run -- -c 'echo $$')
sbx_assert_eq "echo \$\$ in the sandbox" 1 "$out"
sbx_shell_assert_clean

# (the loop, with builtins only, waits until the background child has exec'd sleep)
out=$(sbx_shell_run -- -c 'sleep 60 & until read c </proc/$!/comm && [ "$c" = sleep ]; do :; done
    ps -o pid,user,args >/tmp/ps; cat /tmp/ps')
sbx_assert_eq "ps lists only the sandbox's processes (the shell, sleep, ps)" "1 sbxshell
2 sbxshell
3 sbxshell" "$(printf '%s\n' "$out" | awk 'NR > 1 { print $1, $2 }')"
sbx_assert_match "ps shows the background job" '^ +2 sbxshell sleep 60$' "$out"
sbx_shell_assert_clean "after a background job was left running"

out=$(sbx_shell_run -- -c 'ls -A /tmp; ls /tmp/sbx-host-marker 2>&1')
sbx_assert_match "the host's /tmp is not visible" '^ls: /tmp/sbx-host-marker: No such file or directory$' "$out"

out=$(sbx_shell_run -- -c 'pwd; echo written >~/in-home && cat ~/in-home; touch /tmp/t && echo tmp-ok')
sbx_assert_eq "the shell starts in its home, which is writable, and so is /tmp" "/home/sbxshell
written
tmp-ok" "$out"
sbx_assert_eq "the home file is the host's home" written "$(cat /home/sbxshell/in-home)"
[ ! -e "$SBX_WS/tmp/t" ] && [ ! -e /tmp/t ] || sbx_fail "the sandbox's /tmp is not private"

# /var/tmp: the rootfs's is root's 0755 (no directory of a rootfs is writable by others on the host side), the
# sandbox gets a private tmpfs there; a rootfs without /var/tmp still works.
sbx_assert_eq "the rootfs's /var/tmp is root's and not writable by others" "0:0 755" \
    "$(stat -c '%u:%g %a' "$SBX_WS/rootfs/var/tmp")"
out=$(sbx_shell_run -- -c 'touch /var/tmp/v && echo var-tmp-ok; stat -f -c %T /var/tmp; stat -c %a /var/tmp')
sbx_assert_eq "/var/tmp in the sandbox is a writable tmpfs of its own, 1777" "var-tmp-ok
tmpfs
1777" "$out"
[ ! -e "$SBX_WS/rootfs/var/tmp/v" ] || sbx_fail "the sandbox's /var/tmp is the rootfs's"
echo "ok - nothing written in the sandbox's /var/tmp reaches the rootfs"
rmdir "$SBX_WS/rootfs/var/tmp"
sbx_assert_eq "a rootfs without /var/tmp: the login works, with no /var/tmp" "1 no-var-tmp" \
    "$(sbx_shell_run -- -c 'echo $$ $(ls -d /var/tmp 2>/dev/null || echo no-var-tmp)')"
mkdir -m 0755 "$SBX_WS/rootfs/var/tmp"

out=$(sbx_shell_run -- -c 'for f in /x /bin/x /etc/x /dev/x /home/x; do touch $f 2>&1; done; rm /bin/busybox 2>&1')
sbx_assert_eq "the rootfs, /dev and the home's parent are read-only" "touch: /x: Read-only file system
touch: /bin/x: Read-only file system
touch: /etc/x: Read-only file system
touch: /dev/x: Read-only file system
touch: /home/x: Read-only file system
rm: can't remove '/bin/busybox': Read-only file system" "$out"
[ ! -e "$SBX_WS/rootfs/x" ] || sbx_fail "a file appeared in the rootfs"

out=$(sbx_shell_run -- -c 'grep -E "^(Cap|NoNewPrivs)" /proc/$$/status')
sbx_assert_eq "no capability in any set, no_new_privs" "CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
CapAmb:	0000000000000000
NoNewPrivs:	1" "$out"

# fd 9 is open in the caller: it must not reach the sandbox. Listed for a child the shell forked first, which holds
# what the shell held at its exec (the shell's own list would show the pipes of the listing command line).
out=$(sbx_shell_run -- -c 'sleep 30 & until read c </proc/$!/comm && [ "$c" = sleep ]; do :; done
    ls /proc/$!/fd >/tmp/fds; kill $!; tr "\n" " " </tmp/fds' 9</etc/passwd)
sbx_assert_eq "only fds 0-2 are open in the shell" "0 1 2 " "$out"

# SSH_CONNECTION (addresses and ports) passes; one carrying anything else is dropped like LD_LIBRARY_PATH.
SBX_CALLER_ENV=(LC_MESSAGES=C LD_LIBRARY_PATH=/nonexistent BASH_ENV=/x SSH_CONNECTION="127.0.0.1 50000 127.0.0.1 22"
    "SSH_CLIENT=\$(touch /tmp/x)" HOME=/root "LANGUAGE=../../x")
out=$(sbx_shell_run -- -c 'tr "\0" "\n" </proc/$$/environ | sort')
sbx_assert_eq "the environment is exactly the clean set" "FROM_POLICY=yes
HOME=/home/sbxshell
LANG=C.UTF-8
LC_MESSAGES=C
LOGNAME=sbxshell
PATH=/usr/local/bin:/usr/bin:/bin
SHELL=/bin/sh
SSH_CONNECTION=127.0.0.1 50000 127.0.0.1 22
TERM=xterm
USER=sbxshell" "$out"
SBX_CALLER_ENV=("TERM=xterm;touch /tmp/x")
out=$(sbx_shell_run -- -c 'echo "TERM=${TERM-unset}"')
sbx_assert_eq "a TERM that is not a terminal name is dropped" "TERM=unset" "$out"
SBX_CALLER_ENV=()

sbx_assert_eq "the hostname is the policy's" box-sbxshell "$(sbx_shell_run -- -c hostname)"
sbx_assert_eq "the host's hostname is unchanged" "$(cat /proc/sys/kernel/hostname)" "$(hostname)"

out=$(sbx_shell_run -- -c 'cat /proc/mounts')
sbx_assert_eq "every mount is nosuid" "" "$(printf '%s\n' "$out" | awk '$4 !~ /(^|,)nosuid(,|$)/')"
sbx_assert_eq "every mount but the device nodes and devpts is nodev" \
    "$(printf '/dev/%s\n' null zero full random urandom tty pts)" \
    "$(printf '%s\n' "$out" | awk '$4 !~ /(^|,)nodev(,|$)/ { print $2 }' | grep -vx /dev/console)"
sbx_assert_match "the rootfs is mounted read-only" '^[^ ]+ / [^ ]+ ro,' "$out"
sbx_assert_match "/proc is a proc of its own" '^[^ ]+ /proc proc ' "$out"
sbx_assert_match "/dev/pts is a devpts instance" '^[^ ]+ /dev/pts devpts .*ptmxmode=666' "$out"
sbx_assert_match "/tmp is a tmpfs with the default size" '^[^ ]+ /tmp tmpfs rw,.*size=65536k' "$out"

out=$(sbx_shell_run -- -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c')
sbx_assert_eq "the device nodes work" "4
4" "$out"

sbx_shell_run -- -c 'exit 0'
sbx_assert_eq "exit status 0 propagates" 0 "$?"
sbx_shell_run -- -c 'exit 7'
sbx_assert_eq "exit status 7 propagates" 7 "$?"

out=$(sbx_shell_run --argv0 -sandbox-shell -- <<<'echo "login:$0:$$"' 2>&1)
sbx_assert_eq "a login (argv[0] '-...') runs the shell as a login shell" "login:-sh:1" "$out"

sbx_shell_assert_clean "at the end"
