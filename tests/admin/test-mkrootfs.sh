#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sandbox-shellctl mkrootfs --busybox and --copy: each builds a rootfs that passes doctor's audit and in which a
# sandboxed login works (su - user -c 'echo $$' prints 1), with the sandboxed users' accounts in its /etc/passwd,
# nothing setuid and no device node even when the sources had them. Bad uses are refused.
. "$(dirname "$0")/common.sh"
sbx_admin_setup "$@"

# sbx_login_in ROOTFS SHELL CMD: the output of a sandboxed su login with the rootfs and Shell given.
sbx_login_in() {
    SBX_ADMIN_ROOTFS=$1 SBX_ADMIN_SHELL=$2 sbx_admin_policy
    su - sbxuser1 -c "$3" </dev/null 2>&1
}

# --- busybox ---
B=$SBX_WS/rootfs-busybox
out=$(ctl mkrootfs "$B" --busybox 2>&1)
sbx_assert_eq "mkrootfs --busybox: exit 0" 0 "$?"
sbx_assert_match "mkrootfs --busybox: says the rootfs is ready" "^$B: rootfs ready" "$out"
sbx_assert_eq "busybox rootfs: /bin/sh is the busybox applet" "/bin/busybox" "$(readlink "$B/bin/sh")"
sbx_assert_eq "busybox rootfs: root-owned 0755" "0:0 755" "$(stat -c '%u:%g %a' "$B")"
sbx_assert_eq "busybox rootfs: /tmp and /var/tmp are 0755 (the sandbox mounts its own tmpfs there)" "755 755" \
    "$(stat -c '%a' "$B/tmp" "$B/var/tmp" | tr '\n' ' ' | sed 's/ $//')"
sbx_assert_match "busybox rootfs: the sandboxed users' accounts, with the policy's Shell" \
    "^sbxuser1:x:3001:3001::/home/sbxuser1:/bin/sh$" "$(cat "$B/etc/passwd")"
sbx_assert_match "busybox rootfs: their groups" "^sandboxed:x:3200:sbxuser1,sbxuser2$" "$(cat "$B/etc/group")"
sbx_assert_no_match "busybox rootfs: no account of a user the policy does not sandbox" "^plainuser:" \
    "$(cat "$B/etc/passwd")"
sbx_assert_eq "busybox rootfs: a sandboxed login runs as PID 1 there" "1 box-sbxuser1 sbxuser1" \
    "$(sbx_login_in "$B" /bin/sh 'echo $$ $(hostname) $(id -un)')"
SBX_ADMIN_ROOTFS=$B sbx_admin_policy
sbx_assert_doctor_clean "doctor finds nothing in the busybox rootfs"

# --- copy: host programs with their libraries (found from the ELF headers) ---
C=$SBX_WS/rootfs-copy
out=$(ctl mkrootfs "$C" --copy /bin/sh ls cat 2>&1)
sbx_assert_eq "mkrootfs --copy: exit 0 ($out)" 0 "$?"
sbx_assert_eq "copy rootfs: the programs are there" "yes yes yes" \
    "$(for p in /bin/sh /usr/bin/ls /usr/bin/cat; do [ -x "$C$p" ] && printf yes; done | sed 's/yesyesyes/yes yes yes/')"
interp=$(readelf -l /bin/ls 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]/\1/p')
[ -z "$interp" ] || [ -f "$C$interp" ] || sbx_fail "copy rootfs: the ELF interpreter $interp is missing"
echo "ok - copy rootfs: the ELF interpreter is there"
sbx_assert_eq "copy rootfs: a sandboxed login runs as PID 1 and ls works (its libraries are there)" "1
cat
ls" "$(sbx_login_in "$C" /bin/sh 'echo $$; ls /usr/bin')"
SBX_ADMIN_ROOTFS=$C sbx_admin_policy
sbx_assert_doctor_clean "doctor finds nothing in the copy rootfs"

# The copy takes no setuid bit along: su is setuid root on the host.
S=$SBX_WS/rootfs-suid
if [ -u /usr/bin/su ]; then
    out=$(ctl mkrootfs "$S" --copy /bin/sh /usr/bin/su 2>&1) || sbx_fail "mkrootfs --copy su: $out"
    sbx_assert_eq "copy of a setuid program: not setuid in the rootfs" "755" "$(stat -c '%a' "$S/usr/bin/su")"
fi

# --- refusals ---
out=$(ctl mkrootfs "$B" --busybox 2>&1)
sbx_assert_eq "mkrootfs into a non-empty directory: exit 1" 1 "$?"
sbx_assert_match "... and says why" "exists and is not empty" "$out"
ctl mkrootfs "$SBX_WS/x" >/dev/null 2>&1
sbx_assert_eq "mkrootfs without a mode: usage error" 2 "$?"
ctl mkrootfs "$SBX_WS/x" --busybox --copy /bin/sh >/dev/null 2>&1
sbx_assert_eq "mkrootfs with two modes: usage error" 2 "$?"
ctl mkrootfs relative/dir --busybox >/dev/null 2>&1
sbx_assert_eq "mkrootfs with a relative DIR: usage error" 2 "$?"
out=$(ctl mkrootfs "$SBX_WS/y" --copy /no/such/program 2>&1)
sbx_assert_eq "mkrootfs --copy of a missing program: exit 1" 1 "$?"
sbx_assert_match "... naming it" "/no/such/program" "$out"
