/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Building a rootfs for `sandbox-shellctl mkrootfs`: the skeleton every rootfs needs, host programs copied with the
 * shared libraries they load (read from their ELF headers; nothing is executed), busybox with its applet links,
 * /etc/passwd and /etc/group entries for the sandboxed users, and a last pass that makes the tree pass the doctor's
 * rootfs audit. Running external tools (busybox --list, debootstrap, ldconfig) is the caller's business. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Creates dir (its parent must exist; dir itself may exist when empty or when `existing` is true), root-owned 0755,
 * and the directories every rootfs needs: bin sbin usr/bin usr/sbin lib etc proc (0555) dev tmp home root (0700) run
 * var/tmp, 0755 unless said (the sandbox mounts its own tmpfs where it writes). Errors: -EEXIST when dir is a non-empty directory and existing is false, or the errno of mkdir. */
int sbx_mkrootfs_skeleton(const char *dir, bool existing, struct sbx_err *err);

/* Copies the host file `prog` (an absolute path; symbolic links followed) to the same path below dir, mode 0755,
 * with its ELF interpreter and every DT_NEEDED library, recursively, each found as the dynamic loader would (RPATH/
 * RUNPATH with $ORIGIN, /etc/ld.so.conf and its includes, the default directories) and copied to the path where it
 * was found. Files already present are kept. *ret_libdirs (may be NULL) receives a malloc'd, '\n'-separated list of
 * the library directories used (for the rootfs's ld.so.conf). Errors: -ENOENT (prog or a library not found, named
 * in the message), -ENOEXEC (not a 64-bit ELF file where one is needed), or the errno of the copy. A file that is
 * not ELF (a script) is copied alone. */
int sbx_mkrootfs_copy(const char *dir, const char *prog, char **ret_libdirs, struct sbx_err *err);

/* Copies busybox (as sbx_mkrootfs_copy) to /bin/busybox and links each applet path of `applets` (as
 * `busybox --list-full` prints them: "bin/sh", "usr/bin/awk") to /bin/busybox, where nothing is there yet. */
int sbx_mkrootfs_busybox(const char *dir, const char *busybox, const char *const *applets, size_t n_applets,
                         struct sbx_err *err);

/* One account for etc/passwd and etc/group. */
struct sbx_mkrootfs_account {
        const char *name;
        uid_t uid;
        gid_t gid;
        const char *home;
        const char *shell;
};

struct sbx_mkrootfs_group {
        const char *name;
        gid_t gid;
        const char *members; /* comma-separated, may be "" */
};

/* Writes dir/etc/passwd and dir/etc/group (0644): the lines already there whose name is not among the given ones are
 * kept (a debootstrap'd system's own accounts), then one line per account and group given. */
int sbx_mkrootfs_accounts(const char *dir, const struct sbx_mkrootfs_account *users, size_t n_users,
                          const struct sbx_mkrootfs_group *groups, size_t n_groups, struct sbx_err *err);

/* Makes the tree below dir safe for a sandbox: removes every device node, clears setuid and setgid bits, removes
 * group and other write permission from everything (sticky directories such as /tmp included), sets dir root-owned
 * 0755.
 * Filesystems mounted below dir are left alone. *ret_changed (may be NULL) counts the files changed. */
int sbx_mkrootfs_sanitize(const char *dir, unsigned long *ret_changed, struct sbx_err *err);
