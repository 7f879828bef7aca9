/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audits of `sandbox-shellctl doctor` for what a login of a Network private policy needs (netstack.h,
 * netfilter.h): the tun device the helper opens as the user, the stack program it starts, the libraries both load,
 * and the file of the rootfs the sandbox's own resolv.conf is mounted on. Each is looked at as the login path looks at
 * it (the same opening rules, the same loader), since a login that finds one of them wrong is refused. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "doctor.h"
#include "doctor-internal.h"
#include "mkrootfs.h"
#include "safepath.h"

/* The tun device's number (Documentation/admin-guide/devices.txt: 10 char, 200 = /dev/net/tun). */
#define TUN_MAJOR 10
#define TUN_MINOR 200

static const char *kind_of(mode_t mode)
{
        return S_ISREG(mode)    ? "a regular file"
               : S_ISDIR(mode)  ? "a directory"
               : S_ISLNK(mode)  ? "a symbolic link"
               : S_ISCHR(mode)  ? "another character device"
               : S_ISBLK(mode)  ? "a block device"
               : S_ISFIFO(mode) ? "a FIFO"
                                : "a socket";
}

/* ---- /dev/net/tun ---- */

int sbx_doctor_tun(const char *path, const struct sbx_doctor_users *u, struct sbx_findings *f, struct sbx_err *err)
{
        struct stat st;
        /* stat(), not lstat(): the helper's open() follows a link there, as any device path may be one. */
        bool missing = stat(path, &st) < 0;
        if (missing && errno != ENOENT)
                return sbx_err_set(err, errno, "'%s'", path);
        _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
        char fix[512];
        int r = w ? 0 : -ENOMEM;
        if (r == 0 && missing) {
                (void)snprintf(fix, sizeof(fix),
                               "load the tun module (modprobe tun, and list it in /etc/modules-load.d/), which "
                               "makes %s",
                               path);
                r = sbx_findings_add(f, fix,
                                     "%s does not exist: the Network private sessions of %s cannot make their tap "
                                     "device, and their logins are refused",
                                     path, w);
        } else if (r == 0 &&
                   (!S_ISCHR(st.st_mode) || major(st.st_rdev) != TUN_MAJOR || minor(st.st_rdev) != TUN_MINOR)) {
                (void)snprintf(fix, sizeof(fix), "remove it and load the tun module (modprobe tun), which makes %s",
                               path);
                r = sbx_findings_add(f, fix,
                                     "%s is not the tun device (character device %d:%d) but %s: the Network private "
                                     "sessions of %s cannot make their tap device, and their logins are refused",
                                     path, TUN_MAJOR, TUN_MINOR, kind_of(st.st_mode), w);
        } else if (r == 0 && (st.st_mode & (S_IROTH | S_IWOTH)) != (S_IROTH | S_IWOTH)) {
                /* The helper runs as the user and holds no CAP_DAC_OVERRIDE: only the mode lets it open the device.
                 * Opening it gives nothing by itself: making a device needs CAP_NET_ADMIN in the network namespace,
                 * which the user has only in the sandbox's own. */
                (void)snprintf(fix, sizeof(fix),
                               "chmod 0666 %s, as Debian's udev makes it (50-udev-default.rules: KERNEL==\"tun\", "
                               "MODE=\"0666\"); find what makes it %04o here (an udev rule of this host, or the "
                               "container's /dev)",
                               path, (unsigned)(st.st_mode & 07777));
                r = sbx_findings_add(f, fix,
                                     "%s is mode %04o: the Network private sessions of %s cannot make their tap "
                                     "device (the helper opens it as the user), and their logins are refused",
                                     path, (unsigned)(st.st_mode & 07777), w);
        }
        return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
}

/* ---- the stack program ---- */

/* The Debian package that has the library `soname`, for the fix; NULL when it is not one the stack is known to use. */
static const char *package_of(const char *soname)
{
        static const struct {
                const char *soname, *package;
        } known[] = {
                {"libslirp.so.0", "libslirp0"},
                {"libseccomp.so.2", "libseccomp2"},
                {"libcap.so.2", "libcap2"},
                {"libbsd.so.0", "libbsd0"},
        };
        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (streq(known[i].soname, soname))
                        return known[i].package;
        return NULL;
}

/* Each library the program names must load. Called only for a program on a root-only chain: the names come from a
 * file only root can have written, and only plain names are tried, which the loader looks up in the system's
 * directories and cache as it does for the stack (which has no RUNPATH and gets an empty environment; an
 * LD_LIBRARY_PATH in doctor's own environment would be searched here too). A library it needs in turn (libslirp's
 * GLib) is loaded with it, so one missing there shows in the message. */
static int check_libraries(const char *path, const char *who, struct sbx_findings *f, struct sbx_err *err)
{
        _cleanup_strv_free_ char **needed = NULL;
        int r = sbx_mkrootfs_needed(path, &needed, err);
        if (r < 0)
                return r;
        for (char **n = needed; *n; n++) {
                if (strchr(*n, '/'))
                        continue;
                /* RTLD_LAZY: whether the library and what it needs are there and load, not every symbol of theirs;
                 * RTLD_LOCAL keeps them out of doctor's own lookups until they go again. */
                void *dl = dlopen(*n, RTLD_LAZY | RTLD_LOCAL);
                if (dl) {
                        (void)dlclose(dl);
                        continue;
                }
                const char *why = dlerror();
                const char *pkg = package_of(*n);
                char fix[512];
                if (pkg)
                        (void)snprintf(fix, sizeof(fix), "install %s (apt-get install %s)", pkg, pkg);
                else
                        (void)snprintf(fix, sizeof(fix),
                                       "install the package that has %s (apt-get install -f completes what "
                                       "sandbox-shell depends on)",
                                       *n);
                if (sbx_findings_add(f, fix,
                                     "the stack program '%s' needs %s, which cannot be loaded (%s): the stack of "
                                     "Network private cannot start, and the Network private logins of %s are refused",
                                     path, *n, why ? why : "no reason given", who) < 0)
                        return sbx_err_set(err, ENOMEM, "findings");
        }
        return 0;
}

int sbx_doctor_netstack(const char *path, const struct sbx_doctor_users *u, struct sbx_findings *f, struct sbx_err *err)
{
        _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
        if (!w)
                return sbx_err_set(err, ENOMEM, "findings");
        const char *slash = strrchr(path, '/');
        if (path[0] != '/' || !slash[1])
                return sbx_err_setx(err, EINVAL, "the stack program '%s' is not an absolute file name", path);
        _cleanup_free_ char *dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
        if (!dir)
                return sbx_err_set(err, ENOMEM, "'%s'", path);

        /* As the helper opens it (open_program in lib/core/netstack.c): its directory on a root-only chain, then the
         * file itself without following a link. */
        _cleanup_close_ int dfd = -1, fd = -1;
        struct sbx_err e = {0};
        int r = sbx_safepath_open_trusted_dir(dir, &dfd, &e);
        if (r == 0 && (fd = openat(dfd, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) {
                r = -errno;
                (void)sbx_err_set(&e, errno, "'%s'", path);
        }
        char why[512] = "";
        char fix[1024];
        struct stat st;
        if (r == -ENOENT) {
                r = sbx_findings_add(f,
                                     "reinstall sandbox-shell (apt-get install --reinstall sandbox-shell, or meson "
                                     "install), which installs it there",
                                     "the stack program '%s' of Network private is missing: the Network private "
                                     "logins of %s are refused",
                                     path, w);
                return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
        }
        if (r == -EPERM || r == -ENOTDIR || r == -ELOOP) {
                (void)snprintf(fix, sizeof(fix),
                               "every directory from / down to %s must be owned by root and not writable by group "
                               "or others (chown root:root, chmod go-w)",
                               dir);
                r = sbx_findings_add(f, fix,
                                     "the stack program '%s' is not on a chain of directories only root can change "
                                     "(%s): the helper refuses to start it, and the Network private logins of %s "
                                     "are refused",
                                     path, e.msg, w);
                return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
        }
        if (r < 0 || fstat(fd, &st) < 0)
                return r < 0 ? sbx_err_setx(err, -r, "%s", e.msg) : sbx_err_set(err, errno, "stat '%s'", path);
        /* Invariant: the same rule as open_program. The stack holds CAP_SYS_ADMIN until it has confined itself, so
         * a program anyone but root could change would hand them that capability. */
        if (!S_ISREG(st.st_mode))
                (void)snprintf(why, sizeof(why), "is not a regular file but %s", kind_of(st.st_mode));
        else if (st.st_uid != 0)
                (void)snprintf(why, sizeof(why), "is owned by uid %u, not root", (unsigned)st.st_uid);
        else if (st.st_mode & (S_IWGRP | S_IWOTH))
                (void)snprintf(why, sizeof(why), "is writable by its %s (mode %04o)",
                               (st.st_mode & S_IWGRP) ? "group" : "others", (unsigned)(st.st_mode & 07777));
        else if (!(st.st_mode & S_IXOTH))
                /* It runs as the user. */
                (void)snprintf(why, sizeof(why), "is not executable by others (mode %04o)",
                               (unsigned)(st.st_mode & 07777));
        if (why[0]) {
                if (S_ISREG(st.st_mode))
                        (void)snprintf(fix, sizeof(fix),
                                       "chown root:root '%s' and chmod 0755 it, or reinstall sandbox-shell", path);
                else
                        (void)snprintf(fix, sizeof(fix),
                                       "reinstall sandbox-shell, which puts the program itself there: the helper "
                                       "takes a regular file only, never a link");
                r = sbx_findings_add(f, fix,
                                     "the stack program '%s' %s: the helper refuses to start it, and the Network "
                                     "private logins of %s are refused",
                                     path, why, w);
                return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
        }
        return check_libraries(path, w, f, err);
}

/* ---- libnftables ---- */

int sbx_doctor_nftables(const char *library, const struct sbx_doctor_users *u, struct sbx_findings *f,
                        struct sbx_err *err)
{
        /* As sbx_net_filter_install loads it: RTLD_NOW, so that a library that would fail the helper fails here. */
        void *dl = dlopen(library, RTLD_NOW | RTLD_LOCAL);
        if (dl) {
                (void)dlclose(dl);
                return 0;
        }
        const char *why = dlerror();
        _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
        if (!w || sbx_findings_add(f, "install libnftables1 (apt-get install libnftables1)",
                                   "%s cannot be loaded (%s): the helper loads it for the filter of Network private, "
                                   "and the Network private logins of %s are refused",
                                   library, why ? why : "no reason given", w) < 0)
                return sbx_err_set(err, ENOMEM, "findings");
        return 0;
}

/* ---- the rootfs's /etc/resolv.conf ---- */

int sbx_doctor_resolv_conf(const char *root, const struct sbx_doctor_users *u, struct sbx_findings *f,
                           struct sbx_err *err)
{
        _cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rfd < 0)
                return 0; /* reported by the rootfs audit */
        /* As mount_resolv_conf in lib/core/rootfs.c opens it: inside the rootfs, no symbolic link followed. */
        _cleanup_close_ int fd = -1;
        struct sbx_err e = {0};
        int r = sbx_safepath_open_nofollow_maybe(rfd, "/etc/resolv.conf", O_PATH, RESOLVE_IN_ROOT, "resolv.conf", &fd,
                                                 &e);
        struct stat st;
        if (r < 0 && r != -ENOENT && r != -ENOTDIR && r != -ELOOP)
                return sbx_err_setx(err, -r, "rootfs '%s': %s", root, e.msg);
        if (r == 0 && fstat(fd, &st) < 0)
                return sbx_err_set(err, errno, "stat '%s/etc/resolv.conf'", root);
        if (r == 0 && S_ISREG(st.st_mode))
                return 0;
        _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
        if (!w)
                return sbx_err_set(err, ENOMEM, "findings");
        char fix[PATH_MAX + 256];
        if (r == -ENOENT || r == -ENOTDIR) {
                (void)snprintf(fix, sizeof(fix),
                               "create an empty file there (touch %s/etc/resolv.conf; sandbox-shellctl mkrootfs "
                               "makes one)",
                               root);
                r = sbx_findings_add(f, fix,
                                     "rootfs '%s' of %s has no /etc/resolv.conf: their Network private logins are "
                                     "refused (the sandbox's own resolv.conf is mounted on that file)",
                                     root, w);
        } else {
                if (r == -ELOOP)
                        (void)snprintf(fix, sizeof(fix),
                                       "replace it with an empty file (rm %s/etc/resolv.conf; touch "
                                       "%s/etc/resolv.conf)",
                                       root, root);
                else
                        (void)snprintf(fix, sizeof(fix), "replace %s/etc/resolv.conf with an empty file", root);
                r = sbx_findings_add(f, fix,
                                     "rootfs '%s' of %s: /etc/resolv.conf is %s: their Network private logins are "
                                     "refused (the sandbox's own resolv.conf is mounted on it, which must be a "
                                     "regular file reached without a symbolic link)",
                                     root, w, r == -ELOOP ? "a symbolic link, or below one" : kind_of(st.st_mode));
        }
        return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
}
