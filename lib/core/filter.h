/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The syscall filter installed in PID 1 last before the exec, through libseccomp. It is a deny list: a login shell
 * needs the ordinary syscalls, and what it never needs (or what reaches outside the namespaces) fails with EPERM.
 * Every ABI the kernel accepts from this machine's processes is covered (x86_64, i386 and x32 on an x86_64 machine),
 * so a syscall cannot slip through another ABI's number; any other ABI kills the process. */

#include <stdbool.h>
#include <stddef.h>

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

/* One token of a SystemCallFilter line (sandbox-shell.conf(5)): "NAME" adds NAME to the deny list, "!NAME" allows it
 * (removes a default entry, or undoes an addition made by a line of lower precedence). Returns 0 with *ret_name
 * pointing into tok, or -EINVAL with the reason in msg (unknown name, '~' written for systemd's syntax, empty). */
int sbx_filter_parse_token(const char *tok, const char **ret_name, bool *ret_deny, char *msg, size_t msgsize);

/* A filter built ahead of time: the BPF program libseccomp generated, loaded later by sbx_filter_load. PID 1 builds it
 * while it still has its ordinary resource limits (generating allocates; LimitAS or LimitDATA could make that fail)
 * and loads it as the very last step before the exec, with one system call. */
struct sbx_filter_prog;

/* Builds the program for spec. *ret: free with sbx_filter_prog_free. Errors as sbx_filter_install. A spec that keeps
 * the default list unchanged (NULL, or add and remove both empty) gets the program compiled at build time, which is
 * what libseccomp makes of the same list (see sbx_filter_prebuilt_default). */
int sbx_filter_build(const struct sbx_filter_spec *spec, struct sbx_filter_prog **ret, struct sbx_err *err);

/* Loads prog into the calling thread; needs no_new_privs (or CAP_SYS_ADMIN). Allocates nothing. Errors: the errno of
 * seccomp(2). */
int sbx_filter_load(const struct sbx_filter_prog *prog, struct sbx_err *err);

void sbx_filter_prog_free(struct sbx_filter_prog *prog);

/* True when this build carries the default program compiled at build time (not in a cross build, where the
 * generator cannot run: then every filter is compiled at start-up). */
bool sbx_filter_prebuilt_default(void);

/* The program's instructions (struct sock_filter) and their count, for tests. */
size_t sbx_filter_prog_len(const struct sbx_filter_prog *prog);
const void *sbx_filter_prog_insns(const struct sbx_filter_prog *prog);

static inline void sbx_filter_prog_freep(struct sbx_filter_prog **p)
{
        sbx_filter_prog_free(*p);
}
#define _cleanup_filter_prog_ _cleanup_(sbx_filter_prog_freep)
