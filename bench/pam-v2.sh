#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The PAM cycle of bench/run.sh (section 2) on pure cgroup v2: bench/run.sh boots the user-mode-linux guest of
# tests/uml/ (Debian 12's 6.1 kernel, the host's filesystem as its read-only root, cgroup2 alone at /sys/fs/cgroup)
# with this script as its one test. The same driver and module, the same three limits for bpam, hermetic like the
# tests (tests/lib/harness.sh: a private /etc, /run and /home in the guest). Prints bench/pam-cycle's lines for bpam,
# then "LIMITS ..." (what a session of bpam got, read from inside one) and "LEFT N" (cgroups left after the cycles).
#
# Environment: SBX_SRCDIR, SBX_BUILDDIR, SBX_PAM_MODULE, SBX_HELPER, SBX_HELPER_CAPS; SBX_BENCH_PAM_N cycles.
set -u
. "$SBX_SRCDIR/tests/lib/harness.sh"
sbx_enter_private_ns "$@"
set -e
grep -q '^bpam:' /etc/passwd || sbx_add_user bpam 4005
sbx_write_conf "Sandbox no
CgroupRoot %c/sbx-bench-v2

Match User bpam
    Sandbox yes
    MemoryMax 4G
    TasksMax 4096
    CPUQuota 100%"
PAMDIR=$SBX_WS/pam.d
mkdir -p "$PAMDIR"
echo "session required $SBX_PAM_MODULE conf=/etc/sandbox-shell helper=$SBX_SHELL" >"$PAMDIR/bench"
limits=$("$SBX_BUILDDIR/tests/lib/sbx-pam-session" "$PAMDIR" bench bpam sh -c '
    p=$(sed -n "s/^0:://p" /proc/self/cgroup)
    for f in memory.max pids.max cpu.max; do printf "%s=%s " "$f" "$(cat "/sys/fs/cgroup${p%/*}/$f")"; done' 2>/dev/null)
"$SBX_BUILDDIR/bench/pam-cycle" "$PAMDIR" bench bpam "${SBX_BENCH_PAM_N:-100}" 20
# One move between cgroups (bench/cg-migrate) in the guest's cgroup2. Lines "MIGRATE plain NAME MS".
mig() {
    local self
    self=$(sed -n 's/^0:://p' /proc/self/cgroup)
    "$SBX_BUILDDIR/bench/cg-migrate" "/sys/fs/cgroup${self%/}" "${SBX_BENCH_MIG_N:-10}" | sed "s/^/MIGRATE $1 /"
}
mig plain
echo "LIMITS $(cat /sys/fs/cgroup/cgroup.subtree_control | tr ' ' ,) $limits"
echo "LEFT $(find /sys/fs/cgroup/sbx-bench-v2 -mindepth 1 -type d 2>/dev/null | wc -l)"
find /sys/fs/cgroup/sbx-bench-v2 -depth -type d -exec rmdir {} \; 2>/dev/null || true
