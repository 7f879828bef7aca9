#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# /proc masking inside a real sandbox: the kernel's global files a container runtime hides (kcore, keys, kallsyms,
# timer_list, sysrq-trigger, acpi, ...) read as empty and cannot be written, each covered by a read-only nosuid nodev
# noexec mount; /proc/sys, /proc/bus, /proc/fs, /proc/irq are read-only binds whose values stay readable. Paths this
# kernel does not have are listed as such and skipped (the test's own /proc shows the same global files).
. "$(dirname "$0")/shell-common.sh"
sbx_shell_setup "$@"

masked="/proc/kcore /proc/keys /proc/key-users /proc/kallsyms /proc/timer_list /proc/timer_stats /proc/sched_debug
/proc/latency_stats /proc/sysrq-trigger /proc/acpi /proc/asound /proc/scsi"
readonly_dirs="/proc/sys /proc/bus /proc/fs /proc/irq"
present=()
for p in $masked $readonly_dirs; do
    if [ -e "$p" ]; then present+=("$p"); else sbx_log "$p: not on this kernel, skipped"; fi
done

mounts=$(sbx_shell_run -- -c 'cat /proc/mounts')
for p in "${present[@]}"; do
    line=$(printf '%s\n' "$mounts" | awk -v p="$p" '$2 == p')
    sbx_assert_match "$p is a mount of its own, read-only, nosuid, nodev, noexec" \
        '^[^ ]+ [^ ]+ [^ ]+ ro,nosuid,nodev,noexec' "$line"
done

for f in $masked; do
    [ -f "$f" ] || continue
    # A masked file reads as empty, successfully: unmasked, kallsyms and key-users have content and kcore and
    # timer_list refuse an unprivileged reader.
    out=$(sbx_shell_run -- -c "wc -c <$f; echo rc=\$?")
    sbx_assert_eq "$f reads as empty" "0
rc=0" "$out"
    out=$(sbx_shell_run -- -c "echo b >$f && echo written")
    sbx_assert_no_match "$f cannot be written" written "$out"
done
for d in $masked; do
    [ -d "$d" ] || continue
    out=$(sbx_shell_run -- -c "ls -A $d; echo rc=\$?; touch $d/x 2>&1")
    sbx_assert_eq "$d is an empty read-only directory" "rc=0
touch: $d/x: Read-only file system" "$out"
done
[ -e /proc/kallsyms ] && [ -s /proc/kallsyms ] && sbx_log "(the host's /proc/kallsyms has content: the mask is seen)"

# The file masks are clones of an empty file made in the new /dev while it was being filled: its name is gone again
# (no terminal here, so no /dev/console).
out=$(sbx_shell_run -- -c 'ls -A /dev | tr "\n" " "')
sbx_assert_eq "/dev holds only its own entries" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " "$out"

out=$(sbx_shell_run -- -c 'cat /proc/sys/kernel/hostname; grep -c . /proc/sys/kernel/osrelease')
sbx_assert_eq "/proc/sys stays readable" "box-sbxshell
1" "$out"
out=$(sbx_shell_run -- -c 'ps -o pid,args | head -1; cat /proc/self/status | grep -c ^Pid:')
sbx_assert_eq "the process files of /proc are untouched" "PID   COMMAND
1" "$out"

sbx_shell_assert_clean "at the end"
