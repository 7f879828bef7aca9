#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sandbox-shellctl kill USER races with the session's own close (a -Dfault_injection=true build: SBX_FAULT_PAUSE holds
# the kill after it opened the session's leaf, before it kills in it). The session outlives the kill's polite
# SIGTERM (its PAM caller and helper ignore it, its shell catches it), so the kill goes on to the leaf; while the
# kill is held there, the session ends on its own (its helper dies) and its PAM close removes the leaf. The kill
# then finds the leaf gone under it: it says it ended the session, exits 0, and nothing of the session is left.
. "$(dirname "$0")/../admin/common.sh"
sbx_admin_setup "$@"

(
    trap '' TERM
    exec "$SBX_PAM_SESSION" --pam-env /etc/pam.d su sbxuser1 "$SBX_LAUNCH" sbxuser1 "$SBX_SHELL" -c \
        'trap "echo got-term" TERM; echo ready; while :; do sleep 1; done'
) </dev/null >"$SBX_WS/s.out" 2>&1 &
holder=$!
sbx_wait_for "grep -q ready '$SBX_WS/s.out'" 300 || sbx_fail "the session did not start: $(cat "$SBX_WS/s.out")"
id=$(ctl list | awk -v p="$holder" '$1 == "sbxuser1" && $3 == p { print $2 }')
[ -n "$id" ] || sbx_fail "list does not show the session of $holder: $(ctl list 2>&1)"
helper=$(pgrep -u sbxuser1 -x sandbox-shell)
[ -n "$helper" ] || sbx_fail "no helper of sbxuser1"

SBX_FAULT_TRACE=1 SBX_FAULT_PAUSE="kill: end the session in *" SBX_FAULT_PAUSE_MS=3000 \
    "$CTL" kill sbxuser1 >"$SBX_WS/kill.out" 2>&1 &
killer=$!
sbx_wait_for "grep -q '^sbx-fault-point: kill: end the session in ' '$SBX_WS/kill.out'" 100 ||
    sbx_fail "the kill did not reach the session's leaf: $(cat "$SBX_WS/kill.out")"
echo "ok - the kill is held in the session's leaf, after a polite SIGTERM the session outlived"
# The session ends on its own meanwhile: its PAM close removes the leaf.
kill -KILL "$helper"
wait "$holder"
sbx_assert_match "the session's own close ended it meanwhile" "close_session: Success" "$(cat "$SBX_WS/s.out")"
sbx_assert_eq "its leaf is gone before the kill goes on" "" \
    "$(for d in "${SBX_ADMIN_CG_DIRS[@]}"; do ls -d "$d/sbxuser1/session-$id" 2>/dev/null; done)"
kill -0 "$killer" 2>/dev/null || sbx_fail "the kill ended before the session's close: $(cat "$SBX_WS/kill.out")"
rc=0
wait "$killer" || rc=$?
out=$(grep -v '^sbx-fault-point: ' "$SBX_WS/kill.out")
echo "$out" | sed 's/^/# /'
sbx_assert_eq "kill USER: exit 0 although the leaf went under it" 0 "$rc"
sbx_assert_eq "kill USER: says it ended the session" "ended session $id of sbxuser1" "$out"
sbx_assert_eq "after kill: no process of sbxuser1" "" "$(pgrep -u sbxuser1 -a)"
sbx_assert_eq "after kill: no cgroup of sbxuser1 in any hierarchy" "" "$(sbx_admin_user_cgroups sbxuser1)"
sbx_assert_eq "after kill: list is empty" "[]" "$(ctl list --json)"
