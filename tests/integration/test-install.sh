#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# meson install (into a DESTDIR inside the test's private workspace): the PAM module in the PAM module directory, the
# helper with exactly its file capabilities (+ei, not setuid), the ctl, the examples and the man pages; nothing in
# /etc/pam.d or sshd's configuration. And the installed helper really sandboxes a login.
. "$(dirname "$0")/shell-common.sh"
sbx_shell_setup "$@"
command -v meson >/dev/null || sbx_fail "meson is missing"

dest=$SBX_WS/dest
DESTDIR=$dest meson install -C "$SBX_BUILDDIR" --no-rebuild --quiet >"$SBX_WS/install.log" 2>&1 ||
    sbx_fail "meson install failed: $(tail -5 "$SBX_WS/install.log")"

helper=$(find "$dest" -path '*/bin/sandbox-shell' -type f)
module=$(find "$dest" -path '*/security/pam_sandbox.so' -type f)
sbx_assert_match "the helper is installed in a bin directory" '/usr/bin/sandbox-shell$' "$helper"
sbx_assert_match "the PAM module is installed in a security directory" '/lib/.*security/pam_sandbox.so$' "$module"
sbx_assert_match "the ctl is installed in sbin" '/usr/sbin/sandbox-shellctl$' "$(find "$dest" -name sandbox-shellctl -type f)"
sbx_assert_eq "the helper has exactly its file capabilities, inheritable and effective" \
    "$helper cap_setpcap,cap_net_admin,cap_sys_chroot,cap_sys_ptrace,cap_sys_admin=ei" "$(getcap "$helper")"
sbx_assert_eq "the helper is not set-id" "755" "$(stat -c %a "$helper")"
sbx_assert_eq "the ctl carries no capability" "" "$(getcap "$(find "$dest" -name sandbox-shellctl -type f)")"
for page in man5/sandbox-shell.conf.5 man8/sandbox-shell.8 man8/pam_sandbox.8 man8/sandbox-shellctl.8; do
    [ -f "$dest/usr/share/man/$page" ] || sbx_fail "man page $page is not installed"
done
echo "ok - the four man pages are installed"
for ex in sandbox-shell.conf pam.d/sandbox-shell sshd_config.d/sandbox-shell.conf; do
    [ -f "$dest/usr/share/doc/sandbox-shell/examples/$ex" ] || sbx_fail "example $ex is not installed"
done
echo "ok - the examples are installed"
sbx_assert_eq "install writes nothing into /etc but the config directory" "$dest/etc/sandbox-shell
$dest/etc/sandbox-shell/sandbox-shell.conf.d" "$(find "$dest/etc" -mindepth 1 | sort)"

# The user@.service drop-in, in systemd's unit directory, names the installed program, which answers for the policy.
dropin=$(find "$dest" -path '*/systemd/system/user@.service.d/sandbox-shell.conf' -type f)
sbx_assert_match "the user@.service drop-in is in systemd's system unit directory" \
    '/lib/systemd/system/user@.service.d/sandbox-shell.conf$' "$dropin"
sbx_assert_eq "... and its ExecCondition names the installed program" \
    "ExecCondition=+/usr/libexec/sandbox-shell/user-manager-allowed %i" "$(grep '^ExecCondition=' "$dropin")"
stack=$dest/usr/libexec/sandbox-shell/sandbox-shell-netstack
[ -x "$stack" ] || sbx_fail "the stack of Network private is not installed at $stack"
sbx_assert_eq "... which carries no capability (the helper hands it CAP_SYS_ADMIN ambient for its start only)" "" \
    "$(getcap "$stack")"
sbx_assert_eq "... and is root's, writable by root only (the helper refuses it otherwise)" "0 755" \
    "$(stat -c '%u %a' "$stack")"
allowed=$dest/usr/libexec/sandbox-shell/user-manager-allowed
[ -x "$allowed" ] || sbx_fail "the drop-in's program is not installed at $allowed"
sbx_assert_eq "... which carries no capability" "" "$(getcap "$allowed")"
"$allowed" "$(id -u sbxshell)" 2>"$SBX_WS/uma.err"
sbx_assert_eq "the program says no manager for a sandboxed user (exit 1)" 1 "$?"
sbx_assert_match "... and says why" "user 'sbxshell' \(uid [0-9]+\) is sandboxed: no systemd user manager" \
    "$(cat "$SBX_WS/uma.err")"
"$allowed" "$(id -u plainuser)" 2>"$SBX_WS/uma.err"
sbx_assert_eq "... a manager for a user the policy leaves alone (exit 0)" 0 "$?"
"$allowed" 0
sbx_assert_eq "... and for root (exit 0)" 0 "$?"
"$allowed" 4242424 2>/dev/null
sbx_assert_eq "... none for an unknown uid (exit 3)" 3 "$?"
"$allowed" 1x 2>/dev/null
sbx_assert_eq "... none for a malformed one (exit 3)" 3 "$?"
echo "Bogus line" >>/etc/sandbox-shell/sandbox-shell.conf
"$allowed" "$(id -u plainuser)" 2>"$SBX_WS/uma.err"
sbx_assert_eq "an invalid configuration: no manager even for a user it would leave alone (exit 2)" 2 "$?"
sbx_assert_match "... naming the error" "invalid.*sandbox-shell.conf:[0-9]+: unknown keyword 'Bogus'" "$(cat "$SBX_WS/uma.err")"
sbx_shell_policy

# The installed helper, started the way a pam_sandbox session starts it, gives the user a sandboxed shell.
out=$("$SBX_LAUNCH" sbxshell "$helper" -c 'echo $$ $(hostname)' 2>&1)
sbx_assert_eq "the installed helper runs the shell as PID 1 in the sandbox" "1 box-sbxshell" "$out"
out=$("$SBX_LAUNCH" --no-grant sbxshell "$helper" -c 'echo RAN' 2>&1)
sbx_assert_match "without the session's grant the installed helper refuses" 'refusing login: missing capabilities' "$out"
