/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shell.conf(5): the value syntax, one parser per kind of value (keywords.h), shared by the parser
 * (config.c, which checks every value when the files are read) and the policy resolution (policy.c, which takes the
 * value for one user); and what the kinds are built from: numbers, sizes, tokens, paths, host and variable names. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "config.h"
#include "rlimit.h"

/* ---- numbers ---- */

/* Digits only: strtonum alone would take leading blanks and a sign. */
int sbx_parse_uint(const char *s, long long min, long long max, uint64_t *ret)
{
        const char *errstr = NULL;
        if (!*s)
                return -EINVAL;
        for (const char *p = s; *p; p++)
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
        long long v = strtonum(s, min, max, &errstr);
        if (errstr)
                return -ERANGE;
        *ret = (uint64_t)v;
        return 0;
}

int sbx_parse_size(const char *s, bool allow_zero, uint64_t *ret)
{
        static const char units[] = "KMGT";
        char digits[32];
        uint64_t mult = 1, v;

        if (strcasecmp(s, "infinity") == 0) {
                *ret = SBX_LIMIT_INFINITY;
                return 0;
        }
        size_t len = strlen(s);
        if (len == 0 || len >= sizeof(digits))
                return len == 0 ? -EINVAL : -ERANGE;
        memcpy(digits, s, len + 1);
        const char *u = strchr(units, toupper((unsigned char)digits[len - 1]));
        if (u && digits[len - 1] != '\0') {
                for (const char *i = units; i <= u; i++)
                        mult *= 1024;
                digits[--len] = '\0';
        }
        int r = sbx_parse_uint(digits, 0, LLONG_MAX, &v);
        if (r < 0)
                return r;
        if (v == 0 && !allow_zero)
                return -EINVAL;
        /* Invariant: a size never wraps, and never reaches the two reserved values SBX_LIMIT_UNSET/INFINITY. */
        if (__builtin_mul_overflow(v, mult, &v) || v >= SBX_LIMIT_INFINITY)
                return -ERANGE;
        *ret = v;
        return 0;
}

void sbx_format_size(uint64_t v, char *buf, size_t size)
{
        static const char units[] = "KMGT";
        if (v == SBX_LIMIT_INFINITY || v == SBX_LIMIT_UNSET) {
                (void)snprintf(buf, size, "infinity");
                return;
        }
        int unit = -1;
        while (v != 0 && unit < 3 && v % 1024 == 0) {
                v /= 1024;
                unit++;
        }
        if (unit < 0)
                (void)snprintf(buf, size, "%llu", (unsigned long long)v);
        else
                (void)snprintf(buf, size, "%llu%c", (unsigned long long)v, units[unit]);
}

/* ---- durations ---- */

static const struct {
        const char *name;
        uint64_t usec;
} duration_units[] = {
        /* Longest names first, so "min" is never read as "m" followed by "in". */
        {"minutes", 60000000ULL},
        {"minute", 60000000ULL},
        {"seconds", 1000000ULL},
        {"second", 1000000ULL},
        {"hours", 3600000000ULL},
        {"hour", 3600000000ULL},
        {"weeks", 604800000000ULL},
        {"week", 604800000000ULL},
        {"days", 86400000000ULL},
        {"day", 86400000000ULL},
        {"msec", 1000ULL},
        {"usec", 1ULL},
        {"min", 60000000ULL},
        {"sec", 1000000ULL},
        {"hr", 3600000000ULL},
        {"ms", 1000ULL},
        {"us", 1ULL},
        {"s", 1000000ULL},
        {"m", 60000000ULL},
        {"h", 3600000000ULL},
        {"d", 86400000000ULL},
        {"w", 604800000000ULL},
};

int sbx_parse_duration(const char *s, uint64_t *ret)
{
        if (strcasecmp(s, "infinity") == 0) {
                *ret = SBX_LIMIT_INFINITY;
                return 0;
        }
        uint64_t total = 0;
        const char *p = s;
        if (!*p)
                return -EINVAL;
        while (*p) {
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                uint64_t v = 0;
                while (isdigit((unsigned char)*p)) {
                        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
                                return -ERANGE;
                        p++;
                }
                /* A bare number is seconds, as systemd reads it; only the last one may go without a unit. */
                uint64_t unit = 1000000ULL;
                size_t ulen = 0;
                for (size_t i = 0; i < ELEMENTSOF(duration_units); i++) {
                        size_t n = strlen(duration_units[i].name);
                        if (strncmp(p, duration_units[i].name, n) == 0 && !isalpha((unsigned char)p[n])) {
                                unit = duration_units[i].usec;
                                ulen = n;
                                break;
                        }
                }
                if (ulen == 0 && *p)
                        return -EINVAL;
                p += ulen;
                if (__builtin_mul_overflow(v, unit, &v) || __builtin_add_overflow(total, v, &total))
                        return -ERANGE;
        }
        if (total >= SBX_LIMIT_INFINITY)
                return -ERANGE;
        *ret = total;
        return 0;
}

void sbx_format_duration(uint64_t usec, char *buf, size_t size)
{
        static const struct {
                const char *name;
                uint64_t usec;
        } units[] = {{"w", 604800000000ULL}, {"d", 86400000000ULL}, {"h", 3600000000ULL}, {"min", 60000000ULL},
                     {"s", 1000000ULL},      {"ms", 1000ULL},       {"us", 1ULL}};
        if (usec == SBX_LIMIT_INFINITY || usec == SBX_LIMIT_UNSET) {
                (void)snprintf(buf, size, "infinity");
                return;
        }
        if (usec == 0) {
                (void)snprintf(buf, size, "0");
                return;
        }
        size_t len = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(units) && usec; i++) {
                if (usec < units[i].usec)
                        continue;
                int n = snprintf(buf + len, len < size ? size - len : 0, "%llu%s",
                                 (unsigned long long)(usec / units[i].usec), units[i].name);
                if (n > 0)
                        len += (size_t)n;
                usec %= units[i].usec;
        }
}

/* ---- tokens and paths ---- */

int sbx_expand_tokens(const char *tmpl, const struct sbx_user *u, bool allow_c, char **ret, char *msg, size_t msgsize)
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

/* ---- one parser per kind ---- */

/* Every value is checked when the files are read, expanded for this stand-in user, so that `check` finds a relative
 * path or a bad token without knowing who will log in; the policy takes it again for the real user. */
static char sample_name[] = "user", sample_group[] = "group", sample_home[] = "/home/user", sample_shell[] = "/bin/sh";
static char *sample_groups[] = {sample_group, NULL};
const struct sbx_user sbx_sample_user = {
        .name = sample_name,
        .uid = 1000,
        .gid = 1000,
        .group = sample_group,
        .home = sample_home,
        .shell = sample_shell,
        .groups = sample_groups,
};

static int invalid(char *msg, size_t size, int r, const char *fmt, ...) _printf_(4, 5);
static int invalid(char *msg, size_t size, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(msg, size, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EINVAL;
}

/* A value that names a word of `words` (case-insensitive); its index in *ret. */
static int choice(const char *v, const char *const *words, int *ret)
{
        for (int i = 0; words[i]; i++)
                if (strcasecmp(v, words[i]) == 0) {
                        *ret = i;
                        return 0;
                }
        return -EINVAL;
}

static int string_value(const char *tmpl, const struct sbx_user *u, bool path, char **out, char *msg, size_t size)
{
        _cleanup_free_ char *v = NULL;
        int r = sbx_expand_tokens(tmpl, u, false, &v, msg, size);
        if (r == 0 && path)
                r = sbx_path_check_normalize(v, msg, size);
        if (r == 0 && !path && !sbx_hostname_valid(v))
                r = invalid(msg, size, -EINVAL, "invalid host name '%s' (letters, digits, '-' and '.', at most 64)", v);
        if (r == 0 && out)
                *out = TAKE_PTR(v);
        return r;
}

static int cgroup_root_value(const char *v, char **out, char *msg, size_t size)
{
        /* %c (the session's cgroup when it opens) may only lead; no per-user token belongs here: the tree is shared
         * by all users and per-user directories are made below it. */
        const char *rest = v;
        if (strncmp(rest, "%c", 2) == 0)
                rest += 2;
        if (strchr(rest, '%'))
                return invalid(msg, size, -EINVAL, "'%s': only a leading %%c token is allowed", v);
        if (rest != v && *rest && *rest != '/')
                return invalid(msg, size, -EINVAL, "'%s': %%c must be followed by '/' or nothing", v);
        _cleanup_free_ char *p = strdup(*rest ? rest : "/");
        if (!p)
                return -ENOMEM;
        int r = sbx_path_check_normalize(p, msg, size);
        if (r < 0)
                return r;
        /* Kept as written: %c is expanded by the cgroup code once the session's cgroup is known. */
        if (out && !(*out = strdup(v)))
                return -ENOMEM;
        return 0;
}

static int percent_value(const char *v, uint64_t *out, char *msg, size_t size)
{
        /* `infinity` (no quota) is accepted so a Match block can lift a global quota; it resolves to "not set",
         * which on a fresh cgroup is the same thing. */
        if (strcasecmp(v, "infinity") == 0) {
                *out = SBX_LIMIT_UNSET;
                return 0;
        }
        size_t len = strlen(v);
        char num[32];
        if (len < 2 || len >= sizeof(num) || v[len - 1] != '%')
                return invalid(msg, size, -EINVAL, "invalid value '%s' (expected a percentage such as 50%%)", v);
        memcpy(num, v, len - 1);
        num[len - 1] = '\0';
        if (sbx_parse_uint(num, 1, 1000000, out) < 0)
                return invalid(msg, size, -EINVAL, "invalid percentage '%s' (1%% to 1000000%%)", v);
        return 0;
}

/* Program names ("sftp-server") or absolute paths ("/usr/lib/openssh/sftp-server"): no tokens, no blanks. */
static int words_value(char *const *v, int n, void *out, char *msg, size_t size)
{
        _cleanup_strv_free_ char **list = calloc((size_t)n + 1, sizeof(char *));
        if (!list)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                const char *w = v[i];
                if (w[0] == '/') {
                        _cleanup_free_ char *p = strdup(w);
                        if (!p)
                                return -ENOMEM;
                        int r = sbx_path_check_normalize(p, msg, size);
                        if (r < 0)
                                return r;
                        if (strpbrk(p, " \t%"))
                                return invalid(msg, size, -EINVAL, "'%s' is not a program path", w);
                        list[i] = TAKE_PTR(p);
                        continue;
                }
                if (w[0] == '-' || w[0] == '.' ||
                    strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789._+-") != strlen(w))
                        return invalid(msg, size, -EINVAL,
                                       "'%s' is not a program name (letters, digits and ._+-) nor an absolute path", w);
                if (!(list[i] = strdup(w)))
                        return -ENOMEM;
        }
        if (out)
                *(char ***)out = TAKE_PTR(list);
        return 0;
}

int sbx_kind_parse(int key, char *const *v, int n, const struct sbx_user *u, void *out, char *msg, size_t size)
{
        static const char *const yes_no[] = {"no", "yes", NULL};
        static const char *const networks[] = {
                [SBX_NETWORK_NONE] = "none", [SBX_NETWORK_HOST] = "host", [SBX_NETWORK_PRIVATE] = "private", NULL};
        static const char *const backends[] = {[SBX_CGROUP_BACKEND_AUTO] = "auto",
                                               [SBX_CGROUP_BACKEND_CGROUPFS] = "cgroupfs",
                                               [SBX_CGROUP_BACKEND_SYSTEMD] = "systemd",
                                               NULL};
        static const char *const instances[] = {[SBX_INSTANCE_SESSION] = "session", [SBX_INSTANCE_USER] = "user", NULL};
        const struct sbx_keyword *k = sbx_keyword(key);
        uint64_t num = 0;
        int i = 0, r;
        if (!k || n < 1)
                return invalid(msg, size, -EINVAL, "%s", "missing value");
        if (!u)
                u = &sbx_sample_user;
        switch (k->kind) {
        case SBX_KIND_BOOL:
                if (choice(v[0], yes_no, &i) < 0)
                        return invalid(msg, size, -EINVAL, "invalid value '%s' (expected yes or no)", v[0]);
                if (out)
                        *(bool *)out = i == 1;
                return 0;
        case SBX_KIND_NETWORK:
                if (choice(v[0], networks, &i) < 0)
                        return invalid(msg, size, -EINVAL, "invalid value '%s' (expected none, private or host)", v[0]);
                if (out)
                        *(enum sbx_network *)out = (enum sbx_network)i;
                return 0;
        case SBX_KIND_BACKEND:
                if (choice(v[0], backends, &i) < 0)
                        return invalid(msg, size, -EINVAL, "invalid value '%s' (expected auto, systemd or cgroupfs)",
                                       v[0]);
                if (out)
                        *(enum sbx_cgroup_backend *)out = (enum sbx_cgroup_backend)i;
                return 0;
        case SBX_KIND_INSTANCE:
                if (choice(v[0], instances, &i) < 0)
                        return invalid(msg, size, -EINVAL, "invalid value '%s' (expected session or user)", v[0]);
                if (out)
                        *(enum sbx_instance *)out = (enum sbx_instance)i;
                return 0;
        case SBX_KIND_PATH:
        case SBX_KIND_HOSTNAME:
                return string_value(v[0], u, k->kind == SBX_KIND_PATH, out, msg, size);
        case SBX_KIND_CGROUP_ROOT:
                return cgroup_root_value(v[0], out, msg, size);
        case SBX_KIND_SIZE:
        case SBX_KIND_SIZE0:
                /* 0 only makes sense for swap (no swap at all); a zero memory limit would kill every login. */
                r = sbx_parse_size(v[0], k->kind == SBX_KIND_SIZE0, &num);
                if (r == -ERANGE)
                        return invalid(msg, size, r, "size '%s' out of range", v[0]);
                if (r < 0)
                        return invalid(msg, size, r, "invalid size '%s'", v[0]);
                break;
        case SBX_KIND_COUNT:
                if (strcasecmp(v[0], "infinity") == 0)
                        num = SBX_LIMIT_INFINITY;
                else if (sbx_parse_uint(v[0], 1, LLONG_MAX, &num) < 0)
                        return invalid(msg, size, -EINVAL,
                                       "invalid value '%s' (expected a positive integer or infinity)", v[0]);
                break;
        case SBX_KIND_PERCENT:
                r = percent_value(v[0], &num, msg, size);
                if (r < 0)
                        return r;
                break;
        case SBX_KIND_WEIGHT:
                if (sbx_parse_uint(v[0], 1, 10000, &num) < 0)
                        return invalid(msg, size, -EINVAL, "invalid weight '%s' (expected 1 to 10000)", v[0]);
                break;
        case SBX_KIND_DURATION:
                r = sbx_parse_duration(v[0], &num);
                if (r < 0)
                        return invalid(msg, size, r,
                                       "invalid time span '%s' (such as 90, 90s, 5min, 1h30min or "
                                       "infinity)",
                                       v[0]);
                /* A limit of nothing would end every session at once: "infinity" says there is none. */
                if (num == 0 && (key == SBX_KEY_RUNTIME_MAX_SEC || key == SBX_KEY_IDLE_TIMEOUT_SEC))
                        return invalid(msg, size, -EINVAL, "%s", "must be longer than 0 (infinity: no limit)");
                break;
        case SBX_KIND_WORDS:
                return words_value(v, n, out, msg, size);
        case SBX_KIND_RLIMIT_COUNT:
        case SBX_KIND_RLIMIT_BYTES:
        case SBX_KIND_RLIMIT_NICE: {
                struct sbx_rlimit rl;
                r = sbx_rlimit_parse(key, v[0], &rl, msg, size);
                if (r == 0 && out)
                        *(struct sbx_rlimit *)out = rl;
                return r;
        }
        default:
                return invalid(msg, size, -EINVAL, "%s", "not a single value");
        }
        if (out)
                *(uint64_t *)out = num;
        return 0;
}
