#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# pam_sandbox session open/setcred/close through the real libpam, as root: the cgroups and the limits written, the
# session process in the leaf, the inheritable grant (and its re-grant by setcred), the teardown, the syslog line, and
# a refused session that leaves nothing behind.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/harness.sh"
. "$here/../lib/pam-cgroup.sh"
sbx_pc_setup "$@"

sbx_pc_conf "    MemoryMax 96M
    MemoryHigh 80M
    TasksMax 40
    CPUQuota 50%
    CPUWeight 50"

# What the session sees, written by a command that runs inside it.
probe='cat /proc/self/cgroup >"$SBX_WS/cg.txt"; grep CapInh /proc/self/status >"$SBX_WS/capinh.txt";
cat /proc/$SBX_SESSION_PID/cgroup >"$SBX_WS/cg-session.txt"; ls -d '"${SBX_PC_DIRS[*]/%//cgu1}"' >"$SBX_WS/dirs.txt" 2>/dev/null
for d in '"${SBX_PC_DIRS[*]/%//cgu1}"'; do for f in memory.max memory.high memory.limit_in_bytes memory.soft_limit_in_bytes \
    pids.max cpu.max cpu.weight cpu.cfs_quota_us cpu.cfs_period_us cpu.shares; do
    [ -e "$d/$f" ] && echo "$f=$(cat "$d/$f")"; done; done >"$SBX_WS/limits.txt"; true'

out=$(sbx_pc_session --setcred cgu1 sh -c "$probe" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
sbx_assert_eq "open, setcred, command and close succeed" 0 "$rc"
sbx_assert_match "open_session returned PAM_SUCCESS" '^open_session: Success \(0\)' "$out"
sbx_assert_match "close_session returned PAM_SUCCESS" 'close_session: Success \(0\)' "$out"

# The session process and its child are in a leaf below <root>/cgu1 in every hierarchy the policy needs.
cg=$(cat "$SBX_WS/cg.txt")
if [ "$SBX_PC_LAYOUT" = v2 ]; then
    sbx_assert_match "the command is in the leaf" '^0::.*/sandbox-shell/cgu1/session-[0-9]+-[0-9]+$' "$cg"
else
    for h in memory pids cpu; do
        sbx_assert_match "the command is in the leaf ($h)" "^[0-9]+:([a-z,]*,)?$h(,[a-z,]*)?:.*/sandbox-shell/cgu1/session-[0-9]+-[0-9]+\$" "$cg"
    done
    if [ "$SBX_PC_LAYOUT" = hybrid ]; then
        sbx_assert_match "the command is tracked in the unified hierarchy" '^0::.*/sandbox-shell/cgu1/session-' "$cg"
        # Hierarchies the policy does not need are left alone (the session stays in its freezer/blkio cgroup).
        sbx_assert_eq "freezer cgroup untouched" "$(sbx_cgroup_self freezer)" \
            "$(awk -F: '$2 == "freezer" { print $3 }' "$SBX_WS/cg.txt")"
    fi
fi
sbx_assert_eq "the session process shares the leaf" "$cg" "$(cat "$SBX_WS/cg-session.txt")"

# The limits, read back from the user's cgroup.
limits=$(cat "$SBX_WS/limits.txt")
if [ "$SBX_PC_LAYOUT" = v2 ]; then
    sbx_assert_match "memory.max" '^memory.max=100663296$' "$limits"
    sbx_assert_match "memory.high" '^memory.high=83886080$' "$limits"
    sbx_assert_match "pids.max" '^pids.max=40$' "$limits"
    sbx_assert_match "cpu.max" '^cpu.max=50000 100000$' "$limits"
    sbx_assert_match "cpu.weight" '^cpu.weight=50$' "$limits"
else
    sbx_assert_match "memory.limit_in_bytes" '^memory.limit_in_bytes=100663296$' "$limits"
    sbx_assert_match "memory.soft_limit_in_bytes" '^memory.soft_limit_in_bytes=83886080$' "$limits"
    sbx_assert_match "pids.max" '^pids.max=40$' "$limits"
    sbx_assert_match "cpu.cfs_quota_us" '^cpu.cfs_quota_us=50000$' "$limits"
    sbx_assert_match "cpu.cfs_period_us" '^cpu.cfs_period_us=100000$' "$limits"
    sbx_assert_match "cpu.shares (systemd's mapping of CPUWeight 50)" '^cpu.shares=512$' "$limits"
fi

# The grant: exactly the helper's capabilities in the inheritable set of the session's processes.
inh=$(awk '{ print $2 }' "$SBX_WS/capinh.txt")
decoded=$(capsh --decode="$inh" | sed 's/.*=//')
sbx_assert_eq "CapInh holds the helper's capabilities" "$(echo "$SBX_HELPER_CAPS" | tr ',' '\n' | sort | paste -sd,)" \
    "$(echo "$decoded" | tr ',' '\n' | sort | paste -sd,)"

# Close removed everything and logged one line with real figures.
sbx_pc_assert_clean "after close"
line=$(sbx_pc_close_line)
sbx_log "syslog: $line"
sbx_assert_match "one close line in syslog (authpriv.info)" '^<86>.*pam_sandbox\(sbx-test:session\): session closed: user=cgu1 session=[0-9]+-[0-9]+ ' "$line"
sbx_assert_eq "exactly one close line" 1 "$(grep -c 'session closed:' "$SBX_SYSLOG")"
sbx_assert_match "peak memory is a real figure" '^[1-9][0-9]*$' "$(sbx_pc_field "$line" peak_memory_bytes)"
sbx_assert_match "CPU seconds is a real figure" '^[0-9]+\.[0-9]{3}$' "$(sbx_pc_field "$line" cpu_seconds)"
sbx_assert_eq "no OOM kill" 0 "$(sbx_pc_field "$line" oom_kills)"
sbx_assert_eq "no tasks-limit hit" 0 "$(sbx_pc_field "$line" tasks_max_hits)"
sbx_assert_eq "processes killed" killed "$(sbx_pc_field "$line" processes)"

# setcred re-raises the grant after something (pam_cap) emptied the inheritable set.
out=$(sbx_pc_session --clear-inheritable --setcred cgu1 sh -c 'grep CapInh /proc/self/status' 2>&1)
sbx_assert_match "setcred re-raised the grant" "CapInh:[[:space:]]+$inh\$" "$out"
out=$(sbx_pc_session --clear-inheritable cgu1 sh -c 'grep CapInh /proc/self/status' 2>&1)
sbx_assert_match "without setcred the cleared set stays empty (the check above can fail)" 'CapInh:[[:space:]]+0+$' "$out"
sbx_pc_assert_clean "after the setcred sessions"

# A user the policy does not sandbox: pam_sandbox says PAM_IGNORE (the session stack ends with pam_permit), nothing
# created, no grant.
out=$(sbx_pc_session cgplain sh -c 'grep CapInh /proc/self/status; cat /proc/self/cgroup' 2>&1)
sbx_assert_match "not sandboxed: the session opens" 'open_session: Success \(0\)' "$out"
sbx_assert_match "not sandboxed: pam_sandbox ignored it (debug log)" "User 'cgplain' is not sandboxed" "$(cat "$SBX_SYSLOG")"
sbx_assert_match "not sandboxed: no grant" 'CapInh:[[:space:]]+0+$' "$out"
sbx_assert_no_match "not sandboxed: no cgroup made" 'sandbox-shell' "$out"
sbx_assert_eq "not sandboxed: no cgroup dir" "" "$(sbx_pc_user_dirs cgplain)"

# A limit the host cannot apply refuses the login, names the controller, and leaves nothing behind. The host is made
# to lack the controller hermetically: v1/hybrid: the pids hierarchy unmounted in a nested mount namespace; v2: the
# tree placed below a cgroup that holds a process, so 'pids' cannot be delegated into it (no-internal-process rule).
# Either way the CgroupRoot is one no session used before ($refused: its top directory, one per hierarchy): whatever
# of it exists afterwards, the CgroupRoot's own directories included, the refused open made.
refused_tree() { local d; for d in "${refused[@]}"; do [ -d "$d" ] && find "$d" -type d; done; return 0; }
if [ "$SBX_PC_LAYOUT" = v2 ]; then
    busy=/sys/fs/cgroup/sbx-busy.$$
    mkdir "$busy"
    refused=("$busy/sandbox-shell")
    sleep 1000 &
    sleeper=$!
    echo "$sleeper" >"$busy/cgroup.procs"
    sbx_at_exit "kill $sleeper 2>/dev/null; sleep 0.2; sbx_cleanup_cgroup_dirs $busy"
    SBX_PC_CGROUP_ROOT=/sbx-busy.$$/sandbox-shell sbx_pc_conf "    TasksMax 40"
    sbx_assert_eq "the refused CgroupRoot does not exist before" "" "$(refused_tree)"
    out=$(sbx_pc_session cgu1 sh -c 'echo RAN' 2>&1)
    rc=$?
else
    # The open runs in the nested namespace; the cgroups it may make are the same ones seen from here, in every
    # hierarchy (pids included: it is only unmounted there). They are below the test's own tree, removed at exit.
    mapfile -t refused < <(sbx_cgroup_dirs_below_self "$SBX_PC_TOP/refused")
    SBX_PC_CGROUP_ROOT=%c/$SBX_PC_TOP/refused/sandbox-shell sbx_pc_conf "    MemoryMax 96M
    TasksMax 40"
    sbx_assert_eq "the refused CgroupRoot does not exist before" "" "$(refused_tree)"
    out=$(unshare --mount --propagation private -- bash -c 'umount /sys/fs/cgroup/pids && "$@"' _ \
        "$SBX_PAM_SESSION" "$SBX_PAMDIR" "$SBX_PC_SERVICE" cgu1 sh -c 'echo RAN' 2>&1)
    rc=$?
fi
left=$(refused_tree)
printf '%s\n' "$out" | sed 's/^/# /'
sbx_assert_eq "unappliable limit: open fails" 2 "$rc"
sbx_assert_match "unappliable limit: PAM_SESSION_ERR" 'open_session: .*\(14\)' "$out"
sbx_assert_match "the user is told why, naming the controller" "pam message: .*'pids'" "$out"
sbx_assert_no_match "the command never ran" RAN "$out"
sbx_assert_match "the admin log names it too" "Failed to set up the cgroup of 'cgu1': .*'pids'" "$(cat "$SBX_SYSLOG")"
sbx_assert_eq "nothing left below the refused CgroupRoot, nor the CgroupRoot itself" "" "$left"
sbx_pc_assert_clean "after the refused session"

# v1 only: a limit refused after the cgroups were made (memory.memsw limits memory+swap together, so MemorySwapMax
# needs a finite MemoryMax): the rollback removes what the open created and moves the process back.
if [ "$SBX_PC_LAYOUT" != v2 ]; then
    sbx_pc_conf "    TasksMax 40
    MemorySwapMax 64M"
    out=$(sbx_pc_session cgu1 sh -c 'echo RAN' 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed 's/^/# /'
    sbx_assert_eq "MemorySwapMax without MemoryMax on v1: open fails" 2 "$rc"
    sbx_assert_match "the user is told why" "pam message: .*MemorySwapMax" "$out"
    sbx_pc_assert_clean "after the rollback"
fi
exit 0
