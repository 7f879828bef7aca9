/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Fault injection for tests: a build made with `meson -Dfault_injection=true` (never a production build) lets a test
 * make any single setup step of a login fail, to prove that every failure refuses the login, names the step and
 * leaves nothing behind (tests/fault/). A build without it compiles every point away.
 *
 * A point is one setup step, named by the message its failure gives (without the errno's text), so an injected
 * failure is reported in the step's own words:
 *
 *      if (sbx_fault("mount proc for /proc") < 0 || move_mount(...) < 0)
 *              return sbx_err_set(err, errno, "mount proc for /proc");
 *
 * or, the same, SBX_STEP(err, move_mount(...), "mount proc for /proc") below.
 *
 * With SBX_FAULT=PATTERN in the process's environment, the points whose names match the fnmatch(3) pattern fail
 * (a name that holds a PID or a session number is matched by a pattern): sbx_fault returns -1 with errno
 * SBX_FAULT_ERRNO, and the step's own error path runs as if the system call had failed. With SBX_FAULT_TRACE=1,
 * every point passed is printed on stderr as "sbx-fault-point: NAME", so a test can list the steps of a real login
 * and then fail each in turn. For the tests of what runs alongside (PID 1, the outer half, the stack), a failing
 * point waits SBX_FAULT_DELAY_MS before it fails, and the points that match SBX_FAULT_PAUSE wait SBX_FAULT_PAUSE_MS
 * and go on. */

#include <errno.h>

#include "macro.h"

/* "State not recoverable": an errno no setup step treats as anything but a failure (ENOENT, for one, is not). */
#define SBX_FAULT_ERRNO ENOTRECOVERABLE

#if SBX_FAULT_INJECTION
int sbx_fault(const char *fmt, ...) _printf_(1, 2);
#else
static inline _printf_(1, 2) int sbx_fault(const char *fmt, ...)
{
        return 0;
}
#endif

/* SBX_STEP(err, call, fmt, ...): one setup step. `call` is an expression that is < 0 with errno set on failure;
 * then, or when the point is chosen, the calling function returns sbx_err_set(err, errno, fmt, ...). */
#define SBX_STEP(err, call, ...)                                                                                       \
        do {                                                                                                           \
                if (sbx_fault(__VA_ARGS__) < 0 || (call) < 0)                                                          \
                        return sbx_err_set(err, errno, __VA_ARGS__);                                                   \
        } while (0)
