#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `sandbox-shellctl explain USER` on real files, for users from nss_wrapper (LD_PRELOAD=libnss_wrapper.so with our
# own passwd/group): the full output for a Match'ed and a plain user, that the output reads back as a config giving
# the same policy, and the errors (unknown user, per-user conflict, invalid config). Not root: as test-check.sh.
set -u
CTL=${SBX_CTL:?SBX_CTL not set}

if [ "$(id -u)" != 0 ]; then
    [ -z "${SBX_CTL_USERNS:-}" ] || { echo "FAIL: still not uid 0 inside the user namespace" >&2; exit 1; }
    SBX_CTL_USERNS=1 exec unshare --user --map-root-user bash "$0" "$@" || true
    [ "${SBX_MUST_WORK:-0}" = 1 ] && { echo "FAIL: no user namespace and not root" >&2; exit 1; }
    echo "SKIP: needs root or a user namespace" >&2
    exit 77
fi
if ! ldconfig -p | grep -q 'libnss_wrapper\.so '; then
    [ "${SBX_MUST_WORK:-0}" = 1 ] && { echo "FAIL: libnss_wrapper.so missing (libnss-wrapper)" >&2; exit 1; }
    echo "SKIP: needs libnss-wrapper" >&2
    exit 77
fi

umask 022
T=$(mktemp -d /tmp/sbx-ctl-explain.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

cat >"$T/passwd" <<'EOF'
alice:x:1001:1001:Alice:/home/alice:/usr/bin/sandbox-shell
bob:x:1002:1002:Bob:/home/bob:/bin/bash
carol:x:1003:2000:Carol:/home/c%d/x y:/usr/bin/sandbox-shell
EOF
cat >"$T/group" <<'EOF'
alice:x:1001:
bob:x:1002:
students:x:2000:alice
staff:x:2001:bob
EOF
ctl() {
    LD_PRELOAD=libnss_wrapper.so NSS_WRAPPER_PASSWD=$T/passwd NSS_WRAPPER_GROUP=$T/group \
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 "$CTL" "$@"
}

# expect NAME RC STDOUT STDERR ARGS...: the exit status and both outputs, in full.
expect() {
    local name=$1 rc=$2 out=$3 err=$4
    shift 4
    ctl "$@" >"$T/out" 2>"$T/err"
    local got=$?
    [ "$got" = "$rc" ] || fail "$name: exit $got, expected $rc ($(cat "$T/err"))"
    if [ "$(cat "$T/out")" != "$out" ]; then
        fail "$name: stdout differs"
        diff -u <(printf '%s\n' "$out") "$T/out" >&2
    fi
    if [ "$(cat "$T/err")" != "$err" ]; then
        fail "$name: stderr differs"
        diff -u <(printf '%s\n' "$err") "$T/err" >&2
    fi
}

# The default deny list of the syscall filter, as sandbox-shell.conf(5) documents it.
DEFAULT_FILTER="mount umount umount2 pivot_root chroot move_mount open_tree fsopen fsconfig fsmount fspick \
mount_setattr setns userns kexec_load kexec_file_load init_module finit_module delete_module bpf perf_event_open iopl \
ioperm reboot syslog acct swapon swapoff quotactl quotactl_fd lookup_dcookie uselib nfsservctl _sysctl vhangup keyctl \
add_key request_key userfaultfd open_by_handle_at name_to_handle_at io_uring_setup io_uring_enter io_uring_register \
TIOCSTI TIOCLINUX personality"

C=$T/conf
D=$C/sandbox-shell.conf.d
M=$C/sandbox-shell.conf
mkdir -p "$D"
cat >"$D/10-students.conf" <<'EOF'
Match Group students
    Sandbox yes
    MemoryMax 1536M
    Environment COURSE="cs 101"
    Bind /srv/course/%u /course
EOF
cat >"$M" <<'EOF'
Sandbox no
RootDirectory /srv/rootfs
Hostname box-%u
Network none
Tmpfs /var/tmp 256M
Environment EDITOR=vi
Environment COURSE=none
MemoryMax 2G
MemoryHigh 1G
TasksMax 256
CPUQuota 150%
IOWeight 500
Match User alice
    Shell /bin/bash
    Hostname alice-box
    Bind /srv/share/%u /home/%u/share rw
    Tmpfs /tmp 32M
    MemorySwapMax 0
    CPUWeight 50
    KillOnLogout no
    Environment PROMPT="%u at 100%%"
Match All
    CgroupRoot %c/sandbox-shell
    Network host
EOF

# alice: the drop-in's block (students), the main file's alice block and Match All all apply.
expect "alice" 0 "# alice: uid 1001, group alice (gid 1001), home /home/alice
Sandbox yes  # $D/10-students.conf:2
RootDirectory /srv/rootfs  # $M:2
Shell /bin/bash  # $M:14
Hostname alice-box  # $M:15
Network host  # $M:24
Bind /srv/course/alice /course ro  # $D/10-students.conf:5
Bind /srv/share/alice /home/alice/share rw  # $M:16
Bind /home/alice /home/alice rw  # default
Tmpfs /var/tmp 256M  # $M:5
Tmpfs /tmp 32M  # $M:17
Environment \"COURSE=cs 101\"  # $D/10-students.conf:4
Environment \"PROMPT=alice at 100%%\"  # $M:21
Environment EDITOR=vi  # $M:6
MemoryMax 1536M  # $D/10-students.conf:3
MemoryHigh 1G  # $M:9
MemorySwapMax 0  # $M:18
TasksMax 256  # $M:10
CPUQuota 150%  # $M:11
CPUWeight 50  # $M:19
IOWeight 500  # $M:12
SessionMemoryMax infinity  # default
SessionMemoryHigh infinity  # default
SessionTasksMax infinity  # default
SessionCPUQuota infinity  # default
SessionIOWeight 100  # default
MaxSessions infinity  # default
RuntimeMaxSec infinity  # default
RuntimeWarnSec 5min  # default
IdleTimeoutSec infinity  # default
TimeoutStopSec 10s  # default
KillOnLogout no  # $M:20
Instance session  # default
Linger 0  # default
CgroupRoot %c/sandbox-shell  # $M:23
CgroupBackend auto  # default
SystemCallFilter $DEFAULT_FILTER  # default" "" explain --config "$C" alice

# bob: only the global lines and Match All; defaults for the rest.
expect "bob" 0 "# bob: uid 1002, group bob (gid 1002), home /home/bob
Sandbox no  # $M:1
RootDirectory /srv/rootfs  # $M:2
Shell /bin/sh  # default
Hostname box-bob  # $M:3
Network host  # $M:24
Bind /home/bob /home/bob rw  # default
Tmpfs /var/tmp 256M  # $M:5
Tmpfs /tmp 64M  # default
Environment EDITOR=vi  # $M:6
Environment COURSE=none  # $M:7
MemoryMax 2G  # $M:8
MemoryHigh 1G  # $M:9
MemorySwapMax infinity  # default
TasksMax 256  # $M:10
CPUQuota 150%  # $M:11
CPUWeight 100  # default
IOWeight 500  # $M:12
SessionMemoryMax infinity  # default
SessionMemoryHigh infinity  # default
SessionTasksMax infinity  # default
SessionCPUQuota infinity  # default
SessionIOWeight 100  # default
MaxSessions infinity  # default
RuntimeMaxSec infinity  # default
RuntimeWarnSec 5min  # default
IdleTimeoutSec infinity  # default
TimeoutStopSec 10s  # default
KillOnLogout yes  # default
Instance session  # default
Linger 0  # default
CgroupRoot %c/sandbox-shell  # $M:23
CgroupBackend auto  # default
SystemCallFilter $DEFAULT_FILTER  # default" "" explain --config "$C" bob

# The output is itself a valid config: read back for the same user it gives the same values (only the origins
# change). carol's home has a '%' and a blank, which must come back quoted and escaped.
for u in alice bob carol; do
    ctl explain --config "$C" "$u" >"$T/first" 2>"$T/err" || fail "explain $u: $(cat "$T/err")"
    R=$T/re-$u
    mkdir -p "$R"
    cp "$T/first" "$R/sandbox-shell.conf"
    ctl check --config "$R" 2>"$T/err" || fail "explain output for $u does not pass check: $(cat "$T/err")"
    ctl explain --config "$R" "$u" >"$T/second" 2>"$T/err" || fail "explain $u again: $(cat "$T/err")"
    if ! diff -u <(sed 's/  # .*$//' "$T/first") <(sed 's/  # .*$//' "$T/second") >&2; then
        fail "explain output for $u does not read back to the same policy"
    fi
done
grep -qxF 'Bind "/home/c%%d/x y" "/home/c%%d/x y" rw  # default' "$T/first" || fail "carol's home: $(grep Bind "$T/first")"

# Network private with NetworkAllow and NetworkDeny: every rule of every line that applies, in canonical form, each
# once, with its origin; the default ranges first (a rule restating one is not repeated); a rule that does not apply
# to the user is not there; and that output reads back to the same policy.
cat >"$M" <<'EOF'
Sandbox yes
Network private
NetworkAllow 10.1.2.3:7 [fd00::1/128]:443
NetworkDeny 203.0.113.0/24:8-9 10.0.0.0/8
Match User alice
    NetworkAllow 192.168.1.0/24 10.1.2.3/32:7
    NetworkDeny 2001:db8::/32
Match User bob
    NetworkAllow 172.16.0.1
EOF
ctl explain --config "$C" alice >"$T/out" 2>"$T/err" || fail "explain alice: $(cat "$T/err")"
got=$(grep -E '^Network' "$T/out")
want="Network private  # $M:2
NetworkAllow 192.168.1.0/24  # $M:6
NetworkAllow 10.1.2.3:7  # $M:6
NetworkAllow [fd00::1]:443  # $M:3
NetworkDeny 169.254.0.0/16 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 fe80::/10 fc00::/7  # default, and the host's own addresses
NetworkDeny 2001:db8::/32  # $M:7
NetworkDeny 203.0.113.0/24:8-9  # $M:4"
[ "$got" = "$want" ] || { fail "Network private for alice"; diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2; }
R=$T/re-net
mkdir -p "$R"
cp "$T/out" "$R/sandbox-shell.conf"
ctl explain --config "$R" alice >"$T/second" 2>"$T/err" || fail "explain alice again: $(cat "$T/err")"
diff -u <(sed 's/  # .*$//' "$T/out") <(sed 's/  # .*$//' "$T/second") >&2 ||
    fail "the Network private output for alice does not read back to the same policy"
ctl explain --config "$C" bob >"$T/out" 2>"$T/err" || fail "explain bob: $(cat "$T/err")"
got=$(grep -E '^NetworkAllow' "$T/out")
want="NetworkAllow 172.16.0.1  # $M:9
NetworkAllow 10.1.2.3:7  # $M:3
NetworkAllow [fd00::1]:443  # $M:3"
[ "$got" = "$want" ] || { fail "NetworkAllow for bob"; diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2; }
# Network none: no default ranges to list (there is no network to filter), the rules as given.
printf 'Sandbox yes\nNetworkDeny 10.0.0.0/8\n' >"$M"
ctl explain --config "$C" alice >"$T/out" 2>"$T/err" || fail "explain alice: $(cat "$T/err")"
[ "$(grep -E '^NetworkDeny' "$T/out")" = "NetworkDeny 10.0.0.0/8  # $M:2" ] ||
    fail "NetworkDeny without Network private: $(grep -E '^NetworkDeny' "$T/out")"

# Errors: unknown user; a Bind and a Tmpfs that meet only for alice; an invalid line in a block alice does not match.
expect "unknown user" 1 "" "sandbox-shellctl: unknown user 'mallory'" explain --config "$C" mallory
rm -f "$D"/*.conf
printf 'Bind /srv/a /data\nMatch User alice\nTmpfs /data\n' >"$M"
expect "per-user conflict" 1 "" \
    "$M:3: Tmpfs: destination '/data' conflicts with the Bind for it at $M:1 (for user alice)" \
    explain --config "$C" alice
ctl explain --config "$C" bob >/dev/null 2>"$T/err" || fail "bob has no conflict: $(cat "$T/err")"
printf 'Sandbox yes\nMatch User bob\nTasksMax lots\nMatch Group students\nHostname x_y\n' >"$M"
expect "invalid config refuses everyone" 1 "" \
    "$M:3: TasksMax: invalid value 'lots' (expected a positive integer or infinity)
$M:5: Hostname: invalid host name 'x_y' (letters, digits, '-' and '.', at most 64)" explain --config "$C" alice
expect "no user" 2 "" "Usage: sandbox-shellctl explain [--config DIR] USER" explain --config "$C"

[ "$FAILS" = 0 ] || exit 1
echo "ok"
