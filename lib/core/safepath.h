/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Safe path handling for the privileged code of the helper.
 *
 * Two kinds of path reach it: the rootfs (RootDirectory, from the root-owned config), which must sit on a chain of
 * directories only root can change, as OpenSSH requires for ChrootDirectory; and paths a user may control (bind
 * sources such as the home directory, mount targets inside the sandbox), which are opened without following any
 * symbolic link, so a link the user plants cannot redirect a mount. */

#include <stdint.h>
#include <sys/stat.h>

#include "error.h"

/* Checks one component of a trusted chain: `st` (from fstat of the opened component) must be a directory owned by
 * root and not writable by group or others. `path` only names the component in the message.
 * Returns 0, or -EPERM (bad owner or mode) / -ENOTDIR / -ELOOP (a symbolic link) with err naming `path`. */
int sbx_safepath_check_component(const struct stat *st, const char *path, struct sbx_err *err);

/* Opens the absolute directory `path` after checking every component from "/" down with
 * sbx_safepath_check_component. Each component is opened relative to the previous one with O_NOFOLLOW, so the
 * directory that was checked is the one returned: no symbolic link is followed (a RootDirectory must be given as
 * a real path), "." and ".." are refused. On success *ret_fd is an O_PATH|O_CLOEXEC descriptor of the directory,
 * owned by the caller. Errors: -EINVAL (not absolute, ".."), -ENOENT (a component is missing), -EPERM/-ENOTDIR/
 * -ELOOP (unsafe component), or the errno of openat; the message names the offending path. */
int sbx_safepath_open_trusted_dir(const char *path, int *ret_fd, struct sbx_err *err);

/* Opens `path` (relative to dirfd, or absolute with AT_FDCWD) with `flags` (O_CLOEXEC is always added) without
 * following any symbolic link in any component, and without magic links (openat2 RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS, plus `resolve`, e.g. RESOLVE_IN_ROOT to stay inside dirfd). This is how the privileged code
 * opens anything a user can write. On success *ret_fd is a new descriptor owned by the caller. Errors: -ELOOP when
 * a component is a symbolic link, otherwise the errno of openat2; the message names `what` and `path`. */
int sbx_safepath_open_nofollow(int dirfd, const char *path, int flags, uint64_t resolve, const char *what, int *ret_fd,
                               struct sbx_err *err);

/* As sbx_safepath_open_nofollow, for a path that may well not exist: -ENOENT then leaves err untouched (no message
 * is formatted for the ordinary case); every other error is reported as there. */
int sbx_safepath_open_nofollow_maybe(int dirfd, const char *path, int flags, uint64_t resolve, const char *what,
                                     int *ret_fd, struct sbx_err *err);

/* Resolves the absolute `path` the way the kernel would, component by component, but only through directories that
 * pass sbx_safepath_check_component and symbolic links owned by root (a link's target is resolved the same way; ".."
 * is refused): so nobody but root can make `path` name another file later. *ret is the stat of the file it names.
 * Used for the passwd shell of a sandboxed user, which must stay the helper between the PAM check and the exec.
 * Errors: -EPERM/-ENOTDIR (an unsafe component, named), -ELOOP, -EINVAL, or the errno of the lookup. */
int sbx_safepath_resolve_trusted(const char *path, struct stat *ret, struct sbx_err *err);
