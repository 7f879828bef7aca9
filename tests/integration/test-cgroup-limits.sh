#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The limits bite: a fork bomb stops at TasksMax, a memory hog is OOM-killed while its sibling in another session of
# the same user survives, a busy loop is held to its CPUQuota; each time the close line reports the figures, the host
# keeps working and nothing is left.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/harness.sh"
. "$here/../lib/pam-cgroup.sh"
sbx_pc_setup "$@"

# ---- fork bomb ----
sbx_pc_conf "    TasksMax 32"
if [ "$SBX_PC_LAYOUT" = v2 ]; then pids_dir=$(sbx_pc_dir "")/cgu1; else pids_dir=$(sbx_pc_dir pids)/cgu1; fi
# The bomb runs in the background of the session; the session's own command waits 4 s, then the session closes and
# must kill every copy of it.
sbx_pc_session cgu1 sh -c 'sleep 4 & s=$!; (b() { b | b & }; b) 2>/dev/null; wait $s' >"$SBX_WS/bomb.out" 2>&1 &
driver=$!
# The kernel refuses forks beyond the limit and counts them in pids.events (the cgroup where the fork happened or the
# one whose limit refused it, depending on the kernel version).
refused() { cat "$pids_dir"/pids.events "$pids_dir"/session-*/pids.events 2>/dev/null | awk '$1 == "max" && $2 > 0 { f = 1 } END { exit !f }'; }
sbx_wait_for refused 30 || sbx_fail "no fork was refused (pids.current $(cat "$pids_dir/pids.current" 2>/dev/null))"
echo "ok - forks beyond TasksMax were refused"
most=0
for i in $(seq 20); do
    n=$(cat "$pids_dir/pids.current" 2>/dev/null || echo 0)
    [ "$n" -gt "$most" ] && most=$n
    sleep 0.05
done
[ "$most" -le 32 ] || sbx_fail "pids.current reached $most, above TasksMax 32"
echo "ok - never above the limit over 1 s of sampling (highest: $most)"
sbx_assert_eq "the host can still fork" ok "$(sh -c 'echo ok')"
wait "$driver"
rc=$?
sed 's/^/# /' "$SBX_WS/bomb.out"
sbx_assert_eq "the bomb session closed cleanly" 0 "$rc"
line=$(sbx_pc_close_line)
sbx_log "syslog: $line"
sbx_assert_match "the close line counts the tasks-limit hits" '^[1-9][0-9]*$' "$(sbx_pc_field "$line" tasks_max_hits)"
sbx_pc_assert_clean "after the bomb"

# ---- memory hog, sibling session survives ----
sbx_pc_conf "    MemoryMax 64M
    MemorySwapMax 0
    TasksMax 64"
rm -f "$SBX_WS/stop-sibling"
sbx_pc_session cgu1 sh -c 'while [ ! -e "$SBX_WS/stop-sibling" ]; do sleep 0.1; done; echo sibling-alive' \
    >"$SBX_WS/sibling.out" 2>&1 &
sibling=$!
sbx_wait_for "[ -n \"\$(sbx_pc_leaves cgu1)\" ]" 50 || sbx_fail "the sibling session did not open"
# tail keeps a whole "line" in memory, and /dev/zero has no newline: it grows until the OOM killer stops it.
out=$(sbx_pc_session cgu1 sh -c 'head -c 512M /dev/zero | tail >/dev/null; echo "hog status $?"' 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
sbx_assert_eq "the hog's session closed cleanly" 0 "$rc"
sbx_assert_match "the hog was killed by SIGKILL (OOM)" 'hog status 137' "$out"
line=$(sbx_pc_close_line)
sbx_log "syslog: $line"
sbx_assert_match "the close line counts the OOM kill" '^[1-9][0-9]*$' "$(sbx_pc_field "$line" oom_kills)"
peak=$(sbx_pc_field "$line" peak_memory_bytes)
sbx_assert_match "peak memory reported" '^[0-9]+$' "$peak"
# The kernel lets the OOM victim charge a few pages beyond the limit while it dies (a forced charge, which memory.peak
# records): 1M of slack above it.
[ "$peak" -gt $((32 * 1024 * 1024)) ] && [ "$peak" -le $((65 * 1024 * 1024)) ] ||
    sbx_fail "peak memory $peak not between 32M and the 64M limit (and the 1M a dying victim may go over)"
echo "ok - peak memory $peak is near the 64M limit and not above it by more than a dying victim's pages"
sbx_assert_eq "the sibling session is still running" 0 "$(kill -0 "$sibling" 2>/dev/null; echo $?)"
touch "$SBX_WS/stop-sibling"
wait "$sibling"
rc=$?
sbx_assert_eq "the sibling closed cleanly" 0 "$rc"
sbx_assert_match "the sibling survived the hog" sibling-alive "$(cat "$SBX_WS/sibling.out")"
sbx_assert_eq "no OOM kill in the sibling's session" 0 "$(sbx_pc_field "$(sbx_pc_close_line)" oom_kills)"
sbx_pc_assert_clean "after the hog"

# ---- a session's own memory limit, under the user's ----
# SessionMemoryMax 48M under MemoryMax 256M: one session's hog is OOM-killed at 48M while another session of the same
# user holds 28M all along: together more than 48M, so it was the session's limit that bit, not the user's.
sbx_pc_conf "    MemoryMax 256M
    MemorySwapMax 0
    SessionMemoryMax 48M"
rm -f "$SBX_WS/stop-sibling"
# tail holds the one "line" it has read until its input ends, which is when the stop file appears.
sbx_pc_session cgu1 sh -c '(head -c 28000000 /dev/zero; echo >&2 holding; while [ ! -e "$SBX_WS/stop-sibling" ]; do sleep 0.1; done) | tail >/dev/null; echo "holder status $?"' \
    >"$SBX_WS/holder.out" 2>&1 &
holder=$!
sbx_wait_for "grep -q holding '$SBX_WS/holder.out'" 100 || sbx_fail "the holder session did not start: $(cat "$SBX_WS/holder.out")"
sleep 0.5
out=$(sbx_pc_session cgu1 sh -c 'head -c 512M /dev/zero | tail >/dev/null; echo "hog status $?"' 2>&1)
sbx_assert_match "the hog was OOM-killed at SessionMemoryMax 48M" 'hog status 137' "$out"
line=$(sbx_pc_close_line)
sbx_log "syslog: $line"
sbx_assert_match "its close line counts the session's OOM kill" '^[1-9][0-9]*$' "$(sbx_pc_field "$line" oom_kills)"
peak=$(sbx_pc_field "$line" peak_memory_bytes)
# (1M of slack: the OOM victim may charge a few pages beyond the limit while it dies, as above.)
[ "$peak" -le $((49 * 1024 * 1024)) ] || sbx_fail "the session's peak memory $peak is above SessionMemoryMax 48M"
echo "ok - the session's peak memory $peak is within SessionMemoryMax 48M"
upeak=$(sbx_pc_field "$line" user_peak_memory_bytes)
[ "$upeak" -gt $((48 * 1024 * 1024)) ] || sbx_fail "the user's peak $upeak is not above 48M: the holder did not hold"
echo "ok - the close line carries the user's figure too, above one session's limit ($upeak)"
touch "$SBX_WS/stop-sibling"
wait "$holder"
sbx_assert_match "control: the other session held its 28M through it" 'holder status 0' "$(cat "$SBX_WS/holder.out")"
sbx_pc_assert_clean "after the session memory limit"

# ---- CPU quota ----
# 20% of one CPU over 2 s of wall time allows 0.4 s of CPU; an unthrottled loop would take 2 s. The margin (1 s) is
# wide: this checks that the quota bites, not how fast anything is.
sbx_pc_conf "    CPUQuota 20%"
out=$(sbx_pc_session cgu1 timeout 2 sh -c 'while :; do :; done' 2>&1)
rc=$?
sbx_assert_eq "the busy session closed cleanly (timeout ended the loop)" 124 "$rc"
line=$(sbx_pc_close_line)
sbx_log "syslog: $line"
cpu=$(sbx_pc_field "$line" cpu_seconds)
awk -v c="$cpu" 'BEGIN { exit !(c > 0.1 && c < 1.0) }' || sbx_fail "CPU seconds $cpu for 2 s at CPUQuota 20%"
echo "ok - the busy loop used $cpu s of CPU in 2 s (CPUQuota 20%)"
sbx_pc_assert_clean "after the busy loop"
exit 0
