/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>

#include "safepath.h"

int sbx_safepath_check_component(const struct stat *st, const char *path, struct sbx_err *err)
{
        if (S_ISLNK(st->st_mode))
                return sbx_err_setx(err, ELOOP, "'%s' is a symbolic link (give the real path)", path);
        if (!S_ISDIR(st->st_mode))
                return sbx_err_setx(err, ENOTDIR, "'%s' is not a directory", path);
        /* Invariant: only root can change what a trusted chain points to (OpenSSH's ChrootDirectory rule). */
        if (st->st_uid != 0)
                return sbx_err_setx(err, EPERM, "unsafe ownership of '%s': owned by uid %u, not root", path,
                                    (unsigned)st->st_uid);
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return sbx_err_setx(err, EPERM, "unsafe permissions on '%s': mode %04o is %s-writable", path,
                                    (unsigned)(st->st_mode & 07777), (st->st_mode & S_IWOTH) ? "world" : "group");
        return 0;
}

/* Takes the next component of *p (leading slashes skipped) into comp and moves *p past it. Returns 1 and an empty
 * comp at the end of the path, 0 with a component, or -ENAMETOOLONG / -EINVAL (".", "..") naming `path`. */
static int next_component(const char **p, char comp[static 256], const char *path, struct sbx_err *err)
{
        while (**p == '/')
                (*p)++;
        size_t n = strcspn(*p, "/");
        if (n == 0) {
                comp[0] = '\0';
                return 1;
        }
        if (n >= 256)
                return sbx_err_setx(err, ENAMETOOLONG, "component too long in '%s'", path);
        memcpy(comp, *p, n);
        comp[n] = '\0';
        *p += n;
        if (streq(comp, ".") || streq(comp, ".."))
                return sbx_err_setx(err, EINVAL, "'%s' contains '%s' (give the real path)", path, comp);
        return 0;
}

int sbx_safepath_open_trusted_dir(const char *path, int *ret_fd, struct sbx_err *err)
{
        if (!path || path[0] != '/')
                return sbx_err_setx(err, EINVAL, "'%s' is not an absolute path", path ? path : "(null)");
        size_t len = strlen(path);
        if (len >= 4096)
                return sbx_err_setx(err, ENAMETOOLONG, "path too long: '%.64s...'", path);

        /* `shown` grows one component at a time: the path checked so far, for messages. */
        char shown[4096] = "/";
        _cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '/'");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return sbx_err_set(err, errno, "stat '/'");
        int r = sbx_safepath_check_component(&st, "/", err);
        if (r < 0)
                return r;

        const char *p = path;
        char comp[256];
        while ((r = next_component(&p, comp, path, err)) == 0) {
                if (shown[1] != '\0')
                        (void)strlcat(shown, "/", sizeof(shown));
                (void)strlcat(shown, comp, sizeof(shown));

                /* O_PATH|O_NOFOLLOW opens a symbolic link itself instead of failing, so fstat sees and names it. */
                int next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return sbx_err_set(err, errno, "'%s'", shown);
                closep(&fd);
                fd = next;
                if (fstat(fd, &st) < 0)
                        return sbx_err_set(err, errno, "stat '%s'", shown);
                r = sbx_safepath_check_component(&st, shown, err);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int open_nofollow(int dirfd, const char *path, int flags, uint64_t resolve, const char *what, bool maybe,
                         int *ret_fd, struct sbx_err *err)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = resolve | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd < 0) {
                if (maybe && errno == ENOENT)
                        return -ENOENT;
                if (errno == ELOOP)
                        return sbx_err_setx(err, ELOOP, "%s '%s': a component is a symbolic link (not followed)", what,
                                            path);
                if (errno == EXDEV)
                        return sbx_err_setx(err, EXDEV, "%s '%s': leaves the sandbox root", what, path);
                return sbx_err_set(err, errno, "%s '%s'", what, path);
        }
        *ret_fd = fd;
        return 0;
}

int sbx_safepath_open_nofollow(int dirfd, const char *path, int flags, uint64_t resolve, const char *what, int *ret_fd,
                               struct sbx_err *err)
{
        return open_nofollow(dirfd, path, flags, resolve, what, false, ret_fd, err);
}

int sbx_safepath_open_nofollow_maybe(int dirfd, const char *path, int flags, uint64_t resolve, const char *what,
                                     int *ret_fd, struct sbx_err *err)
{
        return open_nofollow(dirfd, path, flags, resolve, what, true, ret_fd, err);
}

int sbx_safepath_resolve_trusted(const char *path, struct stat *ret, struct sbx_err *err)
{
        if (!path || path[0] != '/')
                return sbx_err_setx(err, EINVAL, "'%s' is not an absolute path", path ? path : "(null)");
        /* `todo` holds what is left to resolve; a symbolic link's target is put in front of it. */
        char todo[8192];
        if (strlcpy(todo, path, sizeof(todo)) >= sizeof(todo))
                return sbx_err_setx(err, ENAMETOOLONG, "path too long: '%.64s...'", path);
        _cleanup_close_ int fd = -1;
        /* `where`: the directory fd is, for messages. */
        char where[4096] = "/";
        unsigned links = 0;
        for (;;) {
                const char *p = todo;
                if (*p == '/') {
                        closep(&fd);
                        if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                                return sbx_err_set(err, errno, "open '/'");
                        (void)strlcpy(where, "/", sizeof(where));
                        while (*p == '/')
                                p++;
                }
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return sbx_err_set(err, errno, "stat '%s'", where);
                int r = sbx_safepath_check_component(&st, where, err);
                if (r < 0)
                        return sbx_err_prefix(err, "'%s'", path);
                char comp[256];
                r = next_component(&p, comp, path, err);
                if (r < 0)
                        return r;
                if (r > 0)
                        return sbx_err_setx(err, EISDIR, "'%s' names a directory", path);
                while (*p == '/')
                        p++;
                _cleanup_close_ int next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0 || fstat(next, &st) < 0)
                        return sbx_err_set(err, errno, "'%s' (component '%s')", path, comp);
                if (S_ISLNK(st.st_mode)) {
                        /* Invariant: a link on the way is root's, in a directory only root can change (checked
                         * above), so nobody else can point it elsewhere. */
                        if (st.st_uid != 0)
                                return sbx_err_setx(err, EPERM,
                                                    "'%s': the symbolic link '%s' is owned by uid %u, "
                                                    "not root",
                                                    path, comp, (unsigned)st.st_uid);
                        if (++links > 40)
                                return sbx_err_setx(err, ELOOP, "'%s': too many symbolic links", path);
                        char target[4096];
                        ssize_t k = readlinkat(next, "", target, sizeof(target) - 1);
                        if (k <= 0)
                                return sbx_err_set(err, k < 0 ? errno : EINVAL, "'%s': read the link '%s'", path, comp);
                        target[k] = '\0';
                        char joined[8192];
                        if ((size_t)snprintf(joined, sizeof(joined), "%s%s%s", target, *p ? "/" : "", p) >=
                            sizeof(joined))
                                return sbx_err_setx(err, ENAMETOOLONG, "'%s': path too long", path);
                        (void)strlcpy(todo, joined, sizeof(todo));
                        continue;
                }
                if (!*p) {
                        *ret = st;
                        return 0;
                }
                closep(&fd);
                fd = TAKE_FD(next);
                if (!streq(where, "/"))
                        (void)strlcat(where, "/", sizeof(where));
                (void)strlcat(where, comp, sizeof(where));
                memmove(todo, p, strlen(p) + 1);
        }
}
