/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The Limit* keywords (systemd's names for setrlimit(2)'s resources): their value syntax, their text form for
 * `sandbox-shellctl explain`, and setting them in PID 1 before the exec.
 *
 * A value is `N` (soft and hard limit both N, as systemd reads it) or `SOFT:HARD`; each side is a number or
 * `infinity`. Byte limits (FSIZE DATA STACK CORE RSS AS MEMLOCK MSGQUEUE) take K/M/G/T (1024-based); LimitCPU is in
 * seconds, LimitRTTIME in microseconds, the others are counts. LimitNICE is the raw rlimit 0..40, or with a sign a nice
 * level -20..19 (`-5` means "may go down to nice -5", raw 25). */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "policy.h"

/* The RLIMIT_* resource of a Limit* key, -1 for any other key. */
int sbx_rlimit_resource(int key);

/* Parses a value of the Limit* keyword `key`. Returns 0 and fills *ret, or -EINVAL / -ERANGE with the reason in msg
 * ("invalid value 'x' (...)"; the caller adds the keyword and the file:line). */
int sbx_rlimit_parse(int key, const char *s, struct sbx_rlimit *ret, char *msg, size_t msgsize);

/* Writes the value the way sbx_rlimit_parse reads it back: "N" when soft == hard, else "SOFT:HARD". */
void sbx_rlimit_format(int key, const struct sbx_rlimit *l, char *buf, size_t size);

/* Sets every Limit* the policy gives on the calling process (PID 1, before the exec). Without CAP_SYS_RESOURCE a hard
 * limit can only go down: a value above the login's hard limit fails with -EPERM and a message that names the keyword
 * and both values. Other errors: the errno of setrlimit, naming the keyword. Allocates nothing. */
int sbx_rlimit_apply(const struct sbx_policy *p, struct sbx_err *err);
