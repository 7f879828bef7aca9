/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Building a rootfs for `sandbox-shellctl mkrootfs`: a staging directory next to the target that only root can enter,
 * the skeleton every rootfs needs (with the file Network private mounts its resolv.conf on), host programs copied
 * with the shared libraries they load (read from their ELF headers; nothing is executed), busybox with its applet
 * links, /etc/passwd and /etc/group entries for the sandboxed users, a last pass that makes the tree pass the
 * doctor's rootfs audit, and the move into place. Running external tools (busybox --list, debootstrap, ldconfig) is
 * the caller's business.
 *
 * Invariant: everything inside a tree is reached relative to the tree's directory descriptor, one component at a
 * time, without following a symbolic link (openat2 RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH|RESOLVE_NO_XDEV, O_NOFOLLOW);
 * modes and owners are changed through a descriptor of the inode that was looked at, never by name. A tree may hold
 * symbolic links (debootstrap's merged /usr: bin -> usr/bin), and mkrootfs runs as root: a link must never make it
 * write, chmod or chown anything outside the tree. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* A tree being built. The functions below take the owner from it instead of hard-wiring root: mkrootfs gives 0:0,
 * and the unit tests give their own uid and gid, so that they run every chown of the code under test unprivileged
 * (a chown to root skipped when not root would leave that code untested). */
struct sbx_mkrootfs_tree {
        int fd;           /* the tree's top directory (O_RDONLY|O_DIRECTORY), owned by whoever filled the struct */
        const char *path; /* its path: names the tree in messages, and is where external tools work */
        uid_t uid;        /* owner of the top and of everything created */
        gid_t gid;
};

/* The staging of `sandbox-shellctl mkrootfs DIR`: the tree is built in PARENT/.NAME.mkrootfs-XXXXXX/root, inside a
 * directory root-owned 0700, and renamed onto DIR when complete, so that nothing half-built is ever at DIR and no
 * other user can reach the tree while it is built. */
struct sbx_mkrootfs_stage {
        struct sbx_mkrootfs_tree tree; /* the tree to build; after the commit its path is DIR */
        char *dir;                     /* DIR, without trailing '/' */
        char *stage_path;              /* PARENT/.NAME.mkrootfs-XXXXXX */
        char *tree_path;               /* stage_path + "/root" */
        char stage_name[256];
        char name[256];
        int parent_fd; /* O_PATH descriptor of PARENT, checked root-only */
        int stage_fd;
        bool committed;
};

/* Prepares the staging of `dir` (absolute, not "/"): dir's parent must be on a root-only chain (every component from
 * "/" root-owned and not writable by group or others, sbx_safepath_open_trusted_dir), dir must not exist or be an
 * empty directory that is not a mount point; then the staging directory is created next to it, root-owned 0700, and
 * the tree's top in it, root-owned 0755. On success *ret is filled (release it with sbx_mkrootfs_stage_done). Errors:
 * -EPERM/-ENOTDIR/-ELOOP/-ENOENT/-EINVAL (parent not root-only; the message names the component and the fix),
 * -EEXIST (dir not empty, not a directory, a symbolic link), -EBUSY (dir a mount point), or the errno of mkdir. */
int sbx_mkrootfs_stage_open(const char *dir, struct sbx_mkrootfs_stage *ret, struct sbx_err *err);

/* Moves the tree onto dir (rename: atomic, and it replaces an empty directory); sbx_mkrootfs_stage_done then
 * removes the empty staging directory. Afterwards s->tree.path is dir. Errors: -EEXIST (dir has become a non-empty
 * directory or something else meanwhile), or the errno of rename; the tree then stays staged for
 * sbx_mkrootfs_stage_done to remove. */
int sbx_mkrootfs_stage_commit(struct sbx_mkrootfs_stage *s, struct sbx_err *err);

/* Closes the descriptors of s and frees it, and removes the staging directory: the whole of it, tree included
 * (sbx_mkrootfs_remove), when it was not committed. Returns 0, or the error of the removal (what could not be
 * removed is left, named in the message). */
int sbx_mkrootfs_stage_done(struct sbx_mkrootfs_stage *s, struct sbx_err *err);

/* Removes the entry `name` (one component) of the directory dirfd and, when it is a directory, everything below it,
 * without ever following a symbolic link (a link is removed itself) or entering another filesystem mounted below it
 * (a mount point is left in place, with the directories above it). `path` names dirfd/name in messages. Errors:
 * -EBUSY (a mount point was found; the message names it), or the errno of unlinkat/openat; what could be removed is
 * removed. */
int sbx_mkrootfs_remove(int dirfd, const char *name, const char *path, struct sbx_err *err);

/* openat2 of the relative `path` below dirfd with `flags` (O_CLOEXEC added; no O_CREAT) that follows no symbolic
 * link, crosses no mount point and never leaves dirfd. Returns the descriptor (owned by the caller) or -errno: -ELOOP
 * for a symbolic link (the last component too, with O_DIRECTORY), -EXDEV for a mount point. No message: the callers
 * name the file in their own words. */
int sbx_mkrootfs_openat(int dirfd, const char *path, int flags);

/* Opens the directory `rel` (relative to the tree, components separated by '/'; "." and empty components ignored,
 * ".." refused) and creates each missing component 0755, owned as the tree. On success *ret_fd is an
 * O_RDONLY|O_DIRECTORY descriptor owned by the caller. Errors: -ELOOP (a component is a symbolic link, not
 * followed), -ENOTDIR, -EXDEV (a mount point), -EINVAL (".."), or the errno of mkdirat. */
int sbx_mkrootfs_mkdirs(const struct sbx_mkrootfs_tree *t, const char *rel, int *ret_fd, struct sbx_err *err);

/* As sbx_mkrootfs_mkdirs for the directory that holds `rel`; *ret_base points into rel at its last component.
 * Errors as there, and -EINVAL when rel has no last component ("", "x/", "x/.."). */
int sbx_mkrootfs_mkparent(const struct sbx_mkrootfs_tree *t, const char *rel, int *ret_fd, const char **ret_base,
                          struct sbx_err *err);

/* Copies the host file `src` (symbolic links followed: the host's files are the administrator's choice) to `rel`
 * in the tree (its directories created as sbx_mkrootfs_mkdirs does), mode 0755 when src is executable, else 0644,
 * owned as the tree. An existing entry at rel is kept. Returns 1 when kept, 0 when copied, or -errno as
 * sbx_mkrootfs_mkdirs, -EINVAL (src not a regular file), or the errno of the copy. */
int sbx_mkrootfs_install(const struct sbx_mkrootfs_tree *t, const char *src, const char *rel, struct sbx_err *err);

/* Replaces the file `rel` in the tree with `text`, mode 0644, owned as the tree, through a new file renamed over it
 * (an existing symbolic link at rel is replaced, never followed). Errors as sbx_mkrootfs_mkdirs, or of the write. */
int sbx_mkrootfs_write(const struct sbx_mkrootfs_tree *t, const char *rel, const char *text, struct sbx_err *err);

/* Sets the tree's top to mode 0755, owned as the tree, and creates the directories every rootfs needs: bin sbin usr
 * usr/bin usr/sbin lib etc proc (0555) dev tmp home root (0700) run var var/tmp, each 0755 unless said. An entry
 * already there is kept as it is (debootstrap's merged /usr has bin -> usr/bin) and nothing is created below a
 * symbolic link, except that tmp and var/tmp, when they are real directories, are set to 0755 (debootstrap makes
 * them 1777; the sandbox mounts a private tmpfs on both). Errors: the errno of mkdirat/fchmod/fchown. */
int sbx_mkrootfs_skeleton(const struct sbx_mkrootfs_tree *t, struct sbx_err *err);

/* Creates etc/resolv.conf in the tree, empty, mode 0644, owned as the tree, unless something is there already (kept
 * as it is, a symbolic link too, never followed) or etc is a symbolic link: the file a Network private sandbox has
 * its own resolv.conf mounted on (the helper never writes the rootfs, so it cannot create it). Errors: the errno of
 * openat/fchown/fchmod. */
int sbx_mkrootfs_resolv_conf(const struct sbx_mkrootfs_tree *t, struct sbx_err *err);

/* Copies the host file `prog` (an absolute path; symbolic links followed) to the same path in the tree, with its ELF
 * interpreter and every DT_NEEDED library, recursively, each found as the dynamic loader would (RPATH/RUNPATH with
 * $ORIGIN, /etc/ld.so.conf and its includes, the default directories) and copied to the path where it was found,
 * normalised lexically ("/usr/bin/../lib/x" goes to /usr/lib/x: what the loader inside resolves, since no directory
 * mkrootfs makes is a link). Files already present are kept. *ret_libdirs (may be NULL) receives a malloc'd,
 * '\n'-separated list of the library directories used (for the rootfs's ld.so.conf). A file that is not ELF (a
 * script) is copied alone. Errors: -EINVAL (a PT_INTERP that is not an absolute path without "..", or a DT_NEEDED
 * holding a '/' that is not one; named in the message with the object holding it), -ENOENT (prog or a library not
 * found, named), -ENOEXEC (not a 64-bit ELF file where one is needed), or the errno of the copy. */
int sbx_mkrootfs_copy(const struct sbx_mkrootfs_tree *t, const char *prog, char **ret_libdirs, struct sbx_err *err);

/* The libraries the ELF file `path` names (DT_NEEDED), read from its headers as sbx_mkrootfs_copy reads them (nothing
 * is run; doctor checks with it that the stack program of Network private can load its own). *ret: a malloc'd
 * NULL-terminated list (strv_free), empty for a static program or a file that is not ELF. Errors: -ENOEXEC (not a
 * 64-bit ELF file, or its headers are damaged), -EINVAL (not a regular file), or the errno of open. */
int sbx_mkrootfs_needed(const char *path, char ***ret, struct sbx_err *err);

/* Copies busybox (as sbx_mkrootfs_copy) to /bin/busybox and links each applet path of `applets` (as
 * `busybox --list-full` prints them: "bin/sh", "usr/bin/awk") to /bin/busybox, where nothing is there yet. */
int sbx_mkrootfs_busybox(const struct sbx_mkrootfs_tree *t, const char *busybox, const char *const *applets,
                         size_t n_applets, struct sbx_err *err);

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

/* Writes etc/passwd and etc/group of the tree (sbx_mkrootfs_write): the lines already there whose name is not among
 * the given ones are kept (a debootstrap'd system's own accounts), then one line per account and group given. The
 * old files are read without following a symbolic link. Errors: -ELOOP (etc, etc/passwd or etc/group is a symbolic
 * link: refused, so that a link cannot make root copy a host file such as /etc/shadow into the rootfs), -EINVAL (not
 * a regular file), or the errno of the read or the write. */
int sbx_mkrootfs_accounts(const struct sbx_mkrootfs_tree *t, const struct sbx_mkrootfs_account *users, size_t n_users,
                          const struct sbx_mkrootfs_group *groups, size_t n_groups, struct sbx_err *err);

/* Makes the tree safe for a sandbox: removes every device node, clears setuid and setgid bits, removes group and
 * other write permission from everything (sticky directories included: no directory of a rootfs is writable by
 * others on the host side), sets the top to mode 0755, owned as the tree. Symbolic links are neither followed nor
 * changed; filesystems mounted below the top are left alone. *ret_changed (may be NULL) counts the files changed.
 * Errors: the errno of open/chmod/unlink (chmod goes through /proc/self/fd, so /proc must be mounted). */
int sbx_mkrootfs_sanitize(const struct sbx_mkrootfs_tree *t, unsigned long *ret_changed, struct sbx_err *err);
