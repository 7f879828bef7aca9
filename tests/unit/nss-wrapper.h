/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For the unit tests of the NSS path: the program re-executes itself with libnss_wrapper preloaded and the fixtures
 * in data/nss, so that it sees known users whatever the machine has. */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Returns 0 when already under nss_wrapper; otherwise re-executes the program there and returns only on failure
 * (-1, after saying why). */
static inline int sbx_test_under_nss_wrapper(char **argv)
{
        if (getenv("NSS_WRAPPER_PASSWD"))
                return 0;
        (void)setenv("LD_PRELOAD", "libnss_wrapper.so", 1);
        (void)setenv("NSS_WRAPPER_PASSWD", SBX_TEST_SRCDIR "/data/nss/passwd", 1);
        (void)setenv("NSS_WRAPPER_GROUP", SBX_TEST_SRCDIR "/data/nss/group", 1);
        /* AddressSanitizer builds: the preloaded library comes before the sanitizer runtime. */
        const char *asan = getenv("ASAN_OPTIONS");
        char opts[512];
        (void)snprintf(opts, sizeof(opts), "%s%sverify_asan_link_order=0", asan ? asan : "", asan ? ":" : "");
        (void)setenv("ASAN_OPTIONS", opts, 1);
        execv("/proc/self/exe", argv);
        perror("re-executing under nss_wrapper");
        return -1;
}
