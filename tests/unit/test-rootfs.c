/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/rootfs: path helpers. (Building a rootfs needs root in a new mount namespace with the helper's capabilities:
 * tests/integration/test-shell-*.sh assert its result as the user sees it.) */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rootfs.h"

static void check_split(const char *path, const char *parent, const char *base)
{
        struct sbx_err err = {0};
        char *p = NULL, *b = NULL;
        assert_int_equal(sbx_rootfs_split_path(path, &p, &b, &err), 0);
        assert_string_equal(p, parent);
        assert_string_equal(b, base);
        free(p);
        free(b);
}

static void test_split(void **state)
{
        check_split("/home/alice", "/home", "alice");
        check_split("/home/alice/", "/home", "alice");
        check_split("/srv/users/bob", "/srv/users", "bob");
        check_split("/u", "/", "u");
        check_split("//u", "/", "u");
        check_split("/home//alice", "/home", "alice");

        struct sbx_err err = {0};
        char *p = NULL, *b = NULL;
        assert_int_equal(sbx_rootfs_split_path("/", &p, &b, &err), -EINVAL);
        assert_int_equal(sbx_rootfs_split_path("home/alice", &p, &b, &err), -EINVAL);
        assert_string_equal(err.msg, "'home/alice' is not an absolute path");
        assert_null(p);
        assert_null(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
