/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "journal.h"

/* The fields of e as one string, "A=1|B=2", from the iovec that is sent. */
static const char *joined(const struct sbx_journal_entry *e)
{
        static char out[SBX_JOURNAL_BUF_SIZE + SBX_JOURNAL_FIELDS_MAX];
        struct iovec iov[SBX_JOURNAL_FIELDS_MAX];
        size_t n = sbx_journal_iov(e, iov), at = 0;
        for (size_t i = 0; i < n; i++) {
                if (i)
                        out[at++] = '|';
                memcpy(out + at, iov[i].iov_base, iov[i].iov_len);
                at += iov[i].iov_len;
        }
        out[at] = '\0';
        return out;
}

static struct sbx_cgroup_usage known(void)
{
        struct sbx_cgroup_usage u;
        sbx_cgroup_usage_unknown(&u);
        u.memory_peak = 73728000;
        u.cpu_usec = 2310000;
        u.oom_kills = 0;
        u.tasks_max_hits = 3;
        return u;
}

static void test_message_id_first(void **state)
{
        struct sbx_journal_entry e;
        sbx_journal_init(&e, SBX_JOURNAL_SESSION_CLOSED);
        sbx_journal_add(&e, "SANDBOX_USER", "%s", "alice");
        assert_int_equal(e.error, 0);
        assert_string_equal(joined(&e), "MESSAGE_ID=" SBX_JOURNAL_SESSION_CLOSED "|SANDBOX_USER=alice");
}

static void test_ids_are_distinct_128_bit_hex(void **state)
{
        const char *ids[] = {SBX_JOURNAL_SESSION_OPENED, SBX_JOURNAL_SESSION_CLOSED, SBX_JOURNAL_INSTANCE_ENDED};
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                assert_int_equal(strlen(ids[i]), 32);
                assert_int_equal(strspn(ids[i], "0123456789abcdef"), 32);
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(ids[i], ids[j]);
        }
}

static void test_usage_fields(void **state)
{
        struct sbx_journal_entry e;
        struct sbx_cgroup_usage u = known();
        sbx_journal_init(&e, SBX_JOURNAL_SESSION_CLOSED);
        sbx_journal_add_usage(&e, "SANDBOX_", &u);
        assert_int_equal(e.error, 0);
        /* A zero is a measured figure and is kept. */
        assert_string_equal(joined(&e), "MESSAGE_ID=" SBX_JOURNAL_SESSION_CLOSED
                                        "|SANDBOX_MEMORY_PEAK_BYTES=73728000|SANDBOX_CPU_USEC=2310000"
                                        "|SANDBOX_OOM_KILLS=0|SANDBOX_TASKS_MAX_HITS=3");
}

static void test_unknown_figures_left_out(void **state)
{
        struct sbx_journal_entry e;
        struct sbx_cgroup_usage u = known();
        u.memory_peak = SBX_CGROUP_UNKNOWN;
        u.tasks_max_hits = SBX_CGROUP_UNKNOWN;
        sbx_journal_init(&e, SBX_JOURNAL_SESSION_CLOSED);
        sbx_journal_add_usage(&e, "SANDBOX_USER_", &u);
        assert_int_equal(e.error, 0);
        assert_string_equal(joined(&e), "MESSAGE_ID=" SBX_JOURNAL_SESSION_CLOSED
                                        "|SANDBOX_USER_CPU_USEC=2310000|SANDBOX_USER_OOM_KILLS=0");

        struct sbx_cgroup_usage none;
        sbx_cgroup_usage_unknown(&none);
        sbx_journal_init(&e, SBX_JOURNAL_INSTANCE_ENDED);
        sbx_journal_add_usage(&e, "SANDBOX_", &none);
        sbx_journal_add_u64(&e, "SANDBOX_DURATION_USEC", SBX_CGROUP_UNKNOWN);
        assert_int_equal(e.n, 1);
        assert_int_equal(e.error, 0);
}

static void test_names(void **state)
{
        assert_true(sbx_journal_valid_name("SANDBOX_USER"));
        assert_true(sbx_journal_valid_name("MESSAGE_ID"));
        assert_true(sbx_journal_valid_name("A1_"));
        assert_false(sbx_journal_valid_name(""));
        assert_false(sbx_journal_valid_name("_PID")); /* journald's own, trusted fields */
        assert_false(sbx_journal_valid_name("1ABC"));
        assert_false(sbx_journal_valid_name("sandbox_user"));
        assert_false(sbx_journal_valid_name("SANDBOX-USER"));
        assert_false(sbx_journal_valid_name("SANDBOX USER"));
        char longest[66];
        memset(longest, 'A', 64);
        longest[64] = '\0';
        assert_true(sbx_journal_valid_name(longest));
        longest[64] = 'A';
        longest[65] = '\0';
        assert_false(sbx_journal_valid_name(longest));
}

static void test_bad_name_is_an_error(void **state)
{
        struct sbx_journal_entry e;
        sbx_journal_init(&e, SBX_JOURNAL_SESSION_OPENED);
        sbx_journal_add(&e, "_UID", "%d", 0);
        assert_int_equal(e.error, -EINVAL);
        /* The first error stays, and nothing more is added. */
        sbx_journal_add(&e, "SANDBOX_USER", "%s", "alice");
        assert_int_equal(e.error, -EINVAL);
        assert_int_equal(e.n, 1);
}

static void test_full_is_an_error(void **state)
{
        struct sbx_journal_entry e;
        char big[SBX_JOURNAL_BUF_SIZE];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        sbx_journal_init(&e, SBX_JOURNAL_SESSION_OPENED);
        sbx_journal_add(&e, "MESSAGE", "%s", big);
        assert_int_equal(e.error, -ENOBUFS);
        assert_int_equal(e.n, 1);

        sbx_journal_init(&e, SBX_JOURNAL_SESSION_OPENED);
        for (int i = 0; i < SBX_JOURNAL_FIELDS_MAX; i++)
                sbx_journal_add(&e, "F", "%d", i);
        assert_int_equal(e.error, -ENOBUFS);
        assert_int_equal(e.n, SBX_JOURNAL_FIELDS_MAX);
}

static void test_copy_stays_valid(void **state)
{
        struct sbx_journal_entry a, b;
        sbx_journal_init(&a, SBX_JOURNAL_SESSION_OPENED);
        sbx_journal_add(&a, "SANDBOX_SESSION", "%s", "session-4.scope");
        b = a;
        memset(&a, 0, sizeof(a));
        assert_string_equal(joined(&b), "MESSAGE_ID=" SBX_JOURNAL_SESSION_OPENED "|SANDBOX_SESSION=session-4.scope");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_message_id_first),
                cmocka_unit_test(test_ids_are_distinct_128_bit_hex),
                cmocka_unit_test(test_usage_fields),
                cmocka_unit_test(test_unknown_figures_left_out),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_bad_name_is_an_error),
                cmocka_unit_test(test_full_is_an_error),
                cmocka_unit_test(test_copy_stays_valid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
