#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Instance user: concurrent ssh logins of a user share one sandbox (processes, /tmp, /dev/shm), whose PID 1 is our
# init; tmux started in one login is attached from the next while Linger keeps the instance; after Linger nothing of
# the user is left; 20 first logins at once make one instance. Positive control: a user with the default
# (Instance session) gets a sandbox of its own per login, its shell PID 1.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_syslog_start
sbx_e2e_policy "
Match User sbxuser1
    Instance user
    Linger 30
Match User sbxuser3
    Instance user
Match User sbxuser4
    Instance user
    Linger 2"
# tmux, with the terminal descriptions its server needs.
sbx_rootfs_add_prog "$SBX_WS/rootfs" "$(command -v tmux)"
for d in /lib/terminfo /usr/share/terminfo /usr/lib/locale/C.utf8; do
    [ -d "$d" ] && mkdir -p "$SBX_WS/rootfs$d" && cp -a "$d/." "$SBX_WS/rootfs$d/"
done
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
sbx_ssh sbxuser1 'echo one >/tmp/from-one; echo shm-one >/dev/shm/from-one; echo PID=$$; exec sleep 30' \
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
# The init keeps nothing of the login that made it: no descriptor but /dev/null, a session of its own.
for p in $(pgrep -u sbxuser1); do
    awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' "/proc/$p/status" 2>/dev/null && init=$p
done
sbx_assert_eq "the init's descriptors are /dev/null only" "/dev/null /dev/null /dev/null" \
    "$(for fd in /proc/"$init"/fd/*; do readlink "$fd"; done | tr '\n' ' ' | sed 's/ $//')"
sbx_assert_match "... while the first login's shell has its caller's (positive control)" '^(pipe|socket):' \
    "$(readlink /proc/"$(pgrep -u sbxuser1 -x sleep)"/fd/0)"
sbx_assert_eq "... and a session of its own" "$init" "$(ps -o sid= -p "$init" | tr -d ' ')"

# Control: the default Instance session, two logins, two sandboxes.
out=$(sbx_ssh sbxuser2 'echo x >/tmp/mine; echo PID=$$' 2>&1 </dev/null)
sbx_assert_match "control: an Instance session login's shell is PID 1" '^PID=1$' "$out"
out=$(sbx_ssh sbxuser2 'cat /tmp/mine 2>&1; echo PID=$$' 2>&1 </dev/null)
sbx_assert_match "control: ... and the next login does not see its /tmp" 'No such file' "$out"
# The first login's shell (exec'd sleep) ends: so does that login, and the instance stays for Linger.
pkill -u sbxuser1 -x sleep || sbx_fail "no sleep of sbxuser1 to end"
wait "$one" || true
sbx_sshd_settle sbxuser1

# tmux started in a login, whose client is then killed: with Linger 30 the next login lists and attaches it.
out=$(sbx_ssh sbxuser1 'tmux new-session -d -s keep "sleep 300" && tmux ls' 2>&1 </dev/null)
sbx_assert_match "a login starts a tmux session (positive control)" '^keep: 1 windows' "$out"
sbx_sshd_settle sbxuser1
out=$(sbx_ssh sbxuser1 'tmux ls' 2>&1 </dev/null)
sbx_assert_match "after the login ended, the next one lists its tmux session" '^keep: 1 windows' "$out"
out=$(sbx_ssh sbxuser1 'tmux list-panes -t keep -F "#{pane_current_command}"' 2>&1 </dev/null)
sbx_assert_match "... whose window still runs what the first login started there" '^sleep$' "$out"
sbx_assert_eq "one instance across those logins" 1 "$(instances sbxuser1)"
sbx_sshd_settle sbxuser1
sbx_assert_eq "after five logins and logouts, one Linger process waits for the instance" 1 \
    "$(pgrep -c -x sandbox-linger)"
out=$("$SBX_CTL" list 2>&1)
sbx_assert_match "list shows the lingering instance, its init and deadline" \
    '^sbxuser1 +instance +[0-9]+ .*\(instance: 0 logins, linger until [0-9-]+ [0-9:]+\)$' "$out"
json=$("$SBX_CTL" list --json)
sbx_assert_match "... and so does --json" \
    '"session": "instance", "pid": [1-9][0-9]*, "alive": true, .*"instance": true, "logins": 0, "linger_until": "2' "$json"

# Linger 0 (sbxuser3): the instance ends with its last login; one line is logged for it.
out=$(sbx_ssh sbxuser3 'sleep 200 >/dev/null 2>&1 & echo STARTED' 2>&1 </dev/null)
sbx_assert_match "a login of an Instance user account without Linger runs" '^STARTED$' "$out"
sbx_sshd_settle sbxuser3
sbx_wait_for "[ \$(instances sbxuser3) -eq 0 ]" 50 || sbx_fail "the instance of sbxuser3 outlived its last login"
sbx_e2e_assert_clean sbxuser3 "with Linger 0, after the last logout"
sbx_wait_for "grep -q 'instance ended: user=sbxuser3 end=logout' '$SBX_SYSLOG'" 50 ||
    sbx_fail "no line for the instance's end: $(grep sbxuser3 "$SBX_SYSLOG" | tail -3)"

# Linger 2 (sbxuser4): kept 2 s after the last logout, then nothing of the user is left.
out=$(sbx_ssh sbxuser4 'sleep 200 >/dev/null 2>&1 & echo STARTED' 2>&1 </dev/null)
sbx_assert_match "a login with Linger 2 runs" '^STARTED$' "$out"
sbx_sshd_settle sbxuser4
sbx_assert_eq "Linger 2: just after the logout, the instance is kept" 1 "$(instances sbxuser4)"
sbx_wait_for "[ \$(instances sbxuser4) -eq 0 ]" 100 || sbx_fail "the instance of sbxuser4 outlived Linger 2: $(grep -a sbxuser4 "$SBX_SYSLOG" | tail -5; pgrep -au sbxuser4; pgrep -a -f linger)"
sbx_e2e_assert_clean sbxuser4 "after Linger 2 ran out"
sbx_wait_for "grep -q 'instance ended: user=sbxuser4 end=linger' '$SBX_SYSLOG'" 50 ||
    sbx_fail "no line for the instance's end: $(grep sbxuser4 "$SBX_SYSLOG" | tail -3)"

# 20 first logins at once make one instance.
pids=()
for i in $(seq 1 20); do
    sbx_ssh sbxuser3 'echo IN; sleep 4' >"$SBX_WS/out/p-$i" 2>&1 </dev/null &
    pids+=($!)
done
sbx_wait_for "[ \$(cat '$SBX_WS'/out/p-* | grep -c '^IN$') -eq 20 ]" 200 ||
    sbx_fail "not every one of 20 logins at once ran: $(cat "$SBX_WS"/out/p-* | sort | uniq -c)"
sbx_assert_eq "20 first logins at once: one instance" 1 "$(instances sbxuser3)"
wait "${pids[@]}"
sbx_sshd_settle sbxuser3
sbx_wait_for "[ \$(instances sbxuser3) -eq 0 ]" 50 || sbx_fail "the instance outlived the 20 logins"
sbx_e2e_assert_clean sbxuser3 "after the 20 logins"

# A multiplexed connection (ssh's ControlMaster): one PAM session, whose channels each start a helper that the record
# names as the creator. Two channels at once make one instance, and each sees the other.
mapfile -t mux < <(sbx_ssh_opts)
ctl_path=$SBX_WS/mux.sock
ssh "${mux[@]}" -p "$SBX_SSH_PORT" -o ControlMaster=yes -o ControlPath="$ctl_path" -fN sbxuser3@127.0.0.1 </dev/null
sbx_wait_for "[ -S '$ctl_path' ]" 100 || sbx_fail "the multiplexing master did not start"
for i in 1 2; do
    ssh "${mux[@]}" -p "$SBX_SSH_PORT" -o ControlPath="$ctl_path" sbxuser3@127.0.0.1 \
        "echo ch-$i >/tmp/ch-$i; sleep 2; ls /tmp" </dev/null >"$SBX_WS/out/ch-$i" 2>&1 &
done
wait %-1 %- 2>/dev/null || true
sbx_wait_for "grep -q ch-2 '$SBX_WS/out/ch-1' && grep -q ch-1 '$SBX_WS/out/ch-2'" 100 ||
    sbx_fail "the two channels do not share an instance: $(cat "$SBX_WS"/out/ch-*)"
echo "ok - two channels of one multiplexed connection share one instance"
sbx_assert_eq "... one" 1 "$(instances sbxuser3)"
ssh "${mux[@]}" -p "$SBX_SSH_PORT" -o ControlPath="$ctl_path" -O exit sbxuser3@127.0.0.1 2>/dev/null || true
sbx_sshd_settle sbxuser3
sbx_wait_for "[ \$(instances sbxuser3) -eq 0 ]" 50 || sbx_fail "the multiplexed instance outlived its connection"

# An administrator's kill of a lingering instance.
sbx_assert_eq "sbxuser1's instance still lingers (Linger 30)" 1 "$(instances sbxuser1)"
out=$("$SBX_CTL" kill sbxuser1 2>&1)
sbx_assert_match "kill USER ends the instance" '^ended the instance of sbxuser1$' "$out"
sbx_e2e_assert_clean sbxuser1 "after kill"
sbx_assert_eq "... and its record is gone" "" "$(ls /run/sandbox-shell/instances)"
sbx_assert_eq "... and so is its Linger process" 0 "$(pgrep -c -x sandbox-linger)"
