/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "procfs.h"
#include "safepath.h"

#define MASK_ATTR (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static int set_attr(int mntfd, const char *what, struct sbx_err *err)
{
        struct mount_attr a = {.attr_set = MASK_ATTR, .propagation = MS_PRIVATE};
        if (mount_setattr(mntfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
                return sbx_err_set(err, errno, "/proc: make '%s' read-only", what);
        return 0;
}

/* The source of the masks: a tiny detached tmpfs holding an empty file (mode 0444) and an empty directory (0555),
 * read-only once made. The helper has no CAP_DAC_OVERRIDE or CAP_CHOWN, so the tmpfs and the two entries belong to
 * the user; no writable mount of it ever exists in the sandbox, so the user cannot change them. */
static int make_source(int *ret_fd, struct sbx_err *err)
{
        _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", "4", 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return sbx_err_set(err, errno, "/proc: create the tmpfs for the masks");
        _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (mnt < 0)
                return sbx_err_set(err, errno, "/proc: mount the tmpfs for the masks");
        int fd = openat(mnt, "empty", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0444);
        if (fd < 0)
                return sbx_err_set(err, errno, "/proc: create the empty file for the masks");
        (void)close(fd);
        if (mkdirat(mnt, "empty-dir", 0555) < 0)
                return sbx_err_set(err, errno, "/proc: create the empty directory for the masks");
        int r = set_attr(mnt, "the masks' tmpfs", err);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(mnt);
        return 0;
}

/* Opens path inside the new root; 1 when it does not exist (nothing to do), 0 with *ret_fd otherwise. */
static int open_target(int rootfd, const char *path, int *ret_fd, struct sbx_err *err)
{
        int r = sbx_safepath_open_nofollow(rootfd, path, O_PATH, RESOLVE_IN_ROOT, "/proc mask target", ret_fd, err);
        if (r == -ENOENT) {
                sbx_err_clear(err);
                return 1;
        }
        return r;
}

static int mask(int rootfd, int srcfd, const char *path, struct sbx_err *err)
{
        _cleanup_close_ int target = -1;
        int r = open_target(rootfd, path, &target, err);
        if (r != 0)
                return r < 0 ? r : 0;
        struct stat st;
        if (fstat(target, &st) < 0)
                return sbx_err_set(err, errno, "/proc: stat '%s'", path);
        _cleanup_close_ int tree = open_tree(srcfd, S_ISDIR(st.st_mode) ? "empty-dir" : "empty",
                                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
        if (tree < 0)
                return sbx_err_set(err, errno, "/proc: clone the mask for '%s'", path);
        r = set_attr(tree, path, err);
        if (r < 0)
                return r;
        if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return sbx_err_set(err, errno, "/proc: hide '%s'", path);
        return 0;
}

static int make_readonly(int rootfd, const char *path, struct sbx_err *err)
{
        _cleanup_close_ int target = -1;
        int r = open_target(rootfd, path, &target, err);
        if (r != 0)
                return r < 0 ? r : 0;
        _cleanup_close_ int tree = open_tree(target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                                                                 AT_RECURSIVE);
        if (tree < 0)
                return sbx_err_set(err, errno, "/proc: bind '%s'", path);
        r = set_attr(tree, path, err);
        if (r < 0)
                return r;
        if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return sbx_err_set(err, errno, "/proc: bind '%s' read-only onto itself", path);
        return 0;
}

int sbx_procfs_mask(int rootfd, struct sbx_err *err)
{
        static const char *const masked[] = {SBX_PROCFS_MASKED};
        static const char *const readonly[] = {SBX_PROCFS_READONLY};
        _cleanup_close_ int src = -1;
        int r = make_source(&src, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(masked); i++)
                if ((r = mask(rootfd, src, masked[i], err)) < 0)
                        return r;
        for (size_t i = 0; i < ELEMENTSOF(readonly); i++)
                if ((r = make_readonly(rootfd, readonly[i], err)) < 0)
                        return r;
        return 0;
}
