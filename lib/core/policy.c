/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The effective policy for one user: which Match blocks apply, which value wins, tokens expanded, defaults added.
 *
 * Precedence (sshd's rule; docs/ARCHITECTURE.md, "Configuration"): for a scalar keyword the first value found wins, where every matching
 * Match block, in reading order, comes before every global line. Reading order is the drop-ins in lexical order,
 * then the main file, so a drop-in overrides the main file and an earlier block a later one. Bind and Tmpfs
 * accumulate in reading order; Environment accumulates with the first value for a NAME winning (same precedence as
 * the scalars). SystemCallFilter accumulates the same way, per system call name. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "user.h"
#include "filter.h"
#include "policy.h"
#include "rlimit.h"

/* The scalar keywords kept in a malloc'd string, or a malloc'd list of them (WORDS). */
static bool is_string(int key)
{
        const struct sbx_keyword *k = sbx_keyword(key);
        return k->place != SBX_PLACE_LIST &&
               (k->kind == SBX_KIND_PATH || k->kind == SBX_KIND_HOSTNAME || k->kind == SBX_KIND_CGROUP_ROOT);
}

static bool is_words(int key)
{
        return sbx_keyword(key)->kind == SBX_KIND_WORDS;
}

void sbx_policy_free(struct sbx_policy *p)
{
        if (!p)
                return;
        free(p->user);
        free(p->group);
        free(p->home);
        free(p->login_shell);
        for (int k = 0; k < _SBX_KEY_MAX; k++) {
                if (is_string(k))
                        free(*(char **)sbx_policy_field(p, k));
                if (is_words(k))
                        strv_free(*(char ***)sbx_policy_field(p, k));
        }
        for (size_t i = 0; i < p->n_binds; i++) {
                free(p->binds[i].src);
                free(p->binds[i].dst);
                free(p->binds[i].origin.file);
        }
        free(p->binds);
        for (size_t i = 0; i < p->n_tmpfs; i++) {
                free(p->tmpfs[i].dst);
                free(p->tmpfs[i].origin.file);
        }
        free(p->tmpfs);
        strv_free(p->environment);
        for (size_t i = 0; i < p->n_environment; i++)
                free(p->environment_origin[i].file);
        free(p->environment_origin);
        for (size_t i = 0; i < _SBX_KEY_MAX; i++)
                free(p->origin[i].file);
        for (size_t i = 0; i < p->n_syscall_rules; i++) {
                free(p->syscall_rules[i].name);
                free(p->syscall_rules[i].origin.file);
        }
        free(p->syscall_rules);
        /* The two lists point into the rules. */
        for (size_t i = 0; i < p->n_net_allow; i++)
                free(p->net_allow[i].origin.file);
        free(p->net_allow);
        for (size_t i = 0; i < p->n_net_deny; i++)
                free(p->net_deny[i].origin.file);
        free(p->net_deny);
        free(p->syscall_deny);
        free(p->syscall_allow);
        free(p);
}

/* ---- Match ---- */

static bool criterion_matches(const struct sbx_match_criterion *cr, const struct sbx_user *u)
{
        switch (cr->type) {
        case SBX_MATCH_ALL:
                return true;
        case SBX_MATCH_USER:
                return sbx_pattern_list_match(u->name, cr->list) == 1;
        case SBX_MATCH_GROUP: {
                /* As sshd: one group matching a negated pattern excludes the user even if another group matches. */
                bool found = false;
                for (char **g = u->groups; g && *g; g++) {
                        int m = sbx_pattern_list_match(*g, cr->list);
                        if (m < 0)
                                return false;
                        found = found || m > 0;
                }
                return found;
        }
        }
        return false;
}

static bool block_matches(const struct sbx_match *m, const struct sbx_user *u)
{
        if (m->n_criteria == 0)
                return false;
        for (size_t i = 0; i < m->n_criteria; i++)
                if (!criterion_matches(&m->criteria[i], u))
                        return false;
        return true;
}

/* ---- building the policy ---- */

struct resolve {
        const struct sbx_config *c;
        const struct sbx_user *u;
        bool *matches; /* per block */
        struct sbx_policy *p;
        struct sbx_err *err;
};

static int set_origin(struct resolve *rs, struct sbx_origin *o, const struct sbx_config_entry *e)
{
        o->line = e->line;
        if (!(o->file = strdup(rs->c->files[e->file])))
                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
        return 0;
}

static int entry_error(struct resolve *rs, const struct sbx_config_entry *e, const char *msg)
{
        return sbx_err_setx(rs->err, EINVAL, "%s:%u: %s: %s (for user %s)", rs->c->files[e->file], e->line,
                            sbx_key_name(e->key), msg, rs->u->name);
}

static bool applies(const struct resolve *rs, const struct sbx_config_entry *e)
{
        return e->block < 0 || rs->matches[e->block];
}

/* The entries that apply to the user, in precedence order: matching blocks first, then global lines. Calls fn
 * for each entry of `key`; fn returns 1 to stop. */
static int for_each_by_precedence(struct resolve *rs, enum sbx_key key,
                                  int (*fn)(struct resolve *, const struct sbx_config_entry *))
{
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < rs->c->n_entries; i++) {
                        const struct sbx_config_entry *e = &rs->c->entries[i];
                        if (e->key != key || !applies(rs, e) || (pass == 0) != (e->block >= 0))
                                continue;
                        int r = fn(rs, e);
                        if (r != 0)
                                return r < 0 ? r : 0;
                }
        return 0;
}

static int expand(struct resolve *rs, const struct sbx_config_entry *e, const char *tmpl, bool path, char **ret)
{
        char msg[300];
        _cleanup_free_ char *v = NULL;
        int r = sbx_expand_tokens(tmpl, rs->u, false, &v, msg, sizeof(msg));
        if (r == -ENOMEM)
                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
        if (r == 0 && path)
                r = sbx_path_check_normalize(v, msg, sizeof(msg));
        if (r < 0)
                return entry_error(rs, e, msg);
        *ret = TAKE_PTR(v);
        return 0;
}

/* A scalar keyword's value, taken for this user with the one parser of its kind (the config checked it already
 * for the stand-in user; a path can still fail once expanded for this one). Returns 1: the first value wins. */
static int take_scalar(struct resolve *rs, const struct sbx_config_entry *e)
{
        struct sbx_policy *p = rs->p;
        const struct sbx_keyword *k = sbx_keyword(e->key);
        if (k->place == SBX_PLACE_LIST)
                return 1;
        void *field = sbx_policy_field(p, e->key);
        char msg[300];
        char *v[1] = {e->args[0]};
        if (is_words(e->key)) {
                /* The config keeps the words as one blank-separated string (config.c). */
                _cleanup_free_ char *copy = strdup(e->args[0]);
                char *words[128], *save = NULL;
                int n = 0;
                if (!copy)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                for (char *w = strtok_r(copy, " ", &save); w && n < (int)ELEMENTSOF(words);
                     w = strtok_r(NULL, " ", &save))
                        words[n++] = w;
                char **list = NULL;
                int r = sbx_kind_parse(e->key, words, n, rs->u, &list, msg, sizeof(msg));
                if (r == -ENOMEM)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                if (r < 0)
                        return entry_error(rs, e, msg);
                strv_free(*(char ***)field);
                *(char ***)field = list;
        } else if (is_string(e->key)) {
                char *str = NULL;
                int r = sbx_kind_parse(e->key, v, 1, rs->u, &str, msg, sizeof(msg));
                if (r == -ENOMEM)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                if (r < 0)
                        return entry_error(rs, e, msg);
                free(*(char **)field);
                *(char **)field = str;
        } else {
                int r = sbx_kind_parse(e->key, v, 1, rs->u, field, msg, sizeof(msg));
                if (r == -ENOMEM)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                if (r < 0)
                        return entry_error(rs, e, msg);
        }
        int r = set_origin(rs, &p->origin[e->key], e);
        return r < 0 ? r : 1;
}

/* Bind and Tmpfs: in reading order; any two with the same destination conflict, since one mount would hide the
 * other and which one wins would depend on order nobody wrote down on purpose. */
static int check_dst_unique(struct resolve *rs, const struct sbx_config_entry *e, const char *dst)
{
        const struct sbx_policy *p = rs->p;
        const struct sbx_origin *o = NULL;
        const char *what = NULL;
        if (streq(dst, "/"))
                return entry_error(rs, e, "the destination cannot be '/' (it would hide the whole root directory)");
        for (size_t i = 0; i < p->n_binds && !o; i++)
                if (streq(p->binds[i].dst, dst))
                        o = &p->binds[i].origin, what = "Bind";
        for (size_t i = 0; i < p->n_tmpfs && !o; i++)
                if (streq(p->tmpfs[i].dst, dst))
                        o = &p->tmpfs[i].origin, what = "Tmpfs";
        if (!o)
                return 0;
        char msg[600];
        (void)snprintf(msg, sizeof(msg), "%s '%s' conflicts with the %s for it at %s:%u",
                       e->key == SBX_KEY_BIND && streq(what, "Bind") ? "duplicate destination" : "destination", dst,
                       what, o->file, o->line);
        return entry_error(rs, e, msg);
}

static int add_mounts(struct resolve *rs)
{
        struct sbx_policy *p = rs->p;
        for (size_t i = 0; i < rs->c->n_entries; i++) {
                const struct sbx_config_entry *e = &rs->c->entries[i];
                if ((e->key != SBX_KEY_BIND && e->key != SBX_KEY_TMPFS) || !applies(rs, e))
                        continue;
                _cleanup_free_ char *src = NULL, *dst = NULL;
                int r;
                if (e->key == SBX_KEY_BIND && (r = expand(rs, e, e->args[0], true, &src)) < 0)
                        return r;
                if ((r = expand(rs, e, e->args[e->key == SBX_KEY_BIND ? 1 : 0], true, &dst)) < 0)
                        return r;
                if ((r = check_dst_unique(rs, e, dst)) < 0)
                        return r;
                struct sbx_origin *o;
                if (e->key == SBX_KEY_BIND) {
                        struct sbx_bind *b = reallocarray(p->binds, p->n_binds + 1, sizeof(*b));
                        if (!b)
                                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                        p->binds = b;
                        b = &p->binds[p->n_binds++];
                        *b = (struct sbx_bind){.src = TAKE_PTR(src), .dst = TAKE_PTR(dst), .rw = e->flag};
                        o = &b->origin;
                } else {
                        struct sbx_tmpfs *t = reallocarray(p->tmpfs, p->n_tmpfs + 1, sizeof(*t));
                        if (!t)
                                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                        p->tmpfs = t;
                        t = &p->tmpfs[p->n_tmpfs++];
                        *t = (struct sbx_tmpfs){.dst = TAKE_PTR(dst), .size = e->num};
                        o = &t->origin;
                }
                if ((r = set_origin(rs, o, e)) < 0)
                        return r;
        }
        return 0;
}

static bool dst_taken(const struct sbx_policy *p, const char *dst)
{
        for (size_t i = 0; i < p->n_binds; i++)
                if (streq(p->binds[i].dst, dst))
                        return true;
        for (size_t i = 0; i < p->n_tmpfs; i++)
                if (streq(p->tmpfs[i].dst, dst))
                        return true;
        return false;
}

/* The defaults: the home read-write at its own path, a private /tmp, and a private /var/tmp where the rootfs has
 * one, unless a line already puts something there. */
static int add_default_mounts(struct resolve *rs)
{
        struct sbx_policy *p = rs->p;
        char msg[300];
        _cleanup_free_ char *home = strdup(p->home);
        if (!home)
                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
        bool home_ok = sbx_path_check_normalize(home, msg, sizeof(msg)) == 0 && !streq(home, "/");
        if (!home_ok) {
                /* Binding "/" read-write would hand the host to the user. A non-sandboxed account (daemon users
                 * with home "/") needs no home bind at all, so only a sandboxed one is refused. */
                if (p->sandbox)
                        return sbx_err_setx(rs->err, EINVAL,
                                            "home directory '%s' of user %s cannot be bound into a sandbox", p->home,
                                            p->user);
        } else if (!dst_taken(p, home)) {
                struct sbx_bind *b = reallocarray(p->binds, p->n_binds + 1, sizeof(*b));
                if (!b)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                p->binds = b;
                char *src = strdup(home);
                if (!src)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                p->binds[p->n_binds++] = (struct sbx_bind){.src = src, .dst = TAKE_PTR(home), .rw = true};
        }
        static const struct {
                const char *dst;
                bool optional;
        } tmps[] = {{"/tmp", false}, {"/var/tmp", true}};
        for (size_t i = 0; i < ELEMENTSOF(tmps); i++) {
                if (dst_taken(p, tmps[i].dst))
                        continue;
                struct sbx_tmpfs *t = reallocarray(p->tmpfs, p->n_tmpfs + 1, sizeof(*t));
                if (!t)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                p->tmpfs = t;
                char *dst = strdup(tmps[i].dst);
                if (!dst)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                p->tmpfs[p->n_tmpfs++] =
                        (struct sbx_tmpfs){.dst = dst, .size = SBX_DEFAULT_TMP_SIZE, .optional = tmps[i].optional};
        }
        return 0;
}

static int take_env(struct resolve *rs, const struct sbx_config_entry *e)
{
        struct sbx_policy *p = rs->p;
        size_t namelen = (size_t)(strchr(e->args[0], '=') - e->args[0]);
        for (size_t i = 0; i < p->n_environment; i++)
                if (strncmp(p->environment[i], e->args[0], namelen + 1) == 0)
                        return 0; /* an earlier value for this NAME won */
        _cleanup_free_ char *val = NULL, *s = NULL;
        int r = expand(rs, e, e->args[0] + namelen + 1, false, &val);
        if (r < 0)
                return r;
        if (asprintf(&s, "%.*s=%s", (int)namelen, e->args[0], val) < 0)
                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
        char **env = reallocarray(p->environment, p->n_environment + 2, sizeof(*env));
        if (!env)
                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
        p->environment = env;
        struct sbx_origin *o = reallocarray(p->environment_origin, p->n_environment + 1, sizeof(*o));
        if (!o)
                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
        p->environment_origin = o;
        o[p->n_environment] = (struct sbx_origin){0};
        env[p->n_environment] = TAKE_PTR(s);
        env[++p->n_environment] = NULL;
        return set_origin(rs, &o[p->n_environment - 1], e);
}

/* SystemCallFilter: the names of a line, in precedence order; the first mention of a name decides it (as the first
 * value of a scalar wins), so a Match block can allow what a global line denies and the other way round. */
static int take_syscalls(struct resolve *rs, const struct sbx_config_entry *e)
{
        struct sbx_policy *p = rs->p;
        _cleanup_free_ char *copy = strdup(e->args[0]);
        if (!copy)
                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
        char *save = NULL;
        for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                const char *name;
                bool deny, seen = false;
                char msg[300];
                if (sbx_filter_parse_token(tok, &name, &deny, msg, sizeof(msg)) < 0)
                        return entry_error(rs, e, msg);
                for (size_t i = 0; i < p->n_syscall_rules && !seen; i++)
                        seen = streq(p->syscall_rules[i].name, name);
                if (seen)
                        continue;
                struct sbx_syscall_rule *v = reallocarray(p->syscall_rules, p->n_syscall_rules + 1, sizeof(*v));
                if (!v)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                p->syscall_rules = v;
                v = &p->syscall_rules[p->n_syscall_rules];
                *v = (struct sbx_syscall_rule){.name = strdup(name), .deny = deny};
                if (!v->name)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                p->n_syscall_rules++;
                int r = set_origin(rs, &v->origin, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* NetworkAllow, NetworkDeny: every rule of every line that applies, each once (the same rule again, in canonical
 * form, adds nothing). */
static int take_netrules(struct resolve *rs, const struct sbx_config_entry *e)
{
        struct sbx_policy *p = rs->p;
        bool allow = e->key == SBX_KEY_NETWORK_ALLOW;
        struct sbx_net_entry **list = allow ? &p->net_allow : &p->net_deny;
        size_t *n = allow ? &p->n_net_allow : &p->n_net_deny;
        _cleanup_free_ char *copy = strdup(e->args[0]);
        if (!copy)
                return sbx_err_set(rs->err, ENOMEM, "resolving policy");
        char *save = NULL;
        for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                struct sbx_net_rule rule;
                struct sbx_err rerr = {0};
                if (sbx_net_rule_parse(tok, &rule, &rerr) < 0)
                        return entry_error(rs, e, rerr.msg);
                bool seen = false;
                for (size_t i = 0; i < *n && !seen; i++)
                        seen = memcmp(&(*list)[i].rule, &rule, sizeof(rule)) == 0;
                if (seen)
                        continue;
                struct sbx_net_entry *v = reallocarray(*list, *n + 1, sizeof(*v));
                if (!v)
                        return sbx_err_set(rs->err, ENOMEM, "resolving policy");
                *list = v;
                v[*n] = (struct sbx_net_entry){.rule = rule};
                (*n)++;
                int r = set_origin(rs, &v[*n - 1].origin, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The rules as the filter takes them: denied beyond the default list, and default entries allowed. */
static int syscall_lists(struct sbx_policy *p)
{
        size_t nd = 0, na = 0;
        p->syscall_deny = calloc(p->n_syscall_rules + 1, sizeof(char *));
        p->syscall_allow = calloc(p->n_syscall_rules + 1, sizeof(char *));
        if (!p->syscall_deny || !p->syscall_allow)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_syscall_rules; i++) {
                bool dflt = false;
                for (const char *const *d = sbx_filter_default_deny; *d && !dflt; d++)
                        dflt = streq(*d, p->syscall_rules[i].name);
                if (p->syscall_rules[i].deny && !dflt)
                        p->syscall_deny[nd++] = p->syscall_rules[i].name;
                else if (!p->syscall_rules[i].deny && dflt)
                        p->syscall_allow[na++] = p->syscall_rules[i].name;
        }
        return 0;
}

/* Every scalar keyword's default, written as a config value in keywords.h and taken with its kind's parser; a
 * keyword without one is not set. */
static int set_defaults(struct sbx_policy *p, const struct sbx_user *u)
{
        sbx_cgroup_limits_unset(&p->limits);
        sbx_cgroup_limits_unset(&p->session_limits);
        for (int key = 0; key < _SBX_KEY_MAX; key++) {
                const struct sbx_keyword *k = sbx_keyword(key);
                if (k->place == SBX_PLACE_LIST)
                        continue;
                void *field = sbx_policy_field(p, key);
                if (!k->dflt) {
                        if (sbx_kind_is_number(k->kind))
                                *(uint64_t *)field = SBX_LIMIT_UNSET;
                        else if (sbx_kind_is_rlimit(k->kind))
                                *(struct sbx_rlimit *)field = (struct sbx_rlimit){SBX_LIMIT_UNSET, SBX_LIMIT_UNSET};
                        continue;
                }
                char msg[300];
                char *v[1] = {(char *)k->dflt};
                int r = sbx_kind_parse(key, v, 1, u, field, msg, sizeof(msg));
                /* Invariant: the built-in defaults are valid values (unit/policy checks each). */
                if (r < 0)
                        return r == -ENOMEM ? r : -EINVAL;
        }
        if (!(p->environment = calloc(1, sizeof(char *))))
                return -ENOMEM;
        return 0;
}

int sbx_policy_resolve(const struct sbx_config *c, const struct sbx_user *u, struct sbx_policy **ret,
                       struct sbx_err *err)
{
        /* Invariant: a config with any error is never resolved, whichever lines would apply to this user. */
        if (c->n_errors > 0)
                return sbx_err_setx(err, c->errors[0].code, "%s", c->errors[0].msg);

        _cleanup_policy_ struct sbx_policy *p = calloc(1, sizeof(*p));
        _cleanup_free_ bool *matches = calloc(c->n_blocks + 1, sizeof(bool));
        if (!p || !matches)
                return sbx_err_set(err, ENOMEM, "resolving policy");
        p->uid = u->uid;
        p->gid = u->gid;
        if (!(p->user = strdup(u->name)) || !(p->group = strdup(u->group)) || !(p->home = strdup(u->home)) ||
            !(p->login_shell = strdup(u->shell ? u->shell : "")) || set_defaults(p, u) < 0)
                return sbx_err_set(err, ENOMEM, "resolving policy");

        for (size_t i = 0; i < c->n_blocks; i++)
                matches[i] = block_matches(&c->blocks[i], u);
        struct resolve rs = {.c = c, .u = u, .matches = matches, .p = p, .err = err};
        int r;
        for (int k = 0; k < _SBX_KEY_MAX; k++) {
                if (k == SBX_KEY_BIND || k == SBX_KEY_TMPFS)
                        continue;
                enum sbx_kind kind = sbx_keyword(k)->kind;
                if ((r = for_each_by_precedence(&rs, k,
                                                kind == SBX_KIND_ENVIRONMENT ? take_env
                                                : kind == SBX_KIND_SYSCALLS  ? take_syscalls
                                                : kind == SBX_KIND_NETRULES  ? take_netrules
                                                                             : take_scalar)) < 0)
                        return r;
        }
        if (syscall_lists(p) < 0)
                return sbx_err_set(err, ENOMEM, "resolving policy");
        if ((r = add_mounts(&rs)) < 0 || (r = add_default_mounts(&rs)) < 0)
                return r;
        /* A shared instance outlives the login whose helper would run its network stack (netstack.h): the two do
         * not go together yet, and a config asking for both is refused rather than given less than it says. */
        if (p->instance == SBX_INSTANCE_USER && p->network == SBX_NETWORK_PRIVATE) {
                const struct sbx_origin *o = &p->origin[SBX_KEY_INSTANCE];
                return sbx_err_setx(err, EINVAL,
                                    "%s:%u: Instance user: not available with Network private (for user %s)",
                                    o->file ? o->file : "(default)", o->line, u->name);
        }
        *ret = TAKE_PTR(p);
        return 0;
}

static int load(const char *confdir, const char *name, uid_t uid, struct sbx_policy **ret, struct sbx_err *err)
{
        _cleanup_config_ struct sbx_config *c = NULL;
        _cleanup_user_ struct sbx_user *u = NULL;
        /* The config first: a broken config is reported as such even for an unknown user. */
        int r = sbx_config_load(confdir, NULL, &c, err);
        if (r < 0)
                return r;
        /* A config without Match Group never reads the groups: they are not looked up (an unknown user, or an NSS
         * failure for the user itself, still refuses). */
        bool groups = false;
        for (size_t i = 0; i < c->n_blocks && !groups; i++)
                for (size_t j = 0; j < c->blocks[i].n_criteria; j++)
                        groups = groups || c->blocks[i].criteria[j].type == SBX_MATCH_GROUP;
        r = name ? sbx_user_lookup_name(name, groups, &u, err) : sbx_user_lookup_uid(uid, groups, &u, err);
        if (r < 0)
                return r;
        return sbx_policy_resolve(c, u, ret, err);
}

int sbx_policy_load(const char *confdir, uid_t uid, struct sbx_policy **ret, struct sbx_err *err)
{
        return load(confdir, NULL, uid, ret, err);
}

int sbx_policy_load_user(const char *confdir, const char *user, struct sbx_policy **ret, struct sbx_err *err)
{
        return load(confdir, user, 0, ret, err);
}

uint64_t sbx_policy_runtime_backstop(const struct sbx_policy *p)
{
        if (p->runtime_max == SBX_LIMIT_UNSET || p->runtime_max == SBX_LIMIT_INFINITY ||
            p->timeout_stop == SBX_LIMIT_INFINITY)
                return SBX_LIMIT_UNSET;
        uint64_t v = p->runtime_max + p->timeout_stop + SBX_BACKSTOP_USEC;
        return v < p->runtime_max ? SBX_LIMIT_UNSET : v;
}
