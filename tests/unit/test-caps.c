/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability handling. Each test runs in a forked child, so dropping capabilities never affects the runner. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "caps.h"
#include "procfs.h"

static int in_child(int (*fn)(void))
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(fn());
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static int child_grant_and_revoke(void)
{
        struct sbx_err err = {0};
        if (sbx_caps_inheritable_granted())
                return 10;
        if (sbx_caps_grant_inheritable(&err) < 0)
                return 11;
        if (!sbx_caps_inheritable_granted())
                return 12;
        /* Never the ambient set. */
        if (cap_get_ambient(CAP_SYS_ADMIN) > 0)
                return 13;
        if (sbx_caps_revoke_inheritable(&err) < 0)
                return 14;
        if (sbx_caps_inheritable_granted())
                return 15;
        return 0;
}

static void test_grant_and_revoke_inheritable(void **state)
{
        assert_int_equal(in_child(child_grant_and_revoke), 0);
}

static int child_drop_all(void)
{
        struct sbx_err err = {0};
        char *missing = NULL;
        if (sbx_caps_missing_permitted(&missing, &err) < 0 || strcmp(missing, "") != 0)
                return 20;
        free(missing);
        if (sbx_caps_grant_inheritable(&err) < 0)
                return 21;
        if (sbx_caps_verify_none(true, &err) == 0)
                return 22; /* root still holds everything: verify must say so */
        if (sbx_caps_drop_all(true, &err) < 0)
                return 23;
        if (sbx_caps_verify_none(true, &err) < 0)
                return 24;
        if (cap_get_bound(CAP_SYS_ADMIN) != 0)
                return 25;
        /* The drop cannot be undone. */
        cap_t c = cap_from_text("cap_sys_admin+ep");
        if (cap_set_proc(c) == 0)
                return 26;
        cap_free(c);
        if (sbx_caps_missing_permitted(&missing, &err) < 0)
                return 27;
        if (strcmp(missing, SBX_HELPER_CAPS) != 0)
                return 28;
        free(missing);
        return 0;
}

static void test_drop_all_verified(void **state)
{
        assert_int_equal(in_child(child_drop_all), 0);
}

static int child_grant_fails_without_permitted(void)
{
        struct sbx_err err = {0};
        cap_t none = cap_init();
        if (cap_set_proc(none) < 0)
                return 30;
        cap_free(none);
        if (sbx_caps_grant_inheritable(&err) != -EPERM)
                return 31;
        if (strstr(err.msg, "raise the inheritable capabilities") == NULL)
                return 32;
        return 0;
}

static void test_grant_fails_without_permitted(void **state)
{
        assert_int_equal(in_child(child_grant_fails_without_permitted), 0);
}

/* /proc/self/status says what the kernel says bit by bit: the bounding set, and an ignored signal. */
static int child_status_matches_kernel(void)
{
        static const char *const fields[] = {"CapBnd", "CapAmb", "SigIgn"};
        uint64_t v[3];
        if (signal(SIGUSR1, SIG_IGN) == SIG_ERR)
                return 40;
        if (sbx_proc_status(0, fields, v, 3) < 0)
                return 41;
        for (int c = 0; c < 64; c++) {
                int k = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
                if ((k == 1) != !!(v[0] & (UINT64_C(1) << c)))
                        return 42;
                int a = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
                if ((a == 1) != !!(v[1] & (UINT64_C(1) << c)))
                        return 43;
        }
        if (!(v[2] & (UINT64_C(1) << (SIGUSR1 - 1))) || (v[2] & (UINT64_C(1) << (SIGUSR2 - 1))))
                return 44;
        static const char *const unknown[] = {"NoSuchField"};
        if (sbx_proc_status(0, unknown, v, 1) != -ENOENT)
                return 45;
        return 0;
}

static void test_status_matches_kernel(void **state)
{
        assert_int_equal(in_child(child_status_matches_kernel), 0);
}

/* Without procfs at /proc (here a tmpfs, holding a forged status file that claims empty sets) the read-back asks
 * the kernel bit by bit: a bounding set left full is still found, and a full drop still passes. */
/* In a mount namespace of the child's own, a tmpfs over /proc. */
static int hide_procfs(void)
{
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -1;
        return mount("tmpfs", "/proc", "tmpfs", 0, "mode=0755");
}

static int child_verify_without_procfs(void)
{
        struct sbx_err err = {0};
        if (hide_procfs() < 0)
                return 50;
        if (mkdir("/proc/self", 0755) < 0)
                return 51;
        int fd = open("/proc/self/status", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 || dprintf(fd, "CapAmb:\t0000000000000000\nCapBnd:\t0000000000000000\n") < 0 || close(fd) < 0)
                return 52;
        static const char *const fields[] = {"CapBnd"};
        uint64_t v;
        if (sbx_proc_status(0, fields, &v, 1) != -ENODEV)
                return 53;
        cap_t none = cap_init();
        if (!none || cap_set_proc(none) < 0) /* effective, permitted, inheritable emptied; bounding left full */
                return 54;
        cap_free(none);
        if (sbx_caps_verify_none(false, &err) < 0)
                return 55; /* nothing left where the outer half looks */
        if (sbx_caps_verify_none(true, &err) != -EPERM || !strstr(err.msg, "bounding set"))
                return 56;
        return 0;
}

static void test_verify_without_procfs(void **state)
{
        assert_int_equal(in_child(child_verify_without_procfs), 0);
}

static int child_drop_without_procfs(void)
{
        struct sbx_err err = {0};
        if (hide_procfs() < 0)
                return 60;
        if (sbx_caps_drop_all(true, &err) < 0)
                return 61;
        return prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) == 0 ? 0 : 62;
}

static void test_drop_without_procfs(void **state)
{
        assert_int_equal(in_child(child_drop_without_procfs), 0);
}

int main(void)
{
        /* Root only: a whole-file TAP skip (cmocka's per-test skip reads as a failure), unless SBX_MUST_WORK=1. */
        if (geteuid() != 0) {
                const char *must = getenv("SBX_MUST_WORK");
                if (must && strcmp(must, "1") == 0) {
                        printf("1..1\nnot ok 1 - needs root (SBX_MUST_WORK=1)\n");
                        return 1;
                }
                printf("1..0 # SKIP needs root\n");
                return 0;
        }
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_grant_and_revoke_inheritable),  cmocka_unit_test(test_drop_all_verified),
                cmocka_unit_test(test_grant_fails_without_permitted), cmocka_unit_test(test_status_matches_kernel),
                cmocka_unit_test(test_verify_without_procfs),         cmocka_unit_test(test_drop_without_procfs),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
