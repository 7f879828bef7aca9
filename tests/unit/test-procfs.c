/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core/procfs: the one reader of /proc/PID/status (capability sets, signal masks) and of the start times of
 * /proc/PID/stat and /proc/stat. The masks of /proc need root:
 * tests/integration/test-hardening-proc.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "procfs.h"

static void test_parse_status(void **state)
{
        const char *status = "Name:\tsh\nSigQ:\t0/1\nSigPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n"
                             "SigIgn:\t0000000000000004\nSigCgt:\t0000000000010002\nCapInh:\t0\n";
        static const char *const cgt[] = {"SigCgt"}, *const both[] = {"SigIgn", "SigCgt"}, *const none[] = {"SigXyz"};
        uint64_t m[2] = {0};
        assert_int_equal(sbx_proc_parse_status(status, cgt, m, 1), 0);
        assert_true(m[0] & (1ULL << (SIGINT - 1)));
        assert_true(m[0] & (1ULL << (SIGCHLD - 1)));
        assert_false(m[0] & (1ULL << (SIGHUP - 1)));
        assert_int_equal(sbx_proc_parse_status(status, both, m, 2), 0);
        assert_int_equal(m[0], 1ULL << (SIGQUIT - 1));
        assert_int_equal(m[1], 0x10002);
        assert_int_equal(sbx_proc_parse_status(status, none, m, 1), -ENOENT);
        assert_int_equal(sbx_proc_parse_status("SigCgt:\tzz\n", cgt, m, 1), -EBADMSG);
        assert_int_equal(sbx_proc_parse_status("", cgt, m, 1), -ENOENT);
}

/* The real file of this process and of another: the masks it reads are the kernel's. */
static void test_status_of_pid(void **state)
{
        static const char *const fields[] = {"SigIgn"};
        uint64_t self = 0, byid = 0;
        assert_int_equal(sbx_proc_status(0, fields, &self, 1), 0);
        assert_int_equal(sbx_proc_status(getpid(), fields, &byid, 1), 0);
        assert_true(self == byid);
        assert_int_equal(sbx_proc_status(-1, fields, &byid, 1), -ENOENT);
}

/* The boot's wall-clock time is now less the time since the boot (CLOCK_BOOTTIME counts suspend, as the start times
 * of /proc/PID/stat do), and this process started a moment ago. */
static void test_start_realtime(void **state)
{
        struct timespec real, boot;
        assert_int_equal(clock_gettime(CLOCK_REALTIME, &real), 0);
        assert_int_equal(clock_gettime(CLOCK_BOOTTIME, &boot), 0);
        time_t booted = real.tv_sec - boot.tv_sec, t = 0;
        assert_int_equal(sbx_proc_start_realtime(0, &t), 0);
        assert_true(t >= booted - 1 && t <= booted + 1);

        unsigned long long ticks;
        assert_int_equal(sbx_proc_starttime(getpid(), &ticks), 0);
        assert_int_equal(sbx_proc_start_realtime(ticks, &t), 0);
        time_t now = time(NULL);
        assert_true(t <= now + 1 && t >= now - 600);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_status),
                cmocka_unit_test(test_status_of_pid),
                cmocka_unit_test(test_start_realtime),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
