/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where mkrootfs builds: a staging directory next to the target, root-owned 0700, on the target's filesystem, so
 * that no other user can reach the tree while it is built (and swap a link in) and the finished tree is renamed into
 * place in one step; and the removal of a tree, which follows no link and enters no other filesystem. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "mkrootfs.h"
#include "safepath.h"

/* ---- removal ---- */

static int remove_entry(int dfd, const char *name, const char *path, int depth, struct sbx_err *err);

/* Removes everything in the directory fd (taken over). */
static int remove_contents(int fd, const char *path, int depth, struct sbx_err *err)
{
        DIR *d = fdopendir(fd);
        if (!d) {
                int e = errno;
                (void)close(fd);
                return sbx_err_set(err, e, "open '%s'", path);
        }
        if (depth > 256) {
                (void)closedir(d);
                return sbx_err_setx(err, ELOOP, "'%s': directories nested too deeply", path);
        }
        int r = 0;
        /* Removing entries while reading may make readdir skip some: read again until a pass removes nothing. What
         * cannot be removed (a mount point) is passed over, with the first error kept. */
        for (bool again = true; again;) {
                again = false;
                rewinddir(d);
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        char sub[4096];
                        (void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                        int q = remove_entry(dirfd(d), de->d_name, sub, depth + 1, r < 0 ? NULL : err);
                        if (q == 0)
                                again = true;
                        else if (r == 0)
                                r = q;
                }
        }
        (void)closedir(d);
        return r;
}

static int remove_entry(int dfd, const char *name, const char *path, int depth, struct sbx_err *err)
{
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 1 : sbx_err_set(err, errno, "stat '%s'", path);
        if (S_ISDIR(st.st_mode)) {
                /* Invariant: a directory is entered only when it is one, not a link, and on the same mount. */
                int fd = sbx_mkrootfs_openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
                if (fd == -EXDEV)
                        return sbx_err_setx(err, EBUSY,
                                            "'%s' is a mount point: not entered, left in place (umount "
                                            "it, then remove what is left)",
                                            path);
                if (fd == -ENOENT)
                        return 1;
                if (fd >= 0) {
                        int r = remove_contents(fd, path, depth, err);
                        if (r < 0)
                                return r;
                        if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
                                return errno == ENOENT ? 1 : sbx_err_set(err, errno, "remove '%s'", path);
                        return 0;
                }
                if (fd != -ELOOP && fd != -ENOTDIR)
                        return sbx_err_set(err, fd, "open '%s'", path);
                /* Replaced by a link or a file since the fstatat: removed as what it is now. */
        }
        /* unlinkat removes a link itself, and fails (EBUSY) on a file something is mounted on. */
        if (unlinkat(dfd, name, 0) < 0)
                return errno == ENOENT ? 1 : sbx_err_set(err, errno, "remove '%s'", path);
        return 0;
}

int sbx_mkrootfs_remove(int dirfd, const char *name, const char *path, struct sbx_err *err)
{
        int r = remove_entry(dirfd, name, path, 0, err);
        return r < 0 ? r : 0;
}

/* ---- staging ---- */

/* "/a/b" joined with "c", without doubling the '/' after "/". */
static char *join(const char *a, const char *b)
{
        char *s = NULL;
        return asprintf(&s, "%s%s%s", a, a[strlen(a) - 1] == '/' ? "" : "/", b) < 0 ? NULL : s;
}

/* Checks that `name` in the parent pfd does not exist or is an empty directory that is not a mount point. */
static int check_target(int pfd, const char *name, const char *dir, struct sbx_err *err)
{
        int fd = sbx_mkrootfs_openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd == -ENOENT)
                return 0;
        if (fd == -ELOOP)
                return sbx_err_setx(err, EEXIST, "'%s' exists and is a symbolic link (give the real path)", dir);
        if (fd == -ENOTDIR)
                return sbx_err_setx(err, EEXIST, "'%s' exists and is not a directory", dir);
        if (fd == -EXDEV)
                return sbx_err_setx(err, EBUSY,
                                    "'%s' is a mount point: the rootfs is built next to it and renamed "
                                    "onto it, which cannot replace a mount point (give a directory inside it)",
                                    dir);
        if (fd < 0)
                return sbx_err_set(err, fd, "open '%s'", dir);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                int e = errno;
                (void)close(fd);
                return sbx_err_set(err, e, "open '%s'", dir);
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return sbx_err_setx(err, EEXIST, "'%s' exists and is not empty", dir);
        return 0;
}

/* Creates the staging directory PARENT/.NAME.mkrootfs-XXXXXX, 0700, into s->stage_name. */
static int make_stage(struct sbx_mkrootfs_stage *s, const char *parent, struct sbx_err *err)
{
        static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (int tries = 0;; tries++) {
                unsigned char rnd[6];
                char sfx[sizeof(rnd) + 1];
                if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
                        return sbx_err_set(err, errno ? errno : EIO, "getrandom");
                for (size_t i = 0; i < sizeof(rnd); i++)
                        sfx[i] = chars[rnd[i] % (sizeof(chars) - 1)];
                sfx[sizeof(rnd)] = '\0';
                char name[300]; /* s->name is short enough for the result to fit in NAME_MAX */
                (void)snprintf(name, sizeof(name), ".%s.mkrootfs-%s", s->name, sfx);
                if (sbx_fault("create staging directory '%s/%s'", parent, name) == 0 &&
                    mkdirat(s->parent_fd, name, 0700) == 0) {
                        (void)strlcpy(s->stage_name, name, sizeof(s->stage_name));
                        return 0;
                }
                if (errno != EEXIST || tries == 100)
                        return sbx_err_set(err, errno, "create staging directory '%s%s%s'", parent,
                                           streq(parent, "/") ? "" : "/", name);
        }
}

/* Opens the directory name in dfd, just made, and sets it root-owned with `mode` (the umask, a setgid parent). */
static int own_dir(int dfd, const char *name, mode_t mode, const char *path, int *ret_fd, struct sbx_err *err)
{
        _cleanup_close_ int fd = sbx_mkrootfs_openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd < 0)
                return sbx_err_set(err, fd, "open '%s'", path);
        if (fchown(fd, 0, 0) < 0 || fchmod(fd, mode) < 0)
                return sbx_err_set(err, errno, "set owner and mode of '%s'", path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int stage_open(const char *dir, struct sbx_mkrootfs_stage *s, struct sbx_err *err)
{
        if (dir[0] != '/')
                return sbx_err_setx(err, EINVAL, "'%s' is not an absolute path", dir);
        if (!(s->dir = strdup(dir)))
                return sbx_err_set(err, ENOMEM, "'%s'", dir);
        for (size_t n = strlen(s->dir); n > 1 && s->dir[n - 1] == '/'; n--)
                s->dir[n - 1] = '\0';
        char *slash = strrchr(s->dir, '/');
        const char *name = slash + 1;
        if (!*name || streq(name, ".") || streq(name, ".."))
                return sbx_err_setx(err, EINVAL, "'%s': give the real path of a directory other than /", dir);
        if (strlen(name) > 255 - strlen("..mkrootfs-XXXXXX"))
                return sbx_err_setx(err, ENAMETOOLONG, "'%s': name too long", s->dir);
        (void)strlcpy(s->name, name, sizeof(s->name));
        _cleanup_free_ char *parent = slash == s->dir ? strdup("/") : strndup(s->dir, (size_t)(slash - s->dir));
        if (!parent)
                return sbx_err_set(err, ENOMEM, "'%s'", dir);

        /* Invariant: the staging directory and the target sit in a directory only root can change, so nobody else
         * can put anything in their place between the checks and the rename. */
        struct sbx_err e = {0};
        int r = sbx_safepath_open_trusted_dir(parent, &s->parent_fd, &e);
        if (r == -ENOENT)
                return sbx_err_setx(err, ENOENT, "the parent directory of '%s' does not exist: %s", s->dir, e.msg);
        if (r < 0)
                return sbx_err_setx(err, -r,
                                    "the parent directory of '%s' is not on a root-only chain: %s (fix: make "
                                    "every directory from / down to '%s' owned by root and not writable by group or "
                                    "others, or build the rootfs in such a directory)",
                                    s->dir, e.msg, parent);
        r = check_target(s->parent_fd, s->name, s->dir, err);
        if (r < 0)
                return r;
        r = make_stage(s, parent, err);
        if (r < 0)
                return r;
        if (!(s->stage_path = join(parent, s->stage_name)) || !(s->tree_path = join(s->stage_path, "root")))
                return sbx_err_set(err, ENOMEM, "'%s'", dir);
        r = own_dir(s->parent_fd, s->stage_name, 0700, s->stage_path, &s->stage_fd, err);
        if (r < 0)
                return r;
        if (sbx_fault("create '%s'", s->tree_path) < 0 || mkdirat(s->stage_fd, "root", 0755) < 0)
                return sbx_err_set(err, errno, "create '%s'", s->tree_path);
        r = own_dir(s->stage_fd, "root", 0755, s->tree_path, &s->tree.fd, err);
        if (r < 0)
                return r;
        s->tree.path = s->tree_path;
        s->tree.uid = 0;
        s->tree.gid = 0;
        return 0;
}

int sbx_mkrootfs_stage_open(const char *dir, struct sbx_mkrootfs_stage *ret, struct sbx_err *err)
{
        *ret = (struct sbx_mkrootfs_stage){.tree.fd = -1, .parent_fd = -1, .stage_fd = -1};
        int r = stage_open(dir, ret, err);
        if (r < 0)
                (void)sbx_mkrootfs_stage_done(ret, NULL);
        return r;
}

int sbx_mkrootfs_stage_commit(struct sbx_mkrootfs_stage *s, struct sbx_err *err)
{
        /* rename(2) replaces an empty directory and nothing else: a target that is not empty, or not a directory,
         * by now (only root can have changed it) is refused as when it was checked. */
        if (sbx_fault("move '%s' onto '%s'", s->tree_path, s->dir) < 0 ||
            renameat(s->stage_fd, "root", s->parent_fd, s->name) < 0) {
                if (errno == ENOTEMPTY || errno == EEXIST)
                        return sbx_err_setx(err, EEXIST, "'%s' exists and is not empty", s->dir);
                if (errno == ENOTDIR)
                        return sbx_err_setx(err, EEXIST, "'%s' exists and is not a directory", s->dir);
                return sbx_err_set(err, errno, "move '%s' onto '%s'", s->tree_path, s->dir);
        }
        s->committed = true;
        s->tree.path = s->dir;
        return 0;
}

int sbx_mkrootfs_stage_done(struct sbx_mkrootfs_stage *s, struct sbx_err *err)
{
        int r = 0;
        closep(&s->tree.fd);
        closep(&s->stage_fd);
        const char *stage = s->stage_path ? s->stage_path : s->stage_name;
        /* After the commit the staging directory is empty: rmdir, which removes nothing else. */
        if (s->stage_name[0] && s->parent_fd >= 0 && s->committed &&
            unlinkat(s->parent_fd, s->stage_name, AT_REMOVEDIR) < 0)
                r = sbx_err_set(err, errno, "remove the staging directory '%s'", stage);
        else if (s->stage_name[0] && s->parent_fd >= 0 && !s->committed)
                r = sbx_mkrootfs_remove(s->parent_fd, s->stage_name, stage, err);
        closep(&s->parent_fd);
        free(s->dir);
        free(s->stage_path);
        free(s->tree_path);
        *s = (struct sbx_mkrootfs_stage){.tree.fd = -1, .parent_fd = -1, .stage_fd = -1};
        return r;
}
