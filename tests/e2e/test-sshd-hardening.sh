#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# With etc/sshd_config.d/sandbox-shell.conf included, sshd refuses every path around the login shell for a sandboxed
# user: -W, -L, -R and -D forwarding, agent forwarding, and internal-sftp (the sshd here is configured with
# "Subsystem sftp internal-sftp", which would run inside sshd, outside the sandbox). Each refusal is seen (the
# client's message, sshd's log line), and each has its positive control: the same request for a plain user (not in
# the group) carries data, so a forward that never came up cannot pass for a refused one. Commands still work,
# through the ForceCommand.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
# sshd makes forwarded agents' sockets in /tmp: a private one, so that what this sshd made is all there is in it, and
# nothing is left on the machine's.
sbx_private_tmp
cp "$SBX_SRCDIR/etc/sshd_config.d/sandbox-shell.conf" "$SBX_WS/sshd-sandbox.conf"
# DEBUG1: sshd logs the agent and remote-forward requests it gets, and the refusal of an agent.
SBX_SSHD_LOGLEVEL=DEBUG1 SBX_SSH_SFTP=internal-sftp sbx_sshd_start "AllowTcpForwarding yes
Include $SBX_WS/sshd-sandbox.conf"
sbx_ssh_authorize sbxuser2
sbx_ssh_authorize plainuser
mapfile -t opts < <(sbx_ssh_opts)
log=$SBX_SSH_DIR/sshd.log

# sshd's log lines since MARK (a line count from log_mark), without the CR sshd -E ends them with.
log_mark() { wc -l <"$log"; }
log_since() { tail -n "+$(($1 + 1))" "$log" | tr -d '\r'; }

# hold USER CMD [SSH OPTIONS...]: in the background, a session of USER that runs CMD, then creates ~/held and waits for
# ~/release (30 s at most); returns once ~/held is there (or the client has exited). The client's stdout and stderr
# are in $SBX_WS/hold.out and hold.err. release ends the session and waits for the client.
hold() {
    local user=$1 cmd=$2
    shift 2
    rm -f "/home/$user/release" "/home/$user/held"
    HOLD_USER=$user
    ssh "$@" "${opts[@]}" -p "$SBX_SSH_PORT" "$user@127.0.0.1" \
        "$cmd; : >~/held; i=0; while [ ! -e ~/release ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done" \
        </dev/null >"$SBX_WS/hold.out" 2>"$SBX_WS/hold.err" &
    HOLD_PID=$!
    sbx_wait_for "[ -e /home/$user/held ] || ! kill -0 $HOLD_PID 2>/dev/null" 150
    [ -e "/home/$user/held" ] || sbx_fail "the session of $user did not start: $(cat "$SBX_WS/hold.err")"
}
release() {
    touch "/home/$HOLD_USER/release"
    wait "$HOLD_PID"
    rm -f "/home/$HOLD_USER/release" "/home/$HOLD_USER/held"
}
listening() { ss -Hltn "sport = :$1" | grep -q .; }

# banner PORT: the first 7 bytes a TCP connection to 127.0.0.1:PORT receives ("SSH-2.0" from sshd).
banner() { timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && head -c 7 <&3' _ "$1" 2>/dev/null; }

# socks_banner PORT: a SOCKS5 client: through the dynamic forward on 127.0.0.1:PORT, CONNECT to 127.0.0.1 at sshd's port;
# prints "method=HEX reply=HEX" (the server's method choice and the CONNECT reply, in hex), then what the target sent
# first (7 bytes).
socks_banner() {
    timeout 5 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "\x05\x01\x00" >&3
        m=$(head -c 2 <&3 | od -An -tx1 | tr -d " \n")
        printf "\x05\x01\x00\x01\x7f\x00\x00\x01$(printf "\\\\x%02x\\\\x%02x" $(($2 >> 8)) $(($2 & 255)))" >&3
        r=$(head -c 10 <&3 | od -An -tx1 | tr -d " \n")
        echo "method=$m reply=$r"
        head -c 7 <&3' _ "$1" "$SBX_SSH_PORT" 2>/dev/null
}

# The refusal of a direct-tcpip channel (-L, -D, -W): administratively prohibited for the client (a message at its
# LogLevel INFO, which the sessions below choose: the first value wins over sbx_ssh_opts's ERROR; for -W: "stdio
# forwarding failed"), and logged by sshd.
refused_open='open failed: administratively prohibited'
refused_log="refused local port forward: originator 127.0.0.1 port [0-9]+, target 127.0.0.1 port $SBX_SSH_PORT\$"

# ---- -W: stdio forwarding to sshd's own port ----
mark=$(log_mark)
out=$(timeout 20 ssh "${opts[@]}" -p "$SBX_SSH_PORT" -W "127.0.0.1:$SBX_SSH_PORT" plainuser@127.0.0.1 </dev/null 2>&1 |
    head -c 7)
sbx_assert_eq "ssh -W carries sshd's banner for a user outside the group (positive control)" SSH-2.0 "$out"
sbx_assert_no_match "... and sshd refused nothing" 'refused local port forward' "$(log_since "$mark")"
mark=$(log_mark)
out=$(timeout 20 ssh "${opts[@]}" -p "$SBX_SSH_PORT" -W "127.0.0.1:$SBX_SSH_PORT" sbxuser2@127.0.0.1 </dev/null 2>&1 |
    head -c 300 | tr -d '\r')
sbx_assert_no_match "ssh -W carries nothing for a sandboxed user" 'SSH-2.0' "$out"
sbx_assert_eq "... the client is told the channel is refused" "stdio forwarding failed" "$out"
sbx_wait_for "log_since $mark | grep -Eq '$refused_log'" 50 || true
sbx_assert_match "... and sshd logs the refusal" "$refused_log" "$(log_since "$mark")"

# ---- -L: a local forward to sshd's port ----
lport=$(sbx_free_port)
mark=$(log_mark)
hold plainuser : -o LogLevel=INFO -o ExitOnForwardFailure=yes -L "$lport:127.0.0.1:$SBX_SSH_PORT"
sbx_wait_for "listening $lport" 50 || sbx_fail "-L: the client does not listen on $lport: $(cat "$SBX_WS/hold.err")"
got=$(banner "$lport")
release
sbx_assert_eq "-L carries sshd's banner for a user outside the group (positive control)" SSH-2.0 "$got"
sbx_assert_no_match "... and the channel was not refused" "$refused_open" "$(cat "$SBX_WS/hold.err")"
lport=$(sbx_free_port)
mark=$(log_mark)
hold sbxuser2 : -o LogLevel=INFO -o ExitOnForwardFailure=yes -L "$lport:127.0.0.1:$SBX_SSH_PORT"
sbx_wait_for "listening $lport" 50 || sbx_fail "-L: the client does not listen on $lport: $(cat "$SBX_WS/hold.err")"
got=$(banner "$lport")
sbx_wait_for "grep -q '$refused_open' '$SBX_WS/hold.err'" 50 || true
release
sbx_assert_eq "-L carries nothing for a sandboxed user" "" "$got"
sbx_assert_match "... the client is told the channel is refused" "$refused_open" "$(cat "$SBX_WS/hold.err")"
sbx_assert_match "... and sshd logs the refusal" "$refused_log" "$(log_since "$mark")"

# ---- -D: a SOCKS5 CONNECT through a dynamic forward to sshd's port ----
# The client answers the SOCKS method request itself; it sends the CONNECT reply (00, success) once sshd has opened
# the channel, and closes the connection without one when sshd refuses.
dport=$(sbx_free_port)
hold plainuser : -o LogLevel=INFO -o ExitOnForwardFailure=yes -D "$dport"
sbx_wait_for "listening $dport" 50 || sbx_fail "-D: the client does not listen on $dport: $(cat "$SBX_WS/hold.err")"
got=$(socks_banner "$dport")
release
sbx_assert_lines "-D carries sshd's banner for a user outside the group (positive control)" "$got" \
    '^method=0500 reply=0500' '^SSH-2.0$'
dport=$(sbx_free_port)
mark=$(log_mark)
hold sbxuser2 : -o LogLevel=INFO -o ExitOnForwardFailure=yes -D "$dport"
sbx_wait_for "listening $dport" 50 || sbx_fail "-D: the client does not listen on $dport: $(cat "$SBX_WS/hold.err")"
got=$(socks_banner "$dport")
sbx_wait_for "grep -q '$refused_open' '$SBX_WS/hold.err'" 50 || true
release
sbx_assert_eq "-D: the client answers the SOCKS method request, and no CONNECT succeeds for a sandboxed user" \
    "method=0500 reply=" "$got"
sbx_assert_match "... the client is told the channel is refused" "$refused_open" "$(cat "$SBX_WS/hold.err")"
sbx_assert_match "... and sshd logs the refusal" "$refused_log" "$(log_since "$mark")"

# ---- -R: a remote forward, sshd listening on 127.0.0.1 and connecting back to its own port ----
rport=$(sbx_free_port)
mark=$(log_mark)
hold plainuser : -o ExitOnForwardFailure=yes -R "$rport:127.0.0.1:$SBX_SSH_PORT"
sbx_wait_for "listening $rport" 50 || sbx_fail "-R: sshd does not listen on $rport: $(cat "$SBX_WS/hold.err")"
got=$(banner "$rport")
release
sbx_assert_eq "-R carries sshd's banner for a user outside the group (positive control)" SSH-2.0 "$got"
sbx_assert_match "... sshd logged the request" "tcpip-forward listen [^ ]+ port $rport\$" "$(log_since "$mark")"
rport=$(sbx_free_port)
mark=$(log_mark)
out=$(sbx_ssh sbxuser2 -o ExitOnForwardFailure=yes -R "$rport:127.0.0.1:$SBX_SSH_PORT" true </dev/null 2>&1)
rc=$?
out=$(printf '%s\n' "$out" | tr -d '\r')
sbx_assert_eq "-R: the client gives up (ExitOnForwardFailure)" 255 "$rc"
sbx_assert_match "-R is refused for a sandboxed user" "remote port forwarding failed for listen port $rport\$" "$out"
sbx_assert_match "... sshd got the request" "tcpip-forward listen [^ ]+ port $rport\$" "$(log_since "$mark")"
listening "$rport" && sbx_fail "-R: something listens on $rport"
echo "ok - ... and nothing listens on $rport"

# ---- -A: agent forwarding, from a real ssh-agent holding the client's key ----
agent=$SBX_WS/agent.sock
ssh-agent -D -a "$agent" >/dev/null 2>&1 &
agent_pid=$!
sbx_at_exit "kill $agent_pid 2>/dev/null"
sbx_wait_for "[ -S '$agent' ]" 50 || sbx_fail "ssh-agent did not start"
SSH_AUTH_SOCK=$agent ssh-add -q "$SBX_SSH_KEY" 2>&1 || sbx_fail "ssh-add could not load the key"
fp=$(ssh-keygen -lf "$SBX_SSH_KEY.pub" | awk '{ print $2 }')
sbx_assert_eq "the test's agent holds the client's key" "$fp" "$(SSH_AUTH_SOCK=$agent ssh-add -l | awk '{ print $2 }')"
# agent_sockets: the forwarded agents' sockets sshd has made in /tmp (the test's own).
agent_sockets() { find /tmp -maxdepth 2 -path '/tmp/ssh-*/agent.*' -type s; }
sbx_assert_eq "no forwarded agent socket before" "" "$(agent_sockets)"
# IdentityAgent first: the client's -A forwards that agent (sbx_ssh_opts's IdentityAgent=none comes second and is
# ignored: the first value wins).
mark=$(log_mark)
hold plainuser 'echo "SOCK=$SSH_AUTH_SOCK"; ssh-add -l' -o IdentityAgent="$agent" -A
host=$(agent_sockets)
release
out=$(cat "$SBX_WS/hold.out")
sbx_assert_match "-A for a user outside the group: sshd gives the session an agent socket (positive control)" \
    '^SOCK=/tmp/ssh-[^/]+/agent\.[0-9]+$' "$out"
sbx_assert_eq "... the one sshd made in /tmp" "SOCK=$host" "$(printf '%s\n' "$out" | grep '^SOCK=')"
sbx_assert_eq "... and ssh-add -l over it lists the key" "$fp" "$(printf '%s\n' "$out" | awk '$2 ~ /^SHA256:/ { print $2 }')"
sbx_assert_match "... sshd logged the agent request" 'req auth-agent-req@openssh\.com' "$(log_since "$mark")"
sbx_wait_for '[ -z "$(agent_sockets)" ]' 50 || true
sbx_assert_eq "... and removed the socket at the end of the session" "" "$(agent_sockets)"
mark=$(log_mark)
# In the sandbox: the environment, and every socket of its file system (find must work: it also looks for /dev/null).
hold sbxuser2 'echo "SOCK=${SSH_AUTH_SOCK:-none}"; f() { find / -path /proc -prune -o -path /sys -prune -o "$@" -print; }
    s=$(f -type s); echo "FIND=$? SOCKETS=$(echo $s)"; echo "NULL=$(f -type c -name null)"' -o IdentityAgent="$agent" -A
host=$(agent_sockets)
release
out=$(cat "$SBX_WS/hold.out")
sbx_assert_eq "-A for a sandboxed user: no agent socket in the sandbox's environment" "SOCK=none" \
    "$(printf '%s\n' "$out" | grep '^SOCK=')"
sbx_assert_lines "... no socket anywhere in the sandbox (find sees /dev/null)" "$out" '^FIND=0 SOCKETS=$' '^NULL=/dev/null$'
sbx_assert_eq "... none made by sshd on the host while the session lasted" "" "$host"
sbx_assert_match "... sshd got the agent request" 'req auth-agent-req@openssh\.com' "$(log_since "$mark")"
sbx_assert_match "... and refused it" 'session_auth_agent_req: agent forwarding disabled' "$(log_since "$mark")"

# internal-sftp: refused for the sandboxed user, working for the plain one.
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

sbx_e2e_assert_clean sbxuser2
