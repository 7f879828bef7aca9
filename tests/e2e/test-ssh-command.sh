#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `ssh host cmd` as a sandboxed user: the command runs as PID 1 inside the rootfs, in the user's cgroup, with no
# capabilities; its exit code reaches the client; a login without a command reads stdin to its end; nothing is left
# afterwards.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_syslog_start
sbx_sshd_start
sbx_ssh_authorize sbxuser1
echo "host secret" >/tmp/sbx-host-marker-$$
sbx_at_exit "rm -f /tmp/sbx-host-marker-$$"

out=$(sbx_ssh sbxuser1 'echo $$') || sbx_fail "ssh failed: $(tail -5 "$SBX_SSH_DIR/sshd.log")"
sbx_assert_eq "echo \$\$ over ssh prints 1" 1 "$out"

sbx_assert_eq "id -u" 3001 "$(sbx_ssh sbxuser1 'id -u')"
sbx_assert_eq "hostname" box-sbxuser1 "$(sbx_ssh sbxuser1 hostname)"
sbx_assert_eq "pwd is the home" /home/sbxuser1 "$(sbx_ssh sbxuser1 pwd)"

# Only the sandbox's own processes: the shell (PID 1) and ps.
ps_out=$(sbx_ssh sbxuser1 'ps -o pid,comm >/tmp/ps.out; tail -n +2 /tmp/ps.out')
sbx_assert_eq "ps lists only the sandbox" "ps sh" "$(printf '%s\n' "$ps_out" | awk '{ print $2 }' | sort | xargs)"
sbx_assert_match "ps shows PID 1" '^ *1 sh' "$ps_out"

sbx_assert_eq "the host's /tmp marker is invisible" absent \
    "$(sbx_ssh sbxuser1 "test -e /tmp/sbx-host-marker-$$ && echo present || echo absent")"
sbx_assert_eq "rootfs is read-only" denied "$(sbx_ssh sbxuser1 'touch /bin/x 2>/dev/null && echo written || echo denied')"
sbx_assert_eq "home is writable" written "$(sbx_ssh sbxuser1 'echo hi > ~/f && echo written')"
sbx_assert_eq "the file landed in the real home" hi "$(cat /home/sbxuser1/f)"

caps=$(sbx_ssh sbxuser1 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status')
sbx_assert_eq "no capabilities, no_new_privs" "CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
CapAmb:	0000000000000000
NoNewPrivs:	1" "$caps"

sbx_ssh sbxuser1 'exit 7'
sbx_assert_eq "exit status reaches the client" 7 "$?"

# No command and stdin a file: no pty is asked for, the login shell reads the file and ends at its end, the client
# getting the status of the shell's last command.
printf 'echo FROM-FILE=$$ $(id -un) $(tty)\n(exit 6)\n' >"$SBX_WS/cmds"
out=$(sbx_ssh sbxuser1 <"$SBX_WS/cmds" 2>"$SBX_WS/ssh.err")
rc=$?
sbx_assert_eq "ssh without a command, stdin a file: the shell runs what it reads, as PID 1, on no terminal" \
    "FROM-FILE=1 sbxuser1 not a tty" "$out"
sbx_assert_eq "... and ends at the file's end with the status of its last command" 6 "$rc"

sbx_e2e_assert_clean sbxuser1

# One line per session in the log (authpriv), with what it used: this session ran a 20 MB allocation and some CPU.
sbx_sshd_settle sbxuser1
: >"$SBX_SYSLOG"
sbx_ssh sbxuser1 'head -c 20000000 /dev/zero | tr "\0" x | wc -c >/dev/null; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'
sbx_wait_for "grep -q 'session closed: user=sbxuser1' '$SBX_SYSLOG'" 50 || true
line=$(grep 'session closed: user=sbxuser1' "$SBX_SYSLOG" | tail -1)
sbx_assert_match "the session's log line names user, session and duration" \
    'session closed: user=sbxuser1 session=[^ ]+ duration=[0-9.]+s ' "$line"
cpu=$(printf '%s' "$line" | sed -n 's/.* cpu_seconds=\([0-9.]*\).*/\1/p')
awk -v c="$cpu" 'BEGIN { exit !(c > 0) }' || sbx_fail "cpu_seconds should be > 0 for a busy session: $line"
echo "ok - cpu_seconds is real ($cpu)"
mem=$(printf '%s' "$line" | sed -n 's/.* peak_memory_bytes=\([0-9]*\).*/\1/p')
[ -n "$mem" ] && [ "$mem" -gt 1000000 ] || sbx_fail "peak memory should be over 1 MB: $line"
echo "ok - peak_memory_bytes is real ($mem)"
sbx_e2e_assert_clean sbxuser1 "after the last session"
