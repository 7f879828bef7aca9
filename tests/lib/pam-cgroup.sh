# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the pam_sandbox/cgroup root tests (tests/integration/test-pam-*.sh, test-cgroup-*.sh; also run on pure
# cgroup v2 inside user-mode-linux by tests/uml/). Source it after harness.sh, then call sbx_pc_setup "$@".
#
# Provides (with harness.sh's sbx_syslog_start for the syslog sink): a PAM service "sbx-test"
# in $SBX_PAMDIR that stacks pam_sandbox.so (auth for setcred, session), test users cgu1/cgu2, and the cgroup
# directories where CgroupRoot %c/sandbox-shell puts their trees.

SBX_PC_SERVICE=sbx-test
# Each test's cgroup tree is its own: tests running at the same time share the cgroups they start in (on a hybrid
# host the memory and v2 ones), and one test's cleanup must not remove a directory another test's session is being set
# up in. CgroupRoot is %c/$SBX_PC_TOP/sandbox-shell.
SBX_PC_TOP=sbx-$(basename "$0" .sh)

# The layout, as the module detects it: v2, hybrid or v1.
sbx_pc_layout() {
    if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
        echo v2
    elif awk '$3 == "cgroup2" { f = 1 } END { exit !f }' /proc/mounts; then
        echo hybrid
    else
        echo v1
    fi
}

# sbx_pc_dir HIER: the sandbox-shell directory of CgroupRoot %c/$SBX_PC_TOP/sandbox-shell in hierarchy HIER (a v1
# controller name, or "" for the cgroup2 hierarchy).
sbx_pc_dir() {
    local h=$1 mnt path
    path=$(sbx_cgroup_self "$h")
    mnt=$(sbx_cgroup_mount "$h")
    [ -n "$mnt" ] && echo "$mnt${path%/}/$SBX_PC_TOP/sandbox-shell"
}

# sbx_pc_conf EXTRA: the policy: cgu1 and cgu2 sandboxed with the lines EXTRA, everyone else not.
sbx_pc_conf() {
    sbx_write_conf "Sandbox no
CgroupRoot ${SBX_PC_CGROUP_ROOT:-%c/$SBX_PC_TOP/sandbox-shell}

Match User cgu1,cgu2
    Sandbox yes
$1"
}

sbx_pc_setup() {
    sbx_enter_private_ns "$@"
    set -e
    sbx_syslog_start
    sbx_add_user cgu1 3901
    sbx_add_user cgu2 3902
    sbx_add_user cgplain 3903 /bin/sh
    SBX_PAMDIR=$SBX_WS/pam.d
    mkdir -p "$SBX_PAMDIR"
    # pam_permit after pam_sandbox: a stack where every module says PAM_IGNORE fails, as for a user the policy does
    # not sandbox; pam_sandbox's own failures still fail the stack (required).
    printf '%s\n' "auth required $SBX_PAM_MODULE conf=/etc/sandbox-shell helper=$SBX_SHELL" "auth optional pam_permit.so" \
        "session required $SBX_PAM_MODULE conf=/etc/sandbox-shell helper=$SBX_SHELL debug" "session optional pam_permit.so" \
        >"$SBX_PAMDIR/$SBX_PC_SERVICE"
    SBX_PC_LAYOUT=$(sbx_pc_layout)
    SBX_PC_DIRS=()
    local hier d
    while IFS=: read -r _ hier _; do
        case "$hier" in
        name=*) continue ;;
        esac
        d=$(sbx_pc_dir "${hier%%,*}")
        [ -n "$d" ] && SBX_PC_DIRS+=("$d")
    done </proc/self/cgroup
    sbx_at_exit 'sbx_pc_kill_all; sbx_cleanup_cgroup_dirs "${SBX_PC_DIRS[@]%/sandbox-shell}"'
    set +e
    sbx_log "cgroup layout: $SBX_PC_LAYOUT"
}

# Kills whatever a failed test left in the users' cgroups (normal runs leave nothing: the tests assert it).
sbx_pc_kill_all() {
    local d f
    for d in "${SBX_PC_DIRS[@]}"; do
        for f in "$d"/cgu*/session-*/cgroup.procs; do
            [ -e "$f" ] && xargs -r kill -9 <"$f" 2>/dev/null
        done
    done
    return 0
}

# sbx_pc_session [DRIVER OPTIONS] USER [CMD...]: opens a session of USER through the real libpam and runs CMD in it.
sbx_pc_session() {
    local opts=()
    while [ "${1#--}" != "$1" ]; do
        opts+=("$1")
        shift
    done
    local user=$1
    shift
    "$SBX_PAM_SESSION" "${opts[@]}" "$SBX_PAMDIR" "$SBX_PC_SERVICE" "$user" "$@"
}

# The cgroup directories of USER that exist now, one per line.
sbx_pc_user_dirs() { sbx_user_dirs "$1" "${SBX_PC_DIRS[@]}"; }

# The session leaves of USER that exist now.
sbx_pc_leaves() {
    local d
    for d in "${SBX_PC_DIRS[@]}"; do
        ls -d "$d/$1"/session-* 2>/dev/null
    done
    return 0
}

# The syslog line of the close of session ID (or the last close line when ID is empty).
sbx_pc_close_line() {
    grep "session closed: .*session=${1:-}" "$SBX_SYSLOG" | tail -n 1
}

# sbx_pc_field LINE NAME: the value of NAME=... in a close line.
sbx_pc_field() {
    printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

sbx_pc_assert_clean() {
    local u
    for u in cgu1 cgu2; do
        sbx_wait_for "[ -z \"\$(sbx_pc_user_dirs $u)\" ]" 50 || true
        sbx_assert_eq "${1:-at the end}: cgroups of $u" "" "$(sbx_pc_user_dirs "$u")"
    done
}
