# SPDX-License-Identifier: LGPL-2.1-or-later
# Setup shared by the tests/integration/test-shell-*.sh tests: the harness's private namespaces, a sandboxed user
# (sbxshell), a plain user (plainuser, Sandbox no), a busybox rootfs and the standard policy. sbx-launch stands in for
# the pam_sandbox session: it grants the inheritable capabilities, becomes the user and execs the helper.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/harness.sh"

# sbx_shell_policy [EXTRA LINES FOR THE MATCH BLOCK] [ROOTFS]: the extra lines come first (the first value wins).
sbx_shell_policy() {
    sbx_write_conf "Sandbox no

Match User sbxshell
${1:-}
    Sandbox yes
    RootDirectory ${2:-$SBX_WS/rootfs}
    Shell /bin/sh
    Hostname box-%u
    Environment FROM_POLICY=yes"
}

sbx_shell_setup() {
    sbx_enter_private_ns "$@"
    [ -x "${SBX_LAUNCH:-}" ] || sbx_fail "SBX_LAUNCH (tests/lib/sbx-launch) is not set"
    sbx_add_user sbxshell 3901
    sbx_add_user plainuser 3100
    sbx_make_rootfs "$SBX_WS/rootfs"
    sbx_shell_policy
    # What must look the same after every run of the helper.
    SBX_MOUNTS_BEFORE=$(sbx_shell_mounts)
    SBX_CGROUPS_BEFORE=$(sbx_shell_cgroups)
}

# The mounts of this namespace (mount point and source), without the kernel's ids.
sbx_shell_mounts() { awk '{ print $5, $4 }' /proc/self/mountinfo; }

# Every directory below this process's own cgroups, in every hierarchy, that names the test user (a cgroup made for
# its session would; the test user's name is used by no other test, which may run at the same time and make cgroups
# of its own there).
sbx_shell_cgroups() {
    local hier path mnt
    while IFS=: read -r _ hier path; do
        if [ -z "$hier" ]; then
            mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
        else
            mnt=$(awk -v h="${hier#name=}" '$3 == "cgroup" && ("," $4 ",") ~ ("," h ",") { print $2; exit }' /proc/mounts)
        fi
        [ -n "$mnt" ] && [ -d "$mnt$path" ] && find "$mnt$path" -mindepth 1 -type d 2>/dev/null
    done </proc/self/cgroup | grep sbxshell | sort
}

# sbx_shell_cmd [LAUNCH OPTIONS] -- ARGS...: sets SBX_CMD to the command that runs the helper as $SBX_USER (default
# sbxshell) with a small, fixed caller environment (plus SBX_CALLER_ENV, an array the test may set).
# sbx_shell_run [LAUNCH OPTIONS] -- ARGS...: runs it; stdout/stderr are the helper's.
SBX_CALLER_ENV=()
sbx_shell_cmd() {
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    SBX_CMD=(env -i TERM=xterm LANG=C.UTF-8 PATH=/usr/bin:/bin "${SBX_CALLER_ENV[@]}"
        "$SBX_LAUNCH" "${opts[@]}" "${SBX_USER:-sbxshell}" "$SBX_SHELL" "$@")
}
sbx_shell_run() {
    sbx_shell_cmd "$@"
    "${SBX_CMD[@]}"
}

# Nothing of the user is left: no process, no mount, no cgroup.
sbx_shell_assert_clean() {
    local what=${1:-after the session}
    sbx_wait_for "! pgrep -u sbxshell >/dev/null" 100 || true
    sbx_assert_eq "$what: processes of sbxshell" "" "$(pgrep -u sbxshell -a || true)"
    sbx_assert_eq "$what: mounts of this namespace" "$SBX_MOUNTS_BEFORE" "$(sbx_shell_mounts)"
    sbx_assert_eq "$what: cgroups below the test's own" "$SBX_CGROUPS_BEFORE" "$(sbx_shell_cgroups)"
}

# sbx_shell_expect_refusal WHAT PATTERN [LAUNCH OPTIONS] -- ARGS...: the helper exits non-zero having printed one
# line matching PATTERN, and the command it was given did not run.
sbx_shell_expect_refusal() {
    local what=$1 pattern=$2 out rc
    shift 2
    rm -f /home/sbxshell/ran
    out=$(sbx_shell_run "$@" 2>&1)
    rc=$?
    [ "$rc" != 0 ] || sbx_fail "$what: the helper exited 0 (output: $out)"
    echo "ok - $what: exit status $rc"
    sbx_assert_match "$what: message" "$pattern" "$out"
    sbx_assert_eq "$what: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
    [ ! -e /home/sbxshell/ran ] || sbx_fail "$what: the command ran"
    sbx_shell_assert_clean "$what"
}
