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
    "$helper cap_setpcap,cap_net_admin,cap_sys_admin=ei" "$(getcap "$helper")"
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

# The installed helper, started the way a pam_sandbox session starts it, gives the user a sandboxed shell.
out=$("$SBX_LAUNCH" sbxshell "$helper" -c 'echo $$ $(hostname)' 2>&1)
sbx_assert_eq "the installed helper runs the shell as PID 1 in the sandbox" "1 box-sbxshell" "$out"
out=$("$SBX_LAUNCH" --no-grant sbxshell "$helper" -c 'echo RAN' 2>&1)
sbx_assert_match "without the session's grant the installed helper refuses" 'refusing login: missing capabilities' "$out"
