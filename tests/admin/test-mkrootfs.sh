#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sandbox-shellctl mkrootfs --busybox and --copy: each builds a rootfs that passes doctor's audit and in which a
# sandboxed login works (su - user -c 'echo $$' prints 1), with the sandboxed users' accounts in its /etc/passwd,
# nothing setuid, no device node even when the sources had them, nothing writable by group or others (/tmp and
# /var/tmp are root 0755: the login mounts a private tmpfs on them), and an empty /etc/resolv.conf for Network private
# to mount on (one the tree has already, as --copy gives it, is kept). It builds in a staging directory next to DIR
# and renames the tree into place: no staging directory is left after a success or a failure, and a failed build
# leaves nothing at DIR. A DIR whose parent is not root-only is refused, and so is a program given to --copy whose
# ELF headers name a library or an interpreter by a relative path or one with '..'. Bad uses are refused.
. "$(dirname "$0")/common.sh"
sbx_admin_setup "$@"

# sbx_login_in ROOTFS SHELL CMD: the output of a sandboxed su login with the rootfs and Shell given.
sbx_login_in() {
    SBX_ADMIN_ROOTFS=$1 SBX_ADMIN_SHELL=$2 sbx_admin_policy
    su - sbxuser1 -c "$3" </dev/null 2>&1
}

# sbx_no_staging WHAT DIR: no staging directory of mkrootfs (.NAME.mkrootfs-XXXXXX) is left next to DIR.
sbx_no_staging() {
    sbx_assert_eq "$1: no staging directory left next to it" "" \
        "$(find "$(dirname "$2")" -mindepth 1 -maxdepth 1 -name '.*.mkrootfs-*' 2>&1)"
}

# sbx_absent WHAT PATH: nothing at PATH, not even a dangling link.
sbx_absent() {
    sbx_assert_eq "$1: nothing is at $2" "absent" "$([ -e "$2" ] || [ -L "$2" ] && echo present || echo absent)"
}

# sbx_assert_safe_rootfs WHAT DIR: what every rootfs mkrootfs builds looks like on the host side.
sbx_assert_safe_rootfs() {
    sbx_assert_eq "$1: root-owned 0755" "0:0 755" "$(stat -c '%u:%g %a' "$2")"
    sbx_assert_eq "$1: /tmp and /var/tmp are root 0755, not 1777" "0:0 755,0:0 755" \
        "$(stat -c '%u:%g %a' "$2/tmp" "$2/var/tmp" | paste -sd,)"
    sbx_assert_eq "$1: no world-writable path" "" "$(find "$2" -xdev -perm -0002 ! -type l)"
    sbx_assert_eq "$1: no group-writable path either" "" "$(find "$2" -xdev -perm -0020 ! -type l)"
    sbx_assert_eq "$1: an empty /etc/resolv.conf, root 0644 (Network private mounts the sandbox's own on it)" \
        "0:0 644 0 regular empty file" "$(stat -c '%u:%g %a %s %F' "$2/etc/resolv.conf")"
    sbx_no_staging "$1" "$2"
}

# --- busybox ---
B=$SBX_WS/rootfs-busybox
out=$(ctl mkrootfs "$B" --busybox 2>&1)
sbx_assert_eq "mkrootfs --busybox: exit 0" 0 "$?"
sbx_assert_match "mkrootfs --busybox: says the rootfs is ready" "^$B: rootfs ready" "$out"
sbx_assert_eq "busybox rootfs: /bin/sh is the busybox applet" "/bin/busybox" "$(readlink "$B/bin/sh")"
sbx_assert_safe_rootfs "busybox rootfs" "$B"
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
sbx_assert_safe_rootfs "copy rootfs" "$C"

# The copy takes no setuid bit along: su is setuid root on the host.
S=$SBX_WS/rootfs-suid
if [ -u /usr/bin/su ]; then
    out=$(ctl mkrootfs "$S" --copy /bin/sh /usr/bin/su 2>&1) || sbx_fail "mkrootfs --copy su: $out"
    sbx_assert_eq "copy of a setuid program: not setuid in the rootfs" "755" "$(stat -c '%a' "$S/usr/bin/su")"
fi

# A resolv.conf the tree has already (here the host's, given to --copy) is kept, not emptied.
mv /etc/resolv.conf "$SBX_WS/resolv.conf.saved" 2>/dev/null
echo "nameserver 192.0.2.53" >/etc/resolv.conf
K=$SBX_WS/rootfs-resolv
out=$(ctl mkrootfs "$K" --copy /bin/sh /etc/resolv.conf 2>&1)
sbx_assert_eq "mkrootfs --copy /etc/resolv.conf: exit 0 ($out)" 0 "$?"
sbx_assert_eq "... the copied resolv.conf is kept" "nameserver 192.0.2.53" "$(cat "$K/etc/resolv.conf")"
sbx_assert_eq "... a regular file, root 0644" "0:0 644 regular file" "$(stat -c '%u:%g %a %F' "$K/etc/resolv.conf")"
rm /etc/resolv.conf
if [ -e "$SBX_WS/resolv.conf.saved" ] || [ -L "$SBX_WS/resolv.conf.saved" ]; then
    mv "$SBX_WS/resolv.conf.saved" /etc/resolv.conf
fi

# An empty directory is accepted as DIR: the finished tree replaces it.
E0=$SBX_WS/rootfs-empty
mkdir -m 0700 "$E0"
out=$(ctl mkrootfs "$E0" --busybox 2>&1)
sbx_assert_eq "mkrootfs into an empty directory: exit 0 ($out)" 0 "$?"
sbx_assert_eq "... the rootfs is there" "/bin/busybox" "$(readlink "$E0/bin/sh")"
sbx_assert_safe_rootfs "rootfs built into an empty directory" "$E0"

# A policy Shell the rootfs lacks is a finding, not a failure of the build: the rootfs is put in place (for the
# administrator to add the shell), and mkrootfs exits 1 naming it.
out=$(SBX_ADMIN_ROOTFS=$SBX_WS/rootfs-noshell SBX_ADMIN_SHELL=/bin/bash sbx_admin_policy &&
    ctl mkrootfs "$SBX_WS/rootfs-noshell" --busybox 2>&1)
sbx_assert_eq "mkrootfs --busybox with Shell /bin/bash: exit 1" 1 "$?"
sbx_assert_match "... naming the missing shell" "Shell '/bin/bash': No such file or directory: sandboxed logins fail" \
    "$out"
sbx_assert_match "... and saying the rootfs is in place" "$SBX_WS/rootfs-noshell is in place, with the findings" "$out"
sbx_assert_safe_rootfs "rootfs with a finding about the Shell" "$SBX_WS/rootfs-noshell"
sbx_admin_policy

# --- refusals ---
before=$(find "$B" -printf '%p %m %u\n' | sort | md5sum)
out=$(ctl mkrootfs "$B" --busybox 2>&1)
sbx_assert_eq "mkrootfs into a non-empty directory: exit 1" 1 "$?"
sbx_assert_match "... and says why" "exists and is not empty" "$out"
sbx_assert_eq "... and leaves it as it was" "$before" "$(find "$B" -printf '%p %m %u\n' | sort | md5sum)"
sbx_no_staging "a refused mkrootfs into a non-empty directory" "$B"
ctl mkrootfs "$SBX_WS/x" >/dev/null 2>&1
sbx_assert_eq "mkrootfs without a mode: usage error" 2 "$?"
ctl mkrootfs "$SBX_WS/x" --busybox --copy /bin/sh >/dev/null 2>&1
sbx_assert_eq "mkrootfs with two modes: usage error" 2 "$?"
ctl mkrootfs relative/dir --busybox >/dev/null 2>&1
sbx_assert_eq "mkrootfs with a relative DIR: usage error" 2 "$?"
out=$(ctl mkrootfs "$SBX_WS/y" --copy /bin/sh /no/such/program 2>&1)
sbx_assert_eq "mkrootfs --copy of a missing program: exit 1" 1 "$?"
sbx_assert_match "... naming it" "/no/such/program" "$out"
sbx_assert_match "... saying nothing was installed" "nothing was installed at $SBX_WS/y" "$out"
sbx_absent "a build that failed after /bin/sh was copied" "$SBX_WS/y"
sbx_no_staging "a failed mkrootfs" "$SBX_WS/y"

# DIR a symbolic link: refused, and what it points to is untouched.
mkdir -m 0755 "$SBX_WS/link-target"
ln -s link-target "$SBX_WS/rootfs-link"
out=$(ctl mkrootfs "$SBX_WS/rootfs-link" --busybox 2>&1)
sbx_assert_eq "mkrootfs into a symbolic link: exit 1" 1 "$?"
sbx_assert_match "... and says why" "is a symbolic link" "$out"
sbx_assert_eq "... what it points to stays empty" "" "$(ls -A "$SBX_WS/link-target")"
sbx_no_staging "a refused mkrootfs into a symbolic link" "$SBX_WS/rootfs-link"

# --- the parent of DIR must be on a root-only chain: nobody else may swap what is built or moved there ---
P=$SBX_WS/public
mkdir -m 1777 "$P"
out=$(ctl mkrootfs "$P/rootfs" --busybox 2>&1)
sbx_assert_eq "mkrootfs in a world-writable (sticky) parent: exit 1" 1 "$?"
sbx_assert_match "... naming the component and why" \
    "not on a root-only chain: unsafe permissions on '$P': mode 1777 is world-writable" "$out"
sbx_assert_match "... with the fix" "fix: make every directory from / down to '$P' owned by root" "$out"
sbx_assert_eq "... and nothing is created there" "" "$(ls -A "$P")"
U=$SBX_WS/users
mkdir -m 0755 "$U"
chown 3001:3001 "$U"
out=$(ctl mkrootfs "$U/rootfs" --busybox 2>&1)
sbx_assert_eq "mkrootfs in a parent owned by a user: exit 1" 1 "$?"
sbx_assert_match "... naming it" "unsafe ownership of '$U': owned by uid 3001" "$out"
sbx_assert_eq "... and nothing is created there" "" "$(ls -A "$U")"
# Positive control: the same parents, made root-only, are accepted.
chmod 0755 "$P"
chown 0:0 "$U"
out=$(ctl mkrootfs "$P/rootfs" --busybox 2>&1)
sbx_assert_eq "mkrootfs in the same parent made root 0755: exit 0 ($out)" 0 "$?"
sbx_assert_safe_rootfs "rootfs in a parent made root-only" "$P/rootfs"
out=$(ctl mkrootfs "$U/rootfs" --busybox 2>&1)
sbx_assert_eq "mkrootfs in the parent given back to root: exit 0 ($out)" 0 "$?"

# --- a failure at the last step (the rename into place) or right after the staging directory is made ---
F=$SBX_WS/rootfs-fault
out=$(SBX_FAULT_TRACE=1 SBX_FAULT='move * onto *' ctl mkrootfs "$F" --busybox 2>&1)
rc=$?
if printf '%s' "$out" | grep -q '^sbx-fault-point: '; then
    sbx_assert_eq "mkrootfs whose rename into place fails: exit 1" 1 "$rc"
    sbx_assert_match "... naming the step" \
        "move '$SBX_WS/\.rootfs-fault\.mkrootfs-[A-Za-z0-9]{6}/root' onto '$F'" "$out"
    sbx_absent "mkrootfs whose rename into place fails" "$F"
    sbx_no_staging "mkrootfs whose rename into place fails" "$F"
    out=$(SBX_FAULT="create '*/root'" ctl mkrootfs "$F" --busybox 2>&1)
    sbx_assert_eq "mkrootfs that fails right after making the staging directory: exit 1" 1 "$?"
    sbx_absent "mkrootfs that fails right after making the staging directory" "$F"
    sbx_no_staging "mkrootfs that fails right after making the staging directory" "$F"
else
    sbx_log "no fault injection in this build (-Dfault_injection=false): the failing-rename checks are not run"
    rm -rf "$F"
fi

# --- --copy and the names in ELF headers: a DT_NEEDED or PT_INTERP that is relative or holds '..' is refused ---
command -v cc >/dev/null 2>&1 || sbx_skip "needs a C compiler (cc) for the ELF checks"
X=$SBX_WS/elf
mkdir -p "$X/a/b" "$X/app/bin" "$X/app/lib"
printf 'int sbx_lib(void) { return 42; }\n' >"$X/lib.c"
printf '#include <stdio.h>\nint sbx_lib(void);\nint main(void) { printf("lib says %%d\\n", sbx_lib()); return 0; }\n' \
    >"$X/main.c"
printf 'int main(void) { return 0; }\n' >"$X/hello.c"
# A library without a soname, linked by a relative path: the path itself becomes the DT_NEEDED entry.
(cd "$X/a/b" && cc -shared -fPIC -o ../../x ../../lib.c && cc -o prog ../../main.c ../../x) ||
    sbx_fail "cannot build the test programs"
sbx_assert_match "the test's program has DT_NEEDED '../../x'" 'NEEDED.*\[\.\./\.\./x\]' "$(readelf -d "$X/a/b/prog")"
{ cc -o "$X/rel-interp" "$X/hello.c" -Wl,--dynamic-linker=lib64/ld-linux-x86-64.so.2 &&
    cc -o "$X/dotdot-interp" "$X/hello.c" -Wl,--dynamic-linker=/lib/../../../../tmp/ld.so; } ||
    sbx_fail "cannot build the test programs"
sbx_assert_match "the test's program has a relative PT_INTERP" 'interpreter: lib64/ld-linux' \
    "$(readelf -l "$X/rel-interp")"

# sbx_refused_copy WHAT PROG PATTERN: mkrootfs --copy PROG, run from PROG's directory (where a relative name would
# resolve), exits 1 with a message matching PATTERN and writes nothing anywhere: the files of the workspace and of
# /run are the same before and after, so nothing is at DIR or next to it either.
sbx_refused_copy() {
    local what=$1 prog=$2 pattern=$3 before after dst=$SBX_WS/rootfs-refused
    before=$(find "$SBX_WS" /run -xdev 2>/dev/null | sort)
    out=$(cd "$(dirname "$prog")" && ctl mkrootfs "$dst" --copy "$prog" 2>&1)
    sbx_assert_eq "$what: exit 1" 1 "$?"
    sbx_assert_match "$what: the message names the program and the entry" "$pattern" "$out"
    after=$(find "$SBX_WS" /run -xdev 2>/dev/null | sort)
    sbx_assert_eq "$what: nothing is written (files in the workspace and /run, before and after)" \
        "" "$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after"))"
}
sbx_refused_copy "--copy of a program whose DT_NEEDED is '../../x'" "$X/a/b/prog" \
    "'$X/a/b/prog': the library it needs \(DT_NEEDED\) '\.\./\.\./x' is neither a plain name nor an absolute path"
sbx_refused_copy "--copy of a program whose PT_INTERP is relative" "$X/rel-interp" \
    "'$X/rel-interp': its ELF interpreter \(PT_INTERP\) 'lib64/ld-linux-x86-64.so.2' is not an absolute path"
sbx_refused_copy "--copy of a program whose PT_INTERP holds '..'" "$X/dotdot-interp" \
    "'$X/dotdot-interp': its ELF interpreter \(PT_INTERP\) '/lib/\.\./\.\./\.\./\.\./tmp/ld.so' is not an absolute"

# Positive control: a program whose RUNPATH is $ORIGIN/../lib (common and legitimate) is copied with its library, to
# the normalised path, and runs in a sandboxed login there.
{ cc -shared -fPIC -Wl,-soname,libsbxgood.so -o "$X/app/lib/libsbxgood.so" "$X/lib.c" &&
    cc -o "$X/app/bin/good" "$X/main.c" -L"$X/app/lib" -lsbxgood -Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags; } ||
    sbx_fail "cannot build the test programs"
sbx_assert_match "the test's program has RUNPATH \$ORIGIN/../lib" 'RUNPATH.*\[\$ORIGIN/\.\./lib\]' \
    "$(readelf -d "$X/app/bin/good")"
G=$SBX_WS/rootfs-origin
out=$(ctl mkrootfs "$G" --copy /bin/sh "$X/app/bin/good" 2>&1)
sbx_assert_eq "--copy of a program with RUNPATH \$ORIGIN/../lib: exit 0 ($out)" 0 "$?"
sbx_assert_eq "... its library is copied to the normalised path, once" "$G$X/app/lib/libsbxgood.so" \
    "$(find "$G" -name libsbxgood.so)"
sbx_assert_eq "... and the program runs with it in a sandboxed login there" "lib says 42" \
    "$(sbx_login_in "$G" /bin/sh "$X/app/bin/good")"
sbx_assert_safe_rootfs "rootfs with an \$ORIGIN program" "$G"
