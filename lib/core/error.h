/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* The error every fallible lib/ function fills, last argument by convention. `code` is a positive errno value (0 when
 * no error was recorded) and `msg` a one-line message that names the object, e.g. "open cgroup '/sys/...': Permission
 * denied". lib/ never prints: only the entry points (PAM module, helper, ctl) log or print it, once. */
struct sbx_err {
        int code;
        char msg[512];
};

/* Fills err (if not NULL) with code and the formatted message, followed by ": strerror(code)" when code is an errno
 * the message does not already explain. Returns -code (or -EINVAL when code is 0), so a caller writes
 * `return sbx_err_set(err, errno, "open '%s'", path);`. errno is preserved. */
int sbx_err_set(struct sbx_err *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Like sbx_err_set, but never appends strerror: for messages that already say everything (config errors). */
int sbx_err_setx(struct sbx_err *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Prefixes an existing message with more context: "setting up /proc: mount ...". Returns -err->code. */
int sbx_err_prefix(struct sbx_err *err, const char *fmt, ...) _printf_(2, 3);
