/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shell.conf(5): the value syntax shared by the parser (config.c) and the policy resolution (policy.c) that
 * depends on the user: tokens, paths, host and variable names. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* ---- tokens and paths ---- */

int sbx_expand_tokens(const char *tmpl, const struct sbx_user *u, bool allow_c, char **ret, char *msg,
                      size_t msgsize)
{
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        if (!f)
                return -ENOMEM;
        int r = 0;
        for (const char *p = tmpl; *p && r == 0; p++) {
                if (*p != '%') {
                        (void)fputc(*p, f);
                        continue;
                }
                p++;
                switch (*p) {
                case 'u':
                        (void)fputs(u->name, f);
                        break;
                case 'U':
                        (void)fprintf(f, "%lu", (unsigned long)u->uid);
                        break;
                case 'h':
                        (void)fputs(u->home, f);
                        break;
                case 'g':
                        (void)fputs(u->group, f);
                        break;
                case '%':
                        (void)fputc('%', f);
                        break;
                case 'c':
                        if (allow_c) {
                                (void)fputs("%c", f);
                                break;
                        }
                        (void)snprintf(msg, msgsize, "token '%%c' is only valid in CgroupRoot");
                        r = -EINVAL;
                        break;
                case '\0':
                        (void)snprintf(msg, msgsize, "'%%' at the end of '%s' (write %%%% for a literal %%)", tmpl);
                        r = -EINVAL;
                        p--; /* stay on the terminator */
                        break;
                default:
                        (void)snprintf(msg, msgsize, "unknown token '%%%c' in '%s'", *p, tmpl);
                        r = -EINVAL;
                }
        }
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(out);
        return 0;
}

int sbx_path_check_normalize(char *path, char *msg, size_t msgsize)
{
        if (path[0] != '/') {
                (void)snprintf(msg, msgsize, "'%s' is not an absolute path", path);
                return -EINVAL;
        }
        for (const char *p = path; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                        (void)snprintf(msg, msgsize, "path contains a control character");
                        return -EINVAL;
                }
        /* Invariant: no path of the policy can climb out of where it is anchored (the rootfs, the home). */
        for (const char *p = path; (p = strstr(p, "..")); p += 2)
                if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0')) {
                        (void)snprintf(msg, msgsize, "'%s' contains a '..' component", path);
                        return -EINVAL;
                }
        char *w = path + 1;
        for (const char *r = path + 1; *r; r++)
                if (!(*r == '/' && w[-1] == '/'))
                        *w++ = *r;
        if (w > path + 1 && w[-1] == '/')
                w--;
        *w = '\0';
        return 0;
}

bool sbx_hostname_valid(const char *s)
{
        size_t len = strlen(s);
        /* HOST_NAME_MAX is 64; labels of letters, digits and '-' (RFC 1123), 1..63 characters, no '-' at the ends. */
        if (len == 0 || len > 64)
                return false;
        size_t label = 0;
        for (const char *p = s;; p++) {
                if (*p == '.' || *p == '\0') {
                        if (label == 0 || label > 63 || p[-1] == '-')
                                return false;
                        if (*p == '\0')
                                return true;
                        label = 0;
                        continue;
                }
                if (!isalnum((unsigned char)*p) && !(*p == '-' && label > 0))
                        return false;
                label++;
        }
}

bool sbx_env_name_valid(const char *s, size_t len)
{
        if (len == 0 || isdigit((unsigned char)s[0]))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
                        return false;
        return true;
}
