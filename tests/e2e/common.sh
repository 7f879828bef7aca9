# SPDX-License-Identifier: LGPL-2.1-or-later
# Setup shared by the e2e tests: the harness's private namespaces, test users, a busybox rootfs with sftp-server, the
# policy, PAM service files and sshd. Source it from a tests/e2e/test-*.sh, then call sbx_e2e_setup "$@".

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/harness.sh"
. "$here/../lib/sshd.sh"

# Users: sbxuser1..5 are sandboxed (group sandboxed); plainuser is not (login shell /bin/sh, Sandbox no).
SBX_E2E_USERS=(sbxuser1 sbxuser2 sbxuser3 sbxuser4 sbxuser5)

# The cgroups are below %c/$SBX_E2E_CGROUP (set it before sbx_e2e_setup): by default a tree of the test's own,
# %c/sbx-TESTNAME/sandbox-shell. Tests running at the same time share the cgroups they start in (on a hybrid host the
# memory and v2 ones), and one test's cleanup must not remove a directory another test's session is being set up in.
SBX_E2E_CGROUP=${SBX_E2E_CGROUP:-sbx-$(basename "$0" .sh)/sandbox-shell}

# sbx_e2e_policy [EXTRA LINES FOR THE MATCH BLOCK]: the standard policy; the rootfs is $SBX_E2E_ROOTFS (default
# $SBX_WS/rootfs). Extra lines come after the standard ones, so they cannot override them (the first value wins).
sbx_e2e_policy() {
    sbx_write_conf "Sandbox no
CgroupRoot %c/$SBX_E2E_CGROUP

Match Group sandboxed
    Sandbox yes
    RootDirectory ${SBX_E2E_ROOTFS:-$SBX_WS/rootfs}
    Shell /bin/sh
    Hostname box-%u
    TasksMax 200
    MemoryMax 512M
${1:-}"
}

sbx_e2e_setup() {
    sbx_enter_private_ns "$@"
    local i=1 u
    for u in "${SBX_E2E_USERS[@]}"; do
        sbx_add_user "$u" $((3000 + i))
        i=$((i + 1))
    done
    sbx_add_user plainuser 3100 /bin/sh
    sbx_add_group sandboxed 3200 "${SBX_E2E_USERS[@]}"
    sbx_make_rootfs "$SBX_WS/rootfs"
    sbx_rootfs_add_prog "$SBX_WS/rootfs" /usr/lib/openssh/sftp-server
    sbx_e2e_policy
    sbx_pam_service su
    sbx_pam_service su-l
    sbx_pam_service login
    # Where the per-user cgroups of these tests live (CgroupRoot %c/$SBX_E2E_CGROUP, %c = the cgroup of the session
    # process, i.e. this test's): one directory per hierarchy.
    mapfile -t SBX_E2E_CG_DIRS < <(sbx_cgroup_dirs_below_self "$SBX_E2E_CGROUP")
    mapfile -t SBX_E2E_CG_TOPS < <(sbx_cgroup_dirs_below_self "${SBX_E2E_CGROUP%%/*}")
    sbx_at_exit 'sbx_cleanup_cgroup_dirs "${SBX_E2E_CG_TOPS[@]}"'
}

# sbx_e2e_user_cgroups USER: the per-user cgroup directories that exist now (one per line).
sbx_e2e_user_cgroups() { sbx_user_dirs "$1" "${SBX_E2E_CG_DIRS[@]}"; }

# Asserts that nothing of USER is left: no process, no per-user cgroup, no mount of the sandbox.
sbx_e2e_assert_clean() {
    local u=$1 what=${2:-after logout}
    sbx_wait_for "! pgrep -u $u >/dev/null" 100 || true
    sbx_assert_eq "$what: processes of $u" "" "$(pgrep -u "$u" -a || true)"
    sbx_wait_for "[ -z \"\$(sbx_e2e_user_cgroups $u)\" ]" 50 || true
    sbx_assert_eq "$what: cgroups of $u" "" "$(sbx_e2e_user_cgroups "$u")"
    sbx_assert_eq "$what: mounts of the rootfs in this namespace" "" \
        "$(awk -v r="$SBX_WS/rootfs" 'index($5, r) == 1' /proc/self/mountinfo)"
}
