/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the config files from disk. The helper is treated like a setuid program (docs/ARCHITECTURE.md, "The privilege model"): its policy
 * comes only from files root owns and nobody else can write, checked on the opened descriptor so nothing can be
 * swapped in between the check and the read. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

/* Checks what fd is: type, owner, mode. Records an error naming path and returns false when it is refused. */
static bool fd_acceptable(struct sbx_config *c, int fd, const char *path, bool dir, uid_t owner, int *r)
{
        struct stat st;
        if (fstat(fd, &st) < 0) {
                *r = sbx_config_add_error(c, errno, "%s: cannot stat: %s", path, strerror(errno));
                return false;
        }
        /* Invariant: only a root-owned (opts->owner) regular file or directory that neither group nor others can
         * write is ever read; anything else could be rewritten by someone other than the administrator. */
        const char *why = NULL;
        char buf[128];
        if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
                why = dir ? "not a directory" : "not a regular file";
        else if (st.st_uid != owner) {
                (void)snprintf(buf, sizeof(buf), "owned by uid %lu, must be owned by uid %lu%s",
                               (unsigned long)st.st_uid, (unsigned long)owner, owner == 0 ? " (root)" : "");
                why = buf;
        } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                (void)snprintf(buf, sizeof(buf), "writable by %s (mode %04o)",
                               (st.st_mode & S_IWOTH) ? "others" : "group", (unsigned)(st.st_mode & 07777));
                why = buf;
        }
        if (!why)
                return true;
        *r = sbx_config_add_error(c, EPERM, "%s: refused: %s", path, why);
        return false;
}

/* Opens name below dirfd without following a symlink; records a clear error when it fails. */
static int open_checked(struct sbx_config *c, int dirfd, const char *name, const char *path, bool dir, uid_t owner,
                        bool optional, int *r)
{
        /* O_NONBLOCK: a FIFO put in place of a file must not hang the login; it is refused by the type check. */
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (dir ? O_DIRECTORY : 0);
        int fd = openat(dirfd, name, flags);
        if (fd < 0) {
                int e = errno;
                struct stat st;
                if (optional && e == ENOENT)
                        return -1;
                if ((e == ELOOP || e == ENOTDIR) && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISLNK(st.st_mode))
                        *r = sbx_config_add_error(c, EPERM, "%s: refused: is a symbolic link", path);
                else
                        *r = sbx_config_add_error(c, e, "%s: cannot open: %s", path, strerror(e));
                return -1;
        }
        if (!fd_acceptable(c, fd, path, dir, owner, r)) {
                (void)close(fd);
                return -1;
        }
        return fd;
}

static int read_and_parse(struct sbx_config *c, int fd, const char *path)
{
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        if (cap > SBX_CONFIG_FILE_MAX)
                                return sbx_config_add_error(c, EFBIG, "%s: file too large (more than %d bytes)", path,
                                                            SBX_CONFIG_FILE_MAX);
                        char *n = realloc(buf, cap * 2);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        cap *= 2;
                }
                ssize_t k = read(fd, buf + len, cap - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return sbx_config_add_error(c, errno, "%s: cannot read: %s", path, strerror(errno));
                if (k == 0)
                        break;
                len += (size_t)k;
        }
        return sbx_config_parse_buffer(c, path, buf, len);
}

static int cmp_names(const void *a, const void *b)
{
        /* C-locale byte order, independent of the caller's locale: the order is part of the semantics. */
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dropins(struct sbx_config *c, int dfd, const char *dirpath, uid_t owner)
{
        int r = 0;
        _cleanup_free_ char *ddpath = NULL;
        if (asprintf(&ddpath, "%s/%s", dirpath, SBX_CONFIG_DROPIN_DIR) < 0)
                return -ENOMEM;
        _cleanup_close_ int ddfd = open_checked(c, dfd, SBX_CONFIG_DROPIN_DIR, ddpath, true, owner, true, &r);
        if (ddfd < 0)
                return r;
        int fd2 = dup(ddfd);
        if (fd2 < 0)
                return sbx_config_add_error(c, errno, "%s: %s", ddpath, strerror(errno));
        _cleanup_closedir_ DIR *d = fdopendir(fd2);
        if (!d) {
                (void)close(fd2);
                return sbx_config_add_error(c, errno, "%s: %s", ddpath, strerror(errno));
        }
        _cleanup_strv_free_ char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                size_t len = strlen(de->d_name);
                /* As the shell glob *.conf: hidden files (editor and package manager leftovers) do not count. */
                if (de->d_name[0] == '.' || len < 6 || !streq(de->d_name + len - 5, ".conf"))
                        continue;
                char **nn = reallocarray(names, n + 2, sizeof(*names));
                if (!nn)
                        return -ENOMEM;
                names = nn;
                if (!(names[n] = strdup(de->d_name)))
                        return -ENOMEM;
                names[++n] = NULL;
        }
        if (errno != 0)
                return sbx_config_add_error(c, errno, "%s: cannot read directory: %s", ddpath, strerror(errno));
        if (n == 0)
                return 0;
        qsort(names, n, sizeof(*names), cmp_names);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", ddpath, names[i]) < 0)
                        return -ENOMEM;
                _cleanup_close_ int fd = open_checked(c, ddfd, names[i], path, false, owner, false, &r);
                if (r == -ENOMEM)
                        return r;
                if (fd >= 0 && (r = read_and_parse(c, fd, path)) == -ENOMEM)
                        return r;
        }
        return 0;
}

int sbx_config_load(const char *confdir, const struct sbx_config_options *opts, struct sbx_config **ret,
                    struct sbx_err *err)
{
        uid_t owner = opts ? opts->owner : 0;
        _cleanup_config_ struct sbx_config *c = sbx_config_new();
        if (!c)
                return sbx_err_set(err, ENOMEM, "loading configuration");

        /* Messages name files by the path as given, without a trailing slash ("/etc/x//a" reads badly). */
        _cleanup_free_ char *dirpath = strdup(confdir);
        if (!dirpath)
                return sbx_err_set(err, ENOMEM, "loading configuration");
        for (size_t l = strlen(dirpath); l > 1 && dirpath[l - 1] == '/'; l--)
                dirpath[l - 1] = '\0';
        _cleanup_free_ char *mainpath = NULL;
        if (asprintf(&mainpath, "%s/%s", dirpath, SBX_CONFIG_MAIN) < 0)
                return sbx_err_set(err, ENOMEM, "loading configuration");

        int r = 0;
        _cleanup_close_ int dfd = open_checked(c, AT_FDCWD, dirpath, dirpath, true, owner, false, &r);
        if (dfd >= 0) {
                if (r >= 0)
                        r = load_dropins(c, dfd, dirpath, owner);
                _cleanup_close_ int fd = -1;
                if (r >= 0)
                        fd = open_checked(c, dfd, SBX_CONFIG_MAIN, mainpath, false, owner, false, &r);
                if (fd >= 0 && r >= 0)
                        r = read_and_parse(c, fd, mainpath);
        }
        if (r == -ENOMEM)
                return sbx_err_set(err, ENOMEM, "loading configuration");

        r = 0;
        if (c->n_errors > 0)
                r = sbx_err_setx(err, c->errors[0].code, "%s", c->errors[0].msg);
        if (ret)
                *ret = TAKE_PTR(c);
        return r;
}
