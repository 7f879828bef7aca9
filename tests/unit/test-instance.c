/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core/instance: root's record of an instance (its text, and the check of a record against the kernel). Reading
 * and writing the file, and every decision of a login, need root and real logins: tests/e2e/test-instance*.sh and
 * tests/fault/test-instance-join.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "instance.h"
#include "procfs.h"

static const char running[] = "state=running\npid=42 123456\nns_mnt=4 1001\nns_pid=4 1002\nns_net=4 1003\n"
                              "ns_ipc=4 1004\nns_uts=4 1005\nns_cgroup=4 1006\ndeadline=0\nborn=1700000000\n";

static void test_parse_running(void **state)
{
        struct sbx_instance_record r;
        assert_int_equal(sbx_instance_parse(running, &r), 0);
        assert_int_equal(r.state, SBX_INSTANCE_RUNNING);
        assert_int_equal(r.pid, 42);
        assert_int_equal(r.starttime, 123456);
        assert_int_equal(r.ns[SBX_NS_MNT].ino, 1001);
        assert_int_equal(r.ns[SBX_NS_CGROUP].ino, 1006);
        assert_int_equal(r.ns[SBX_NS_UTS].dev, 4);
        assert_int_equal(r.deadline, 0);
        assert_int_equal(r.born, 1700000000);
}

static void test_parse_creating(void **state)
{
        struct sbx_instance_record r;
        assert_int_equal(sbx_instance_parse("state=creating\ncreator=812-99\nsince=5\nborn=1\n", &r), 0);
        assert_int_equal(r.state, SBX_INSTANCE_CREATING);
        assert_string_equal(r.creator, "812-99");
        assert_int_equal(r.since, 5);
}

/* Anything else is not a record: it is never half believed. */
static void test_parse_refused(void **state)
{
        struct sbx_instance_record r;
        char buf[512];
        assert_int_equal(sbx_instance_parse("", &r), -EINVAL);
        assert_int_equal(sbx_instance_parse("state=creating\n", &r), -EINVAL); /* no creator */
        assert_int_equal(sbx_instance_parse("state=sleeping\ncreator=1-2\n", &r), -EINVAL);
        assert_int_equal(sbx_instance_parse("state=running\npid=42 1\n", &r), -EINVAL); /* no namespaces */
        /* Each line taken out in turn: a running record without it is refused. */
        for (const char *key = "pid=\0ns_mnt=\0ns_pid=\0ns_net=\0ns_ipc=\0ns_uts=\0ns_cgroup=\0"; *key;
             key += strlen(key) + 1) {
                const char *at = strstr(running, key);
                assert_non_null(at);
                size_t off = (size_t)(at - running), len = (size_t)(strchr(at, '\n') + 1 - at);
                (void)snprintf(buf, sizeof(buf), "%.*s%s", (int)off, running, at + len);
                assert_int_equal(sbx_instance_parse(buf, &r), -EINVAL);
        }
        (void)snprintf(buf, sizeof(buf), "%sowner=mallory\n", running);
        assert_int_equal(sbx_instance_parse(buf, &r), -EINVAL); /* an unknown key */
        assert_int_equal(sbx_instance_parse("state=running\npid=0 1\nns_mnt=1 1\nns_pid=1 1\nns_net=1 1\nns_ipc=1 1\n"
                                            "ns_uts=1 1\nns_cgroup=1 1\n",
                                            &r),
                         -EINVAL); /* PID 0 */
}

/* The check against the kernel, on this process: its own record holds; a start time or a namespace off by one
 * does not. */
static void test_alive(void **state)
{
        struct sbx_instance_record r = {.state = SBX_INSTANCE_RUNNING, .pid = getpid()};
        assert_int_equal(sbx_proc_starttime(r.pid, &r.starttime), 0);
        assert_int_equal(sbx_instance_ns_of(r.pid, r.ns), 0);
        assert_true(sbx_instance_alive(&r));
        r.starttime++;
        assert_false(sbx_instance_alive(&r));
        r.starttime--;
        r.ns[SBX_NS_NET].ino++;
        assert_false(sbx_instance_alive(&r));
        r.ns[SBX_NS_NET].ino--;
        r.state = SBX_INSTANCE_CREATING;
        assert_false(sbx_instance_alive(&r));
}

static void test_ns_names(void **state)
{
        assert_string_equal(sbx_ns_name(SBX_NS_MNT), "mnt");
        assert_string_equal(sbx_ns_name(SBX_NS_CGROUP), "cgroup");
        assert_null(sbx_ns_name(_SBX_NS_MAX));
        assert_null(sbx_ns_name(-1));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_running), cmocka_unit_test(test_parse_creating),
                cmocka_unit_test(test_parse_refused), cmocka_unit_test(test_alive),
                cmocka_unit_test(test_ns_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
