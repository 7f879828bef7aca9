#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sandbox-shellctl list, kill and metrics sweep first: the empty leaves of sessions nobody closed (session-PID-START
# whose process is gone, made here by hand as a refused login or a killed sshd leaves them) disappear, in every
# hierarchy, and with them the cgroup of a user that has nothing left; what is still in use stays: a live session's
# leaf, a stale leaf that still holds a process (nobody killed it: KillOnLogout off), an Instance user's leaf, a user
# whose lock is taken (its own open or close is at work), and, seen from another PID namespace, a leaf whose
# processes that namespace cannot see.
. "$(dirname "$0")/common.sh"
sbx_admin_setup "$@"

# A live session of sbxuser1.
su - sbxuser1 -c 'sleep 300' </dev/null >/dev/null 2>&1 &
su1=$!
sbx_wait_for "pgrep -u sbxuser1 -x sleep >/dev/null" 300 || sbx_fail "the session of sbxuser1 did not start"
# The hierarchies a session uses here: where the live session has its leaf (on a hybrid host the v2 unified tree,
# pids for TasksMax and memory for MemoryMax; on pure cgroup v2 the one hierarchy).
live=()
for d in "${SBX_ADMIN_CG_DIRS[@]}"; do
    l=$(ls -d "$d"/sbxuser1/session-"$su1"-* 2>/dev/null)
    [ -n "$l" ] && live+=("$l")
done
hiers=()
for l in "${live[@]}"; do hiers+=("${l%/sbxuser1/*}"); done
unified=$(sbx_cgroup_mount "")
pids=$(sbx_cgroup_mount pids)
hier_of() { printf '%s\n' "${hiers[@]}" | grep "^$1/"; }
[ -n "$(hier_of "$unified")" ] || sbx_fail "the live session has no leaf in the v2 tree: ${live[*]}"
echo "ok - the live session has its leaf in ${#hiers[@]} hierarchies, the v2 one among them"

# A PID that is gone: a process that ran and was reaped.
sh -c 'exit 0' &
dead=$!
wait $dead
kill -0 $dead 2>/dev/null && sbx_fail "pid $dead still runs"

# mkleaf USER NAME: the cgroup USER/NAME in every hierarchy of a session (the user's too, where missing).
mkleaf() {
    local h
    for h in "${hiers[@]}"; do mkdir -p "$h/$1/$2"; done
}
# exists PATH-BELOW-THE-ROOT: in how many of those hierarchies it exists.
exists() {
    local h n=0
    for h in "${hiers[@]}"; do [ -d "$h/$1" ] && n=$((n + 1)); done
    echo $n
}
all=${#hiers[@]}

mkleaf sbxuser1 "session-$dead-100" # stale and empty, beside a live session
mkleaf sbxuser2 "session-$dead-200" # stale and empty, a user with no session
mkleaf sbxuser9 "session-$dead-300" # stale and empty, beside an instance's leaf
mkleaf sbxuser9 instance
mkleaf sbxuser1 "session-$dead-400" # stale, still holding a process (moved into it in the v2 tree and a v1 pids)
sleep 300 &
held=$!
sbx_at_exit "kill $held 2>/dev/null"
echo $held >"$(hier_of "$unified")/sbxuser1/session-$dead-400/cgroup.procs"
if [ -n "$pids" ] && [ -n "$(hier_of "$pids")" ]; then
    echo $held >"$(hier_of "$pids")/sbxuser1/session-$dead-400/cgroup.procs"
fi
# Positive controls: what the checks below find gone is there now, where they look.
for p in "sbxuser1/session-$dead-100" "sbxuser2/session-$dead-200" sbxuser2 "sbxuser9/session-$dead-300" \
    sbxuser9/instance "sbxuser1/session-$dead-400"; do
    sbx_assert_eq "before: $p is in every hierarchy" "$all" "$(exists "$p")"
done
sbx_assert_eq "before: the busy stale leaf holds its process in the unified tree" "$held" \
    "$(cat "$(hier_of "$unified")/sbxuser1/session-$dead-400/cgroup.procs")"
live_leaf=${live[0]#"${hiers[0]}/"}

# A user whose lock is taken is left alone: its own open or close is at work and cleans up itself. (The lock is this
# shell's open file; the list opens its own and finds it taken.)
exec 8>/run/sandbox-shell/user-sbxuser2.lock
flock -n 8 || sbx_fail "could not take the lock of sbxuser2"
ctl list >/dev/null 2>&1
exec 8>&-
sbx_assert_eq "list with sbxuser2's lock taken: its stale leaf stays" "$all" "$(exists "sbxuser2/session-$dead-200")"
sbx_assert_eq "list with sbxuser2's lock taken: another user's stale leaf went" 0 \
    "$(exists "sbxuser1/session-$dead-100")"

out=$(ctl list 2>&1)
echo "$out" | sed 's/^/# /'
for p in "sbxuser1/session-$dead-100" "sbxuser2/session-$dead-200" "sbxuser9/session-$dead-300"; do
    sbx_assert_eq "list: the stale empty leaf $p is gone in every hierarchy" 0 "$(exists "$p")"
done
sbx_assert_eq "list: the cgroup of sbxuser2, who has nothing left, is gone in every hierarchy" 0 "$(exists sbxuser2)"
sbx_assert_eq "list: the live session's leaf stays" "$all" "$(exists "$live_leaf")"
sbx_assert_eq "list: the stale leaf holding a process stays" "$all" "$(exists "sbxuser1/session-$dead-400")"
sbx_assert_eq "list: its process was not killed" "$held" "$(pgrep -x sleep | grep -x "$held")"
sbx_assert_eq "list: the instance's leaf stays" "$all" "$(exists sbxuser9/instance)"
sbx_assert_eq "list: the cgroups of sbxuser1 and sbxuser9 stay" "$all $all" "$(exists sbxuser1) $(exists sbxuser9)"
sbx_assert_match "list: shows the live session" "^sbxuser1 +$su1-[0-9]+ +$su1 " "$out"
sbx_assert_match "list: shows the stale leaf holding a process" "^sbxuser1 +$dead-400 " "$out"
sbx_assert_no_match "list: shows no swept leaf" "$dead-(100|200|300) " "$out"

# From another PID namespace, where no process of the sessions can be seen: the leaves that hold processes stay
# (they are listed as 0 there: not that namespace's to judge); an empty stale one goes, whoever looks.
mkleaf sbxuser2 "session-$dead-700"
sbx_assert_eq "before: the stale leaf is there" "$all" "$(exists "sbxuser2/session-$dead-700")"
unshare --pid --fork --mount --mount-proc "$CTL" list >/dev/null 2>&1
sbx_assert_eq "list in another PID namespace: the empty stale leaf is gone" 0 "$(exists "sbxuser2/session-$dead-700")"
sbx_assert_eq "list in another PID namespace: the live session's leaf stays" "$all" "$(exists "$live_leaf")"
sbx_assert_eq "list in another PID namespace: the stale leaf holding a process stays" "$all" \
    "$(exists "sbxuser1/session-$dead-400")"

# metrics and kill sweep too, before they read.
mkleaf sbxuser2 "session-$dead-500"
sbx_assert_eq "before metrics: the stale leaf is there" "$all" "$(exists "sbxuser2/session-$dead-500")"
ctl metrics >/dev/null || sbx_fail "metrics failed"
sbx_assert_eq "metrics: the stale empty leaf is gone" 0 "$(exists "sbxuser2/session-$dead-500")"
sbx_assert_eq "metrics: and the cgroup of sbxuser2" 0 "$(exists sbxuser2)"
mkleaf sbxuser2 "session-$dead-600"
sbx_assert_eq "before kill: the stale leaf is there" "$all" "$(exists "sbxuser2/session-$dead-600")"
out=$(ctl kill "$su1-nosuch" 2>&1)
sbx_assert_eq "kill of no session: exit 1" 1 "$?"
sbx_assert_eq "kill: the stale empty leaf is gone all the same" 0 "$(exists "sbxuser2/session-$dead-600")"
sbx_assert_eq "kill: the live session lives on" "$all" "$(exists "$live_leaf")"

# The end: the live session killed, the stale leaf emptied; the instance's leaf is never touched.
kill "$held"
wait "$held" 2>/dev/null
out=$(ctl kill sbxuser1 2>&1) || sbx_fail "kill sbxuser1: $out"
wait "$su1" 2>/dev/null
sbx_assert_eq "after kill: no process of sbxuser1" "" "$(pgrep -u sbxuser1 -a)"
sbx_assert_eq "after kill: no cgroup of sbxuser1" 0 "$(exists sbxuser1)"
sbx_assert_eq "the instance's leaf is still there" "$all" "$(exists sbxuser9/instance)"
