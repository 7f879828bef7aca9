#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A restricted account (Commands sftp-server scp rsync): sftp, scp (SFTP and the legacy protocol), sshfs and rsync over
# ssh work; a login without a command, another program, anything that needs a shell, a program of the same name in the
# home, and the options of scp and rsync that start another program are refused, each with a line naming what is
# allowed. Positive control: the same requests from a sandboxed user with a shell run.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_rootfs_add_prog "$SBX_WS/rootfs" /usr/bin/scp /usr/bin/rsync
sbx_e2e_policy "
Match User sbxuser1
    Commands sftp-server scp rsync"
sbx_syslog_start
sbx_sshd_start
sbx_ssh_authorize sbxuser1
sbx_ssh_authorize sbxuser2
mapfile -t opts < <(sbx_ssh_opts)
allowed='this account may run only: sftp-server, scp, rsync'

printf 'payload %s\n' "$RANDOM" >"$SBX_WS/tmp/up.txt"
out=$(printf 'put %s/tmp/up.txt sftp.txt\npwd\n' "$SBX_WS" |
    sftp -q "${opts[@]}" -P "$SBX_SSH_PORT" -b - sbxuser1@127.0.0.1 2>&1) || sbx_fail "sftp failed: $out"
sbx_assert_match "sftp works in the sandbox" 'Remote working directory: /home/sbxuser1' "$out"
sbx_assert_eq "sftp's upload lands in the home" "$(cat "$SBX_WS/tmp/up.txt")" "$(cat /home/sbxuser1/sftp.txt)"

scp -q "${opts[@]}" -P "$SBX_SSH_PORT" "$SBX_WS/tmp/up.txt" sbxuser1@127.0.0.1:scp.txt ||
    sbx_fail "scp (SFTP protocol) failed"
sbx_assert_eq "scp (SFTP protocol) uploads" "$(cat "$SBX_WS/tmp/up.txt")" "$(cat /home/sbxuser1/scp.txt)"
scp -O -q "${opts[@]}" -P "$SBX_SSH_PORT" sbxuser1@127.0.0.1:scp.txt "$SBX_WS/tmp/legacy.txt" ||
    sbx_fail "scp -O (legacy protocol, scp -f in the sandbox) failed"
sbx_assert_eq "scp -O downloads" "$(cat "$SBX_WS/tmp/up.txt")" "$(cat "$SBX_WS/tmp/legacy.txt")"

mkdir -p "$SBX_WS/tmp/tree/sub" && echo one >"$SBX_WS/tmp/tree/a" && echo two >"$SBX_WS/tmp/tree/sub/b"
rsh="ssh $(printf '%q ' "${opts[@]}") -p $SBX_SSH_PORT"
rsync -a -e "$rsh" "$SBX_WS/tmp/tree/" sbxuser1@127.0.0.1:tree/ 2>"$SBX_WS/tmp/rsync.err" ||
    sbx_fail "rsync over ssh failed: $(cat "$SBX_WS/tmp/rsync.err")"
sbx_assert_eq "rsync copies the tree into the home" two "$(cat /home/sbxuser1/tree/sub/b)"
rsync -a -e "$rsh" sbxuser1@127.0.0.1:tree/ "$SBX_WS/tmp/back/" || sbx_fail "rsync download failed"
sbx_assert_eq "rsync copies it back" one "$(cat "$SBX_WS/tmp/back/a")"

# sshfs: the SFTP subsystem through FUSE, mounted in this test's mount namespace.
mkdir -p "$SBX_WS/tmp/mnt"
sbx_at_exit "fusermount3 -u -z '$SBX_WS/tmp/mnt' 2>/dev/null"
sshfs -o ssh_command="$rsh" sbxuser1@127.0.0.1: "$SBX_WS/tmp/mnt" 2>"$SBX_WS/tmp/sshfs.err" ||
    sbx_fail "sshfs failed: $(cat "$SBX_WS/tmp/sshfs.err")"
sbx_assert_eq "sshfs shows the home" "$(cat "$SBX_WS/tmp/up.txt")" "$(cat "$SBX_WS/tmp/mnt/sftp.txt")"
echo "through sshfs $RANDOM" >"$SBX_WS/tmp/fs.txt"
cp "$SBX_WS/tmp/fs.txt" "$SBX_WS/tmp/mnt/fs.txt" || sbx_fail "writing through sshfs failed"
fusermount3 -u "$SBX_WS/tmp/mnt" || sbx_fail "sshfs did not unmount"
sbx_assert_eq "a file written through sshfs lands in the home" "$(cat "$SBX_WS/tmp/fs.txt")" "$(cat /home/sbxuser1/fs.txt)"

# refused REQUEST DESCRIPTION: the request fails with the refusal line, and the program behind it never ran.
refused() {
    local out rc
    out=$(sbx_ssh sbxuser1 "$1" 2>&1 </dev/null)
    rc=$?
    [ $rc -ne 0 ] || sbx_fail "$2: succeeded ($out)"
    sbx_assert_match "$2: refused, naming what is allowed" "$allowed" "$out"
    sbx_assert_no_match "$2: nothing ran" 'RAN-IT' "$out"
}
out=$(sbx_ssh sbxuser1 2>&1 </dev/null)
sbx_assert_match "a login without a command: no interactive shell" "no interactive shell; $allowed" "$out"
out=$(sbx_ssh sbxuser1 -tt 2>&1 </dev/null)
sbx_assert_match "the same with a terminal" "no interactive shell; $allowed" "$out"
refused 'sh -c "echo RAN-IT"' "sh"
refused '/bin/sh -c "echo RAN-IT"' "/bin/sh"
refused 'sftp-server; echo RAN-IT' "a ';' list"
refused 'sftp-server | echo RAN-IT' "a pipe"
refused 'sftp-server $(echo RAN-IT)' "a command substitution"
refused 'sftp-server > /home/sbxuser1/x' "a redirection"
refused 'echo RAN-IT' "echo"
refused 'rsync --server -e sh . x' "rsync with a remote shell"
refused 'rsync --server --daemon --config=/home/sbxuser1/c .' "rsync as a daemon"
refused 'rsync -e sh x y' "rsync as a client"
refused 'scp -S /bin/sh x y' "scp with another ssh program"
refused 'scp -t -o ProxyCommand=sh x' "scp with -o"
sbx_assert_eq "no file came of the redirection" absent "$(test -e /home/sbxuser1/x && echo present || echo absent)"

# A program of an allowed name that the user put in the home (through the sftp it may use) never runs.
printf '#!/bin/sh\necho RAN-IT\n' >/home/sbxuser1/rsync && chmod 755 /home/sbxuser1/rsync
chown sbxuser1: /home/sbxuser1/rsync
out=$(sbx_ssh sbxuser1 /home/sbxuser1/rsync --server . x 2>&1 </dev/null)
sbx_assert_no_match "the home's own 'rsync' does not run" 'RAN-IT' "$out"
sbx_assert_match "it is refused as untrusted" 'not root|owned by uid' "$out"

# Positive control: a user with a shell runs the same.
sbx_assert_eq "control: a shell user runs sh -c" RAN-IT "$(sbx_ssh sbxuser2 'sh -c "echo RAN-IT"' </dev/null)"
sbx_assert_eq "control: a shell user runs a list" "a b" "$(sbx_ssh sbxuser2 'echo a; echo b' </dev/null | xargs)"
sbx_assert_match "control: an allowed program runs with its arguments for the restricted user" '^(open|read)$' \
    "$(sbx_ssh sbxuser1 '/usr/lib/openssh/sftp-server -Q requests' </dev/null)"

sbx_e2e_assert_clean sbxuser1
