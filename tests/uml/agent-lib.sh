#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the agents of the systemd guest (tests/uml/systemd-init.sh) share, sourced by each: TAP output to the agent's
# stdout (/sbx-out/agent.log), the journal and the final status to /sbx-out when the agent exits, a watchdog that
# powers a hung guest off after AGENT_TIMEOUT seconds (default 500), and ssh to the guest's sshd.
n=0
failed=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
nok() {
    n=$((n + 1))
    failed=1
    echo "not ok $n - $1"
    shift
    [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
}
check_eq() { # WHAT WANT GOT
    if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "expected '$2', got '$3'"; fi
}
check_match() { # WHAT REGEX TEXT; a REGEX spanning lines would be one alternative per line to grep: refused
    case $2 in
    *$'\n'*) nok "$1" "the pattern /$2/ spans lines" ;;
    *) if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else nok "$1" "no match for /$2/ in:" "$3"; fi ;;
    esac
}
check_no_match() { # WHAT REGEX TEXT
    if printf '%s\n' "$3" | grep -Eq -- "$2"; then nok "$1" "/$2/ matches in:" "$3"; else ok "$1"; fi
}
# Polls CMD every half second for at most SECONDS (default 10). Process creation is slow in a user-mode-linux guest on
# a busy machine, so polls are few.
wait_for() { # CMD [SECONDS]
    local i
    for ((i = 0; i < ${2:-10} * 2; i++)); do
        eval "$1" && return 0
        sleep 0.5
    done
    return 1
}
has_line() { # FILE PATTERN: a bash-only grep, no process
    local l
    [ -e "$1" ] || return 1
    while IFS= read -r l; do [[ $l == $2 ]] && return 0; done <"$1"
    return 1
}
dump_journal() {
    {
        echo "--- failed units"
        systemctl --failed --no-legend --no-pager 2>&1
        echo "--- journal (pam_sandbox, sshd, su, logind, systemd)"
        journalctl --no-pager -o short-monotonic 2>/dev/null | grep -E 'pam_sandbox|sshd|su\[|logind|systemd\[1\]' |
            tail -n 120
    } >/sbx-out/journal.log 2>&1
}
finish() {
    echo "1..$n"
    dump_journal
    echo "$failed" >/sbx-out/status
    sync
    systemctl poweroff --force --force
}
trap finish EXIT

# A guest that hangs still reports: the journal goes out and the guest goes down after AGENT_TIMEOUT seconds.
(
    sleep "${AGENT_TIMEOUT:-500}"
    echo "not ok - the agent timed out"
    dump_journal
    sync
    systemctl poweroff --force --force
) &

SSH=(timeout 300 ssh -n -i /root/.ssh/sbx_client -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o LogLevel=ERROR -o ConnectTimeout=10)
cg_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
prop() { systemctl show -p "$2" --value "$1"; }

# Waits for sshd and logs in once as sbxu2, the user no policy sandboxes; exits the agent when that fails.
agent_wait_sshd() {
    echo "# guest up after $(cut -d' ' -f1 /proc/uptime) s; controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
    wait_for "ss -Hltn 'sport = :22' | grep -q ." 60 || true
    if ! "${SSH[@]}" sbxu2@127.0.0.1 true >/tmp/ssh0.out 2>&1; then
        nok "sshd answers" "$(cat /tmp/ssh0.out)"
        exit
    fi
    ok "sshd answers in the guest (systemd $(systemctl --version | head -n1 | cut -d' ' -f2))"
}
