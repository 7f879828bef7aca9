#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The trusted core is what runs on the login path: the helper (which carries capabilities), the PAM module (root,
# inside sshd, su and login), user-manager-allowed (root, from systemd) and sandbox-shell-netstack (the stack of
# Network private, started by the helper) link lib/core only. None of them holds a symbol of lib/admin (doctor,
# mkrootfs, list and kill); sandbox-shellctl, which links both, holds them (the positive control: nm sees them where
# they are).
set -u
fail() {
    echo "not ok - $*"
    exit 1
}
command -v nm >/dev/null || fail "nm is missing (Debian package binutils)"
# Every global function and object lib/admin defines (its static ones may share a name with core's; they come only
# with an object file whose global symbols would show too). A program linked from the archive keeps them, as local
# symbols where a version script hides them (the PAM module).
admin=$(nm --defined-only "${SBX_ADMIN_LIB:?}" 2>&1) || fail "nm $SBX_ADMIN_LIB: $admin"
admin=$(printf '%s\n' "$admin" | awk 'NF == 3 && $2 ~ /^[TDBR]$/ { print $3 }' | sort -u)
[ "$(printf '%s\n' "$admin" | grep -c '^sbx_doctor_rootfs$')" = 1 ] ||
    fail "the admin library's symbols were not read (no sbx_doctor_rootfs among them)"
echo "ok - lib/admin defines $(printf '%s\n' "$admin" | wc -l) symbols"

# symbols_of FILE: the functions and objects FILE holds (its symbol table, local ones included).
symbols_of() {
    local out
    out=$(nm --defined-only "$1" 2>&1) || fail "nm $1: $out"
    printf '%s\n' "$out" | awk 'NF == 3 && $2 ~ /^[TtDdBbRr]$/ { print $3 }' | sort -u
}
for bin in "$SBX_HELPER" "$SBX_PAM_MODULE" "$SBX_USER_MANAGER_ALLOWED" "${SBX_NETSTACK:?}"; do
    syms=$(symbols_of "$bin")
    [ -n "$syms" ] || fail "$bin: no symbol table to check (stripped?)"
    both=$(comm -12 <(printf '%s\n' "$admin") <(printf '%s\n' "$syms"))
    [ -z "$both" ] || fail "$bin holds admin code: $(echo $both)"
    echo "ok - $(basename "$bin") holds none of lib/admin's symbols ($(printf '%s\n' "$syms" | wc -l) symbols)"
done
ctl=$(comm -12 <(printf '%s\n' "$admin") <(symbols_of "$SBX_CTL"))
printf '%s\n' "$ctl" | grep -qx 'sbx_doctor_rootfs' || fail "sandbox-shellctl holds no admin code: the check cannot see it"
echo "ok - sandbox-shellctl holds lib/admin's code (positive control)"

# The journal client is the PAM module's alone (docs/ARCHITECTURE.md, "Logging"): the helper, which carries
# capabilities, holds no code of lib/core/journal.c and imports no sd_journal_* function of libsystemd (which it may
# link for sd-bus). The PAM module holds both (the positive control; sd_journal_sendv where it links libsystemd).
journal_of() {
    local out
    out=$(nm -D --undefined-only "$1" 2>&1) || fail "nm -D $1: $out"
    { symbols_of "$1"; printf '%s\n' "$out" | awk '{ sub(/@.*/, "", $NF); print $NF }'; } |
        grep -E '^(sbx|sd)_journal_' | sort -u
}
pam_journal=$(journal_of "$SBX_PAM_MODULE")
printf '%s\n' "$pam_journal" | grep -qx 'sbx_journal_init' ||
    fail "the PAM module holds no sbx_journal_init: the check cannot see the journal code"
if readelf -d "$SBX_PAM_MODULE" | grep -q 'NEEDED.*libsystemd'; then
    printf '%s\n' "$pam_journal" | grep -qx 'sd_journal_sendv' ||
        fail "the PAM module links libsystemd but imports no sd_journal_sendv"
fi
echo "ok - the PAM module holds the journal client (positive control): $(echo $pam_journal)"
helper_journal=$(journal_of "$SBX_HELPER")
[ -z "$helper_journal" ] || fail "$(basename "$SBX_HELPER") holds journal code: $(echo $helper_journal)"
echo "ok - $(basename "$SBX_HELPER") holds no journal code and imports no sd_journal_* function"

# The helper talks to no daemon and needs no library but libc (libcap, libbsd, libmd and libseccomp are linked from
# their archives, which Debian's -dev packages ship; the systemd backend's D-Bus half is pam_sandbox's): a login's start maps
# and relocates libc alone, and nothing of libsystemd's five libraries is loaded into a process with capabilities.
# The positive control: the PAM module, built with libsystemd, needs it.
needed_of() {
    readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u
}
if grep -q '^#define HAVE_SYSTEMD 1$' "${SBX_BUILDDIR:?}/config.h"; then
    needed_of "$SBX_PAM_MODULE" | grep -qx 'libsystemd.so.0' ||
        fail "the PAM module of a build with libsystemd does not need it: the check cannot see NEEDED entries"
    echo "ok - the PAM module needs libsystemd.so.0 (positive control)"
fi
helper_needed=$(needed_of "$SBX_HELPER")
[ "$helper_needed" = libc.so.6 ] || fail "$(basename "$SBX_HELPER") needs more than libc: $(echo $helper_needed)"
echo "ok - $(basename "$SBX_HELPER") needs libc alone"
