/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "error.h"

_printf_(4, 0) static int vset(struct sbx_err *err, int code, bool with_errno, const char *fmt, va_list ap)
{
        int saved = errno;
        if (code < 0)
                code = -code;
        if (err) {
                int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                if (with_errno && code > 0 && n >= 0 && (size_t)n < sizeof(err->msg))
                        (void)snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(code));
                err->code = code ? code : EINVAL;
        }
        errno = saved;
        return code ? -code : -EINVAL;
}

int sbx_err_set(struct sbx_err *err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vset(err, code, true, fmt, ap);
        va_end(ap);
        return r;
}

int sbx_err_setx(struct sbx_err *err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vset(err, code, false, fmt, ap);
        va_end(ap);
        return r;
}

int sbx_err_prefix(struct sbx_err *err, const char *fmt, ...)
{
        if (!err)
                return -EINVAL;
        char prefix[sizeof(err->msg)];
        char old[sizeof(err->msg)];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof(old));
        size_t n = strlcpy(err->msg, prefix, sizeof(err->msg));
        if (n < sizeof(err->msg))
                n = strlcat(err->msg, ": ", sizeof(err->msg));
        if (n < sizeof(err->msg))
                (void)strlcat(err->msg, old, sizeof(err->msg));
        if (err->code == 0)
                err->code = EINVAL;
        return -err->code;
}
