/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "config.h"
#include "fault.h"
#include "rlimit.h"

enum unit {
        UNIT_COUNT,
        UNIT_BYTES,
        UNIT_NICE,
};

/* The unit of a Limit* keyword, from its kind in the keyword table; -1 for any other keyword. */
static int unit_of(int key)
{
        const struct sbx_keyword *k = sbx_keyword(key);
        switch (k ? k->kind : SBX_KIND_BOOL) {
        case SBX_KIND_RLIMIT_COUNT:
                return UNIT_COUNT;
        case SBX_KIND_RLIMIT_BYTES:
                return UNIT_BYTES;
        case SBX_KIND_RLIMIT_NICE:
                return UNIT_NICE;
        default:
                return -1;
        }
}

int sbx_rlimit_resource(int key)
{
        return unit_of(key) < 0 ? -1 : sbx_keyword(key)->arg;
}

/* Digits only, no sign or blank, below the reserved SBX_LIMIT_* values. */
static int parse_count(const char *s, uint64_t *ret)
{
        uint64_t v = 0;
        if (!*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
                        return -ERANGE;
        }
        if (v >= SBX_LIMIT_INFINITY)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int parse_one(enum unit unit, const char *s, uint64_t *ret, char *msg, size_t msgsize)
{
        int r;
        if (strcasecmp(s, "infinity") == 0) {
                if (unit == UNIT_NICE) {
                        (void)snprintf(msg, msgsize,
                                       "'infinity' is not a nice limit (0 to 40, or -20 to 19 with a "
                                       "sign)");
                        return -EINVAL;
                }
                *ret = SBX_LIMIT_INFINITY;
                return 0;
        }
        switch (unit) {
        case UNIT_BYTES:
                r = sbx_parse_size(s, true, ret);
                if (r < 0)
                        (void)snprintf(msg, msgsize, "invalid size '%s'%s", s,
                                       r == -ERANGE ? " (out of range)" : " (a number with K, M, G or T, or infinity)");
                return r;
        case UNIT_COUNT:
                r = parse_count(s, ret);
                if (r < 0)
                        (void)snprintf(msg, msgsize, "invalid value '%s'%s", s,
                                       r == -ERANGE ? " (out of range)" : " (a number or infinity)");
                return r;
        case UNIT_NICE: {
                /* systemd's two forms: a signed nice level, or the raw rlimit (20 - nice). */
                bool sign = s[0] == '+' || s[0] == '-';
                uint64_t v;
                r = parse_count(sign ? s + 1 : s, &v);
                if (r == 0 && sign && (s[0] == '-' ? v > 20 : v > 19))
                        r = -ERANGE;
                if (r == 0 && !sign && v > 40)
                        r = -ERANGE;
                if (r < 0) {
                        (void)snprintf(msg, msgsize, "invalid nice limit '%s' (0 to 40, or -20 to 19 with a sign)", s);
                        return r;
                }
                *ret = sign ? (s[0] == '-' ? 20 + v : 20 - v) : v;
                return 0;
        }
        }
        return -EINVAL;
}

int sbx_rlimit_parse(int key, const char *s, struct sbx_rlimit *ret, char *msg, size_t msgsize)
{
        int u = unit_of(key);
        if (u < 0) {
                (void)snprintf(msg, msgsize, "not a Limit keyword");
                return -EINVAL;
        }
        enum unit unit = (enum unit)u;
        const char *colon = strchr(s, ':');
        struct sbx_rlimit l;
        int r;
        if (!colon) {
                r = parse_one(unit, s, &l.soft, msg, msgsize);
                l.hard = l.soft;
        } else {
                char soft[64];
                size_t n = (size_t)(colon - s);
                if (n == 0 || n >= sizeof(soft) || !colon[1]) {
                        (void)snprintf(msg, msgsize, "invalid value '%s' (expected VALUE or SOFT:HARD)", s);
                        return -EINVAL;
                }
                memcpy(soft, s, n);
                soft[n] = '\0';
                r = parse_one(unit, soft, &l.soft, msg, msgsize);
                if (r == 0)
                        r = parse_one(unit, colon + 1, &l.hard, msg, msgsize);
                /* SBX_LIMIT_INFINITY is the largest value, so one comparison covers it. */
                if (r == 0 && l.soft > l.hard) {
                        (void)snprintf(msg, msgsize, "soft limit above the hard limit in '%s'", s);
                        r = -EINVAL;
                }
        }
        if (r < 0)
                return r;
        *ret = l;
        return 0;
}

static void format_one(enum unit unit, uint64_t v, char *buf, size_t size)
{
        if (unit == UNIT_BYTES)
                sbx_format_size(v, buf, size);
        else if (v == SBX_LIMIT_INFINITY)
                (void)snprintf(buf, size, "infinity");
        else
                (void)snprintf(buf, size, "%llu", (unsigned long long)v);
}

void sbx_rlimit_format(int key, const struct sbx_rlimit *l, char *buf, size_t size)
{
        int u = unit_of(key);
        if (u < 0) {
                (void)snprintf(buf, size, "?");
                return;
        }
        enum unit unit = (enum unit)u;
        char soft[32], hard[32];
        format_one(unit, l->soft, soft, sizeof(soft));
        format_one(unit, l->hard, hard, sizeof(hard));
        if (l->soft == l->hard)
                (void)snprintf(buf, size, "%s", soft);
        else
                (void)snprintf(buf, size, "%s:%s", soft, hard);
}

static rlim_t to_rlim(uint64_t v)
{
        return v == SBX_LIMIT_INFINITY ? RLIM_INFINITY : (rlim_t)v;
}

static uint64_t from_rlim(rlim_t v)
{
        return v == RLIM_INFINITY || v >= SBX_LIMIT_INFINITY ? SBX_LIMIT_INFINITY : (uint64_t)v;
}

int sbx_rlimit_apply(const struct sbx_policy *p, struct sbx_err *err)
{
        for (int k = 0; k < _SBX_KEY_MAX; k++) {
                if (unit_of(k) < 0)
                        continue;
                const struct sbx_rlimit *l = sbx_policy_field_const(p, k);
                if (l->soft == SBX_LIMIT_UNSET)
                        continue;
                int res = sbx_keyword(k)->arg;
                struct rlimit want = {.rlim_cur = to_rlim(l->soft), .rlim_max = to_rlim(l->hard)};
                char v[80], cur[32];
                sbx_rlimit_format(k, l, v, sizeof(v));
                if (sbx_fault("%s %s: setrlimit", sbx_key_name(k), v) == 0 && setrlimit(res, &want) == 0)
                        continue;
                int e = errno;
                struct rlimit old;
                if (e == EPERM && getrlimit(res, &old) == 0 && to_rlim(l->hard) > old.rlim_max) {
                        /* Raising a hard limit needs CAP_SYS_RESOURCE, which the helper never holds. */
                        format_one((enum unit)unit_of(k), from_rlim(old.rlim_max), cur, sizeof(cur));
                        return sbx_err_setx(err, EPERM,
                                            "%s %s: cannot raise the hard limit above the login's %s (set it lower, "
                                            "or raise it where the login starts)",
                                            sbx_key_name(k), v, cur);
                }
                return sbx_err_set(err, e, "%s %s: setrlimit", sbx_key_name(k), v);
        }
        return 0;
}
