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
#include "netfilter.h"

/* Most tokens on one line, the keyword included. */
#define MAX_TOKENS 128

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
        int r = sbx_expand_tokens(tmpl, &sbx_sample_user, false, &p, msg, sizeof(msg));
        if (r == -ENOMEM)
                return r;
        if (r == 0)
                r = sbx_path_check_normalize(p, msg, sizeof(msg));
        if (r < 0)
                return line_error(l, "%s%s: %s", sbx_key_name(key), what, msg);
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
                                  sbx_key_name(e->key));
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
                                  e->key == o->key ? "duplicate" : "conflicting", sbx_key_name(e->key), dst,
                                  sbx_key_name(o->key), l->c->files[o->file], o->line);
        }
        return 0;
}

/* The tokens v[0..n) as one blank-separated string in e->args[0] (SystemCallFilter, NetworkAllow, Commands). */
static int join_values(struct sbx_config_entry *e, char **v, int n)
{
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

/* SystemCallFilter NAME|!NAME...: every name checked now; the entry keeps them as one blank-separated string. */
static int parse_syscalls(struct line_ctx *l, struct sbx_config_entry *e, char **v, int n)
{
        char msg[300];
        for (int i = 0; i < n; i++) {
                const char *name;
                bool deny;
                if (sbx_filter_parse_token(v[i], &name, &deny, msg, sizeof(msg)) < 0)
                        return line_error(l, "%s: %s", sbx_key_name(e->key), msg);
        }
        return join_values(e, v, n);
}

/* The accumulating keywords, which have their own syntax and the same-scope checks; every other keyword is one
 * value of its kind (sbx_kind_parse). */
static int parse_list_value(struct line_ctx *l, struct sbx_config_entry *e, char **v, int n)
{
        const char *name = sbx_key_name(e->key);
        int r;
        char msg[300];
        switch (sbx_keyword(e->key)->kind) {
        case SBX_KIND_BIND:
                if (n == 3) {
                        if (strcasecmp(v[2], "ro") != 0 && strcasecmp(v[2], "rw") != 0)
                                return line_error(l, "%s: invalid mode '%s' (expected ro or rw)", name, v[2]);
                        e->flag = strcasecmp(v[2], "rw") == 0;
                }
                if ((r = check_path_value(l, e->key, " source", v[0])) != 0 ||
                    (r = check_path_value(l, e->key, " destination", v[1])) != 0)
                        return r;
                return check_same_scope_dst(l, e);
        case SBX_KIND_TMPFS:
                e->num = SBX_LIMIT_UNSET;
                if (n == 2 && (r = sbx_parse_size(v[1], false, &e->num)) < 0)
                        return line_error(l, "%s: invalid size '%s'", name, v[1]);
                if ((r = check_path_value(l, e->key, "", v[0])) != 0)
                        return r;
                return check_same_scope_dst(l, e);
        case SBX_KIND_ENVIRONMENT: {
                const char *eq = strchr(v[0], '=');
                if (!eq || !sbx_env_name_valid(v[0], (size_t)(eq - v[0])))
                        return line_error(l, "%s: '%s' is not NAME=VALUE with a valid variable name", name, v[0]);
                _cleanup_free_ char *val = NULL;
                r = sbx_expand_tokens(eq + 1, &sbx_sample_user, false, &val, msg, sizeof(msg));
                if (r == -ENOMEM)
                        return r;
                return r < 0 ? line_error(l, "%s: %s", name, msg) : 0;
        }
        case SBX_KIND_SYSCALLS:
                return parse_syscalls(l, e, v, n);
        case SBX_KIND_NETRULES:
                for (int i = 0; i < n; i++) {
                        struct sbx_net_rule rule;
                        struct sbx_err rerr = {0};
                        if (sbx_net_rule_parse(v[i], &rule, &rerr) < 0)
                                return line_error(l, "%s: %s", name, rerr.msg);
                }
                return join_values(e, v, n);
        default:
                return 0;
        }
}

static int parse_value(struct line_ctx *l, struct sbx_config_entry *e, char **v, int n)
{
        const struct sbx_keyword *k = sbx_keyword(e->key);
        if (k->place == SBX_PLACE_LIST)
                return parse_list_value(l, e, v, n);
        /* Checked now (paths for the stand-in user); the policy takes the value again for the real one. What needs
         * no user is kept in the entry too. */
        union {
                bool flag;
                int choice;
                uint64_t num;
                char *str;
                char **words;
                struct sbx_rlimit rl;
        } val = {0};
        char msg[300];
        int r = sbx_kind_parse(e->key, v, n, NULL, &val, msg, sizeof(msg));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return line_error(l, "%s: %s", k->name, msg);
        switch (k->kind) {
        case SBX_KIND_PATH:
        case SBX_KIND_HOSTNAME:
        case SBX_KIND_CGROUP_ROOT:
                free(val.str);
                break;
        case SBX_KIND_WORDS:
                strv_free(val.words);
                return join_values(e, v, n);
        case SBX_KIND_BOOL:
                e->flag = val.flag;
                break;
        case SBX_KIND_NETWORK:
        case SBX_KIND_BACKEND:
        case SBX_KIND_INSTANCE:
                e->num = (uint64_t)val.choice;
                break;
        default:
                e->num = sbx_kind_is_rlimit(k->kind) ? val.rl.soft : val.num;
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
        unsigned min, max;
        sbx_kind_args(sbx_keyword(key)->kind, &min, &max);
        if ((unsigned)(n - 1) < min)
                return line_error(l, "%s: missing value", sbx_key_name(key));
        if ((unsigned)(n - 1) > max)
                return line_error(l, "%s: too many values", sbx_key_name(key));

        struct sbx_config *c = l->c;
        struct sbx_config_entry *e = grow(&c->entries, &c->n_entries, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->key = key;
        e->block = l->block;
        e->file = l->file;
        e->line = l->line;
        for (int i = 0; i < 2 && i + 1 < n && i < (sbx_keyword(key)->kind == SBX_KIND_BIND ? 2 : 1); i++)
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
