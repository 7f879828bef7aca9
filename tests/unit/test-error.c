/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"

static void test_set_appends_strerror(void **state)
{
        struct sbx_err err = {0};
        int r = sbx_err_set(&err, ENOENT, "open '%s'", "/nope");
        assert_int_equal(r, -ENOENT);
        assert_int_equal(err.code, ENOENT);
        assert_string_equal(err.msg, "open '/nope': No such file or directory");
}

static void test_setx_keeps_message(void **state)
{
        struct sbx_err err = {0};
        int r = sbx_err_setx(&err, EINVAL, "%s:%u: unknown keyword '%s'", "a.conf", 3u, "Foo");
        assert_int_equal(r, -EINVAL);
        assert_string_equal(err.msg, "a.conf:3: unknown keyword 'Foo'");
}

static void test_negative_and_zero_codes(void **state)
{
        struct sbx_err err = {0};
        assert_int_equal(sbx_err_set(&err, -EPERM, "x"), -EPERM);
        assert_int_equal(err.code, EPERM);
        assert_int_equal(sbx_err_setx(&err, 0, "y"), -EINVAL);
        assert_int_equal(err.code, EINVAL);
        assert_int_equal(sbx_err_set(NULL, EIO, "z"), -EIO);
}

static void test_prefix(void **state)
{
        struct sbx_err err = {0};
        (void)sbx_err_set(&err, EACCES, "mount '%s'", "/proc");
        assert_int_equal(sbx_err_prefix(&err, "setting up %s", "proc"), -EACCES);
        assert_string_equal(err.msg, "setting up proc: mount '/proc': Permission denied");
}

static void test_truncation_is_safe(void **state)
{
        struct sbx_err err = {0};
        char big[2000];
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        (void)sbx_err_set(&err, ENOENT, "%s", big);
        assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_set_appends_strerror),    cmocka_unit_test(test_setx_keeps_message),
                cmocka_unit_test(test_negative_and_zero_codes), cmocka_unit_test(test_prefix),
                cmocka_unit_test(test_truncation_is_safe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
