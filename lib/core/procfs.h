/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /proc masking, as container runtimes do it: the sandbox's own proc still shows the kernel's global files, some of
 * which leak what the sandbox should not see (kernel memory, every key and timer of the machine) or reach the whole
 * machine (sysrq-trigger, the sysctls). Inside the new root, after its /proc is mounted:
 *
 *   hidden     SBX_PROCFS_MASKED: a file is covered by an empty read-only file (reads give nothing, writes fail), a
 *              directory by an empty read-only directory; paths this kernel does not have are skipped
 *   read-only  SBX_PROCFS_READONLY: bound onto themselves read-only (the values stay readable)
 *
 * Every mount made is read-only, nosuid, nodev, noexec. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"

#define SBX_PROCFS_MASKED                                                                                              \
        "/proc/kcore", "/proc/keys", "/proc/key-users", "/proc/kallsyms", "/proc/timer_list", "/proc/timer_stats",     \
                "/proc/sched_debug", "/proc/latency_stats", "/proc/sysrq-trigger", "/proc/acpi", "/proc/asound",       \
                "/proc/scsi"
#define SBX_PROCFS_READONLY "/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq"

/* Applies the masks to the proc mounted at /proc inside the new root rootfd (paths resolved inside it, no symbolic
 * link followed). `scratch` is a directory the caller can write, on a fresh mount attached in this namespace (the new
 * /dev before it is made read-only): the masks' sources are made there and removed again. Must run in the sandbox's
 * mount namespace holding CAP_SYS_ADMIN. Errors: the errno of the failing call, err naming the path; a path that does
 * not exist is not an error. */
int sbx_procfs_mask(int rootfd, int scratch, struct sbx_err *err);

/* Reads the hexadecimal fields `names` of /proc/PID/status (pid 0: /proc/self/status), e.g. "CapBnd", "CapAmb",
 * "SigIgn", "SigCgt", into vals: one read for what would otherwise take a system call per capability or signal.
 * Returns 0, or a negative errno when the file cannot be read, is not on procfs (-ENODEV), lacks one of the fields
 * (-ENOENT) or holds a malformed one (-EBADMSG); callers then ask the kernel bit by bit or assume the worst. */
int sbx_proc_status(pid_t pid, const char *const *names, uint64_t *vals, size_t n);

/* The parser behind sbx_proc_status, for the text of such a file (unit tests). */
int sbx_proc_parse_status(const char *text, const char *const *names, uint64_t *vals, size_t n);

/* Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot (a pid and its start time name a
 * process even after the pid is reused). 0, or -errno (-ENOENT: no such process). */
int sbx_proc_starttime(pid_t pid, unsigned long long *ret);

/* The wall-clock time of a start time of sbx_proc_starttime: the boot's, btime of /proc/stat, plus the ticks, in
 * whole seconds. 0, or -errno (-ENOENT: no btime line, -EBADMSG: a malformed one); *ret is set only on success. */
int sbx_proc_start_realtime(unsigned long long starttime_ticks, time_t *ret);
