#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A login storm: 200 ssh key logins started at once (sshd's MaxStartups raised for it).
#  (a) 40 for each of 5 users, all held open together: every login succeeds and its shell is PID 1; after every
#      logout no process of the users, no cgroup below the tree (every hierarchy, the v2 unified one too) and no
#      mount of a sandbox is left.
#  (b) 200 of one user against a per-user TasksMax 64 too small for them: most logins fail at sshd's fork, after
#      pam_sandbox opened their session, and sshd never closes those sessions. Once the last session that did start
#      has ended, every leaf any of the logins had is gone, with the user's cgroup and every process, without a
#      further login of that user (no `sandbox-shellctl list` either, which would sweep too): the closes of the
#      sessions that ended swept them.
# Every probe that finds "nothing left" is first shown to find the live sessions while they are held open.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_syslog_start
# MaxStartups: the 200 unauthenticated connections at once. MaxSessions is per connection (one each here), raised
# anyway so that it is never the limit. sshd's listen backlog is fixed (128), below the kernel's somaxconn: a
# connection the backlog drops is retried by the client's TCP, which ConnectTimeout below leaves time for.
sbx_sshd_start "MaxStartups 300
MaxSessions 300"
for u in "${SBX_E2E_USERS[@]}"; do sbx_ssh_authorize "$u"; done
N=200
dropin=/etc/sandbox-shell/sandbox-shell.conf.d/10-storm.conf

# storm_start USER... : one login per argument, all at once, each in the background; login I (1..N) writes the
# client's output to $out/I, its errors to $out/I.err and its exit status to $out/I.rc. The session says it is
# ready with ~/.ready-I and holds in the open of the FIFO ~/.go until storm_release opens it: builtins and
# redirections only, so that a session held open is exactly four tasks (sshd's monitor and its child, the helper,
# PID 1) and no fork of its can fail once it runs.
storm_start() {
    local i=0 u opts
    mapfile -t opts < <(sbx_ssh_opts)
    storm_pids=()
    for u in "$@"; do
        i=$((i + 1))
        (
            # The first value of an option wins: a longer ConnectTimeout than sbx_ssh_opts's, for a dropped SYN.
            timeout 300 ssh -o ConnectTimeout=60 "${opts[@]}" -p "$SBX_SSH_PORT" "$u@127.0.0.1" \
                "echo \$\$ $u; : >~/.ready-$i; read x <~/.go || :" \
                </dev/null >"$out/$i" 2>"$out/$i.err"
            echo $? >"$out/$i.rc"
        ) &
        storm_pids+=($!)
    done
}
# How many logins are held open now (ready and not ended), how many have ended, how many are neither yet.
storm_held() {
    local i n=0
    for i in $(seq 1 $N); do
        [ -e "/home/${users[$((i - 1))]}/.ready-$i" ] && [ ! -e "$out/$i.rc" ] && n=$((n + 1))
    done
    echo $n
}
storm_ended() { ls "$out"/*.rc 2>/dev/null | wc -l; }
storm_pending() {
    local i n=0
    for i in $(seq 1 $N); do
        [ -e "/home/${users[$((i - 1))]}/.ready-$i" ] || [ -e "$out/$i.rc" ] || n=$((n + 1))
    done
    echo $n
}
# Opening a FIFO for writing lets every open for reading that waits on it return; reading then gives the end of
# file. A session that was between its ready file and its open is let go by the next round.
storm_release() {
    local u i
    for ((i = 0; i < 300; i++)); do
        [ "$(storm_held)" -gt 0 ] || break
        for u in "$@"; do
            exec 9<>"/home/$u/.go"
            exec 9>&-
        done
        sleep 0.1
    done
    wait "${storm_pids[@]}"
}
storm_fifos() {
    local u
    for u in "$@"; do
        rm -f "/home/$u/.go" /home/"$u"/.ready-*
        mkfifo -m 0644 "/home/$u/.go"
    done
}

# The probes. Every session leaf below the test's CgroupRoot, in every hierarchy this test is in (one per line).
storm_leaves() {
    local d
    for d in "${SBX_E2E_CG_DIRS[@]}"; do ls -d "$d"/*/session-* 2>/dev/null; done
    return 0
}
# Every cgroup below the test's CgroupRoot, in every hierarchy (users' and leaves alike).
storm_cgroups() {
    local d
    for d in "${SBX_E2E_CG_DIRS[@]}"; do [ -d "$d" ] && find "$d" -mindepth 1 -type d; done
    return 0
}
# The mount namespaces other than this test's whose root is the sandbox's rootfs (the workspace's tmpfs, sbx-ws,
# at /rootfs): one per sandbox alive.
storm_sandbox_mountns() {
    local p self ns
    self=$(readlink /proc/self/ns/mnt)
    for p in /proc/[0-9]*; do
        ns=$(readlink "$p/ns/mnt" 2>/dev/null) || continue
        [ "$ns" != "$self" ] || continue
        awk '$4 == "/rootfs" && $5 == "/" && $0 ~ / - tmpfs sbx-ws / { found = 1 } END { exit !found }' \
            "$p/mountinfo" 2>/dev/null && echo "$ns"
    done | sort -u
}
# The leaves among LEAF... whose session process (the PID and start time of the name) is gone.
storm_stale() {
    local l id
    for l in "$@"; do
        id=${l##*/session-}
        [ "$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/${id%-*}/stat" 2>/dev/null)" = "${id#*-}" ] || echo "$l"
    done
}
storm_procs() { pgrep -u "$(IFS=,; echo "$*")" -a || true; }
# The session ids pam_sandbox logged opening for USER, one per line.
# (Lines from $syslog_mark on: those of part (b).)
storm_opened() {
    tail -n +$((syslog_mark + 1)) "$SBX_SYSLOG" |
        sed -n "s/.*pam_sandbox(sshd:session): session opened: user=$1 session=\([0-9-]*\) .*/\1/p"
}
storm_closed() { tail -n +$((syslog_mark + 1)) "$SBX_SYSLOG" | grep -c "pam_sandbox(sshd:session): session closed: user=$1 "; }
# Waits until no sshd process of the users' logins is left: every session that ended has been closed.
storm_settle() {
    local u
    for u in "$@"; do
        sbx_wait_for "[ -z \"\$(sbx_sshd_procs $u)\" ]" 600 ||
            sbx_fail "sshd processes of $u are still there: $(pgrep -af "^sshd: $u")"
    done
}

# ---- (a) 200 logins of 5 users, every one held open ----
# Room for 40 sessions of each user.
printf 'Match Group sandboxed\n    TasksMax 1000\n    MemoryMax 2G\n' >"$dropin"
chmod 0644 "$dropin"
out=$SBX_WS/storm-a
mkdir -p "$out"
users=()
for i in $(seq 1 $N); do users+=("${SBX_E2E_USERS[$((i % 5))]}"); done
storm_fifos "${SBX_E2E_USERS[@]}"
storm_start "${users[@]}"
sbx_wait_for "[ \$(storm_pending) -eq 0 ]" 1200 || true
sbx_assert_eq "(a) all $N logins are held open at once" "$N 0" "$(storm_held) $(storm_ended)"
# The positive controls: the probes find every live session where they will later find nothing.
leaves=$(storm_leaves)
unified=$(sbx_cgroup_mount "")
sbx_assert_eq "(a) $N session leaves in the v2 unified tree" $N "$(printf '%s\n' "$leaves" | grep -c "^$unified/")"
for h in pids memory; do
    sbx_assert_eq "(a) $N session leaves in the $h hierarchy" $N \
        "$(printf '%s\n' "$leaves" | grep -c "^$(sbx_cgroup_mount $h)/")"
done
sbx_assert_eq "(a) the leaves are 40 per user" "40" \
    "$(printf '%s\n' "$leaves" | grep "^$unified/" | awk -F/ '{ print $(NF - 1) }' | sort | uniq -c | awk '{ print $1 }' | sort -u)"
sbx_assert_eq "(a) $N sandboxes have a mount namespace on the rootfs" $N "$(storm_sandbox_mountns | wc -l)"
[ -n "$(storm_procs "${SBX_E2E_USERS[@]}")" ] || sbx_fail "(a) no process of the users while their sessions run"
echo "ok - (a) the users' processes are seen while their sessions run"
storm_release "${SBX_E2E_USERS[@]}"
fails=0
for i in $(seq 1 $N); do
    [ "$(cat "$out/$i")" = "1 ${users[$((i - 1))]}" ] || {
        fails=$((fails + 1))
        sbx_log "login $i: $(cat "$out/$i") $(head -3 "$out/$i.err")"
    }
done
sbx_assert_eq "(a) every login's shell was PID 1 as its user" 0 "$fails"
sbx_assert_eq "(a) every login exited 0" "0" "$(cat "$out"/*.rc | sort -u)"
storm_settle "${SBX_E2E_USERS[@]}"
sbx_wait_for "[ -z \"\$(storm_cgroups)\" ]" 100 || true
sbx_assert_eq "(a) after every logout: no process of the users" "" "$(storm_procs "${SBX_E2E_USERS[@]}")"
sbx_assert_eq "(a) after every logout: no cgroup below the tree in any hierarchy" "" "$(storm_cgroups)"
sbx_assert_eq "(a) after every logout: no sandbox's mount namespace" "" "$(storm_sandbox_mountns)"
sbx_assert_eq "(a) after every logout: no mount of the rootfs here" "" \
    "$(awk -v r="$SBX_WS/rootfs" 'index($5, r) == 1' /proc/self/mountinfo)"

# ---- (b) 200 logins of one user against TasksMax 64 ----
u=sbxuser1
printf 'Match User %s\n    TasksMax 64\n' "$u" >"$dropin"
out=$SBX_WS/storm-b
mkdir -p "$out"
users=()
for i in $(seq 1 $N); do users+=("$u"); done
syslog_mark=$(wc -l <"$SBX_SYSLOG")
storm_fifos "$u"
storm_start "${users[@]}"
# Every login either holds its session open or has ended (a failed one: sshd closed the connection).
sbx_wait_for "[ \$(storm_pending) -eq 0 ]" 1200 ||
    sbx_fail "(b) $(storm_pending) logins neither held nor ended"
leaves=$(storm_leaves)
ready=$(storm_held)
stale=$(storm_stale $leaves | wc -l)
failed=$(grep -lvx 0 "$out"/*.rc | wc -l)
sbx_log "(b) $ready logins held open, $failed failed; sshd: $(grep -c 'fork of unprivileged child failed' "$SBX_SSH_DIR/sshd.log") 'fork of unprivileged child failed', $(grep -c 'fork: Resource temporarily unavailable' "$SBX_SSH_DIR/sshd.log") shell forks refused"
[ "$failed" -gt $((N / 2)) ] || sbx_fail "(b) only $failed of $N logins failed: TasksMax 64 did not bite"
echo "ok - (b) most logins failed ($failed of $N)"
[ "$ready" -gt 0 ] || sbx_fail "(b) no login is held open"
mapfile -t opened < <(storm_opened "$u")
closed=$(storm_closed "$u")
unclosed=$((${#opened[@]} - closed - ready))
sbx_log "(b) pam_sandbox opened ${#opened[@]} sessions, closed $closed; $unclosed were never closed"
[ "$unclosed" -gt 0 ] || sbx_fail "(b) every failed login was closed: the storm made no session sshd never closed"
echo "ok - (b) sshd never closed $unclosed of the sessions pam_sandbox opened"
# What the sweep is for: leaves of such sessions are still there when the sessions held open end (the opens of the
# storm's later logins removed the earlier ones, the user's own open's cleanup; nothing opens after the last).
[ "$stale" -gt 0 ] || sbx_fail "(b) no stale leaf is left when the sessions held open end: the storm tests nothing"
echo "ok - (b) $stale leaves of sessions whose process is gone are there when the held sessions end"
# Positive control: the leaves of the sessions held open are found by the probe (read before they were counted: one
# that ended since is not counted), in the v2 unified tree and in the pids hierarchy (TasksMax), under the names
# pam_sandbox logged.
for h in "" pids; do
    n=$(printf '%s\n' "$leaves" | grep -c "^$(sbx_cgroup_mount "$h")/")
    [ "$n" -ge "$ready" ] || sbx_fail "(b) $n leaves in ${h:-the unified} hierarchy, fewer than the $ready sessions held"
done
echo "ok - (b) the probe finds a leaf for each of the $ready sessions held open"
for l in $leaves; do
    id=${l##*/session-}
    printf '%s\n' "${opened[@]}" | grep -qxF -- "$id" || sbx_fail "(b) leaf $l is no session pam_sandbox logged"
done
echo "ok - (b) every leaf found is a session pam_sandbox logged opening"
storm_release "$u"
storm_settle "$u"
# Every leaf any login had (each session id pam_sandbox logged), in every hierarchy.
leftover() {
    local id d
    for id in "${opened[@]}"; do
        for d in "${SBX_E2E_CG_DIRS[@]}"; do [ -d "$d/$u/session-$id" ] && echo "$d/$u/session-$id"; done
    done
    return 0
}
sbx_wait_for "[ -z \"\$(leftover)\$(storm_cgroups)\" ]" 100 || true
sbx_assert_eq "(b) after the last session ended: no leaf of the ${#opened[@]} sessions opened" "" "$(leftover)"
sbx_assert_eq "(b) after the last session ended: no cgroup of $u below the tree in any hierarchy" "" "$(storm_cgroups)"
sbx_assert_eq "(b) after the last session ended: no process of $u" "" "$(storm_procs "$u")"
sbx_assert_eq "(b) after the last session ended: no sandbox's mount namespace" "" "$(storm_sandbox_mountns)"
sbx_assert_eq "(b) and list shows no session" "[]" "$("$SBX_CTL" list --json)"
