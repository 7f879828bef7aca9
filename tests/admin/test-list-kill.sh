#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sandbox-shellctl list shows the live sessions (started with su, as a user would arrive) with real figures from their
# cgroups: the session process's PID, its start, memory now and peak, CPU time, tasks; --json gives the same.
# sandbox-shellctl kill SESSION ends one session, kill USER the rest: no process and no cgroup is left.
. "$(dirname "$0")/common.sh"
sbx_admin_setup "$@"

out=$(ctl list 2>&1)
sbx_assert_eq "no session: list prints only its header" "USER SESSION PID SINCE MEMORY PEAK CPU TASKS" \
    "$(echo "$out" | tr -s ' ')"
sbx_assert_eq "no session: --json is an empty array" "[]" "$(ctl list --json)"

# Two sessions of sbxuser1, one of sbxuser2. The first holds about 30 MB in a shell variable and burns some CPU.
su - sbxuser1 -c 'x=$(head -c 30000000 /dev/zero | tr "\0" a); i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo ready; sleep 300; echo "${#x}"' \
    </dev/null >"$SBX_WS/s1.out" 2>&1 &
su1=$!
su - sbxuser1 -c 'sleep 300' </dev/null >/dev/null 2>&1 &
su2=$!
su - sbxuser2 -c 'sleep 300 & sleep 300' </dev/null >/dev/null 2>&1 &
su3=$!
sbx_wait_for "grep -q ready '$SBX_WS/s1.out'" 300 || sbx_fail "the first session did not start: $(cat "$SBX_WS/s1.out")"
sbx_wait_for "[ \$(pgrep -u sbxuser2 -x sleep | wc -l) = 2 ] && [ \$(pgrep -u sbxuser1 -x sleep | wc -l) = 2 ]" 100 ||
    sbx_fail "the sessions did not start"

out=$(ctl list 2>&1)
echo "$out" | sed 's/^/# /'
sbx_assert_eq "list: three sessions" 3 "$(echo "$out" | tail -n +2 | grep -c .)"
line1=$(echo "$out" | awk -v p="$su1" '$1 == "sbxuser1" && $3 == p')
[ -n "$line1" ] || sbx_fail "list: no line for the session of su pid $su1: $out"
echo "ok - list: the session process's PID is su's ($su1)"
sbx_assert_match "list: the session id is PID-STARTTIME" "^sbxuser1 +$su1-[0-9]+ " "$line1"
sbx_assert_match "list: since is a date and time" " [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} " "$line1"
read -r _ _ _ _ _ mem peak cpu tasks <<<"$line1"
sbx_assert_match "list: memory now is a size in M (the 30 MB variable)" '^[0-9.]+M$' "$mem"
awk -v m="${mem%M}" 'BEGIN { exit !(m >= 25) }' || sbx_fail "list: memory now $mem is below the 30 MB held"
echo "ok - list: memory now $mem holds the 30 MB"
awk -v m="${mem%M}" -v p="${peak%M}" 'BEGIN { exit !(p >= m) }' || sbx_fail "list: peak $peak below now $mem"
echo "ok - list: peak $peak >= now"
sbx_assert_match "list: CPU time in seconds" '^[0-9]+\.[0-9]{2}s$' "$cpu"
awk -v c="${cpu%s}" 'BEGIN { exit !(c > 0) }' || sbx_fail "list: CPU time $cpu is zero"
echo "ok - list: CPU time $cpu is not zero"
# su, the helper's outer half, PID 1 (the shell) and sleep.
[ "$tasks" -ge 3 ] || sbx_fail "list: $tasks tasks, expected at least su + helper + shell"
echo "ok - list: $tasks tasks"
line3=$(echo "$out" | awk -v p="$su3" '$1 == "sbxuser2" && $3 == p')
read -r _ id3 _ _ _ _ _ _ tasks3 <<<"$line3"
sbx_assert_eq "list: sbxuser2's session counts its two sleeps too" 1 "$((tasks3 >= 4))"

json=$(ctl list --json)
sbx_assert_eq "list --json: three objects" 3 "$(echo "$json" | grep -c '"user": ')"
sbx_assert_match "list --json: the figures of the first session" \
    "\"user\": \"sbxuser1\", \"session\": \"$su1-[0-9]+\", \"pid\": $su1, \"alive\": true, \"since\": \"[0-9T:+-]+\", \"since_epoch\": [0-9]+, \"memory_current\": [0-9]{8,}, \"memory_peak\": [0-9]+, \"cpu_usec\": [1-9][0-9]*, \"tasks\": $tasks, \"oom_kills\": 0, \"tasks_max_hits\": 0, \"cgroup\": \"/sys/fs/cgroup/[^\"]*/$SBX_ADMIN_CGNAME/sbxuser1/session-$su1-[0-9]+\"" \
    "$json"
since1=$(echo "$json" | grep "\"pid\": $su1," | sed 's/.*"since_epoch": \([0-9]*\).*/\1/')
[ $(($(date +%s) - since1)) -ge 0 ] && [ $(($(date +%s) - since1)) -lt 120 ] ||
    sbx_fail "list --json: since_epoch $since1 is not the session's start (now $(date +%s))"
echo "ok - list --json: since_epoch is when the session started"
leaf1=$(echo "$json" | grep "\"pid\": $su1," | sed 's/.*"cgroup": "\([^"]*\)".*/\1/')
[ -d "$leaf1" ] || sbx_fail "the cgroup --json names does not exist: $leaf1"
echo "ok - list --json: the cgroup it names exists"

# kill SESSION: only that one ends; its leaf goes in every hierarchy, the user's cgroup stays for the other session.
id1=$(echo "$line1" | awk '{ print $2 }')
out=$(ctl kill "$id1" 2>&1)
sbx_assert_eq "kill SESSION: exit 0" 0 "$?"
sbx_assert_eq "kill SESSION: says what it ended" "ended session $id1 of sbxuser1" "$out"
sbx_wait_for "! kill -0 $su1 2>/dev/null" 50 || true
wait "$su1" 2>/dev/null
sbx_assert_eq "kill SESSION: the session's su is gone" "" "$(ps -o pid= -p "$su1")"
sbx_assert_eq "kill SESSION: its leaf is gone everywhere" "" \
    "$(for d in $(sbx_admin_user_cgroups sbxuser1); do ls -d "$d/session-$id1" 2>/dev/null; done)"
sbx_assert_eq "kill SESSION: the other session of the user lives on" 1 "$(pgrep -u sbxuser1 -x sleep | wc -l)"
sbx_assert_eq "kill SESSION: list shows the two others" 2 "$(ctl list | tail -n +2 | grep -c .)"

# kill USER: every session of the user, then the user's cgroup.
out=$(ctl kill session-"$id3" 2>&1)
sbx_assert_eq "kill session-ID (the leaf's name) works too" "ended session $id3 of sbxuser2" "$out"
out=$(ctl kill sbxuser1 2>&1)
rc=$?
[ "$rc" = 0 ] || echo "# kill USER said: $out" >&2
sbx_assert_eq "kill USER: exit 0" 0 "$rc"
sbx_assert_match "kill USER: ends the remaining session" "^ended session $su2-[0-9]+ of sbxuser1$" "$out"
wait "$su2" "$su3" 2>/dev/null
for u in sbxuser1 sbxuser2; do
    sbx_assert_eq "after kill: no process of $u" "" "$(pgrep -u "$u" -a)"
    sbx_assert_eq "after kill: no cgroup of $u in any hierarchy" "" "$(sbx_admin_user_cgroups "$u")"
done
sbx_assert_eq "after kill: list is empty" "[]" "$(ctl list --json)"

out=$(ctl kill sbxuser1 2>&1)
sbx_assert_eq "kill with nothing to end: exit 1" 1 "$?"
sbx_assert_match "... and says so" "no session of a user or with the id 'sbxuser1'" "$out"
ctl kill >/dev/null 2>&1
sbx_assert_eq "kill without an operand: usage error" 2 "$?"
