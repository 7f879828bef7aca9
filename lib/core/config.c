/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shell.conf(5): the line parser and the value syntax. Reading files from disk (ownership and mode checks)
 * is in config-load.c; evaluating the Match blocks for a user is in policy.c. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "filter.h"
#include "rlimit.h"

/* Every value is also checked at parse time, expanded for this stand-in user, so that `check` finds a relative path
 * or a bad token without knowing who will log in; policy.c checks the real expansion again. */
static char sample_name[] = "user", sample_group[] = "group", sample_home[] = "/home/user";
static char *sample_groups[] = {sample_group, NULL};
static const struct sbx_user sample_user = {
        .name = sample_name,
        .uid = 1000,
        .gid = 1000,
        .group = sample_group,
        .home = sample_home,
        .groups = sample_groups,
};

static const char *const key_names[_SBX_KEY_MAX] = {
        [SBX_KEY_SANDBOX] = "Sandbox",
        [SBX_KEY_ROOT_DIRECTORY] = "RootDirectory",
        [SBX_KEY_SHELL] = "Shell",
        [SBX_KEY_HOSTNAME] = "Hostname",
        [SBX_KEY_NETWORK] = "Network",
        [SBX_KEY_BIND] = "Bind",
        [SBX_KEY_TMPFS] = "Tmpfs",
        [SBX_KEY_ENVIRONMENT] = "Environment",
        [SBX_KEY_MEMORY_MAX] = "MemoryMax",
        [SBX_KEY_MEMORY_HIGH] = "MemoryHigh",
        [SBX_KEY_MEMORY_SWAP_MAX] = "MemorySwapMax",
        [SBX_KEY_TASKS_MAX] = "TasksMax",
        [SBX_KEY_CPU_QUOTA] = "CPUQuota",
        [SBX_KEY_CPU_WEIGHT] = "CPUWeight",
        [SBX_KEY_IO_WEIGHT] = "IOWeight",
        [SBX_KEY_KILL_ON_LOGOUT] = "KillOnLogout",
        [SBX_KEY_CGROUP_ROOT] = "CgroupRoot",
        [SBX_KEY_CGROUP_BACKEND] = "CgroupBackend",
        [SBX_KEY_SYSTEM_CALL_FILTER] = "SystemCallFilter",
        [SBX_KEY_LIMIT_CPU] = "LimitCPU",
        [SBX_KEY_LIMIT_FSIZE] = "LimitFSIZE",
        [SBX_KEY_LIMIT_DATA] = "LimitDATA",
        [SBX_KEY_LIMIT_STACK] = "LimitSTACK",
        [SBX_KEY_LIMIT_CORE] = "LimitCORE",
        [SBX_KEY_LIMIT_RSS] = "LimitRSS",
        [SBX_KEY_LIMIT_NOFILE] = "LimitNOFILE",
        [SBX_KEY_LIMIT_AS] = "LimitAS",
        [SBX_KEY_LIMIT_NPROC] = "LimitNPROC",
        [SBX_KEY_LIMIT_MEMLOCK] = "LimitMEMLOCK",
        [SBX_KEY_LIMIT_LOCKS] = "LimitLOCKS",
        [SBX_KEY_LIMIT_SIGPENDING] = "LimitSIGPENDING",
        [SBX_KEY_LIMIT_MSGQUEUE] = "LimitMSGQUEUE",
        [SBX_KEY_LIMIT_NICE] = "LimitNICE",
        [SBX_KEY_LIMIT_RTPRIO] = "LimitRTPRIO",
        [SBX_KEY_LIMIT_RTTIME] = "LimitRTTIME",
};

/* Most tokens on one line, the keyword included. */
#define MAX_TOKENS 128

/* How many value tokens each keyword takes. */
static const unsigned char key_min_args[_SBX_KEY_MAX] = {
        [SBX_KEY_SANDBOX] = 1,        [SBX_KEY_ROOT_DIRECTORY] = 1, [SBX_KEY_SHELL] = 1,
        [SBX_KEY_HOSTNAME] = 1,       [SBX_KEY_NETWORK] = 1,        [SBX_KEY_BIND] = 2,
        [SBX_KEY_TMPFS] = 1,          [SBX_KEY_ENVIRONMENT] = 1,    [SBX_KEY_MEMORY_MAX] = 1,
        [SBX_KEY_MEMORY_HIGH] = 1,    [SBX_KEY_MEMORY_SWAP_MAX] = 1, [SBX_KEY_TASKS_MAX] = 1,
        [SBX_KEY_CPU_QUOTA] = 1,      [SBX_KEY_CPU_WEIGHT] = 1,     [SBX_KEY_IO_WEIGHT] = 1,
        [SBX_KEY_KILL_ON_LOGOUT] = 1, [SBX_KEY_CGROUP_ROOT] = 1,
        [SBX_KEY_CGROUP_BACKEND] = 1, [SBX_KEY_SYSTEM_CALL_FILTER] = 1,
        [SBX_KEY_LIMIT_CPU ... SBX_KEY_LIMIT_RTTIME] = 1,
};

const char *sbx_key_name(enum sbx_key key)
{
        if ((unsigned)key >= _SBX_KEY_MAX)
                return NULL;
        return key_names[key];
}

int sbx_key_from_name(const char *name)
{
        for (int k = 0; k < _SBX_KEY_MAX; k++)
                if (strcasecmp(name, key_names[k]) == 0)
                        return k;
        return -1;
}

static unsigned key_max_args(enum sbx_key key)
{
        switch (key) {
        case SBX_KEY_BIND:
                return 3;
        case SBX_KEY_TMPFS:
                return 2;
        case SBX_KEY_SYSTEM_CALL_FILTER:
                return MAX_TOKENS - 1;
        default:
                return 1;
        }
}

struct sbx_config *sbx_config_new(void)
{
        return calloc(1, sizeof(struct sbx_config));
}

void sbx_config_free(struct sbx_config *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_files; i++)
                free(c->files[i]);
        free(c->files);
        for (size_t i = 0; i < c->n_blocks; i++) {
                for (size_t j = 0; j < c->blocks[i].n_criteria; j++)
                        free(c->blocks[i].criteria[j].list);
                free(c->blocks[i].criteria);
        }
        free(c->blocks);
        for (size_t i = 0; i < c->n_entries; i++) {
                free(c->entries[i].args[0]);
                free(c->entries[i].args[1]);
        }
        free(c->entries);
        for (size_t i = 0; i < c->n_errors; i++)
                free(c->errors[i].msg);
        free(c->errors);
        free(c);
}

/* Grows an array by one element (zeroed); returns the new element or NULL. */
static void *grow(void *arrayp, size_t *n, size_t elem)
{
        void **array = arrayp;
        void *p = reallocarray(*array, *n + 1, elem);
        if (!p)
                return NULL;
        *array = p;
        void *e = (char *)p + *n * elem;
        memset(e, 0, elem);
        (*n)++;
        return e;
}

int sbx_config_add_error(struct sbx_config *c, int code, const char *fmt, ...)
{
        char *msg;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        struct sbx_config_error *e = grow(&c->errors, &c->n_errors, sizeof(*e));
        if (!e) {
                free(msg);
                return -ENOMEM;
        }
        e->code = code;
        e->msg = msg;
        return 0;
}

/* ---- value syntax ---- */

/* Digits only: strtonum alone would take leading blanks and a sign. */
static int parse_uint(const char *s, long long min, long long max, uint64_t *ret)
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
        int r = parse_uint(digits, 0, LLONG_MAX, &v);
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

int sbx_parse_bool(const char *s, bool *ret)
{
        if (strcasecmp(s, "yes") == 0)
                *ret = true;
        else if (strcasecmp(s, "no") == 0)
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

bool sbx_pattern_match(const char *s, const char *p)
{
        /* Iterative glob with one backtrack point: linear enough for names, and no recursion a fuzzer can blow. */
        const char *star = NULL, *resume = NULL;
        while (*s) {
                if (*p == '*') {
                        star = p++;
                        resume = s;
                } else if (*p == '?' || *p == *s) {
                        p++;
                        s++;
                } else if (star) {
                        p = star + 1;
                        s = ++resume;
                } else
                        return false;
        }
        while (*p == '*')
                p++;
        return *p == '\0';
}

int sbx_pattern_list_match(const char *name, const char *list)
{
        int result = 0;
        const char *p = list;
        while (*p) {
                size_t n = strcspn(p, ",");
                char pat[256];
                bool neg = *p == '!';
                const char *start = neg ? p + 1 : p;
                size_t plen = n - (neg ? 1 : 0);
                if (plen < sizeof(pat)) {
                        memcpy(pat, start, plen);
                        pat[plen] = '\0';
                        if (sbx_pattern_match(name, pat)) {
                                /* sshd's rule: a matching negated pattern wins over every positive one. */
                                if (neg)
                                        return -1;
                                result = 1;
                        }
                }
                p += n;
                if (*p == ',')
                        p++;
        }
        return result;
}

/* ---- the line parser ---- */

struct line_ctx {
        struct sbx_config *c;
        size_t file;
        unsigned line;
        ssize_t block;
};

static int line_error(struct line_ctx *l, const char *fmt, ...) _printf_(2, 3);
static int line_error(struct line_ctx *l, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return sbx_config_add_error(l->c, EINVAL, "%s:%u: %s", l->c->files[l->file], l->line, msg);
}

/* Splits one line (no newline, no NUL) into tokens written into buf. Whitespace separates tokens; double quotes
 * group (inside them \" and \\ are escapes); an unquoted '#' at the start of a token ends the line. Returns the
 * number of tokens, or -1 with the reason in *why. `quoted` tells which tokens started with a quote. */
static int tokenize(const char *s, size_t len, char *buf, char **tok, bool *quoted, const char **why)
{
        int n = 0;
        size_t i = 0;
        char *w = buf;
        for (;;) {
                while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
                        i++;
                if (i >= len || s[i] == '#')
                        return n;
                if (n == MAX_TOKENS) {
                        *why = "too many values";
                        return -1;
                }
                tok[n] = w;
                quoted[n] = s[i] == '"';
                bool inq = false;
                while (i < len && (inq || !(s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))) {
                        unsigned char ch = (unsigned char)s[i];
                        if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
                                *why = "control character in line";
                                return -1;
                        }
                        if (ch == '"') {
                                inq = !inq;
                                i++;
                                continue;
                        }
                        if (inq && ch == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\'))
                                i++;
                        *w++ = s[i++];
                }
                if (inq) {
                        *why = "unterminated quote";
                        return -1;
                }
                *w++ = '\0';
                n++;
        }
}

/* Checks a list of Match patterns: no empty element, and not only negations (sshd would never match such a list:
 * `Match User !root` alone matches nobody, which is never what was meant). */
static const char *pattern_list_problem(const char *list)
{
        bool positive = false;
        for (const char *p = list;;) {
                size_t n = strcspn(p, ",");
                if (n == 0 || (n == 1 && *p == '!'))
                        return "empty pattern in list";
                if (n >= 256)
                        return "pattern too long";
                if (*p != '!')
                        positive = true;
                p += n;
                if (!*p)
                        break;
                p++;
        }
        return positive ? NULL : "list has only negated patterns and can never match (write '*,!name')";
}

static int parse_match(struct line_ctx *l, char **tok, int n)
{
        struct sbx_config *c = l->c;
        struct sbx_match *m = grow(&c->blocks, &c->n_blocks, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->file = l->file;
        m->line = l->line;
        /* The block starts even when the line is bad, so its lines are never taken for global ones. */
        l->block = (ssize_t)(c->n_blocks - 1);
        if (n == 1)
                return line_error(l, "Match without criteria");
        for (int i = 1; i < n; i++) {
                enum sbx_match_type type;
                if (strcasecmp(tok[i], "All") == 0) {
                        if (n != 2)
                                return line_error(l, "Match All cannot be combined with other criteria");
                        type = SBX_MATCH_ALL;
                } else if (strcasecmp(tok[i], "User") == 0)
                        type = SBX_MATCH_USER;
                else if (strcasecmp(tok[i], "Group") == 0)
                        type = SBX_MATCH_GROUP;
                else
                        return line_error(l, "unknown Match criterion '%s'", tok[i]);
                const char *list = NULL;
                if (type != SBX_MATCH_ALL) {
                        if (i + 1 >= n)
                                return line_error(l, "Match %s without a list", tok[i]);
                        list = tok[++i];
                        const char *why = pattern_list_problem(list);
                        if (why)
                                return line_error(l, "Match %s '%s': %s", tok[i - 1], list, why);
                }
                struct sbx_match_criterion *cr = grow(&m->criteria, &m->n_criteria, sizeof(*cr));
                if (!cr)
                        return -ENOMEM;
                cr->type = type;
                if (list && !(cr->list = strdup(list)))
                        return -ENOMEM;
        }
        return 0;
}

/* Expands a path value for the stand-in user and checks it; the raw template is what gets stored. */
static int check_path_value(struct line_ctx *l, enum sbx_key key, const char *what, const char *tmpl)
{
        char msg[300];
        _cleanup_free_ char *p = NULL;
        int r = sbx_expand_tokens(tmpl, &sample_user, false, &p, msg, sizeof(msg));
        if (r == -ENOMEM)
                return r;
        if (r == 0)
                r = sbx_path_check_normalize(p, msg, sizeof(msg));
        if (r < 0)
                return line_error(l, "%s%s: %s", key_names[key], what, msg);
        return 0;
}

/* Bind and Tmpfs destinations must be unique in the effective policy. Within one scope (the global lines of all
 * files, or one Match block) that is known now; across scopes it depends on the user and policy.c reports it. */
static int check_same_scope_dst(struct line_ctx *l, const struct sbx_config_entry *e)
{
        const char *dst = e->key == SBX_KEY_BIND ? e->args[1] : e->args[0];
        _cleanup_free_ char *nd = strdup(dst);
        char msg[300];
        if (!nd)
                return -ENOMEM;
        if (sbx_path_check_normalize(nd, msg, sizeof(msg)) < 0)
                return 0; /* already reported */
        if (streq(nd, "/"))
                return line_error(l, "%s: the destination cannot be '/' (it would hide the whole root directory)",
                                  key_names[e->key]);
        for (size_t i = 0; i + 1 < l->c->n_entries; i++) {
                const struct sbx_config_entry *o = &l->c->entries[i];
                if (o->block != e->block || (o->key != SBX_KEY_BIND && o->key != SBX_KEY_TMPFS))
                        continue;
                _cleanup_free_ char *od = strdup(o->key == SBX_KEY_BIND ? o->args[1] : o->args[0]);
                if (!od)
                        return -ENOMEM;
                if (sbx_path_check_normalize(od, msg, sizeof(msg)) < 0 || !streq(od, nd))
                        continue;
                return line_error(l, "%s %s '%s' conflicts with the %s for it at %s:%u",
                                  e->key == o->key ? "duplicate" : "conflicting", key_names[e->key], dst,
                                  key_names[o->key], l->c->files[o->file], o->line);
        }
        return 0;
}

/* SystemCallFilter NAME|!NAME...: every name checked now; the entry keeps them as one blank-separated string. */
static int parse_syscalls(struct line_ctx *l, struct sbx_config_entry *e, char **v, int n)
{
        char msg[300];
        for (int i = 0; i < n; i++) {
                const char *name;
                bool deny;
                if (sbx_filter_parse_token(v[i], &name, &deny, msg, sizeof(msg)) < 0)
                        return line_error(l, "%s: %s", key_names[e->key], msg);
        }
        size_t len = 0;
        for (int i = 0; i < n; i++)
                len += strlen(v[i]) + 1;
        char *all = malloc(len), *w = all;
        if (!all)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                size_t k = strlen(v[i]);
                memcpy(w, v[i], k);
                w[k] = i + 1 < n ? ' ' : '\0';
                w += k + 1;
        }
        free(e->args[0]);
        e->args[0] = all;
        return 0;
}

static int parse_value(struct line_ctx *l, struct sbx_config_entry *e, char **v, int n)
{
        const char *name = key_names[e->key];
        uint64_t x;
        int r;
        char msg[300];
        switch (e->key) {
        case SBX_KEY_SANDBOX:
        case SBX_KEY_KILL_ON_LOGOUT:
                if (sbx_parse_bool(v[0], &e->flag) < 0)
                        return line_error(l, "%s: invalid value '%s' (expected yes or no)", name, v[0]);
                return 0;
        case SBX_KEY_NETWORK:
                if (strcasecmp(v[0], "none") != 0 && strcasecmp(v[0], "host") != 0)
                        return line_error(l, "%s: invalid value '%s' (expected none or host)", name, v[0]);
                e->flag = strcasecmp(v[0], "host") == 0;
                return 0;
        case SBX_KEY_ROOT_DIRECTORY:
        case SBX_KEY_SHELL:
                return check_path_value(l, e->key, "", v[0]);
        case SBX_KEY_HOSTNAME: {
                _cleanup_free_ char *h = NULL;
                r = sbx_expand_tokens(v[0], &sample_user, false, &h, msg, sizeof(msg));
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return line_error(l, "%s: %s", name, msg);
                if (!sbx_hostname_valid(h))
                        return line_error(l, "%s: invalid host name '%s' (letters, digits, '-' and '.', at most 64)",
                                          name, v[0]);
                return 0;
        }
        case SBX_KEY_BIND:
                if (n == 3) {
                        if (strcasecmp(v[2], "ro") != 0 && strcasecmp(v[2], "rw") != 0)
                                return line_error(l, "%s: invalid mode '%s' (expected ro or rw)", name, v[2]);
                        e->flag = strcasecmp(v[2], "rw") == 0;
                }
                if ((r = check_path_value(l, e->key, " source", v[0])) != 0 ||
                    (r = check_path_value(l, e->key, " destination", v[1])) != 0)
                        return r;
                return check_same_scope_dst(l, e);
        case SBX_KEY_TMPFS:
                e->num = SBX_LIMIT_UNSET;
                if (n == 2 && (r = sbx_parse_size(v[1], false, &e->num)) < 0)
                        return line_error(l, "%s: invalid size '%s'", name, v[1]);
                if ((r = check_path_value(l, e->key, "", v[0])) != 0)
                        return r;
                return check_same_scope_dst(l, e);
        case SBX_KEY_ENVIRONMENT: {
                const char *eq = strchr(v[0], '=');
                if (!eq || !sbx_env_name_valid(v[0], (size_t)(eq - v[0])))
                        return line_error(l, "%s: '%s' is not NAME=VALUE with a valid variable name", name, v[0]);
                _cleanup_free_ char *val = NULL;
                r = sbx_expand_tokens(eq + 1, &sample_user, false, &val, msg, sizeof(msg));
                if (r == -ENOMEM)
                        return r;
                return r < 0 ? line_error(l, "%s: %s", name, msg) : 0;
        }
        case SBX_KEY_MEMORY_MAX:
        case SBX_KEY_MEMORY_HIGH:
        case SBX_KEY_MEMORY_SWAP_MAX:
                /* 0 only makes sense for swap (no swap at all); a zero memory limit would kill every login. */
                r = sbx_parse_size(v[0], e->key == SBX_KEY_MEMORY_SWAP_MAX, &e->num);
                if (r == -ERANGE)
                        return line_error(l, "%s: size '%s' out of range", name, v[0]);
                if (r < 0)
                        return line_error(l, "%s: invalid size '%s'", name, v[0]);
                return 0;
        case SBX_KEY_TASKS_MAX:
                if (strcasecmp(v[0], "infinity") == 0) {
                        e->num = SBX_LIMIT_INFINITY;
                        return 0;
                }
                if (parse_uint(v[0], 1, LLONG_MAX, &e->num) < 0)
                        return line_error(l, "%s: invalid value '%s' (expected a positive integer or infinity)",
                                          name, v[0]);
                return 0;
        case SBX_KEY_CPU_QUOTA: {
                size_t len = strlen(v[0]);
                char num[32];
                /* `infinity` (no quota) is accepted so a Match block can lift a global quota; it resolves to
                 * "not set", which on a fresh cgroup is the same thing. */
                if (strcasecmp(v[0], "infinity") == 0) {
                        e->num = SBX_LIMIT_UNSET;
                        return 0;
                }
                if (len < 2 || len >= sizeof(num) || v[0][len - 1] != '%')
                        return line_error(l, "%s: invalid value '%s' (expected a percentage such as 50%%)", name,
                                          v[0]);
                memcpy(num, v[0], len - 1);
                num[len - 1] = '\0';
                if (parse_uint(num, 1, 1000000, &x) < 0)
                        return line_error(l, "%s: invalid percentage '%s' (1%% to 1000000%%)", name, v[0]);
                e->num = x;
                return 0;
        }
        case SBX_KEY_CPU_WEIGHT:
        case SBX_KEY_IO_WEIGHT:
                if (parse_uint(v[0], 1, 10000, &e->num) < 0)
                        return line_error(l, "%s: invalid weight '%s' (expected 1 to 10000)", name, v[0]);
                return 0;
        case SBX_KEY_CGROUP_ROOT: {
                /* %c (the session's cgroup when it opens) may only lead; no per-user token belongs here: the
                 * tree is shared by all users and per-user directories are made below it. */
                const char *rest = v[0];
                if (strncmp(rest, "%c", 2) == 0)
                        rest += 2;
                if (strchr(rest, '%'))
                        return line_error(l, "%s: '%s': only a leading %%c token is allowed", name, v[0]);
                if (rest != v[0] && *rest && *rest != '/')
                        return line_error(l, "%s: '%s': %%c must be followed by '/' or nothing", name, v[0]);
                _cleanup_free_ char *p = NULL;
                if (!(p = strdup(*rest ? rest : "/")))
                        return -ENOMEM;
                if (sbx_path_check_normalize(p, msg, sizeof(msg)) < 0)
                        return line_error(l, "%s: %s", name, msg);
                return 0;
        }
        case SBX_KEY_CGROUP_BACKEND:
                if (strcasecmp(v[0], "auto") == 0)
                        e->num = SBX_CGROUP_BACKEND_AUTO;
                else if (strcasecmp(v[0], "cgroupfs") == 0)
                        e->num = SBX_CGROUP_BACKEND_CGROUPFS;
                else if (strcasecmp(v[0], "systemd") == 0)
                        e->num = SBX_CGROUP_BACKEND_SYSTEMD;
                else
                        return line_error(l, "%s: invalid value '%s' (expected auto, systemd or cgroupfs)", name,
                                          v[0]);
                return 0;
        case SBX_KEY_SYSTEM_CALL_FILTER:
                return parse_syscalls(l, e, v, n);
        case SBX_KEY_LIMIT_CPU ... SBX_KEY_LIMIT_RTTIME: {
                struct sbx_rlimit rl;
                if (sbx_rlimit_parse(e->key, v[0], &rl, msg, sizeof(msg)) < 0)
                        return line_error(l, "%s: %s", name, msg);
                e->num = rl.soft;
                return 0;
        }
        case _SBX_KEY_MAX:
                break;
        }
        return 0;
}

static int parse_line(struct line_ctx *l, const char *s, size_t len)
{
        char buf[SBX_CONFIG_LINE_MAX + MAX_TOKENS + 2];
        char *tok[MAX_TOKENS + 1];
        bool quoted[MAX_TOKENS + 1];
        const char *why = NULL;

        if (len > SBX_CONFIG_LINE_MAX)
                return line_error(l, "line too long (more than %d bytes)", SBX_CONFIG_LINE_MAX);
        if (memchr(s, '\0', len))
                return line_error(l, "NUL byte in line");
        int n = tokenize(s, len, buf, tok, quoted, &why);
        if (n < 0)
                return line_error(l, "%s", why);
        if (n == 0)
                return 0;

        /* sshd's forms "Keyword=value" and "Keyword = value" are accepted too. */
        char *eq = quoted[0] ? NULL : strchr(tok[0], '=');
        if (eq) {
                *eq = '\0';
                if (eq[1]) {
                        if (n == MAX_TOKENS)
                                return line_error(l, "too many values");
                        memmove(tok + 2, tok + 1, (size_t)(n - 1) * sizeof(tok[0]));
                        memmove(quoted + 2, quoted + 1, (size_t)(n - 1) * sizeof(quoted[0]));
                        tok[1] = eq + 1;
                        quoted[1] = false;
                        n++;
                }
        } else if (n > 1 && !quoted[1] && streq(tok[1], "=")) {
                memmove(tok + 1, tok + 2, (size_t)(n - 2) * sizeof(tok[0]));
                n--;
        }

        if (strcasecmp(tok[0], "Match") == 0)
                return parse_match(l, tok, n);
        int key = sbx_key_from_name(tok[0]);
        if (key < 0)
                return line_error(l, "unknown keyword '%s'", tok[0]);
        if (n - 1 < key_min_args[key])
                return line_error(l, "%s: missing value", key_names[key]);
        if ((unsigned)(n - 1) > key_max_args(key))
                return line_error(l, "%s: too many values", key_names[key]);

        struct sbx_config *c = l->c;
        struct sbx_config_entry *e = grow(&c->entries, &c->n_entries, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->key = key;
        e->block = l->block;
        e->file = l->file;
        e->line = l->line;
        for (int i = 0; i < 2 && i + 1 < n && i < (key == SBX_KEY_BIND ? 2 : 1); i++)
                if (!(e->args[i] = strdup(tok[i + 1])))
                        return -ENOMEM;
        /* A line with a bad value stays in the list (later same-scope checks still see it); the config has an
         * error, so it is never resolved for anyone. */
        int r = parse_value(l, e, tok + 1, n - 1);
        return r == -ENOMEM ? r : 0;
}

int sbx_config_parse_buffer(struct sbx_config *c, const char *path, const char *buf, size_t len)
{
        char *name = strdup(path);
        if (!name)
                return -ENOMEM;
        char **f = grow(&c->files, &c->n_files, sizeof(*f));
        if (!f) {
                free(name);
                return -ENOMEM;
        }
        *f = name;
        struct line_ctx l = {.c = c, .file = c->n_files - 1, .line = 0, .block = -1};
        size_t i = 0;
        while (i < len) {
                const char *nl = memchr(buf + i, '\n', len - i);
                size_t end = nl ? (size_t)(nl - buf) : len;
                l.line++;
                int r = parse_line(&l, buf + i, end - i);
                if (r < 0)
                        return r;
                i = end + 1;
        }
        return 0;
}
