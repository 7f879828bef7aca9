#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# scp and sftp as a sandboxed user go through the external sftp-server, started by sshd through the login shell, inside
# the sandbox: files land in the bound home, and the host's files outside it cannot be fetched.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_sshd_start
sbx_ssh_authorize sbxuser2
mapfile -t opts < <(sbx_ssh_opts)

printf 'payload %s\n' "$RANDOM" >"$SBX_WS/tmp/up.txt"
scp -q "${opts[@]}" -P "$SBX_SSH_PORT" "$SBX_WS/tmp/up.txt" "sbxuser2@127.0.0.1:up.txt" ||
    sbx_fail "scp upload failed: $(tail -5 "$SBX_SSH_DIR/sshd.log")"
sbx_assert_eq "scp upload lands in the bound home" "$(cat "$SBX_WS/tmp/up.txt")" "$(cat /home/sbxuser2/up.txt)"

scp -q "${opts[@]}" -P "$SBX_SSH_PORT" "sbxuser2@127.0.0.1:up.txt" "$SBX_WS/tmp/down.txt" || sbx_fail "scp download failed"
sbx_assert_eq "scp download" "$(cat /home/sbxuser2/up.txt)" "$(cat "$SBX_WS/tmp/down.txt")"

# The host's /etc/shadow is not what the sandbox sees at /etc/shadow (the rootfs has none).
if scp -q "${opts[@]}" -P "$SBX_SSH_PORT" "sbxuser2@127.0.0.1:/etc/shadow" "$SBX_WS/tmp/shadow" 2>/dev/null; then
    sbx_fail "scp fetched /etc/shadow"
fi
echo "ok - scp cannot fetch the host's /etc/shadow"

out=$(printf 'put %s/tmp/up.txt sftp.txt\nls -1\npwd\n' "$SBX_WS" |
    sftp -q "${opts[@]}" -P "$SBX_SSH_PORT" -b - sbxuser2@127.0.0.1 2>&1) || sbx_fail "sftp failed: $out"
sbx_assert_match "sftp lists the uploaded file" 'sftp.txt' "$out"
sbx_assert_match "sftp's working directory is the home" 'Remote working directory: /home/sbxuser2' "$out"
sbx_assert_eq "sftp upload lands in the bound home" "$(cat "$SBX_WS/tmp/up.txt")" "$(cat /home/sbxuser2/sftp.txt)"

out=$(printf 'ls /\n' | sftp -q "${opts[@]}" -P "$SBX_SSH_PORT" -b - sbxuser2@127.0.0.1 2>&1)
sbx_assert_no_match "sftp sees the rootfs, not the host (no /work, no /boot)" '/(work|boot|srv)$' "$out"
sbx_assert_match "sftp sees the rootfs's /bin" '/bin' "$out"

sbx_e2e_assert_clean sbxuser2
