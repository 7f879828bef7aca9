/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure parts of the cgroup code: user names as path components, CgroupRoot expansion, layout detection from
 * mountinfo text, the v1 weight mappings. The cgroupfs work itself is tested as root (tests/integration, tests/uml). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cgroup.h"

static void test_valid_user(void **state)
{
        assert_true(sbx_cgroup_valid_user("alice"));
        assert_true(sbx_cgroup_valid_user("a.b-c_d9"));
        assert_false(sbx_cgroup_valid_user(""));
        assert_false(sbx_cgroup_valid_user(NULL));
        assert_false(sbx_cgroup_valid_user("."));
        assert_false(sbx_cgroup_valid_user(".."));
        assert_false(sbx_cgroup_valid_user(".hidden"));
        assert_false(sbx_cgroup_valid_user("-x"));
        assert_false(sbx_cgroup_valid_user("a/b"));
        assert_false(sbx_cgroup_valid_user("a b"));
        assert_false(sbx_cgroup_valid_user("caf\xc3\xa9"));
        assert_false(sbx_cgroup_valid_user("abcdefghijabcdefghijabcdefghijabc")); /* 33 */
        assert_true(sbx_cgroup_valid_user("abcdefghijabcdefghijabcdefghijab"));   /* 32 */
}

static void expand_ok(const char *spec, const char *self, const char *want)
{
        char *got = NULL;
        struct sbx_err err = {0};
        assert_int_equal(sbx_cgroup_expand_root(spec, self, &got, &err), 0);
        assert_string_equal(got, want);
        free(got);
}

static void expand_bad(const char *spec, const char *self)
{
        char *got = NULL;
        struct sbx_err err = {0};
        assert_int_equal(sbx_cgroup_expand_root(spec, self, &got, &err), -EINVAL);
        assert_null(got);
        assert_non_null(strstr(err.msg, "CgroupRoot"));
}

static void test_expand_root(void **state)
{
        expand_ok("/sandbox-shell", "/whatever", "/sandbox-shell");
        expand_ok("%c/sandbox-shell", "/", "/sandbox-shell");
        expand_ok("%c/sandbox-shell", "/a/b", "/a/b/sandbox-shell");
        expand_ok("%c", "/a/b", "/a/b");
        expand_ok("%c", "/", "/");
        expand_ok("//x//y/", "/", "/x/y");
        expand_ok("/100%%", "/", "/100%");
        expand_bad("sandbox-shell", "/");
        expand_bad("/a/../b", "/");
        expand_bad("/a/./b", "/");
        expand_bad("/x/%c", "/a");
        expand_bad("/%u", "/a");
        expand_bad("%c/..", "/a");
}

static const char hybrid[] =
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:5 - cgroup2 cgroup2 rw\n";
static const char pure_v2[] = "25 22 0:23 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
static const char pure_v1[] = "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                              "32 30 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
/* Only a name=systemd v1 mount next to cgroup2: no v1 controller, so the controllers are all v2's. */
static const char v2_named[] = "25 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                               "26 22 0:24 / /run/x rw - cgroup cgroup rw,name=systemd\n";

static void test_detect_layout(void **state)
{
        enum sbx_cgroup_layout l;
        struct sbx_err err = {0};
        assert_int_equal(sbx_cgroup_detect_layout(hybrid, &l, &err), 0);
        assert_int_equal(l, SBX_CGROUP_HYBRID);
        assert_int_equal(sbx_cgroup_detect_layout(pure_v2, &l, &err), 0);
        assert_int_equal(l, SBX_CGROUP_V2);
        assert_int_equal(sbx_cgroup_detect_layout(pure_v1, &l, &err), 0);
        assert_int_equal(l, SBX_CGROUP_V1);
        assert_int_equal(sbx_cgroup_detect_layout(v2_named, &l, &err), 0);
        assert_int_equal(l, SBX_CGROUP_V2);
        assert_int_equal(sbx_cgroup_detect_layout("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n", &l, &err), -ENOENT);
        assert_int_equal(sbx_cgroup_detect_layout("", &l, &err), -ENOENT);
        assert_int_equal(sbx_cgroup_detect_layout("garbage without fields\n- -\n", &l, &err), -ENOENT);
}

static void test_weights(void **state)
{
        assert_int_equal(sbx_cgroup_weight_to_shares(100), 1024);
        assert_int_equal(sbx_cgroup_weight_to_shares(50), 512);
        assert_int_equal(sbx_cgroup_weight_to_shares(1), 10);
        assert_int_equal(sbx_cgroup_weight_to_shares(10000), 102400);
        assert_int_equal(sbx_cgroup_weight_to_blkio(100), 500);
        assert_int_equal(sbx_cgroup_weight_to_blkio(1), 10);
        assert_int_equal(sbx_cgroup_weight_to_blkio(10000), 1000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_user),
                cmocka_unit_test(test_expand_root),
                cmocka_unit_test(test_detect_layout),
                cmocka_unit_test(test_weights),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
