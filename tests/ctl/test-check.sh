#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `sandbox-shellctl check` on real files: silent success, every error as file:line: message with exit 1, the
# ownership/mode refusals, and the command line (usage errors exit 2).
#
# The files must be root-owned, as in production. Not root: the test re-runs itself in a user namespace where the
# caller is uid 0 (files it creates are then owned by "root"); where that is impossible it skips.
set -u
CTL=${SBX_CTL:?SBX_CTL not set}

if [ "$(id -u)" != 0 ]; then
    [ -z "${SBX_CTL_USERNS:-}" ] || { echo "FAIL: still not uid 0 inside the user namespace" >&2; exit 1; }
    SBX_CTL_USERNS=1 exec unshare --user --map-root-user bash "$0" "$@" || true
    [ "${SBX_MUST_WORK:-0}" = 1 ] && { echo "FAIL: no user namespace and not root" >&2; exit 1; }
    echo "SKIP: needs root or a user namespace" >&2
    exit 77
fi

umask 022
T=$(mktemp -d /tmp/sbx-ctl-check.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# run NAME EXPECTED_RC EXPECTED_STDERR ARGS...: runs the ctl, compares exit status and the whole stderr; stdout must
# be empty unless the caller checks it.
run() {
    local name=$1 rc=$2 want=$3
    shift 3
    "$CTL" "$@" >"$T/out" 2>"$T/err"
    local got=$?
    [ "$got" = "$rc" ] || fail "$name: exit $got, expected $rc"
    if [ "$(cat "$T/err")" != "$want" ]; then
        fail "$name: stderr differs"
        diff -u <(printf '%s\n' "$want") "$T/err" >&2
    fi
}

C=$T/conf
mkdir -p "$C/sandbox-shell.conf.d"

# 1. The shipped example is valid, and check says nothing.
cp "$SBX_SRCDIR/etc/sandbox-shell.conf" "$C/"
run "example config" 0 "" check --config "$C"
[ -s "$T/out" ] && fail "check printed on success: $(cat "$T/out")"
run "--config before the command" 0 "" --config "$C" check

# 2. Every error of every file, in reading order, each as file:line: message.
cat >"$C/sandbox-shell.conf.d/10-limits.conf" <<'EOF'
# limits
MemoryMax 12X
TasksMax 0
CPUQuota 50
Match Group students,
    CPUWeight 10001
EOF
cat >"$C/sandbox-shell.conf.d/20-mounts.conf" <<'EOF'
Bind /srv/data /data
Tmpfs /data 1M
Bind data /x
Environment 1X=y
Hostname bad_name
Shell /bin/%z
EOF
cat >"$C/sandbox-shell.conf" <<'EOF'
Sandbox maybe
Frobnicate yes
Bind /srv/other /data/ rw
Match
Match User alice Host x
Match User !root
   Network wifi
   KillOnLogout
   Shell "/bin/sh
RootDirectory /srv/../etc
NetworkAllow 203.0.113.1:443 10.1.2.3/8
NetworkDeny 192.168.0.0/16:99999
NetworkDeny
EOF
D=$C/sandbox-shell.conf.d
M=$C/sandbox-shell.conf
run "every error" 1 "$D/10-limits.conf:2: MemoryMax: invalid size '12X'
$D/10-limits.conf:3: TasksMax: invalid value '0' (expected a positive integer or infinity)
$D/10-limits.conf:4: CPUQuota: invalid value '50' (expected a percentage such as 50%)
$D/10-limits.conf:5: Match Group 'students,': empty pattern in list
$D/10-limits.conf:6: CPUWeight: invalid weight '10001' (expected 1 to 10000)
$D/20-mounts.conf:2: conflicting Tmpfs '/data' conflicts with the Bind for it at $D/20-mounts.conf:1
$D/20-mounts.conf:3: Bind source: 'data' is not an absolute path
$D/20-mounts.conf:4: Environment: '1X=y' is not NAME=VALUE with a valid variable name
$D/20-mounts.conf:5: Hostname: invalid host name 'bad_name' (letters, digits, '-' and '.', at most 64)
$D/20-mounts.conf:6: Shell: unknown token '%z' in '/bin/%z'
$M:1: Sandbox: invalid value 'maybe' (expected yes or no)
$M:2: unknown keyword 'Frobnicate'
$M:3: duplicate Bind '/data/' conflicts with the Bind for it at $D/20-mounts.conf:1
$M:4: Match without criteria
$M:5: unknown Match criterion 'Host'
$M:6: Match User '!root': list has only negated patterns and can never match (write '*,!name')
$M:7: Network: invalid value 'wifi' (expected none, private or host)
$M:8: KillOnLogout: missing value
$M:9: unterminated quote
$M:10: RootDirectory: '/srv/../etc' contains a '..' component
$M:11: NetworkAllow: '10.1.2.3/8': the address has bits set past /8: the network is 10.0.0.0/8
$M:12: NetworkDeny: '192.168.0.0/16:99999': the port '99999' is not a number from 1 to 65535, or a range of them (PORT-PORT)
$M:13: NetworkDeny: missing value" check --config "$C"

# 3. File refusals, each naming the file; the other files are still checked.
rm -f "$D"/*.conf
printf 'Sandbox yes\n' >"$M"
printf 'TasksMax 5\n' >"$D/a.conf"
chmod 0664 "$D/a.conf"
printf 'TasksMax 6\n' >"$T/elsewhere.conf"
ln -s "$T/elsewhere.conf" "$D/b.conf"
printf 'TasksMax x\n' >"$D/c.conf"
printf 'ignored: not a .conf\n' >"$D/README"
run "refusals" 1 "$D/a.conf: refused: writable by group (mode 0664)
$D/b.conf: refused: is a symbolic link
$D/c.conf:1: TasksMax: invalid value 'x' (expected a positive integer or infinity)" check --config "$C"

rm -f "$D"/*.conf
chmod 0646 "$M"
run "world-writable main file" 1 "$M: refused: writable by others (mode 0646)" check --config "$C"
chmod 0644 "$M"
chmod 0777 "$D"
run "world-writable drop-in directory" 1 "$D: refused: writable by others (mode 0777)" check --config "$C"
chmod 0755 "$D"
if [ "$(id -u)" = 0 ] && [ -z "${SBX_CTL_USERNS:-}" ] && chown 12345 "$M" 2>/dev/null; then
    run "not owned by root" 1 "$M: refused: owned by uid 12345, must be owned by uid 0 (root)" check --config "$C"
    chown 0 "$M"
fi
rm -f "$M"
run "missing main file" 1 "$M: cannot open: No such file or directory" check --config "$C"
rm -rf "$D"
printf 'Sandbox no\n' >"$M"
run "no drop-in directory is fine" 0 "" check --config "$C"

# 4. The command line.
"$CTL" --help >"$T/out" 2>&1 || fail "--help exited $?"
grep -q '^Usage: sandbox-shellctl' "$T/out" || fail "--help: no usage"
"$CTL" --version >"$T/out" 2>&1 || fail "--version exited $?"
grep -Eq '^sandbox-shellctl [0-9]+\.[0-9]+' "$T/out" || fail "--version: $(cat "$T/out")"
"$CTL" >/dev/null 2>&1; [ $? = 2 ] || fail "no command: expected exit 2"
"$CTL" frobnicate >/dev/null 2>"$T/err"; [ $? = 2 ] || fail "unknown command: expected exit 2"
grep -q "unknown command 'frobnicate'" "$T/err" || fail "unknown command: $(cat "$T/err")"
"$CTL" check extra --config "$C" >/dev/null 2>&1; [ $? = 2 ] || fail "check with an operand: expected exit 2"
"$CTL" check --bogus >/dev/null 2>&1; [ $? = 2 ] || fail "unknown option: expected exit 2"
run "nonexistent --config" 1 "$T/nope: cannot open: No such file or directory" check --config "$T/nope"

[ "$FAILS" = 0 ] || exit 1
echo "ok"
