#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# 50 ssh logins at once, 10 for each of 5 users: every one is sandboxed (PID 1) and sits in its own user's cgroup
# (one leaf per session, all below the user's cgroup); after they end: no process, cgroup or mount is left.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
# Room for 50 sessions at once.
sbx_sshd_start "MaxStartups 100:30:200
MaxSessions 100"
for u in "${SBX_E2E_USERS[@]}"; do sbx_ssh_authorize "$u"; done
out=$SBX_WS/parallel
mkdir -p "$out"

# Each session reports its PID, its user, and the cgroup it is in as the host sees it (through the marker file the
# test reads while the session is held open), then waits until the test releases it.
for u in "${SBX_E2E_USERS[@]}"; do
    for i in $(seq 1 10); do
        sbx_ssh "$u" 'echo $$ $(id -un); touch ~/.ready-$PPID-'"$i"'; while [ ! -e ~/.go ]; do sleep 0.2; done' \
            >"$out/$u-$i" 2>"$out/$u-$i.err" &
    done
done
for u in "${SBX_E2E_USERS[@]}"; do
    sbx_wait_for "[ \$(ls /home/$u/.ready-* 2>/dev/null | wc -l) -eq 10 ]" 600 ||
        sbx_fail "not all 10 sessions of $u started: $(cat "$out"/$u-*.err | head -5)"
done
echo "ok - 50 sessions are running at once"

for u in "${SBX_E2E_USERS[@]}"; do
    # Every process of the user is in a session leaf below that user's cgroup, and there are 10 leaves.
    # (The sessions' short-lived "sleep 0.2" come and go: a process that is gone by the time it is read is skipped.)
    for pid in $(pgrep -u "$u"); do
        cg=$(cat /proc/"$pid"/cgroup 2>/dev/null) || continue
        [ -n "$cg" ] || continue
        printf '%s\n' "$cg" | grep -Eq "/sandbox-shell/$u/session-[^/]+\$" ||
            sbx_fail "process $pid of $u is not in a session of $u's cgroup: $cg"
    done
    leaves=$(for d in $(sbx_e2e_user_cgroups "$u"); do ls -d "$d"/session-* 2>/dev/null | wc -l; done | sort -u)
    sbx_assert_eq "$u has 10 session leaves in each hierarchy" 10 "$leaves"
    touch "/home/$u/.go"
done
wait
for u in "${SBX_E2E_USERS[@]}"; do
    for i in $(seq 1 10); do
        sbx_assert_eq "session $u-$i was PID 1 as $u" "1 $u" "$(cat "$out/$u-$i")"
    done
done
for u in "${SBX_E2E_USERS[@]}"; do sbx_e2e_assert_clean "$u" "after 50 parallel sessions"; done
