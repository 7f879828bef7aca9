/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rootfs audit of `sandbox-shellctl doctor` (and of `mkrootfs`, which checks what it built): the chain of
 * directories to the rootfs, then every file below it, without following symbolic links or crossing into other
 * filesystems. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "doctor.h"
#include "safepath.h"

/* How many files of each kind are named before the rest is only counted. */
#define SHOW_MAX 5

enum {
        BAD_SETID,
        BAD_DEVICE,
        BAD_WORLD_DIR,
        BAD_WORLD_FILE,
        _BAD_MAX
};

struct audit {
        dev_t dev;
        unsigned long count[_BAD_MAX];
        struct sbx_findings *f;
        const char *root;
        int r; /* first -ENOMEM */
};

static const char *const bad_fix[_BAD_MAX] = {
        [BAD_SETID] = "chmod u-s,g-s on it: a setuid program is useless in the sandbox (no_new_privs) and a risk if "
                      "the rootfs is ever used elsewhere",
        [BAD_DEVICE] = "remove it: the sandbox gets its own minimal /dev, and a device node in the rootfs would give "
                       "access to the host's device were nodev ever missing",
        /* Anyone on the host reaches the rootfs (its chain is only closed to writes): what they put or change there,
         * every sandbox using it sees, read-only mount or not. */
        [BAD_WORLD_DIR] = "chmod o-w on it, sticky or not: anyone on the host can put files there that every sandbox "
                          "using the rootfs sees; the sandbox writes only to tmpfs mounts of its own (/tmp among them)",
        [BAD_WORLD_FILE] =
                "chmod o-w on it: anyone on the host can change what every sandbox using the rootfs reads or "
                "runs",
};

static void report(struct audit *a, int kind, const char *rel, const struct stat *st)
{
        if (a->count[kind]++ >= SHOW_MAX || a->r < 0)
                return;
        static const char *const what[_BAD_MAX] = {
                [BAD_SETID] = "a setuid/setgid file",
                [BAD_DEVICE] = "a device node",
                [BAD_WORLD_DIR] = "a world-writable directory",
                [BAD_WORLD_FILE] = "a world-writable file",
        };
        if (sbx_findings_add(a->f, bad_fix[kind], "rootfs '%s': '%s' is %s (mode %04o)", a->root, rel, what[kind],
                             (unsigned)(st->st_mode & 07777)) < 0)
                a->r = -ENOMEM;
}

/* Walks the directory dfd (path `rel` below the root, for messages). Depth is bounded by PATH_MAX. */
static void walk(struct audit *a, int dfd, const char *rel)
{
        DIR *d = fdopendir(dfd);
        if (!d) {
                (void)close(dfd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                char path[4096];
                if ((size_t)snprintf(path, sizeof(path), "%s/%s", rel, de->d_name) >= sizeof(path))
                        continue;
                /* A symbolic link's own mode (0777) means nothing. */
                if (!S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode) &&
                    (st.st_mode & S_IWOTH))
                        report(a, BAD_WORLD_FILE, path, &st);
                if (S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)))
                        report(a, BAD_SETID, path, &st);
                else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
                        report(a, BAD_DEVICE, path, &st);
                else if (S_ISDIR(st.st_mode)) {
                        if (st.st_mode & S_IWOTH)
                                report(a, BAD_WORLD_DIR, path, &st);
                        /* Another filesystem mounted here (proc, a bind) is not part of the rootfs as built. */
                        if (st.st_dev != a->dev)
                                continue;
                        int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub >= 0)
                                walk(a, sub, path);
                }
        }
        (void)closedir(d);
}

int sbx_doctor_rootfs(const char *root, struct sbx_findings *f, struct sbx_err *err)
{
        _cleanup_close_ int pfd = -1;
        struct sbx_err e = {0};
        int r = sbx_safepath_open_trusted_dir(root, &pfd, &e);
        if (r == -ENOENT)
                return sbx_findings_add(f, "build one with \"sandbox-shellctl mkrootfs\" or fix RootDirectory",
                                        "rootfs '%s' does not exist: %s", root, e.msg) < 0
                               ? sbx_err_set(err, ENOMEM, "findings")
                               : 0;
        if (r < 0)
                return sbx_findings_add(f,
                                        "every directory from / down to the rootfs must be owned by root and not "
                                        "writable by group or others (chown root:root, chmod go-w)",
                                        "rootfs '%s' is not on a root-only chain: %s", root, e.msg) < 0
                               ? sbx_err_set(err, ENOMEM, "findings")
                               : 0;

        int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return sbx_err_set(err, errno, "open rootfs '%s'", root);
        struct stat st;
        if (fstat(dfd, &st) < 0) {
                int e2 = errno;
                (void)close(dfd);
                return sbx_err_set(err, e2, "stat rootfs '%s'", root);
        }
        struct audit a = {.dev = st.st_dev, .f = f, .root = root};
        walk(&a, dfd, "");
        for (int k = 0; k < _BAD_MAX && a.r == 0; k++)
                if (a.count[k] > SHOW_MAX && sbx_findings_add(f, bad_fix[k], "rootfs '%s': %lu more like the above",
                                                              root, a.count[k] - SHOW_MAX) < 0)
                        a.r = -ENOMEM;
        if (a.r < 0)
                return sbx_err_set(err, ENOMEM, "findings");

        /* The sandbox mounts on these and cannot create them in a read-only rootfs. */
        static const char *const mount_points[] = {"proc", "dev", "tmp"};
        for (size_t i = 0; i < ELEMENTSOF(mount_points); i++)
                if ((fstatat(pfd, mount_points[i], &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0 ||
                     !S_ISDIR(st.st_mode)) &&
                    sbx_findings_add(f, "create it as a directory (mkdir -m 0755)",
                                     "rootfs '%s': /%s is missing or not a directory: the sandbox mounts on it", root,
                                     mount_points[i]) < 0)
                        return sbx_err_set(err, ENOMEM, "findings");
        return 0;
}

int sbx_doctor_shell(const char *root, const char *shell, struct sbx_findings *f, struct sbx_err *err)
{
        _cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rfd < 0)
                return 0; /* reported by the rootfs audit */
        /* As the exec inside the sandbox sees it: symbolic links followed, but resolved inside the rootfs. */
        struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        _cleanup_close_ int fd = (int)syscall(SYS_openat2, rfd, shell, &how, sizeof(how));
        struct stat st;
        const char *why = NULL;
        char buf[128];
        if (fd < 0) {
                (void)snprintf(buf, sizeof(buf), "%s", strerror(errno));
                why = buf;
        } else if (fstat(fd, &st) < 0)
                return sbx_err_set(err, errno, "stat '%s' in '%s'", shell, root);
        else if (!S_ISREG(st.st_mode))
                why = "not a regular file";
        else if (!(st.st_mode & 0111))
                why = "not executable";
        if (why && sbx_findings_add(f, "install the shell in the rootfs or change Shell",
                                    "rootfs '%s': Shell '%s': %s: sandboxed logins fail", root, shell, why) < 0)
                return sbx_err_set(err, ENOMEM, "findings");
        return 0;
}
