/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building a rootfs: the file helpers that work inside a tree, the skeleton, the account files and the safety pass.
 * Copies of programs with their libraries are in mkrootfs-elf.c, the staging directory in mkrootfs-stage.c.
 *
 * mkrootfs runs as root, and a tree may hold symbolic links (debootstrap's, or ones planted by whoever could write
 * there): every function here reaches a file one component at a time from a directory descriptor without following
 * a link, and changes a mode or an owner through a descriptor of the very inode it has looked at. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mkrootfs.h"

/* ---- reaching files inside a tree ---- */

int sbx_mkrootfs_openat(int dirfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0)
                return fd;
        int r = -errno;
        /* O_DIRECTORY|O_NOFOLLOW on a link says ENOTDIR; the callers tell a link from a file. This only picks the
         * error: nothing is done through what the lstat sees. */
        struct stat st;
        if (r == -ENOTDIR && (flags & O_DIRECTORY) && fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode))
                r = -ELOOP;
        return r;
}

/* The message for a failed sbx_mkrootfs_openat of tree/rel (r its result). */
static int open_error(struct sbx_err *err, int r, const char *tree, const char *rel)
{
        if (r == -ELOOP)
                return sbx_err_setx(err, ELOOP, "'%s/%s' is or is below a symbolic link (not followed)", tree, rel);
        if (r == -EXDEV)
                return sbx_err_setx(err, EXDEV, "'%s/%s' is or is below a mount point (not entered)", tree, rel);
        return sbx_err_set(err, r, "open '%s/%s'", tree, rel);
}

int sbx_mkrootfs_mkdirs(const struct sbx_mkrootfs_tree *t, const char *rel, int *ret_fd, struct sbx_err *err)
{
        _cleanup_close_ int fd = openat(t->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '%s'", t->path);
        char done[4096] = ""; /* the components opened so far, for messages */
        for (const char *p = rel; *p;) {
                size_t n = strcspn(p, "/");
                char comp[256];
                if (n >= sizeof(comp))
                        return sbx_err_setx(err, ENAMETOOLONG, "'%s/%s': component too long", t->path, rel);
                memcpy(comp, p, n);
                comp[n] = '\0';
                p += n;
                p += strspn(p, "/");
                if (!comp[0] || streq(comp, "."))
                        continue;
                if (streq(comp, ".."))
                        return sbx_err_setx(err, EINVAL, "'%s/%s': '..' in a path inside the rootfs (refused)", t->path,
                                            rel);
                if (done[0])
                        (void)strlcat(done, "/", sizeof(done));
                if (strlcat(done, comp, sizeof(done)) >= sizeof(done))
                        return sbx_err_setx(err, ENAMETOOLONG, "'%s/%s': path too long", t->path, rel);
                bool made = mkdirat(fd, comp, 0755) == 0;
                if (!made && errno != EEXIST)
                        return sbx_err_set(err, errno, "create directory '%s/%s'", t->path, done);
                int next = sbx_mkrootfs_openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
                if (next < 0)
                        return open_error(err, next, t->path, done);
                closep(&fd);
                fd = next;
                /* The umask may have taken bits of a directory just made; its owner is the tree's. */
                if (made && (fchown(fd, t->uid, t->gid) < 0 || fchmod(fd, 0755) < 0))
                        return sbx_err_set(err, errno, "set owner and mode of '%s/%s'", t->path, done);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int sbx_mkrootfs_mkparent(const struct sbx_mkrootfs_tree *t, const char *rel, int *ret_fd, const char **ret_base,
                          struct sbx_err *err)
{
        char dir[4096];
        const char *slash = strrchr(rel, '/');
        const char *base = slash ? slash + 1 : rel;
        if (!*base || streq(base, ".") || streq(base, ".."))
                return sbx_err_setx(err, EINVAL, "'%s/%s': not a file name", t->path, rel);
        size_t n = slash ? (size_t)(slash - rel) : 0;
        if (n >= sizeof(dir))
                return sbx_err_setx(err, ENAMETOOLONG, "'%s/%s': path too long", t->path, rel);
        memcpy(dir, rel, n);
        dir[n] = '\0';
        *ret_base = base;
        return sbx_mkrootfs_mkdirs(t, dir, ret_fd, err);
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

int sbx_mkrootfs_install(const struct sbx_mkrootfs_tree *t, const char *src, const char *rel, struct sbx_err *err)
{
        _cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return sbx_err_set(err, errno, "open '%s'", src);
        struct stat st;
        if (fstat(in, &st) < 0)
                return sbx_err_set(err, errno, "stat '%s'", src);
        if (!S_ISREG(st.st_mode))
                return sbx_err_setx(err, EINVAL, "'%s' is not a regular file", src);
        _cleanup_close_ int dfd = -1;
        const char *base;
        int r = sbx_mkrootfs_mkparent(t, rel, &dfd, &base, err);
        if (r < 0)
                return r;
        /* Never setuid, never writable but by its owner. O_EXCL: neither through a link planted at rel nor over a
         * file already there. */
        mode_t mode = (st.st_mode & 0111) ? 0755 : 0644;
        _cleanup_close_ int out = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (out < 0 && errno == EEXIST)
                return 1;
        if (out < 0)
                return sbx_err_set(err, errno, "create '%s/%s'", t->path, rel);
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof(buf))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return sbx_err_set(err, errno, "read '%s'", src);
                if ((r = write_all(out, buf, (size_t)n)) < 0)
                        return sbx_err_set(err, r, "write '%s/%s'", t->path, rel);
        }
        /* The umask may have taken bits: set the mode exactly, on the file just created. */
        if (fchown(out, t->uid, t->gid) < 0 || fchmod(out, mode) < 0)
                return sbx_err_set(err, errno, "set owner and mode of '%s/%s'", t->path, rel);
        return 0;
}

int sbx_mkrootfs_write(const struct sbx_mkrootfs_tree *t, const char *rel, const char *text, struct sbx_err *err)
{
        _cleanup_close_ int dfd = -1;
        const char *base;
        int r = sbx_mkrootfs_mkparent(t, rel, &dfd, &base, err);
        if (r < 0)
                return r;
        char tmp[300];
        if ((size_t)snprintf(tmp, sizeof(tmp), "%s.sbx-new", base) >= sizeof(tmp))
                return sbx_err_setx(err, ENAMETOOLONG, "'%s/%s': name too long", t->path, rel);
        /* A leftover of an earlier run (a link, even) is removed itself, and O_EXCL makes a new file. */
        (void)unlinkat(dfd, tmp, 0);
        _cleanup_close_ int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return sbx_err_set(err, errno, "create '%s/%s.sbx-new'", t->path, rel);
        r = write_all(fd, text, strlen(text));
        if (r == 0 && (fchown(fd, t->uid, t->gid) < 0 || fchmod(fd, 0644) < 0))
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dfd, tmp, 0);
                return sbx_err_set(err, r, "write '%s/%s.sbx-new'", t->path, rel);
        }
        /* rename replaces the entry rel itself, whatever it is (a symbolic link included): nothing is followed. */
        if (renameat(dfd, tmp, dfd, base) < 0) {
                r = -errno;
                (void)unlinkat(dfd, tmp, 0);
                return sbx_err_set(err, r, "rename '%s/%s.sbx-new' to '%s'", t->path, rel, base);
        }
        return 0;
}

/* ---- skeleton ---- */

int sbx_mkrootfs_skeleton(const struct sbx_mkrootfs_tree *t, struct sbx_err *err)
{
        static const struct {
                const char *parent, *name;
                mode_t mode;
                bool reset; /* set to mode even when it exists (as a real directory) */
        } dirs[] = {
                {".", "bin", 0755},    {".", "sbin", 0755},      {".", "usr", 0755},         {"usr", "bin", 0755},
                {"usr", "sbin", 0755}, {".", "lib", 0755},       {".", "etc", 0755},         {".", "proc", 0555},
                {".", "dev", 0755},    {".", "tmp", 0755, true}, {".", "home", 0755},        {".", "root", 0700},
                {".", "run", 0755},    {".", "var", 0755},       {"var", "tmp", 0755, true},
        };
        if (fchown(t->fd, t->uid, t->gid) < 0 || fchmod(t->fd, 0755) < 0)
                return sbx_err_set(err, errno, "set owner and mode of '%s'", t->path);
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char rel[64]; /* for messages */
                if (streq(dirs[i].parent, "."))
                        (void)strlcpy(rel, dirs[i].name, sizeof(rel));
                else
                        (void)snprintf(rel, sizeof(rel), "%s/%s", dirs[i].parent, dirs[i].name);
                int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
                _cleanup_close_ int pfd = sbx_mkrootfs_openat(t->fd, dirs[i].parent, flags);
                /* A link is kept as it is (merged /usr), and nothing is created through it. */
                if (pfd == -ELOOP || pfd == -ENOTDIR)
                        continue;
                if (pfd < 0)
                        return open_error(err, pfd, t->path, dirs[i].parent);
                bool made = false;
                int fd = sbx_mkrootfs_openat(pfd, dirs[i].name, flags);
                if (fd == -ENOENT) {
                        if (mkdirat(pfd, dirs[i].name, 0755) < 0)
                                return sbx_err_set(err, errno, "create '%s/%s'", t->path, rel);
                        made = true;
                        fd = sbx_mkrootfs_openat(pfd, dirs[i].name, flags);
                }
                /* An existing link or file there is kept: doctor's audit names it if the sandbox needs a
                 * directory there. */
                if (!made && (fd == -ELOOP || fd == -ENOTDIR))
                        continue;
                if (fd < 0)
                        return open_error(err, fd, t->path, rel);
                _cleanup_close_ int dfd = fd;
                if (!made && !dirs[i].reset)
                        continue;
                /* Invariant: the mode is set on the directory opened without following a link, never by name. */
                if (fchown(dfd, t->uid, t->gid) < 0 || fchmod(dfd, dirs[i].mode) < 0)
                        return sbx_err_set(err, errno, "set owner and mode of '%s/%s'", t->path, rel);
        }
        return 0;
}

int sbx_mkrootfs_resolv_conf(const struct sbx_mkrootfs_tree *t, struct sbx_err *err)
{
        _cleanup_close_ int dfd = sbx_mkrootfs_openat(t->fd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        /* An etc that is a link is kept as the skeleton keeps it, and nothing is created through it. */
        if (dfd == -ELOOP || dfd == -ENOTDIR)
                return 0;
        if (dfd < 0)
                return open_error(err, dfd, t->path, "etc");
        /* One already there (debootstrap copies the host's) is kept, whatever it is: doctor names one that Network
         * private cannot mount on. */
        struct stat st;
        if (fstatat(dfd, "resolv.conf", &st, AT_SYMLINK_NOFOLLOW) == 0)
                return 0;
        if (errno != ENOENT)
                return sbx_err_set(err, errno, "stat '%s/etc/resolv.conf'", t->path);
        /* Empty: to a sandbox of any other Network setting it means what no file meant (the resolver's defaults). */
        _cleanup_close_ int fd = openat(dfd, "resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return sbx_err_set(err, errno, "create '%s/etc/resolv.conf'", t->path);
        if (fchown(fd, t->uid, t->gid) < 0 || fchmod(fd, 0644) < 0)
                return sbx_err_set(err, errno, "set owner and mode of '%s/etc/resolv.conf'", t->path);
        return 0;
}

/* ---- accounts ---- */

/* Rewrites etc/NAME of the tree: the existing lines whose first field is not in names, then `add`. */
static int rewrite_db(const struct sbx_mkrootfs_tree *t, const char *name, const char *const *names, size_t n,
                      const char *add, struct sbx_err *err)
{
        char rel[64];
        (void)snprintf(rel, sizeof(rel), "etc/%s", name);
        /* Invariant: read without following a link, so that a link to the host's /etc/shadow is not copied in. */
        int fd = sbx_mkrootfs_openat(t->fd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd == -ELOOP)
                return sbx_err_setx(err, ELOOP,
                                    "'%s/%s' is or is below a symbolic link: not followed (make it a "
                                    "regular file)",
                                    t->path, rel);
        if (fd < 0 && fd != -ENOENT)
                return open_error(err, fd, t->path, rel);
        _cleanup_fclose_ FILE *in = NULL;
        if (fd >= 0) {
                struct stat st;
                int e = fstat(fd, &st) < 0 ? errno : S_ISREG(st.st_mode) ? 0 : -1;
                if (e == 0 && !(in = fdopen(fd, "re")))
                        e = errno;
                if (e != 0) {
                        (void)close(fd);
                        return e < 0 ? sbx_err_setx(err, EINVAL, "'%s/%s' is not a regular file", t->path, rel)
                                     : sbx_err_set(err, e, "read '%s/%s'", t->path, rel);
                }
        }
        _cleanup_free_ char *text = NULL, *line = NULL;
        size_t len = 0, cap = 0;
        FILE *m = open_memstream(&text, &len);
        if (!m)
                return sbx_err_set(err, ENOMEM, "'%s/%s'", t->path, rel);
        ssize_t l;
        while (in && (l = getline(&line, &cap, in)) > 0) {
                size_t key = strcspn(line, ":");
                bool ours = false;
                for (size_t i = 0; i < n && !ours; i++)
                        ours = strlen(names[i]) == key && strncmp(line, names[i], key) == 0;
                if (!ours)
                        fprintf(m, "%s%s", line, line[l - 1] == '\n' ? "" : "\n");
        }
        bool bad = in && ferror(in);
        fputs(add, m);
        if (fclose(m) != 0 || bad)
                return sbx_err_set(err, bad ? EIO : ENOMEM, "read '%s/%s'", t->path, rel);
        return sbx_mkrootfs_write(t, rel, text, err);
}

int sbx_mkrootfs_accounts(const struct sbx_mkrootfs_tree *t, const struct sbx_mkrootfs_account *users, size_t n_users,
                          const struct sbx_mkrootfs_group *groups, size_t n_groups, struct sbx_err *err)
{
        _cleanup_free_ const char **names = calloc(n_users + n_groups + 1, sizeof(*names));
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (!names)
                return sbx_err_set(err, ENOMEM, "accounts");
        FILE *m = open_memstream(&text, &len);
        if (!m)
                return sbx_err_set(err, ENOMEM, "accounts");
        for (size_t i = 0; i < n_users; i++) {
                names[i] = users[i].name;
                /* No password in the sandbox: nothing there checks one (and no setuid program could use it). */
                fprintf(m, "%s:x:%u:%u::%s:%s\n", users[i].name, (unsigned)users[i].uid, (unsigned)users[i].gid,
                        users[i].home, users[i].shell);
        }
        if (fclose(m) != 0)
                return sbx_err_set(err, ENOMEM, "accounts");
        int r = rewrite_db(t, "passwd", names, n_users, text, err);
        if (r < 0)
                return r;
        free(text);
        text = NULL;
        if (!(m = open_memstream(&text, &len)))
                return sbx_err_set(err, ENOMEM, "accounts");
        for (size_t i = 0; i < n_groups; i++) {
                names[i] = groups[i].name;
                fprintf(m, "%s:x:%u:%s\n", groups[i].name, (unsigned)groups[i].gid, groups[i].members);
        }
        if (fclose(m) != 0)
                return sbx_err_set(err, ENOMEM, "accounts");
        return rewrite_db(t, "group", names, n_groups, text, err);
}

/* ---- the safety pass ---- */

/* chmod of the inode behind the O_PATH descriptor fd, through its /proc/self/fd magic link: that names the inode
 * that was opened and fstat'ed, not a path that could be swapped meanwhile (fchmod refuses O_PATH descriptors, and
 * opening the file for reading could block on a FIFO). The caller has checked that it is not a symbolic link. */
static int chmod_fd(int fd, mode_t mode)
{
        char p[64];
        (void)snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        return fchmodat(AT_FDCWD, p, mode, 0);
}

static int sanitize_dir(int dfd, const char *path, int depth, unsigned long *changed, struct sbx_err *err)
{
        DIR *d = fdopendir(dfd);
        if (!d) {
                int e = errno;
                (void)close(dfd);
                return sbx_err_set(err, e, "open '%s'", path);
        }
        if (depth > 256) {
                (void)closedir(d);
                return sbx_err_setx(err, ELOOP, "'%s': directories nested too deeply", path);
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                char sub[4096];
                (void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                /* O_PATH|O_NOFOLLOW gives the link itself for a link; RESOLVE_NO_XDEV refuses a mount point:
                 * filesystems mounted below the tree are not part of it. */
                _cleanup_close_ int fd = sbx_mkrootfs_openat(dirfd(d), de->d_name, O_PATH | O_NOFOLLOW);
                if (fd == -ENOENT || fd == -EXDEV)
                        continue;
                if (fd < 0) {
                        r = sbx_err_set(err, fd, "open '%s'", sub);
                        break;
                }
                struct stat st;
                if (fstat(fd, &st) < 0) {
                        r = sbx_err_set(err, errno, "stat '%s'", sub);
                        break;
                }
                /* Invariant: a link is never chmod'ed through, nor entered. */
                if (S_ISLNK(st.st_mode))
                        continue;
                if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                        /* By name: whatever the entry is by now, it goes (unlinkat follows no link, and fails on a
                         * directory). */
                        if (unlinkat(dirfd(d), de->d_name, 0) < 0)
                                r = sbx_err_set(err, errno, "remove device node '%s'", sub);
                        (*changed)++;
                        continue;
                }
                mode_t mode = st.st_mode & 07777;
                /* No setuid/setgid, and nothing writable by group or others: sticky directories (/tmp) included,
                 * since the sandbox mounts a private tmpfs on /tmp and /var/tmp and the rootfs itself stays
                 * unwritable for host users. */
                mode_t want = mode & ~(mode_t)(S_ISUID | S_ISGID | S_IWGRP | S_IWOTH);
                if (want != mode) {
                        if (chmod_fd(fd, want) < 0) {
                                r = sbx_err_set(err, errno, "chmod '%s'", sub);
                                break;
                        }
                        (*changed)++;
                }
                if (S_ISDIR(st.st_mode)) {
                        /* "." of the O_PATH descriptor: the directory just checked, not whatever has its name now. */
                        int sfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (sfd < 0)
                                r = sbx_err_set(err, errno, "open '%s'", sub);
                        else
                                r = sanitize_dir(sfd, sub, depth + 1, changed, err);
                }
        }
        (void)closedir(d);
        return r;
}

int sbx_mkrootfs_sanitize(const struct sbx_mkrootfs_tree *t, unsigned long *ret_changed, struct sbx_err *err)
{
        if (fchown(t->fd, t->uid, t->gid) < 0 || fchmod(t->fd, 0755) < 0)
                return sbx_err_set(err, errno, "set owner and mode of '%s'", t->path);
        int fd = openat(t->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '%s'", t->path);
        unsigned long changed = 0;
        int r = sanitize_dir(fd, t->path, 0, &changed, err);
        if (ret_changed)
                *ret_changed = changed;
        return r;
}
