#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The assertions of tests/package/test-package.sh, run as root inside the systemd guest: the Debian package's life as
# an administrator lives it (pam_sandbox(8), README "Administration"). Install, the policy and the PAM lines, an
# upgrade under a live session, a removal refused while PAM names the module, the removal, the purge. At every step a
# user the policy does not sandbox (sbxu2) logs in, and the sandboxed user (sbxu1, login shell /usr/bin/sandbox-shell)
# is sandboxed or refused: each probe leaves a marker file only when its command ran, and says its PID.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive
. /sbx-out/env.sh
AGENT_TIMEOUT=700
. /usr/local/lib/sbx-test/agent-lib.sh
agent_wait_sshd

deb0=$(ls /sbx-out/deb0/sandbox-shell_*.deb)
deb1=$(ls /sbx-out/deb1/sandbox-shell_*.deb)
v0=$(dpkg-deb -f "$deb0" Version)
v1=$(dpkg-deb -f "$deb1" Version)
helper=/usr/bin/sandbox-shell
# The package's regular files and links (not the directories it shares with others, /usr/bin and the like).
pkg_files=$(dpkg-deb -c "$deb1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }')
pkg_dirs=$(dpkg-deb -c "$deb1" | awk '$1 ~ /^d/ && $6 ~ /sandbox-shell/ { sub(/^\./, "", $6); print $6 }')

# probe USER TAG: logs USER in over ssh; its command writes ~/ran-TAG and prints its PID and host name. Sets
# probe_out (the session's output, ssh's messages included) and probe_ran (yes when the marker is there).
probe() {
    local tag
    tag=$(printf '%s' "$2" | tr -c 'a-zA-Z0-9' _)
    rm -f "/home/$1/ran-$tag"
    probe_out=$("${SSH[@]}" "$1@127.0.0.1" "echo PID=\$\$; echo HOST=\$(hostname); : >~/ran-$tag" 2>&1)
    probe_ran=no
    [ -e "/home/$1/ran-$tag" ] && probe_ran=yes
    rm -f "/home/$1/ran-$tag"
}
# plain_logs_in STEP: the user no policy sandboxes gets an ordinary shell.
plain_logs_in() {
    probe sbxu2 "$1"
    if [ "$probe_ran" = yes ] && printf '%s\n' "$probe_out" | grep -Eq '^PID=([02-9]|[1-9][0-9])'; then
        ok "$1: the plain user logs in, with an ordinary shell"
    else
        nok "$1: the plain user logs in, with an ordinary shell" "$probe_out"
    fi
}
# sandboxed STEP: the sandboxed user's command runs as PID 1 in the sandbox.
sandboxed() {
    probe sbxu1 "$1"
    if [ "$probe_ran" = yes ] && printf '%s\n' "$probe_out" | grep -q '^PID=1$' &&
        printf '%s\n' "$probe_out" | grep -q '^HOST=box-sbxu1$'; then
        ok "$1: the sandboxed user's login runs as PID 1 in the sandbox"
    else
        nok "$1: the sandboxed user's login runs as PID 1 in the sandbox" "$probe_out"
    fi
}
# refused STEP REGEX: the sandboxed user's command does not run anywhere, and ssh's output matches REGEX (why).
refused() {
    probe sbxu1 "$1"
    check_eq "$1: the sandboxed user is refused (its command did not run)" no "$probe_ran"
    check_match "$1: the sandboxed user's refusal says why" "$2" "$probe_out"
}
status() { dpkg-query -W -f '${db:Status-Status} ${Version}' sandbox-shell 2>/dev/null; }
# The helper's file capabilities as "cap_a,cap_b=ei", the names sorted (getcap lists them in the kernel's order).
caps() {
    local c
    c=$(getcap "$helper" 2>/dev/null | sed 's/^[^ ]* //')
    [ -n "$c" ] && printf '%s=%s\n' "$(printf '%s\n' "${c%=*}" | tr ',' '\n' | sort | paste -sd,)" "${c##*=}"
}
want_caps="$(printf '%s\n' "$SBX_HELPER_CAPS" | tr ',' '\n' | sort | paste -sd,)=ei"
verify_quiet() { # STEP
    local v
    v=$(dpkg --verify sandbox-shell 2>&1)
    check_eq "$1: dpkg --verify sandbox-shell reports nothing" "" "$v"
}
user_manager_dropins() { systemctl show -p DropInPaths --value user@2001.service; }
pam_files=(/etc/pam.d/sshd /etc/pam.d/su /etc/pam.d/su-l)

# ---- before the package: no helper, so the sandboxed user's login shell does not exist
refused "before install" 'Permission denied'

# ---- install
dpkg -i "$deb0" >/tmp/install.log 2>&1
check_eq "install: dpkg -i $(basename "$deb0") succeeds" 0 $?
sed 's/^/#   /' /tmp/install.log | tail -n 5
check_eq "install: the package is installed" "installed $v0" "$(status)"
verify_quiet "install"
missing=""
for f in $pkg_files; do [ -e "$f" ] || [ -L "$f" ] || missing="$missing $f"; done
check_eq "install: every file of the package is on disk ($(echo "$pkg_files" | wc -l) files)" "" "$missing"
check_eq "install: the helper has file capabilities (inheritable and effective only)" "$want_caps" "$(caps)"
check_eq "install: the helper is not setuid or setgid (mode)" "755 root:root" "$(stat -c '%a %U:%G' "$helper")"
check_match "install: the helper is a login shell in /etc/shells" "^$helper\$" "$(cat /etc/shells)"
check_match "install: the configuration is a conffile" '^ /etc/sandbox-shell/sandbox-shell.conf [0-9a-f]{32}$' \
    "$(dpkg-query -W -f '${Conffiles}\n' sandbox-shell)"
check_eq "install: the shipped policy sandboxes nobody (its only setting)" "Sandbox no" \
    "$(grep -Ev '^[[:space:]]*(#|$)' /etc/sandbox-shell/sandbox-shell.conf)"
check_match "install: systemd loaded the user@.service drop-in (postinst reloaded it)" \
    '/user@\.service\.d/sandbox-shell\.conf' "$(user_manager_dropins)"
check_eq "install: the metrics timer is installed and not enabled (the administrator's to enable)" \
    "disabled inactive" "$(systemctl is-enabled sandbox-shell-metrics.timer 2>&1) $(systemctl is-active sandbox-shell-metrics.timer)"
plain_logs_in "install"
refused "install, no policy yet" 'refusing login: missing capabilities'

# ---- the policy, then the PAM lines
install -m 0644 /usr/local/lib/sbx-test/policy/site.conf /etc/sandbox-shell/sandbox-shell.conf.d/site.conf
out=$(sandbox-shellctl check 2>&1)
check_eq "policy: sandbox-shellctl check accepts it" 0 $?
sed 's/^/#   /' <<<"$out" | tail -n 3
plain_logs_in "policy, no PAM lines"
refused "policy, no PAM lines" 'refusing login: missing capabilities'
# As pam_sandbox(8) and the example say: the auth line last in the auth stack, the account line after
# common-account, the session line after common-session (pam_systemd).
example=/usr/share/doc/sandbox-shell/examples/pam.d/sandbox-shell
for t in auth account session; do
    line=$(grep -E "^$t[[:space:]]+.*pam_sandbox\.so" "$example")
    check_match "PAM: the example has the $t line" "pam_sandbox\.so" "$line"
    sed -i "/^@include common-$t\$/a $line" "${pam_files[@]}"
done
sandboxed "PAM lines"
plain_logs_in "PAM lines"
out=$(su -l sbxu2 -c 'echo SU-OK' 2>&1)
check_match "PAM lines: su to the plain user works" '^SU-OK$' "$out"
verify_quiet "PAM lines"

# ---- upgrade under a live session
rm -f /home/sbxu1/go /home/sbxu1/stop
"${SSH[@]}" sbxu1@127.0.0.1 'echo PID=$$; while [ ! -e ~/go ]; do sleep 0.2; done; echo ALIVE=$$;
    while [ ! -e ~/stop ]; do sleep 0.2; done; echo BYE' >/tmp/live.out 2>&1 &
live=$!
wait_for "has_line /tmp/live.out 'PID=*' || ! kill -0 $live 2>/dev/null" 120 || true
check_match "upgrade: the live session runs as PID 1" '^PID=1$' "$(cat /tmp/live.out)"
dpkg -i "$deb1" >/tmp/upgrade.log 2>&1
check_eq "upgrade: dpkg -i $(basename "$deb1") succeeds" 0 $?
sed 's/^/#   /' /tmp/upgrade.log | tail -n 5
check_eq "upgrade: the higher version is installed" "installed $v1" "$(status)"
check_eq "upgrade: the new helper has its file capabilities" "$want_caps" "$(caps)"
verify_quiet "upgrade"
# The metrics service as systemd runs it (its sandboxing included), with the live session: node_exporter's
# directory as its package makes it, the default file, then the administrator's own path.
tdir=/var/lib/prometheus/node-exporter
mkdir -p "$tdir"
prom=$tdir/sandbox_shell.prom
live_id=$(sandbox-shellctl list --json 2>/dev/null | sed -n 's/.*{"user": "sbxu1", "session": "\([^"]*\)".*/\1/p')
check_match "metrics: list --json shows the live session, named by logind's scope" '^session-[0-9]+\.scope$' "$live_id"
out=$(systemctl start sandbox-shell-metrics.service 2>&1)
check_eq "metrics: systemctl start sandbox-shell-metrics.service succeeds" "0 " "$? $out"
[ "$(systemctl show -p Result --value sandbox-shell-metrics.service)" = success ] ||
    journalctl --no-pager -u sandbox-shell-metrics.service | tail -n 20 | sed "s/^/#   /"
check_match "metrics: the service wrote the live session's series into $prom" \
    "^sandbox_shell_memory_bytes\\{user=\"sbxu1\",session=\"$live_id\"\\} [0-9]+\$" "$(cat "$prom" 2>&1)"
check_match "metrics: ... and its user's session count" '^sandbox_shell_sessions\{user="sbxu1"\} 1$' "$(cat "$prom" 2>&1)"
check_eq "metrics: ... mode 0644" 644 "$(stat -c %a "$prom" 2>&1)"
site=$tdir/site-sandbox.prom
ino=$(stat -c %i "$prom")
printf 'SANDBOX_SHELL_TEXTFILE=%s\n' "$site" >/etc/default/sandbox-shell-metrics
systemctl start sandbox-shell-metrics.service
check_match "metrics: SANDBOX_SHELL_TEXTFILE in /etc/default/sandbox-shell-metrics moves the file" \
    '^sandbox_shell_sessions\{user="sbxu1"\} 1$' "$(cat "$site" 2>&1)"
check_eq "metrics: ... and the default one is not written again (the same inode)" "$ino" "$(stat -c %i "$prom")"
out=$(systemctl enable --now sandbox-shell-metrics.timer 2>&1)
check_eq "metrics: the administrator enables the timer" "0 active" "$? $(systemctl is-active sandbox-shell-metrics.timer)"
touch /home/sbxu1/go
wait_for "has_line /tmp/live.out 'ALIVE=*' || ! kill -0 $live 2>/dev/null" 60 || true
check_match "upgrade: the live session survived it and still answers" '^ALIVE=1$' "$(cat /tmp/live.out)"
sandboxed "upgrade"
plain_logs_in "upgrade"
touch /home/sbxu1/stop
wait "$live"
check_eq "upgrade: the live session ends normally" "0 BYE" "$? $(tail -n 1 /tmp/live.out)"

# ---- remove while PAM names the module: refused, nothing changes
apt-get remove -y sandbox-shell >/tmp/remove1.log 2>&1
rc=$?
sed -i "s/\r//g" /tmp/remove1.log # dpkg runs the maintainer scripts on a terminal of its own
check_eq "remove with PAM lines: apt-get remove fails" yes "$([ $rc -ne 0 ] && echo yes || echo "no, rc $rc")"
check_match "remove with PAM lines: it names the file that loads the module" '^ +/etc/pam\.d/sshd$' \
    "$(cat /tmp/remove1.log)"
check_match "remove with PAM lines: it says what to do" 'Take the pam_sandbox\.so lines out' "$(cat /tmp/remove1.log)"
check_eq "remove with PAM lines: the package is still installed" "installed $v1" "$(status)"
check_eq "remove with PAM lines: the helper keeps its file capabilities" "$want_caps" "$(caps)"
sandboxed "remove refused"
plain_logs_in "remove refused"

# ---- the PAM lines out: the package still installed, the sandboxed user refused
sed -i '/pam_sandbox\.so/d' "${pam_files[@]}"
refused "PAM lines out" 'refusing login: missing capabilities'
plain_logs_in "PAM lines out"

# ---- remove
apt-get remove -y sandbox-shell >/tmp/remove2.log 2>&1
check_eq "remove: apt-get remove succeeds once PAM no longer names the module" 0 $?
sed 's/^/#   /' /tmp/remove2.log | tail -n 3
check_eq "remove: only the configuration is left" "config-files $v1" "$(status)"
check_eq "remove: the helper is gone" no "$([ -e "$helper" ] && echo yes || echo no)"
check_eq "remove: the conffile stays until purge" yes \
    "$([ -f /etc/sandbox-shell/sandbox-shell.conf ] && echo yes || echo no)"
check_no_match "remove: the helper left /etc/shells" "sandbox-shell" "$(cat /etc/shells)"
check_no_match "remove: systemd no longer loads the user@.service drop-in" 'sandbox-shell' "$(user_manager_dropins)"
check_eq "remove: the metrics timer is stopped" inactive "$(systemctl is-active sandbox-shell-metrics.timer)"
refused "remove" 'Permission denied'
plain_logs_in "remove"

# ---- purge: nothing of the package is left
dpkg --purge sandbox-shell >/tmp/purge.log 2>&1
check_eq "purge: dpkg --purge succeeds" 0 $?
check_eq "purge: dpkg no longer knows the package" "" "$(dpkg-query -W -f '${db:Status-Status}' sandbox-shell 2>/dev/null |
    grep -v not-installed)"
left=""
for f in $pkg_files $pkg_dirs /etc/sandbox-shell /run/sandbox-shell "$prom" \
    /etc/systemd/system/timers.target.wants/sandbox-shell-metrics.timer; do [ -e "$f" ] || [ -L "$f" ] && left="$left $f"; done
check_eq "purge: no file or directory of the package is left, nor /etc/sandbox-shell or /run/sandbox-shell" "" "$left"
check_eq "purge: the administrator's rootfs is kept (README, Administration)" yes \
    "$([ -x /var/lib/sandbox-shell/rootfs/bin/busybox ] && echo yes || echo no)"
check_eq "purge: the administrator's textfile (set in /etc/default) is gone too" no \
    "$([ -e "$site" ] && echo yes || echo no)"
check_eq "purge: ... the administrator's own /etc/default/sandbox-shell-metrics is kept" yes \
    "$([ -f /etc/default/sandbox-shell-metrics ] && echo yes || echo no)"
check_eq "purge: node_exporter's directory (not the package's) is kept" yes "$([ -d "$tdir" ] && echo yes || echo no)"
refused "purge" 'Permission denied'
plain_logs_in "purge"
