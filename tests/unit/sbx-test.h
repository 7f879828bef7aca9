/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the cmocka programs of tests/unit and tests/pam: include it after <cmocka.h>. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* sbx_skip(WHY): the test cannot run here (WHY says what it needs). cmocka's skip(), unless SBX_MUST_WORK=1 (CI sets
 * it), which makes it a failure naming WHY, as the root test scripts do: a test that cannot run proves nothing, and
 * in CI it must not pass for a skip. */
#define sbx_skip(why)                                                                                                  \
        do {                                                                                                           \
                const char *sbx_must_work_ = getenv("SBX_MUST_WORK");                                                  \
                if (sbx_must_work_ && strcmp(sbx_must_work_, "1") == 0)                                                \
                        fail_msg("cannot run (SBX_MUST_WORK=1 forbids skipping): %s", (why));                          \
                print_message("# skipped: %s\n", (why));                                                               \
                skip();                                                                                                \
        } while (0)
