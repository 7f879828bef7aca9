/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The syscall filter installed in PID 1 last before the exec, through libseccomp. It is a deny list: a login shell
 * needs the ordinary syscalls, and what it never needs (or what reaches outside the namespaces) fails with EPERM.
 * Every ABI the kernel accepts from this machine's processes is covered (x86_64, i386 and x32 on an x86_64 machine),
 * so a syscall cannot slip through another ABI's number; any other ABI kills the process. */

#include <stdbool.h>

#include "error.h"

/* The default deny list, NULL-terminated: syscall names, plus pseudo-entries that stand for argument filters:
 * "TIOCSTI" and "TIOCLINUX" (those ioctl requests, on any fd), "personality" (changes that weaken ASLR or
 * exec protections; querying and PER_LINUX/PER_LINUX32 stay allowed), "userns" (clone/unshare with CLONE_NEWUSER;
 * clone3 answers ENOSYS so libc falls back to clone, whose flags the filter can see). */
extern const char *const sbx_filter_default_deny[];

struct sbx_filter_spec {
        const char *const *add;    /* NULL-terminated entries denied in addition to the default (may be NULL) */
        const char *const *remove; /* NULL-terminated default entries to allow after all (may be NULL) */
};

/* True when name is a syscall known on this machine's native ABI, or one of the pseudo-entries. */
bool sbx_filter_name_valid(const char *name);

/* Builds the filter and loads it into the calling thread (which must have no_new_privs set, or CAP_SYS_ADMIN).
 * Errors: -EINVAL naming an unknown syscall, -errno from libseccomp naming the rule. */
int sbx_filter_install(const struct sbx_filter_spec *spec, struct sbx_err *err);

/* Builds the filter and writes it as BPF to fd without loading it (tests, sandbox-shellctl). */
int sbx_filter_export(const struct sbx_filter_spec *spec, int fd, struct sbx_err *err);
