/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
/* Mounts with the new mount API (open_tree, fsopen/fsmount, mount_setattr, move_mount): every mount is built detached,
 * gets its flags while nobody can see it, and is attached through a descriptor of a target that was resolved inside
 * the new root without following symbolic links. No path is ever looked up twice, so nothing can be swapped between a
 * check and the mount. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "fault.h"
#include "procfs.h"
#include "netstack.h"
#include "rootfs.h"
#include "safepath.h"

/* The /dev tmpfs and the home cover only hold mount points and links. */
#define SMALL_TMPFS_SIZE "1m"
#define SHM_SIZE "64m"

int sbx_rootfs_split_path(const char *path, char **ret_parent, char **ret_base, struct sbx_err *err)
{
        if (!path || path[0] != '/')
                return sbx_err_setx(err, EINVAL, "'%s' is not an absolute path", path ? path : "(null)");
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return sbx_err_set(err, ENOMEM, "copy path");
        size_t n = strlen(copy);
        while (n > 1 && copy[n - 1] == '/')
                copy[--n] = '\0';
        char *slash = strrchr(copy, '/');
        if (slash[1] == '\0')
                return sbx_err_setx(err, EINVAL, "'%s' has no last component", path);
        _cleanup_free_ char *base = strdup(slash + 1);
        /* Collapse repeated slashes before the last component: "//u" -> "/". */
        while (slash > copy && slash[-1] == '/')
                slash--;
        if (slash == copy)
                slash[1] = '\0';
        else
                slash[0] = '\0';
        _cleanup_free_ char *parent = strdup(copy);
        if (!base || !parent)
                return sbx_err_set(err, ENOMEM, "copy path");
        *ret_parent = TAKE_PTR(parent);
        *ret_base = TAKE_PTR(base);
        return 0;
}

static int set_attr(int mntfd, uint64_t attr, bool recursive, const char *what, struct sbx_err *err)
{
        struct mount_attr a = {
                .attr_set = attr,
                .propagation = MS_PRIVATE,
        };
        SBX_STEP(err, mount_setattr(mntfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)),
                 "set mount flags of %s", what);
        return 0;
}

int sbx_rootfs_new_tmpfs(const char *mode, const char *size, bool root_owned, uint64_t attr, const char *what,
                         int *ret_fd, struct sbx_err *err)
{
        _cleanup_close_ int fs = -1;
        SBX_STEP(err, fs = fsopen("tmpfs", FSOPEN_CLOEXEC), "create tmpfs for %s", what);
        if (sbx_fault("configure tmpfs for %s (size %s)", what, size ? size : "default") < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0 ||
            (size && fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) < 0) ||
            (root_owned && fsconfig(fs, FSCONFIG_SET_STRING, "uid", "0", 0) < 0) ||
            (root_owned && fsconfig(fs, FSCONFIG_SET_STRING, "gid", "0", 0) < 0) ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return sbx_err_set(err, errno, "configure tmpfs for %s (size %s)", what, size ? size : "default");
        int mnt;
        SBX_STEP(err, mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)attr), "mount tmpfs for %s", what);
        *ret_fd = mnt;
        return 0;
}

/* Attaches the detached mount `mntfd` on `path` inside the new root `rootfd`. The target is resolved inside the root
 * with no symbolic link followed: a link planted in a user-writable place cannot move the mount elsewhere. */
static int attach(int mntfd, int rootfd, const char *path, const char *what, struct sbx_err *err)
{
        _cleanup_close_ int target = -1;
        int r = sbx_safepath_open_nofollow(rootfd, path, O_PATH, RESOLVE_IN_ROOT, "mount point", &target, err);
        if (r < 0)
                return sbx_err_prefix(err, "%s", what);
        SBX_STEP(err, move_mount(mntfd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
                 "%s: mount on '%s'", what, path);
        return 0;
}

static int mount_proc(int rootfd, struct sbx_err *err)
{
        _cleanup_close_ int fs = sbx_fault("create proc for /proc") < 0 ? -1 : fsopen("proc", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return sbx_err_set(err, errno, "create proc for /proc");
        /* fsopen ran in PID 1, so this proc shows the new PID namespace only. */
        _cleanup_close_ int mnt = -1;
        SBX_STEP(err, mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC),
                 "mount proc for /proc");
        return attach(mnt, rootfd, "/proc", "/proc", err);
}

static int make_mount_point(int dirfd, const char *name, bool dir, const char *where, struct sbx_err *err)
{
        if (dir) {
                SBX_STEP(err, mkdirat(dirfd, name, 0755), "create mount point '%s/%s'", where, name);
                return 0;
        }
        int fd;
        SBX_STEP(err, fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644),
                 "create mount point '%s/%s'", where, name);
        (void)close(fd);
        return 0;
}

/* Binds the host's device node /dev/<name> onto <name> in the new /dev (devfd). The host's /dev is root's: the
 * path is trusted, but the node must be a character device. Device binds keep device access (no nodev) and only
 * they do. */
static int bind_device(int devfd, const char *name, struct sbx_err *err)
{
        char host[64];
        (void)snprintf(host, sizeof(host), "/dev/%s", name);
        _cleanup_close_ int tree = -1;
        SBX_STEP(err, tree = open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW),
                 "/dev: bind the host's '%s'", host);
        struct stat st;
        if (fstat(tree, &st) < 0)
                return sbx_err_set(err, errno, "/dev: stat '%s'", host);
        if (!S_ISCHR(st.st_mode))
                return sbx_err_setx(err, ENODEV, "/dev: the host's '%s' is not a character device", host);
        int r = set_attr(tree, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false, host, err);
        if (r < 0)
                return r;
        r = make_mount_point(devfd, name, false, "/dev", err);
        if (r < 0)
                return r;
        SBX_STEP(err, move_mount(tree, "", devfd, name, MOVE_MOUNT_F_EMPTY_PATH), "/dev: mount '%s' on /dev/%s", host,
                 name);
        return 0;
}

/* The new /dev, attached and filled; *ret_fd is its mount, still writable (the caller makes it read-only once the
 * /proc masks, whose sources are made in it, are done). */
static int mount_dev(int rootfd, int *ret_fd, struct sbx_err *err)
{
        static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
        static const char *const links[][2] = {
                {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
                {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
        };
        _cleanup_close_ int dev = -1;
        int r = sbx_rootfs_new_tmpfs("0755", SMALL_TMPFS_SIZE, false,
                                     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/dev", &dev, err);
        if (r < 0)
                return r;
        r = attach(dev, rootfd, "/dev", "/dev", err);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                r = bind_device(dev, devices[i], err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                SBX_STEP(err, symlinkat(links[i][0], dev, links[i][1]), "/dev: create link '/dev/%s'", links[i][1]);

        /* A new devpts instance: the sandbox sees only its own ptys, and ptmx allocates there. */
        r = make_mount_point(dev, "pts", true, "/dev", err);
        if (r < 0)
                return r;
        _cleanup_close_ int pts_fs =
                sbx_fault("/dev/pts: create a devpts instance") < 0 ? -1 : fsopen("devpts", FSOPEN_CLOEXEC);
        if (pts_fs < 0 || fsconfig(pts_fs, FSCONFIG_SET_FLAG, "newinstance", NULL, 0) < 0 ||
            fsconfig(pts_fs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) < 0 ||
            fsconfig(pts_fs, FSCONFIG_SET_STRING, "mode", "0620", 0) < 0 ||
            fsconfig(pts_fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return sbx_err_set(err, errno, "/dev/pts: create a devpts instance");
        _cleanup_close_ int pts = sbx_fault("/dev/pts: mount devpts") < 0
                                          ? -1
                                          : fsmount(pts_fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        if (pts < 0 || move_mount(pts, "", dev, "pts", MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return sbx_err_set(err, errno, "/dev/pts: mount devpts");

        r = make_mount_point(dev, "shm", true, "/dev", err);
        if (r < 0)
                return r;
        _cleanup_close_ int shm = -1;
        r = sbx_rootfs_new_tmpfs("1777", SHM_SIZE, true, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, "/dev/shm", &shm, err);
        if (r < 0)
                return r;
        SBX_STEP(err, move_mount(shm, "", dev, "shm", MOVE_MOUNT_F_EMPTY_PATH), "/dev/shm: mount tmpfs");

        *ret_fd = TAKE_FD(dev);
        return 0;
}

/* The home cover: when the home directory is missing from the rootfs, a small tmpfs on its parent directory holds the
 * mount point (the rootfs itself is root's and the helper cannot create anything there). */
struct cover {
        char *path; /* the covered directory inside the sandbox, NULL when none */
        int fd;     /* its tmpfs mount */
};

static int make_cover(const struct sbx_policy *p, int rootfd, struct cover *c, struct sbx_err *err)
{
        const char *home_dst = NULL;
        for (size_t i = 0; i < p->n_binds; i++)
                if (p->home && streq(p->binds[i].dst, p->home))
                        home_dst = p->binds[i].dst;
        if (!home_dst)
                return 0;

        _cleanup_close_ int probe = -1;
        int r = sbx_safepath_open_nofollow(rootfd, home_dst, O_PATH, RESOLVE_IN_ROOT, "home", &probe, NULL);
        if (r != -ENOENT)
                return 0; /* present (or unusable: the bind reports that) */

        _cleanup_free_ char *parent = NULL, *base = NULL;
        r = sbx_rootfs_split_path(home_dst, &parent, &base, err);
        if (r < 0)
                return sbx_err_prefix(err, "home directory");
        if (streq(parent, "/"))
                return sbx_err_setx(err, ENOENT,
                                    "home directory '%s' does not exist in the rootfs and its parent is "
                                    "'/' (create it in the rootfs)",
                                    home_dst);
        _cleanup_close_ int mnt = -1;
        r = sbx_rootfs_new_tmpfs("0755", SMALL_TMPFS_SIZE, false,
                                 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, parent, &mnt, err);
        if (r < 0)
                return r;
        r = attach(mnt, rootfd, parent, "cover for the home directory's parent", err);
        if (r < 0)
                return r;
        c->path = TAKE_PTR(parent);
        c->fd = TAKE_FD(mnt);
        return 0;
}

/* Resolves the target of a bind inside the new root; creates it when it is a direct child of the home cover. */
static int bind_target(int rootfd, const struct cover *c, const char *dst, bool dir, int *ret_fd, struct sbx_err *err)
{
        /* A missing target (the home under its cover) is an ordinary case. */
        int r = sbx_safepath_open_nofollow_maybe(rootfd, dst, O_PATH, RESOLVE_IN_ROOT, "Bind target", ret_fd, err);
        if (r != -ENOENT)
                return r;
        _cleanup_free_ char *parent = NULL, *base = NULL;
        if (!c->path || sbx_rootfs_split_path(dst, &parent, &base, NULL) < 0 || !streq(parent, c->path))
                return sbx_err_setx(err, ENOENT, "Bind target '%s' does not exist in the rootfs (create it there)",
                                    dst);
        r = make_mount_point(c->fd, base, dir, c->path, err);
        if (r < 0)
                return r;
        return sbx_safepath_open_nofollow(rootfd, dst, O_PATH, RESOLVE_IN_ROOT, "Bind target", ret_fd, err);
}

static int mount_bind(int rootfd, const struct cover *c, const struct sbx_bind *b, struct sbx_err *err)
{
        /* Invariant: the source is opened with the user's own permissions (the helper has no DAC override) and
         * without following any symbolic link: a link the user planted cannot make it bind something else. */
        _cleanup_close_ int src = -1;
        int r = sbx_safepath_open_nofollow(AT_FDCWD, b->src, O_PATH, 0, "Bind source", &src, err);
        if (r < 0)
                return r;
        struct stat st;
        if (fstat(src, &st) < 0)
                return sbx_err_set(err, errno, "stat Bind source '%s'", b->src);
        _cleanup_close_ int tree = -1;
        SBX_STEP(err, tree = open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE),
                 "bind '%s'", b->src);
        r = set_attr(tree, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (b->rw ? 0 : MOUNT_ATTR_RDONLY), true, b->src, err);
        if (r < 0)
                return r;
        _cleanup_close_ int target = -1;
        r = bind_target(rootfd, c, b->dst, S_ISDIR(st.st_mode), &target, err);
        if (r < 0)
                return r;
        SBX_STEP(err, move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
                 "bind '%s' on '%s'", b->src, b->dst);
        return 0;
}

static int mount_tmpfs(int rootfd, const struct sbx_tmpfs *t, struct sbx_err *err)
{
        if (t->optional) {
                /* The implicit /var/tmp of a rootfs that has none: nothing there to cover. */
                _cleanup_close_ int probe = -1;
                int r = sbx_safepath_open_nofollow_maybe(rootfd, t->dst, O_PATH, RESOLVE_IN_ROOT, "mount point", &probe,
                                                         err);
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return sbx_err_prefix(err, "Tmpfs");
        }
        char size[32];
        if (t->size != SBX_LIMIT_UNSET && t->size != SBX_LIMIT_INFINITY)
                (void)snprintf(size, sizeof(size), "%llu", (unsigned long long)t->size);
        _cleanup_close_ int mnt = -1;
        const char *opt = t->size == SBX_LIMIT_UNSET ? NULL : t->size == SBX_LIMIT_INFINITY ? "0" : size;
        int r = sbx_rootfs_new_tmpfs("1777", opt, true, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, t->dst, &mnt, err);
        if (r < 0)
                return r;
        return attach(mnt, rootfd, t->dst, "Tmpfs", err);
}

/* Network private: the sandbox's own /etc/resolv.conf, naming the stack's DNS forwarder, bound read-only over the
 * rootfs's (which must be a file: the rootfs is never written). The file is made in a small tmpfs that is attached
 * for a moment inside the new /dev (open_tree clones only from an attached mount), and detached again once its file
 * is bound. */
static int mount_resolv_conf(int rootfd, int devfd, struct sbx_err *err)
{
        static const char tmp[] = ".resolv", what[] = "/etc/resolv.conf";
        static const char text[] = "# Network private: the sandbox's DNS forwarder (sandbox-shell.conf(5))\n"
                                   "nameserver " SBX_NETSTACK_DNS "\n";
        _cleanup_close_ int target = -1;
        int r = sbx_safepath_open_nofollow_maybe(rootfd, what, O_PATH, RESOLVE_IN_ROOT, "Network private", &target,
                                                 err);
        if (r == -ENOENT)
                return sbx_err_setx(err, ENOENT,
                                    "Network private: the rootfs has no /etc/resolv.conf for the sandbox's own to be "
                                    "mounted on (create an empty file there)");
        if (r < 0)
                return r;
        struct stat st;
        SBX_STEP(err, fstat(target, &st), "network: stat '%s' in the rootfs", what);
        if (!S_ISREG(st.st_mode))
                return sbx_err_setx(err, EINVAL,
                                    "Network private: /etc/resolv.conf in the rootfs is not a file (make it an empty "
                                    "one)");
        r = make_mount_point(devfd, tmp, true, "/dev", err);
        if (r < 0)
                return r;
        _cleanup_close_ int mnt = -1, file = -1, tree = -1;
        r = sbx_rootfs_new_tmpfs("0755", SMALL_TMPFS_SIZE, false,
                                 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, what, &mnt, err);
        if (r < 0)
                return r;
        SBX_STEP(err, move_mount(mnt, "", devfd, tmp, MOVE_MOUNT_F_EMPTY_PATH), "%s: mount tmpfs", what);
        SBX_STEP(err, file = openat(mnt, "resolv.conf", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644),
                 "%s: create it", what);
        if (sbx_fault("%s: write it", what) < 0 || write(file, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1)
                return sbx_err_set(err, errno ?: EIO, "%s: write it", what);
        closep(&file);
        SBX_STEP(err, tree = open_tree(mnt, "resolv.conf", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW),
                 "%s: bind it", what);
        r = set_attr(tree, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, false, what,
                     err);
        if (r < 0)
                return r;
        SBX_STEP(err, move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
                 "%s: mount it", what);
        /* The tmpfs leaves /dev again; the bound file keeps it. */
        char path[64];
        (void)snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", devfd, tmp);
        SBX_STEP(err, umount2(path, MNT_DETACH), "%s: detach its tmpfs", what);
        SBX_STEP(err, unlinkat(devfd, tmp, AT_REMOVEDIR), "%s: remove its mount point", what);
        return 0;
}

int sbx_rootfs_setup(const struct sbx_policy *p, struct sbx_err *err)
{
        /* Nothing done from here on may reach the host's mount namespace, nor come back from it. */
        SBX_STEP(err, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "make every mount private");

        _cleanup_close_ int dir = -1;
        int r = sbx_safepath_open_trusted_dir(p->root_directory, &dir, err);
        if (r < 0)
                return sbx_err_prefix(err, "RootDirectory '%s'", p->root_directory);

        /* The rootfs as a recursive bind, read-only, nosuid, nodev, attached over its own directory: `root` is the
         * new root from here on, and every later target is resolved inside it. */
        _cleanup_close_ int root = -1;
        SBX_STEP(err, root = open_tree(dir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE),
                 "bind RootDirectory '%s'", p->root_directory);
        r = set_attr(root, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true, "the rootfs", err);
        if (r < 0)
                return r;
        SBX_STEP(err, move_mount(root, "", dir, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
                 "attach RootDirectory '%s'", p->root_directory);

        r = mount_proc(root, err);
        if (r < 0)
                return r;
        _cleanup_close_ int dev = -1;
        r = mount_dev(root, &dev, err);
        if (r < 0)
                return r;
        r = sbx_procfs_mask(root, dev, err);
        if (r < 0)
                return r;
        if (p->network == SBX_NETWORK_PRIVATE) {
                r = mount_resolv_conf(root, dev, err);
                if (r < 0)
                        return r;
        }
        /* Filled: nobody needs to change /dev itself any more (pts and shm are their own mounts). */
        r = set_attr(dev, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, false, "/dev",
                     err);
        if (r < 0)
                return r;

        struct cover c = {.path = NULL, .fd = -1};
        r = make_cover(p, root, &c, err);
        for (size_t i = 0; r >= 0 && i < p->n_binds; i++)
                r = mount_bind(root, &c, &p->binds[i], err);
        if (r >= 0 && c.fd >= 0)
                r = set_attr(c.fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, false,
                             c.path, err);
        free(c.path);
        closep(&c.fd);
        if (r < 0)
                return r;

        for (size_t i = 0; i < p->n_tmpfs; i++) {
                r = mount_tmpfs(root, &p->tmpfs[i], err);
                if (r < 0)
                        return r;
        }

        /* pivot_root(".", "."): the new root is stacked over the old one, which the detach then removes, so no path
         * to the host's tree remains and no staging directory is needed. */
        SBX_STEP(err, fchdir(root), "enter the new root");
        SBX_STEP(err, syscall(SYS_pivot_root, ".", "."), "pivot_root into '%s'", p->root_directory);
        SBX_STEP(err, umount2(".", MNT_DETACH), "detach the old root");
        SBX_STEP(err, chdir("/"), "chdir '/' in the new root");
        return 0;
}
