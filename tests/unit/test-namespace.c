/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core/namespace: the helper's exit code for the shell's wait status. (Launching PID 1 needs root and file
 * capabilities: tests/integration/test-shell-*.sh.) */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <cmocka.h>

#include "namespace.h"

static void test_exit_code(void **state)
{
        assert_int_equal(sbx_ns_exit_code(0), 0);
        assert_int_equal(sbx_ns_exit_code(7 << 8), 7);
        assert_int_equal(sbx_ns_exit_code(SIGKILL), 137);
        assert_int_equal(sbx_ns_exit_code(SIGHUP), 129);
        assert_int_equal(sbx_ns_exit_code(SIGQUIT | 0x80), 131); /* core dumped */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exit_code),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
