#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every setup step of a login fails once, in turn (a -Dfault_injection=true build, lib/fault.h): a real login through
# su and pam_sandbox into the helper first lists the steps it passes (SBX_FAULT_TRACE=1); then, for each step, a login
# with that step made to fail (SBX_FAULT) must be refused: the shell never runs, su fails, one message names the step
# in its own words with the injected error, and nothing of the user is left (no process, no cgroup, no mount).
. "$(dirname "$0")/../e2e/common.sh"
. "$(dirname "$0")/../lib/netprivate.sh"
# (A network namespace of its own, for the Network private logins at the end.)
sbx_np_enter "$@"
# A cgroup tree of this test's own: the other root tests share %c/sandbox-shell and may run at the same time, and
# this one removes its tree before every login (the steps that create the top directories run only where they are
# missing).
SBX_E2E_CGROUP=sbx-fault
sbx_e2e_setup "$@"

# Every kind of step: a Bind, a Tmpfs, a resource limit, three cgroup controllers, Network none (the default).
mkdir -p "$SBX_WS/data"
chmod 0755 "$SBX_WS/data"
sbx_e2e_policy "    CPUQuota 50%
    LimitNOFILE 512
    Bind $SBX_WS/data /var/tmp
    Tmpfs /run 1M"

login() { su sbxuser1 -c 'echo SHELL-RAN' </dev/null 2>&1; }
# The same on a terminal (script(1) gives su a pty): the steps of the sandbox's own pty and its relay come in too.
# At the end of its standard input script types an end-of-file character into the session, which the sandbox's
# terminal echoes as a caret sequence (^D, ^@) with backspaces when it comes before the shell's output: that echo is
# dropped: what counts is the shell's own line.
login_tty() {
    local o rc
    o=$(script -qec "su sbxuser1 -c 'echo SHELL-RAN'" /dev/null </dev/null 2>&1)
    rc=$?
    printf '%s\n' "${o//$'\r'/}" | sed -E $'s/\\^[@A-Z\\[\\\\^_]\b*//g'
    return $rc
}

# A name with the session's id (PID and start time), or the PID written to a leaf's cgroup.procs, is matched by a
# pattern: they differ on every login.
pattern_of() {
    printf '%s' "$1" | sed -e 's/[][*?\\]/\\&/g' -e 's/session-[0-9]*-[0-9]*/session-*/g' \
        -e "s/^write '[0-9]*' to \('[^']*\(session-\*\|\/instance\/cgroup\.procs\)\)/write '*' to \1/"
}
normal() {
    sed -e 's/session-[0-9]*-[0-9]*/session-ID/g' \
        -e "s/write '[0-9]*' to \('[^']*\(session-ID\|\/instance\/cgroup\.procs\)\)/write 'PID' to \1/"
}

trace=$(SBX_FAULT_TRACE=1 login)
sbx_assert_match "the traced login works" '^SHELL-RAN$' "$trace"
sbx_e2e_assert_clean sbxuser1 "after the traced login"
mapfile -t points < <(printf '%s\n' "$trace" | sed -n 's/^sbx-fault-point: //p' | awk '!seen[$0]++')
trace_tty=$(SBX_FAULT_TRACE=1 login_tty)
sbx_assert_match "the traced login on a terminal works" '^SHELL-RAN$' "$trace_tty"
sbx_e2e_assert_clean sbxuser1 "after the traced login on a terminal"

# The steps only a login on a terminal passes, failed through such a login.
declare -A tty_only=()
while IFS= read -r p; do
    [ -n "$p" ] || continue
    printf '%s\n' "${points[@]}" | normal | grep -qxF -- "$(printf '%s' "$p" | normal)" && continue
    tty_only[$p]=1
    points+=("$p")
done < <(printf '%s\n' "$trace_tty" | sed -n 's/^sbx-fault-point: //p' | awk '!seen[$0]++')
sbx_log "${#points[@]} setup steps (${#tty_only[@]} only on a terminal):"
printf '#   %s\n' "${points[@]}"

# The steps the issue names are all among them (so the list is the real login's, not a part of it).
for want in "create cgroup '" "/pids.max'" "/cgroup.procs'" "raise the inheritable capabilities" \
    "create the sandbox's namespaces (clone)" "make every mount private" "bind RootDirectory '" \
    "mount proc for /proc" "/proc: hide '/proc/keys'" "/dev: mount '/dev/null' on /dev/null" \
    "/dev/pts: mount devpts" "bind '$SBX_WS/data' on '/var/tmp'" "create tmpfs for /run" "pivot_root into '" \
    "network: bring 'lo' up" "set the hostname 'box-sbxuser1'" "clear the capability sets" \
    "clear the capability sets of the outer half" "LimitNOFILE 512: setrlimit" "load the syscall filter" \
    "execute the shell '/bin/sh' in the sandbox" "terminal: open the sandbox's pty" \
    "terminal: make the sandbox's pty its controlling terminal" "terminal: put the caller's terminal in raw mode"; do
    printf '%s\n' "${points[@]}" | grep -qF -- "$want" || sbx_fail "no setup step '$want' in the trace"
done
echo "ok - the trace holds every kind of step (${#points[@]} steps)"

declare -A seen_msg=()
# fail_step POINT: a login with POINT failed is refused, names the step with the injected error, and leaves nothing.
# The stack killed at its start has no error to name: the helper says it was killed.
fail_step() {
    local p=$1 out rc want msg
    # As before the traced login: the cgroup tree made then (its top directories stay, empty, by design) is
    # removed, so that the steps that create it run again.
    sbx_cleanup_cgroup_dirs "${SBX_E2E_CG_DIRS[@]}"
    if [ -n "${tty_only[$p]:-}" ]; then
        out=$(SBX_FAULT=$(pattern_of "$p") login_tty)
    else
        out=$(SBX_FAULT=$(pattern_of "$p") login)
    fi
    rc=$?
    [ "$rc" != 0 ] || sbx_fail "step '$p' failed, yet su exited 0: $out"
    if printf '%s\n' "$out" | grep -q SHELL-RAN; then
        sbx_fail "step '$p' failed, yet the shell ran: $out"
    fi
    if [ "$p" = "network: the stack is killed at start" ]; then
        msg=$(printf '%s\n' "$out" | grep -F "network: the stack was killed by signal 9 before it was ready")
    else
        want=$(printf '%s' "$p" | normal)
        msg=$(printf '%s\n' "$out" | normal | grep -F -- "$want" | grep -F "State not recoverable" | head -n 1)
    fi
    [ -n "$msg" ] || sbx_fail "step '$p': no message names the step with the injected error; got: $out"
    seen_msg[$msg]=1
    sbx_e2e_assert_clean sbxuser1 "step '$p' failed" >/dev/null
    [ -z "$(pgrep -af sandbox-shell-netstack)" ] || sbx_fail "step '$p': a stack is left: $(pgrep -af sandbox-shell-netstack)"
    echo "ok - refused, named and clean: $p"
    echo "#   $msg"
}
for p in "${points[@]}"; do
    fail_step "$p"
done
# The messages are as many as the steps: none is a generic one shared by two steps.
sbx_assert_eq "one distinct message per step" "${#points[@]}" "${#seen_msg[@]}"

# Network private: the steps of its network, which a login without it never passes (the filter rendered with the
# host's addresses, the tap device and the filter in PID 1, the sandbox's resolv.conf, the stack's program, its start
# and its confinement in its own process, the word it sends and the wait for it), each failed in turn; and a stack
# killed at its start.
sbx_np_setup "$SBX_WS/rootfs"
sbx_e2e_policy "    CPUQuota 50%
    LimitNOFILE 512
    Bind $SBX_WS/data /var/tmp
    Tmpfs /run 1M
    Network private"
sbx_cleanup_cgroup_dirs "${SBX_E2E_CG_DIRS[@]}"
trace=$(SBX_FAULT_TRACE=1 login)
sbx_assert_match "the traced Network private login works" '^SHELL-RAN$' "$trace"
sbx_e2e_assert_clean sbxuser1 "after the traced Network private login"
net_points=()
while IFS= read -r p; do
    [ -n "$p" ] || continue
    printf '%s\n' "${points[@]}" | normal | grep -qxF -- "$(printf '%s' "$p" | normal)" && continue
    net_points+=("$p")
done < <(printf '%s\n' "$trace" | sed -n 's/^sbx-fault-point: //p' | awk '!seen[$0]++')
sbx_log "${#net_points[@]} steps of Network private:"
printf '#   %s\n' "${net_points[@]}"
for want in "network: list the host's addresses" "network: open /dev/net/tun" "network: make the tap device tap0" \
    "network: default route" "network filter: load libnftables.so.1" "network filter: install the rules" \
    "network: hand the tap device to the stack" "create tmpfs for /etc/resolv.conf" "/etc/resolv.conf: write it" \
    "network: open the stack's program '$SBX_NETSTACK_PATH'" "network: start the stack" \
    "network: raise CAP_SYS_ADMIN for the stack" "network: execute the stack '$SBX_NETSTACK_PATH'" \
    "network: the stack is killed at start" "network: the stack's mount namespace" "network: drop the stack's capabilities" \
    "network: load the stack's syscall filter" "network: start libslirp" "network: tell the helper the stack is ready" \
    "network: wait for the stack"; do
    printf '%s\n' "${net_points[@]}" | grep -qxF -- "$want" || sbx_fail "no step '$want' in the Network private trace"
done
echo "ok - the Network private trace holds the network's steps (${#net_points[@]})"
for p in "${net_points[@]}"; do
    fail_step "$p"
done
sbx_assert_eq "one distinct message per step, Network private's included" $((${#points[@]} + ${#net_points[@]})) \
    "${#seen_msg[@]}"

# A step of PID 1 that fails after the stack said it is ready, and PID 1 gone before the outer half reads why: the
# outer half's word to go on was still unread when PID 1 ended, and the kernel reports that (ECONNRESET) ahead of
# PID 1's message, which must still be read and named. PID 1's step fails 1 s late, the outer half waits 3 s at its
# next step after the word.
out=$(SBX_FAULT="/etc/resolv.conf: bind it" SBX_FAULT_DELAY_MS=1000 SBX_FAULT_PAUSE=signalfd SBX_FAULT_PAUSE_MS=3000 login)
printf '%s\n' "$out" | grep -F "/etc/resolv.conf: bind it" | grep -qF "State not recoverable" ||
    sbx_fail "a step of PID 1 failing after the stack was ready is not named; got: $out"
printf '%s\n' "$out" | grep -q SHELL-RAN && sbx_fail "the step failed after the stack was ready, yet the shell ran: $out"
sbx_e2e_assert_clean sbxuser1 "a step of PID 1 failed after the stack was ready" >/dev/null
echo "ok - a step of PID 1 failing once the stack is ready is refused and named"


# Instance user: the steps a login passes only there (root's record of the instance, the instance's cgroup, its init,
# the joiner's entry into the init's namespaces, the shell started beside the init), each failed in turn, on a
# terminal too (the joiner's pty); with Linger 0 a refused login leaves no instance.
sbx_e2e_policy "    CPUQuota 50%
    LimitNOFILE 512
    Bind $SBX_WS/data /var/tmp
    Tmpfs /run 1M
    Instance user"
sbx_cleanup_cgroup_dirs "${SBX_E2E_CG_DIRS[@]}"
known=("${points[@]}" "${net_points[@]}")
inst_points=()
for how in login login_tty; do
    trace=$(SBX_FAULT_TRACE=1 $how)
    sbx_assert_match "the traced Instance user login works ($how)" '^SHELL-RAN$' "$trace"
    sbx_e2e_assert_clean sbxuser1 "after the traced Instance user login ($how)"
    while IFS= read -r p; do
        [ -n "$p" ] || continue
        printf '%s\n' "${known[@]}" | normal | grep -qxF -- "$(printf '%s' "$p" | normal)" && continue
        known+=("$p")
        inst_points+=("$p")
        [ "$how" = login ] || tty_only[$p]=1
    done < <(printf '%s\n' "$trace" | sed -n 's/^sbx-fault-point: //p' | awk '!seen[$0]++')
done
sbx_log "${#inst_points[@]} steps of Instance user:"
printf '#   %s\n' "${inst_points[@]}"
for want in "record the instance in '/run/sandbox-shell/instances/sbxuser1'" "create the instance's namespaces (clone)" \
    "instance: enter the instance's namespaces" "/instance'"; do
    printf '%s\n' "${inst_points[@]}" | grep -qF -- "$want" || sbx_fail "no step '$want' in the Instance user trace"
done
echo "ok - the Instance user trace holds the instance's steps (${#inst_points[@]})"
for p in "${inst_points[@]}"; do
    fail_step "$p"
    [ -z "$(ls /run/sandbox-shell/instances 2>/dev/null)" ] || sbx_fail "step '$p': an instance record is left"
done
