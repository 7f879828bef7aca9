#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# With etc/sshd_config.d/sandbox-shell.conf included, sshd refuses every path around the login shell for a sandboxed
# user: -W, -L, -R and -D forwarding, agent forwarding, and internal-sftp (the sshd here is configured with
# "Subsystem sftp internal-sftp", which would run inside sshd, outside the sandbox); a plain user (not in the group)
# can still do all of it, which shows the refusals are the snippet's doing. Commands still work, through the ForceCommand.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
cp "$SBX_SRCDIR/etc/sshd_config.d/sandbox-shell.conf" "$SBX_WS/sshd-sandbox.conf"
SBX_SSH_SFTP=internal-sftp sbx_sshd_start "AllowTcpForwarding yes
Include $SBX_WS/sshd-sandbox.conf"
sbx_ssh_authorize sbxuser2
sbx_ssh_authorize plainuser

# Something to forward to: sshd itself.
out=$(sbx_ssh sbxuser2 -W "127.0.0.1:$SBX_SSH_PORT" </dev/null 2>&1 | head -c 200)
sbx_assert_no_match "ssh -W is refused for a sandboxed user" '^SSH-2.0' "$out"
out=$(timeout 20 ssh $(sbx_ssh_opts | tr '\n' ' ') -p "$SBX_SSH_PORT" -W "127.0.0.1:$SBX_SSH_PORT" plainuser@127.0.0.1 </dev/null 2>&1 | head -c 200)
sbx_assert_match "ssh -W works for a user outside the group (the test can see a refusal)" '^SSH-2.0' "$out"

lport=$(sbx_free_port)
sbx_ssh sbxuser2 -o ExitOnForwardFailure=yes -L "$lport:127.0.0.1:$SBX_SSH_PORT" 'sleep 3' </dev/null >/dev/null 2>&1 &
sleep 1.5
got=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$lport && head -c 7 <&3" 2>/dev/null || true)
wait
sbx_assert_eq "-L forwarding carries nothing for a sandboxed user" "" "$got"

out=$(sbx_ssh sbxuser2 -o ExitOnForwardFailure=yes -R "0:127.0.0.1:$SBX_SSH_PORT" true </dev/null 2>&1)
rc=$?
[ "$rc" -ne 0 ] || sbx_fail "-R forwarding was accepted: $out"
sbx_assert_match "-R forwarding is refused" 'forwarding failed|administratively prohibited' "$out"

dport=$(sbx_free_port)
sbx_ssh sbxuser2 -D "$dport" 'sleep 3' </dev/null >/dev/null 2>&1 &
sleep 1.5
# A SOCKS5 CONNECT to sshd's port through the dynamic forward: a refusal closes the channel without the banner.
got=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$dport && printf '\x05\x01\x00' >&3 && head -c 2 <&3 >/dev/null &&
    printf '\x05\x01\x00\x01\x7f\x00\x00\x01\\x$(printf %02x $((SBX_SSH_PORT >> 8)))\\x$(printf %02x $((SBX_SSH_PORT & 255)))' >&3 &&
    head -c 10 <&3 >/dev/null && head -c 7 <&3" 2>/dev/null || true)
wait
sbx_assert_no_match "-D forwarding carries nothing for a sandboxed user" 'SSH-2.0' "$got"

# internal-sftp: refused for the sandboxed user, working for the plain one.
mapfile -t opts < <(sbx_ssh_opts)
out=$(printf 'ls /\n' | sftp -q "${opts[@]}" -P "$SBX_SSH_PORT" -b - sbxuser2@127.0.0.1 2>&1)
rc=$?
[ "$rc" -ne 0 ] || sbx_fail "internal-sftp served a sandboxed user: $out"
sbx_assert_no_match "internal-sftp shows the sandboxed user nothing of the host" '/(work|boot|srv)' "$out"
out=$(printf 'ls /\n' | sftp -q "${opts[@]}" -P "$SBX_SSH_PORT" -b - plainuser@127.0.0.1 2>&1) ||
    sbx_fail "internal-sftp does not work for the plain user either (the test could not see a refusal): $out"
echo "ok - internal-sftp works for a user outside the group"

# Through the ForceCommand, commands, their exit status and an interactive login shell still work, as PID 1.
sbx_assert_eq "a command runs as PID 1 through the ForceCommand" "1 box-sbxuser2" "$(sbx_ssh sbxuser2 'echo $$ $(hostname)')"
sbx_ssh sbxuser2 'exit 9'
sbx_assert_eq "the exit status passes the ForceCommand" 9 "$?"
out=$(printf 'echo LOGIN=$$\nexit\n' | sbx_ssh sbxuser2 -tt 2>&1 | tr -d '\r')
sbx_assert_match "an interactive login gets the shell as PID 1" 'LOGIN=1' "$out"

agent_out=$(sbx_ssh sbxuser2 -A 'echo "SOCK=${SSH_AUTH_SOCK:-none}"' 2>&1)
sbx_assert_eq "no agent socket in the sandbox's environment" "SOCK=none" "$agent_out"
sbx_e2e_assert_clean sbxuser2
