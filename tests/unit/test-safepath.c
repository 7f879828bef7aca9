/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/safepath: the ChrootDirectory-style chain check and the no-symlink open. The chain tests need a root-owned
 * directory to build in (the build tree when root-owned, else they skip); the rest runs as any user. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mount.h>
#include <cmocka.h>
#include "sbx-test.h"

#include "safepath.h"

static struct stat dir_stat(uid_t uid, mode_t mode)
{
        struct stat st = {0};
        st.st_uid = uid;
        st.st_mode = S_IFDIR | mode;
        return st;
}

static void test_component(void **state)
{
        struct sbx_err err = {0};
        struct stat st = dir_stat(0, 0755);
        assert_int_equal(sbx_safepath_check_component(&st, "/srv", &err), 0);

        st = dir_stat(1000, 0755);
        assert_int_equal(sbx_safepath_check_component(&st, "/srv/u", &err), -EPERM);
        assert_string_equal(err.msg, "unsafe ownership of '/srv/u': owned by uid 1000, not root");

        st = dir_stat(0, 0775);
        assert_int_equal(sbx_safepath_check_component(&st, "/srv", &err), -EPERM);
        assert_string_equal(err.msg, "unsafe permissions on '/srv': mode 0775 is group-writable");

        st = dir_stat(0, 01777);
        assert_int_equal(sbx_safepath_check_component(&st, "/tmp", &err), -EPERM);
        assert_string_equal(err.msg, "unsafe permissions on '/tmp': mode 1777 is world-writable");

        st = dir_stat(0, 0755);
        st.st_mode = S_IFLNK | 0777;
        assert_int_equal(sbx_safepath_check_component(&st, "/l", &err), -ELOOP);
        st.st_mode = S_IFREG | 0644;
        assert_int_equal(sbx_safepath_check_component(&st, "/f", &err), -ENOTDIR);
}

static void test_trusted_dir_rejects(void **state)
{
        struct sbx_err err = {0};
        int fd = -1;
        assert_int_equal(sbx_safepath_open_trusted_dir("relative/x", &fd, &err), -EINVAL);
        assert_int_equal(sbx_safepath_open_trusted_dir("/usr/../etc", &fd, &err), -EINVAL);
        assert_string_equal(err.msg, "'/usr/../etc' contains '..' (give the real path)");
        assert_int_equal(sbx_safepath_open_trusted_dir("/nonexistent-sbx/rootfs", &fd, &err), -ENOENT);
        assert_string_equal(err.msg, "'/nonexistent-sbx': No such file or directory");
        assert_int_equal(fd, -1);

        /* "/" itself is fine and gives a directory fd. */
        assert_int_equal(sbx_safepath_open_trusted_dir("/", &fd, &err), 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        close(fd);
}

/* A root-owned, 0755 scratch directory inside the build tree, or NULL (then the chain tests skip). */
/* A root-only scratch directory wherever the build tree is: a tmpfs over /run in a mount namespace of this test
 * process alone (made private first), so nothing is created on the host and the chain / -> /run -> dir is root's. */
static char *scratch(void)
{
        static char dir[64];
        if (geteuid() != 0)
                return NULL;
        if (dir[0]) /* made once; a test may have removed it since */
                return mkdir(dir, 0755) == 0 || errno == EEXIST ? dir : NULL;
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("sbx-test", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
                return NULL;
        (void)strlcpy(dir, "/run/safepath-test.XXXXXX", sizeof(dir));
        if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
                return NULL;
        return dir;
}

static void test_trusted_dir_chain(void **state)
{
        char *base = scratch();
        if (!base)
                sbx_skip("needs root, for a root-only scratch directory in a private mount namespace");
        char a[4200], b[4200], link[4200];
        struct sbx_err err = {0};
        int fd = -1;
        (void)snprintf(a, sizeof(a), "%s/a", base);
        (void)snprintf(b, sizeof(b), "%s/a/rootfs", base);
        (void)snprintf(link, sizeof(link), "%s/link", base);
        assert_int_equal(mkdir(a, 0755), 0);
        assert_int_equal(mkdir(b, 0755), 0);
        assert_int_equal(symlink("a", link), 0);

        assert_int_equal(sbx_safepath_open_trusted_dir(b, &fd, &err), 0);
        close(fd);

        assert_int_equal(chmod(a, 0775), 0);
        assert_int_equal(sbx_safepath_open_trusted_dir(b, &fd, &err), -EPERM);
        assert_non_null(strstr(err.msg, a));
        assert_non_null(strstr(err.msg, "group-writable"));
        assert_int_equal(chmod(a, 0755), 0);

        assert_int_equal(chown(b, 65534, 0), 0);
        assert_int_equal(sbx_safepath_open_trusted_dir(b, &fd, &err), -EPERM);
        assert_non_null(strstr(err.msg, "owned by uid 65534"));
        assert_int_equal(chown(b, 0, 0), 0);

        char via_link[4300];
        (void)snprintf(via_link, sizeof(via_link), "%s/rootfs", link);
        assert_int_equal(sbx_safepath_open_trusted_dir(via_link, &fd, &err), -ELOOP);
        assert_non_null(strstr(err.msg, "is a symbolic link"));

        (void)unlink(link);
        (void)rmdir(b);
        (void)rmdir(a);
        (void)rmdir(base);
}

/* The passwd shell's check: the same file through root's links, refused through anything another user can change. */
static void test_resolve_trusted(void **state)
{
        char *base = scratch();
        if (!base)
                sbx_skip("needs root, for a root-only scratch directory in a private mount namespace");
        char d[4200], path[4300], abs_target[4300];
        struct sbx_err err = {0};
        struct stat want, got;
        (void)snprintf(d, sizeof(d), "%s/r", base);
        assert_int_equal(mkdir(d, 0755), 0);
        int dfd = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(mkdirat(dfd, "usr", 0755), 0);
        assert_int_equal(mkdirat(dfd, "usr/bin", 0755), 0);
        int f = openat(dfd, "usr/bin/helper", O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
        assert_true(f >= 0);
        assert_int_equal(fstat(f, &want), 0);
        close(f);
        assert_int_equal(symlinkat("usr/bin", dfd, "bin"), 0); /* usrmerge: /bin -> usr/bin */
        (void)snprintf(abs_target, sizeof(abs_target), "%s/usr/bin/helper", d);
        assert_int_equal(symlinkat(abs_target, dfd, "abs"), 0);

        (void)snprintf(path, sizeof(path), "%s/usr/bin/helper", d);
        assert_int_equal(sbx_safepath_resolve_trusted(path, &got, &err), 0);
        assert_true(got.st_ino == want.st_ino && got.st_dev == want.st_dev);
        (void)snprintf(path, sizeof(path), "%s/bin/helper", d);
        assert_int_equal(sbx_safepath_resolve_trusted(path, &got, &err), 0);
        assert_true(got.st_ino == want.st_ino && got.st_dev == want.st_dev);
        (void)snprintf(path, sizeof(path), "%s/abs", d);
        assert_int_equal(sbx_safepath_resolve_trusted(path, &got, &err), 0);
        assert_true(got.st_ino == want.st_ino && got.st_dev == want.st_dev);

        /* A directory on the way that others can write: refused, through the link as well. */
        assert_int_equal(fchmodat(dfd, "usr/bin", 0777, 0), 0);
        (void)snprintf(path, sizeof(path), "%s/bin/helper", d);
        assert_int_equal(sbx_safepath_resolve_trusted(path, &got, &err), -EPERM);
        assert_non_null(strstr(err.msg, "world-writable"));
        assert_int_equal(fchmodat(dfd, "usr/bin", 0755, 0), 0);
        /* A link owned by another user: refused. */
        assert_int_equal(fchownat(dfd, "bin", 65534, 0, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(sbx_safepath_resolve_trusted(path, &got, &err), -EPERM);
        assert_non_null(strstr(err.msg, "owned by uid 65534"));
        /* "..", a relative path and a missing file. */
        (void)snprintf(path, sizeof(path), "%s/usr/../usr/bin/helper", d);
        assert_int_equal(sbx_safepath_resolve_trusted(path, &got, &err), -EINVAL);
        assert_int_equal(sbx_safepath_resolve_trusted("usr/bin/helper", &got, &err), -EINVAL);
        (void)snprintf(path, sizeof(path), "%s/usr/bin/missing", d);
        assert_int_equal(sbx_safepath_resolve_trusted(path, &got, &err), -ENOENT);

        (void)unlinkat(dfd, "abs", 0);
        (void)unlinkat(dfd, "bin", 0);
        (void)unlinkat(dfd, "usr/bin/helper", 0);
        (void)unlinkat(dfd, "usr/bin", AT_REMOVEDIR);
        (void)unlinkat(dfd, "usr", AT_REMOVEDIR);
        close(dfd);
        (void)rmdir(d);
}

static void test_open_nofollow(void **state)
{
        char dir[] = "/tmp/sbx-safepath.XXXXXX";
        assert_non_null(mkdtemp(dir));
        int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(mkdirat(dfd, "real", 0755), 0);
        assert_int_equal(symlinkat("real", dfd, "link"), 0);
        assert_int_equal(symlinkat("/etc", dfd, "real/out"), 0);

        struct sbx_err err = {0};
        int fd = -1;
        assert_int_equal(sbx_safepath_open_nofollow(dfd, "real", O_PATH, 0, "Bind source", &fd, &err), 0);
        close(fd);
        assert_int_equal(sbx_safepath_open_nofollow(dfd, "link", O_PATH, 0, "Bind source", &fd, &err), -ELOOP);
        assert_string_equal(err.msg, "Bind source 'link': a component is a symbolic link (not followed)");
        assert_int_equal(sbx_safepath_open_nofollow(dfd, "real/out/passwd", O_RDONLY, 0, "x", &fd, &err), -ELOOP);
        assert_int_equal(sbx_safepath_open_nofollow(dfd, "missing", O_PATH, 0, "Bind source", &fd, &err), -ENOENT);
        assert_string_equal(err.msg, "Bind source 'missing': No such file or directory");

        /* RESOLVE_IN_ROOT keeps ".." and absolute paths inside dirfd. */
        int rfd = -1;
        assert_int_equal(sbx_safepath_open_nofollow(dfd, "/real", O_PATH, RESOLVE_IN_ROOT, "t", &rfd, &err), 0);
        close(rfd);
        assert_int_equal(
                sbx_safepath_open_nofollow(dfd, "../../../etc/passwd", O_RDONLY, RESOLVE_IN_ROOT, "t", &rfd, &err),
                -ENOENT);

        (void)unlinkat(dfd, "real/out", 0);
        (void)unlinkat(dfd, "link", 0);
        (void)unlinkat(dfd, "real", AT_REMOVEDIR);
        close(dfd);
        (void)rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_component),         cmocka_unit_test(test_trusted_dir_rejects),
                cmocka_unit_test(test_trusted_dir_chain), cmocka_unit_test(test_resolve_trusted),
                cmocka_unit_test(test_open_nofollow),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
