#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Instance user: concurrent ssh logins of a user share one sandbox (processes, /tmp, /dev/shm), whose PID 1 is our
# init; tmux started in one login is attached from the next while Linger keeps the instance; after Linger nothing of
# the user is left; 20 first logins at once make one instance. Positive control: a user with the default
# (Instance session) gets a sandbox of its own per login, its shell PID 1.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_e2e_policy "
Match User sbxuser1
    Instance user
    Linger 30
Match User sbxuser3
    Instance user
Match User sbxuser4
    Instance user
    Linger 2"
sbx_sshd_start "MaxStartups 100
MaxSessions 100"
for u in sbxuser1 sbxuser2 sbxuser3 sbxuser4; do sbx_ssh_authorize "$u"; done
mkdir -p "$SBX_WS/out"

# instances USER: the inits of USER's instances (PID 1 of a PID namespace below ours, owned by USER).
instances() {
    local p n=0
    for p in $(pgrep -u "$1"); do
        if awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' "/proc/$p/status" 2>/dev/null; then
            n=$((n + 1))
        fi
    done
    echo "$n"
}

# Two logins at once: the second sees the first's process, its file in /tmp and in /dev/shm.
sbx_ssh sbxuser1 'echo one >/tmp/from-one; echo shm-one >/dev/shm/from-one; echo PID=$$; sleep 30' \
    >"$SBX_WS/out/one" 2>&1 </dev/null &
one=$!
sbx_wait_for "grep -q '^PID=' '$SBX_WS/out/one'" 100 || sbx_fail "the first login did not start: $(cat "$SBX_WS/out/one")"
pid1=$(sed -n 's/^PID=//p' "$SBX_WS/out/one")
sbx_assert_no_match "the shell of a joined login is not PID 1" '^1$' "$pid1"
out=$(sbx_ssh sbxuser1 "echo PID=\$\$; cat /tmp/from-one /dev/shm/from-one; ps -o comm | grep -c '^sleep\$'; cat /proc/1/comm" 2>&1 </dev/null)
sbx_assert_match "a second login sees the first's file in /tmp" '^one$' "$out"
sbx_assert_match "... and in /dev/shm" '^shm-one$' "$out"
sbx_assert_match "... and its process" '^1$' "$out"
sbx_assert_match "... and PID 1 is the instance's init" '^sandbox-init$' "$out"
sbx_assert_eq "one instance for both logins" 1 "$(instances sbxuser1)"

# Control: the default Instance session, two logins, two sandboxes.
out=$(sbx_ssh sbxuser2 'echo x >/tmp/mine; echo PID=$$' 2>&1 </dev/null)
sbx_assert_match "control: an Instance session login's shell is PID 1" '^PID=1$' "$out"
out=$(sbx_ssh sbxuser2 'cat /tmp/mine 2>&1; echo PID=$$' 2>&1 </dev/null)
sbx_assert_match "control: ... and the next login does not see its /tmp" 'No such file' "$out"
kill "$one" 2>/dev/null || true
wait "$one" 2>/dev/null || true
