# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by every attack script inside the sandbox (busybox sh). /escape/host.env, written by the runner, holds
# what the host side looks like: HOST_PID (the test's own shell), HOST_SLEEPER (a host process that records any
# signal), HOST_MARKER (a host file outside the rootfs), HOST_PORT (a host listener on 127.0.0.1), HOST_UID, and what
# the host's kernel has: HOST_SYSRQ and HOST_MODPROBE (yes when /proc/sysrq-trigger, /proc/sys/kernel/modprobe exist),
# HOST_IA32 (yes when it runs 32-bit programs: int 0x80 reaches the system call table).
. /escape/host.env
escaped() { echo "ESCAPED: $*"; exit 1; }
# expect WHAT WANT GOT: the attack's outcome is exactly WANT.
expect() { [ "$2" = "$3" ] || escaped "$1: expected '$2', got '$3'"; }
# applet NAME...: busybox has each applet (a missing one would fail every command for the wrong reason).
applet() {
    local a
    for a in "$@"; do
        busybox --list | grep -qx "$a" || escaped "busybox has no applet '$a': the attack would prove nothing"
    done
}
# fails WHAT WANT CMD...: CMD (a busybox applet or a shell builtin) fails, and all it prints (stdout and stderr) is
# exactly WANT: the error the attack must meet, not just any error.
fails() {
    local what=$1 want=$2 got rc
    shift 2
    applet "$1"
    got=$("$@" 2>&1)
    rc=$?
    [ "$rc" != 0 ] || escaped "$what: it worked (exit 0): $got"
    expect "$what" "$want" "$got"
}
# write_fails WHAT FILE WANT [append]: the shell cannot open FILE for writing (>, or >> with "append"), with exactly
# the message "can't create FILE: WANT" (after the "SCRIPT: line N: " the shell puts first).
write_fails() {
    local got
    if [ "${4:-}" = append ]; then
        got=$( (echo x >>"$2") 2>&1) && escaped "$1: wrote $2"
    else
        got=$( (echo x >"$2") 2>&1) && escaped "$1: wrote $2"
    fi
    expect "$1" "can't create $2: $3" "${got#*: line *: }"
}
held() { echo held; exit 0; }
