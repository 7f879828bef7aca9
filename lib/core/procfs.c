/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fault.h"
#include "procfs.h"
#include "rootfs.h"
#include "safepath.h"

#define MASK_ATTR (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static int set_attr(int mntfd, const char *what, struct sbx_err *err)
{
        struct mount_attr a = {.attr_set = MASK_ATTR, .propagation = MS_PRIVATE};
        SBX_STEP(err, mount_setattr(mntfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)),
                 "/proc: make '%s' read-only", what);
        return 0;
}

/* The source of the file masks: an empty file (mode 0444) made in `scratch`, a directory on a writable mount that is
 * already attached in this mount namespace (cloning a mount with open_tree needs that before Linux 6.15: a file on a
 * detached tmpfs cannot be cloned there). Each file mask is a read-only clone of it; the name is unlinked again once
 * every mask is made, so the scratch directory is left as it was. The helper has no CAP_DAC_OVERRIDE or CAP_CHOWN, so
 * the file belongs to the user; no writable mount of it ever exists in the sandbox and nothing can reach it by name,
 * so the user cannot change it. */
#define MASK_FILE ".sandbox-shell-mask"

/* Opens path inside the new root; 1 when it does not exist (nothing to do), 0 with *ret_fd otherwise. */
static int open_target(int rootfd, const char *path, int *ret_fd, struct sbx_err *err)
{
        int r = sbx_safepath_open_nofollow_maybe(rootfd, path, O_PATH, RESOLVE_IN_ROOT, "/proc mask target", ret_fd,
                                                 err);
        return r == -ENOENT ? 1 : r;
}

static int mask(int rootfd, int scratch, const char *path, struct sbx_err *err)
{
        _cleanup_close_ int target = -1;
        int r = open_target(rootfd, path, &target, err);
        if (r != 0)
                return r < 0 ? r : 0;
        struct stat st;
        if (fstat(target, &st) < 0)
                return sbx_err_set(err, errno, "/proc: stat '%s'", path);
        _cleanup_close_ int tree = -1;
        if (S_ISDIR(st.st_mode)) {
                /* A directory mask is an empty read-only tmpfs of its own (an unlinked directory cannot serve as the
                 * file does: a removed directory answers ENOENT rather than EROFS to a create). */
                r = sbx_rootfs_new_tmpfs("0555", "4k", false, MASK_ATTR, path, &tree, err);
                if (r < 0)
                        return r;
        } else {
                SBX_STEP(
                        err,
                        tree = open_tree(scratch, MASK_FILE, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW),
                        "/proc: clone the mask for '%s'", path);
        }
        r = set_attr(tree, path, err);
        if (r < 0)
                return r;
        SBX_STEP(err, move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
                 "/proc: hide '%s'", path);
        return 0;
}

static int make_readonly(int rootfd, const char *path, struct sbx_err *err)
{
        _cleanup_close_ int target = -1;
        int r = open_target(rootfd, path, &target, err);
        if (r != 0)
                return r < 0 ? r : 0;
        _cleanup_close_ int tree = -1;
        SBX_STEP(err, tree = open_tree(target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE),
                 "/proc: bind '%s'", path);
        r = set_attr(tree, path, err);
        if (r < 0)
                return r;
        SBX_STEP(err, move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
                 "/proc: bind '%s' read-only onto itself", path);
        return 0;
}

int sbx_procfs_mask(int rootfd, int scratch, struct sbx_err *err)
{
        static const char *const masked[] = {SBX_PROCFS_MASKED};
        static const char *const readonly[] = {SBX_PROCFS_READONLY};
        int fd;
        SBX_STEP(err, fd = openat(scratch, MASK_FILE, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0444),
                 "/proc: create the empty file for the masks");
        (void)close(fd);
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(masked); i++)
                r = mask(rootfd, scratch, masked[i], err);
        (void)unlinkat(scratch, MASK_FILE, 0);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(readonly); i++)
                r = make_readonly(rootfd, readonly[i], err);
        return r < 0 ? r : 0;
}

int sbx_proc_parse_status(const char *text, const char *const *names, uint64_t *vals, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                size_t nl = strlen(names[i]);
                const char *line = text;
                bool found = false;
                while (line && *line && !found) {
                        if (strncmp(line, names[i], nl) == 0 && line[nl] == ':') {
                                const char *v = line + nl + 1;
                                while (*v == ' ' || *v == '\t')
                                        v++;
                                char *end;
                                errno = 0;
                                unsigned long long x = strtoull(v, &end, 16);
                                if (errno != 0 || end == v || (*end != '\n' && *end != '\0'))
                                        return -EBADMSG;
                                vals[i] = x;
                                found = true;
                        }
                        line = strchr(line, '\n');
                        if (line)
                                line++;
                }
                if (!found)
                        return -ENOENT;
        }
        return 0;
}

int sbx_proc_status(pid_t pid, const char *const *names, uint64_t *vals, size_t n)
{
        char path[64];
        if (pid == 0)
                (void)strlcpy(path, "/proc/self/status", sizeof(path));
        else
                (void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct statfs sf;
        if (fstatfs(fd, &sf) < 0)
                return -errno;
        if (sf.f_type != PROC_SUPER_MAGIC)
                return -ENODEV;
        /* About 1.5 KiB on current kernels; the fields asked for come long before the end. */
        char buf[8192];
        size_t len = 0;
        for (;;) {
                ssize_t got = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0)
                        return -errno;
                if (got == 0 || (len += (size_t)got) == sizeof(buf) - 1)
                        break;
        }
        buf[len] = '\0';
        return sbx_proc_parse_status(buf, names, vals, n);
}

int sbx_proc_starttime(pid_t pid, unsigned long long *ret)
{
        char path[64], buf[2048];
        (void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf) - 1)) < 0 && errno == EINTR)
                ;
        if (n <= 0)
                return n < 0 ? -errno : -EINVAL;
        buf[n] = '\0';
        char *p = strrchr(buf, ')'); /* the command name may hold spaces and ')' */
        if (!p)
                return -EINVAL;
        p++;
        for (int field = 3; field < 22; field++) { /* p is at the space before field 3 */
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EINVAL;
        }
        return sscanf(p, " %llu", ret) == 1 ? 0 : -EINVAL;
}

int sbx_proc_start_realtime(unsigned long long starttime_ticks, time_t *ret)
{
        long tck = sysconf(_SC_CLK_TCK);
        if (tck <= 0)
                return -EINVAL;
        _cleanup_fclose_ FILE *f = fopen("/proc/stat", "re");
        if (!f)
                return -errno;
        /* Read line by line: the intr line before btime holds a count per interrupt and runs to many KiB. */
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                if (strncmp(line, "btime ", 6) != 0)
                        continue;
                char *end;
                errno = 0;
                long long btime = strtoll(line + 6, &end, 10);
                if (errno != 0 || end == line + 6 || btime < 0 || (*end != '\n' && *end != '\0'))
                        return -EBADMSG;
                *ret = (time_t)(btime + (long long)(starttime_ticks / (unsigned long long)tck));
                return 0;
        }
        return ferror(f) ? -EIO : -ENOENT;
}
