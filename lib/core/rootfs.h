/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The sandbox's root filesystem, built inside PID 1 (a new mount namespace) from the effective policy:
 *
 *   RootDirectory   bound recursively, read-only, nosuid, nodev (its chain checked by safepath)
 *   /proc           a fresh proc for the new PID namespace (nosuid, nodev, noexec), masked (procfs.h)
 *   /dev            a small tmpfs, read-only once filled: null zero full random urandom tty bound from the host
 *                   (nosuid, noexec), a new devpts instance on pts (ptmx -> pts/ptmx; the sandbox's own terminal
 *                   is a pty there, pty.h), tmpfs shm, fd/stdin/stdout/stderr links
 *   Bind lines      in policy order (the home last unless given explicitly), recursive, nosuid, nodev, read-only
 *                   unless rw; sources opened without following symbolic links, with the user's own permissions
 *   Tmpfs lines     in policy order (/tmp included), mode 1777, nosuid, nodev, with their size
 *
 * then pivot_root into it and detach the old root. Mount targets are resolved inside the new root without following
 * symbolic links and must exist in the rootfs, except the home directory: when it is missing, its parent directory
 * (which must exist) is covered by a small read-only tmpfs holding the mount point. */

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "policy.h"

/* Builds the rootfs for `policy` and switches to it (pivot_root; the old root is detached). Must run in a new mount
 * namespace (PID 1 of sbx_ns_launch) holding CAP_SYS_ADMIN; the caller's cwd is "/" of the new root afterwards.
 * On failure the namespace is left half-built (the caller exits; the namespace dies with it) and err names the step
 * and the path. Errors: the errno of the failing call. */
int sbx_rootfs_setup(const struct sbx_policy *policy, struct sbx_err *err);

/* A new tmpfs, detached, with the mount flags `attr`; *ret_fd is its mount. `mode`/`size` are tmpfs option strings
 * (size NULL: the kernel's default); `root_owned` makes its root directory root's, else it belongs to the caller's
 * fsuid (the user: the helper has no CAP_DAC_OVERRIDE, so it can only fill a tmpfs whose root it owns). `what` names
 * it in messages. */
int sbx_rootfs_new_tmpfs(const char *mode, const char *size, bool root_owned, uint64_t attr, const char *what,
                         int *ret_fd, struct sbx_err *err);

/* Splits the absolute path `path` into a malloc'd parent directory and last component: "/home/u" -> "/home", "u";
 * "/u" -> "/", "u". Trailing slashes are ignored. Errors: -EINVAL for a relative path or "/" (no last component),
 * -ENOMEM. The caller frees both. */
int sbx_rootfs_split_path(const char *path, char **ret_parent, char **ret_base, struct sbx_err *err);
