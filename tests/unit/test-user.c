/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core/user: the NSS lookups, through nss_wrapper (the program re-executes itself with libnss_wrapper preloaded
 * and the fixtures in data/nss, so it sees known users whatever the machine has). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "nss-wrapper.h"

#include "user.h"

static void test_nss_lookup(void **state)
{
        _cleanup_user_ struct sbx_user *u = NULL;
        struct sbx_err err = {0};
        assert_int_equal(sbx_user_lookup_name("alice", true, &u, &err), 0);
        assert_string_equal(u->name, "alice");
        assert_int_equal(u->uid, 1001);
        assert_int_equal(u->gid, 1001);
        assert_string_equal(u->group, "alice");
        assert_string_equal(u->home, "/home/alice");
        /* primary, then the supplementary groups from the group file */
        bool students = false, cs101 = false, staff = false;
        for (char **g = u->groups; *g; g++) {
                students |= streq(*g, "students");
                cs101 |= streq(*g, "cs101");
                staff |= streq(*g, "staff");
        }
        assert_true(students && cs101 && !staff);
        sbx_user_free(u);
        u = NULL;
        assert_int_equal(sbx_user_lookup_uid(1003, true, &u, &err), 0);
        assert_string_equal(u->name, "carol");
        assert_string_equal(u->home, "/srv/home/carol");
        sbx_user_free(u);
        u = NULL;
        assert_int_equal(sbx_user_lookup_name("mallory", true, &u, &err), -ESRCH);
        assert_string_equal(err.msg, "unknown user 'mallory'");
        assert_int_equal(sbx_user_lookup_uid(4242, true, &u, &err), -ESRCH);
        assert_string_equal(err.msg, "unknown uid 4242");
}

/* Without the supplementary groups (what a config without Match Group asks for): none are looked up. */
static void test_nss_lookup_without_groups(void **state)
{
        _cleanup_user_ struct sbx_user *u = NULL;
        struct sbx_err err = {0};
        assert_int_equal(sbx_user_lookup_name("alice", false, &u, &err), 0);
        assert_string_equal(u->group, "alice");
        assert_null(u->groups);
        assert_string_equal(u->shell, "/usr/bin/sandbox-shell");
}

int main(int argc, char **argv)
{
        if (sbx_test_under_nss_wrapper(argv) < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nss_lookup),
                cmocka_unit_test(test_nss_lookup_without_groups),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
