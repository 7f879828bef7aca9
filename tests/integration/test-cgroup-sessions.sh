#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Several sessions: two sessions of one user share the user cgroup and closing one leaves the other; a session whose
# process was killed (no close_session, as when sshd is killed) is cleaned at the next open; KillOnLogout no leaves
# the processes running and says so, and the leaf goes once it is empty.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/harness.sh"
. "$here/../lib/pam-cgroup.sh"
sbx_pc_setup "$@"

sbx_pc_conf "    TasksMax 50
    MemoryMax 128M"

# ---- two sessions of one user ----
wait_file='while [ ! -e "$SBX_WS/$0" ]; do sleep 0.1; done'
"$SBX_PAM_SESSION" "$SBX_PAMDIR" "$SBX_PC_SERVICE" cgu1 sh -c "$wait_file" stop-a >"$SBX_WS/a.out" 2>&1 &
a=$!
sbx_wait_for "[ \$(sbx_pc_leaves cgu1 | wc -l) -ge 1 ]" 50 || sbx_fail "session A did not open"
"$SBX_PAM_SESSION" "$SBX_PAMDIR" "$SBX_PC_SERVICE" cgu1 sh -c "$wait_file" stop-b >"$SBX_WS/b.out" 2>&1 &
b=$!
n_dirs=$(sbx_pc_user_dirs cgu1 | wc -l)
sbx_wait_for "[ \$(sbx_pc_leaves cgu1 | wc -l) -eq $((2 * n_dirs)) ]" 50 || sbx_fail "session B did not open: $(sbx_pc_leaves cgu1; cat "$SBX_WS/a.out" "$SBX_WS/b.out")"
echo "ok - two leaves in each of the $n_dirs hierarchies used"
sbx_assert_eq "both leaves share one user cgroup per hierarchy" "$n_dirs" \
    "$(sbx_pc_leaves cgu1 | xargs -n1 dirname | sort -u | wc -l)"
leaf_a=$(sbx_pc_leaves cgu1 | grep "session-$a-" | head -n 1)
sbx_assert_match "session A's leaf is named after its process" "session-$a-[0-9]+\$" "$leaf_a"
touch "$SBX_WS/stop-b"
wait "$b"
sbx_assert_eq "session B closed" 0 "$?"
sbx_assert_eq "closing B left A's leaves" "$n_dirs" "$(sbx_pc_leaves cgu1 | grep -c "session-$a-")"
sbx_assert_eq "closing B removed its own leaves" 0 "$(sbx_pc_leaves cgu1 | grep -vc "session-$a-")"
sbx_assert_eq "A's process is still in its leaf" 1 "$(grep -c "session-$a-" "/proc/$a/cgroup" | awk '{ print ($1 > 0) }')"
touch "$SBX_WS/stop-a"
wait "$a"
sbx_assert_eq "session A closed" 0 "$?"
sbx_pc_assert_clean "after both sessions"

# ---- a killed session is cleaned at the next open ----
# --no-close: the driver exits without close_session, leaving a sleeper in the leaf, as a killed sshd would.
sbx_pc_session --no-close cgu1 sh -c 'sleep 1000 & echo $! >"$SBX_WS/orphan.pid"'
orphan=$(cat "$SBX_WS/orphan.pid")
stale=$(sbx_pc_leaves cgu1)
sbx_assert_match "the dead session left its leaves" 'session-' "$stale"
sbx_assert_eq "and its process" 0 "$(kill -0 "$orphan" 2>/dev/null; echo $?)"
out=$(sbx_pc_session cgu1 sh -c 'echo in-new-session' 2>&1)
sbx_assert_match "the next session opens" 'in-new-session' "$out"
sbx_wait_for "! kill -0 $orphan 2>/dev/null" 50 || true
sbx_assert_eq "the stale leaf's process was killed" 1 "$(kill -0 "$orphan" 2>/dev/null; echo $?)"
for l in $stale; do
    sbx_assert_eq "stale leaf removed: $l" no "$([ -d "$l" ] && echo yes || echo no)"
done
sbx_pc_assert_clean "after the stale cleanup"

# ---- KillOnLogout no ----
sbx_pc_conf "    TasksMax 50
    KillOnLogout no"
out=$(sbx_pc_session cgu2 sh -c 'sleep 1000 >/dev/null 2>&1 & echo $! >"$SBX_WS/kept.pid"' 2>&1)
sbx_assert_match "the session closes" 'close_session: Success' "$out"
kept=$(cat "$SBX_WS/kept.pid")
sbx_assert_eq "KillOnLogout no: the process lives on" 0 "$(kill -0 "$kept" 2>/dev/null; echo $?)"
line=$(sbx_pc_close_line)
sbx_log "syslog: $line"
sbx_assert_eq "the close line says it was left running" left-running:1 "$(sbx_pc_field "$line" processes)"
kept_leaves=$(sbx_pc_leaves cgu2)
sbx_assert_match "its leaf stays" 'session-' "$kept_leaves"
out=$(sbx_pc_session cgu2 true 2>&1)
sbx_assert_eq "a later session does not kill it (KillOnLogout no)" 0 "$(kill -0 "$kept" 2>/dev/null; echo $?)"
sbx_assert_eq "and its leaf stays while not empty" "$kept_leaves" "$(sbx_pc_leaves cgu2)"
kill "$kept"
sbx_wait_for "! kill -0 $kept 2>/dev/null" 50 || true
out=$(sbx_pc_session cgu2 true 2>&1)
sbx_assert_eq "once empty, the next open removes it" "" "$(sbx_pc_leaves cgu2)"
sbx_pc_assert_clean "at the end"
exit 0
