# SPDX-License-Identifier: LGPL-2.1-or-later
# sshd for the e2e suite and the demo: Debian's sshd on 127.0.0.1 on a free port, with its own config, host key,
# PAM service file and authorized keys, all inside the harness's private namespaces (source harness.sh first and call
# sbx_enter_private_ns). The real ssh/scp/sftp clients log in with a key.

SBX_SSH_DIR=""
SBX_SSH_PORT=""
SBX_SSH_KEY=""

# sbx_pam_service NAME: writes /etc/pam.d/NAME (private /etc) with pam_sandbox in the session stack (its setcred line
# last in the auth stack, its account line after common-account), around Debian's common-* files, as
# etc/pam.d/sandbox-shell tells administrators to do.
# Extra module arguments for pam_sandbox come from $SBX_PAM_ARGS.
sbx_pam_service() {
    local name=$1 auth_first
    case "$name" in
    su | su-l) auth_first="auth sufficient pam_rootok.so" ;;
    *) auth_first="" ;;
    esac
    cat >"/etc/pam.d/$name" <<PAM
$auth_first
@include common-auth
auth optional $SBX_PAM_MODULE helper=$SBX_SHELL ${SBX_PAM_ARGS:-}
@include common-account
account optional $SBX_PAM_MODULE helper=$SBX_SHELL ${SBX_PAM_ARGS:-}
@include common-session-noninteractive
session required $SBX_PAM_MODULE helper=$SBX_SHELL ${SBX_PAM_ARGS:-}
PAM
}

# sbx_sshd_start [EXTRA CONFIG LINES]: starts sshd (the sftp subsystem is $SBX_SSH_SFTP, default the external server;
# its LogLevel $SBX_SSHD_LOGLEVEL, default VERBOSE; the log is $SBX_SSH_DIR/sshd.log); sets SBX_SSH_PORT, SBX_SSH_KEY
# (the client's private key, authorized for every user added afterwards with sbx_ssh_authorize).
sbx_sshd_start() {
    local extra=${1:-}
    SBX_SSH_DIR=$SBX_WS/ssh
    mkdir -p -m 0755 "$SBX_SSH_DIR" "$SBX_SSH_DIR/authorized_keys"
    mkdir -p -m 0755 /run/sshd
    ssh-keygen -q -t ed25519 -N '' -f "$SBX_SSH_DIR/host_ed25519" </dev/null
    ssh-keygen -q -t ed25519 -N '' -f "$SBX_SSH_DIR/client_ed25519" </dev/null
    SBX_SSH_KEY=$SBX_SSH_DIR/client_ed25519
    sbx_pam_service sshd
    sbx_at_exit sbx_sshd_stop
    # Another suite's listener may still take the port between the check and sshd's bind: then another port.
    local try
    for ((try = 0; try < 5; try++)); do
        SBX_SSH_PORT=$(sbx_free_port) || sbx_fail "no free port"
        sbx_sshd_config "$extra"
        /usr/sbin/sshd -t -f "$SBX_SSH_DIR/sshd_config" || sbx_fail "sshd rejects its config"
        : >"$SBX_SSH_DIR/sshd.log"
        /usr/sbin/sshd -f "$SBX_SSH_DIR/sshd_config" -E "$SBX_SSH_DIR/sshd.log" || sbx_fail "sshd did not start"
        sbx_wait_for "sbx_sshd_listens || grep -q 'Address already in use' '$SBX_SSH_DIR/sshd.log'" 300 ||
            sbx_fail "sshd does not listen on $SBX_SSH_PORT: $(tail -5 "$SBX_SSH_DIR/sshd.log")"
        sbx_sshd_listens && return 0
        sbx_sshd_stop
        echo "# port $SBX_SSH_PORT was taken before sshd bound it: another"
    done
    sbx_fail "sshd found no free port: $(tail -5 "$SBX_SSH_DIR/sshd.log")"
}

# sbx_sshd_listens: sshd itself (not another suite's listener) listens on $SBX_SSH_PORT.
sbx_sshd_listens() {
    ss -Hltnp "sport = :$SBX_SSH_PORT" | grep -q '(("sshd",'
}

# sbx_sshd_config EXTRA: writes sshd's config for port $SBX_SSH_PORT.
sbx_sshd_config() {
    local extra=$1
    cat >"$SBX_SSH_DIR/sshd_config" <<CFG
Port $SBX_SSH_PORT
ListenAddress 127.0.0.1
HostKey $SBX_SSH_DIR/host_ed25519
PidFile $SBX_SSH_DIR/sshd.pid
UsePAM yes
PubkeyAuthentication yes
AuthorizedKeysFile $SBX_SSH_DIR/authorized_keys/%u
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel ${SBX_SSHD_LOGLEVEL:-VERBOSE}
Subsystem sftp ${SBX_SSH_SFTP:-/usr/lib/openssh/sftp-server}
$extra
CFG
}

sbx_sshd_stop() {
    [ -f "$SBX_SSH_DIR/sshd.pid" ] && kill "$(cat "$SBX_SSH_DIR/sshd.pid")" 2>/dev/null
    rm -f "$SBX_SSH_DIR/sshd.pid"
    return 0
}

# sbx_ssh_authorize USER: the client key may log in as USER.
sbx_ssh_authorize() {
    install -m 0644 "$SBX_SSH_KEY.pub" "$SBX_SSH_DIR/authorized_keys/$1"
}

# Options every client call uses: the test's key only, no known_hosts, no agent, no prompts.
sbx_ssh_opts() {
    printf '%s\n' -i "$SBX_SSH_KEY" -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10
}

# sbx_sshd_settle USER: waits until no sshd process of USER's logins is left, so that every session that ended has
# logged its close line (the client returns before sshd closes the session).
sbx_sshd_settle() {
    sbx_wait_for "[ -z \"\$(sbx_sshd_procs $1)\" ]" 100 ||
        sbx_fail "sshd processes of $1 are still there: $(pgrep -af "^sshd: $1")"
}

# sbx_sshd_procs USER: the sshd processes of USER's sessions. A Linger process (Instance user) is forked from sshd's
# and keeps its title, but is not a session: its name says what it is.
sbx_sshd_procs() {
    local p
    for p in $(pgrep -f "^sshd: $1( |@|\$)"); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sandbox-linger ] || echo "$p"
    done
}

# sbx_ssh USER [ssh args...]: ssh USER@127.0.0.1 on the test's sshd.
sbx_ssh() {
    local user=$1
    shift
    local opts
    mapfile -t opts < <(sbx_ssh_opts)
    ssh "${opts[@]}" -p "$SBX_SSH_PORT" "$user@127.0.0.1" "$@"
}
