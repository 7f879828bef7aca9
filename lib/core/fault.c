/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "fault.h"

#if SBX_FAULT_INJECTION
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void wait_ms(const char *ms)
{
        if (ms)
                (void)usleep((useconds_t)strtoul(ms, NULL, 10) * 1000);
}

int sbx_fault(const char *fmt, ...)
{
        /* Invariant: a point never changes errno unless it fails, and never allocates (it runs after the filter and
         * the limits are in force, right before the exec). */
        int saved = errno;
        char name[256];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(name, sizeof(name), fmt, ap);
        va_end(ap);
        const char *trace = getenv("SBX_FAULT_TRACE");
        if (trace && streq(trace, "1"))
                (void)dprintf(STDERR_FILENO, "sbx-fault-point: %s\n", name);
        const char *pause = getenv("SBX_FAULT_PAUSE");
        if (pause && fnmatch(pause, name, 0) == 0)
                wait_ms(getenv("SBX_FAULT_PAUSE_MS"));
        const char *want = getenv("SBX_FAULT");
        if (want && fnmatch(want, name, 0) == 0) {
                wait_ms(getenv("SBX_FAULT_DELAY_MS"));
                errno = SBX_FAULT_ERRNO;
                return -1;
        }
        errno = saved;
        return 0;
}
#endif
