/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain.h: every keyword of the table written by its kind. Nothing here knows a keyword by name but the
 * accumulating ones, whose lines are lists. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "explain.h"
#include "filter.h"
#include "netfilter.h"
#include "rlimit.h"

/* Writes one value token so that the parser reads back exactly `s`: quoted when it has blanks, quotes, a
 * backslash, a leading '#' or nothing at all; '%' doubled where the keyword expands tokens. */
static void put_token(FILE *f, const char *s, bool tokens)
{
        bool quote = !*s || *s == '#' || strpbrk(s, " \t\r\"\\") != NULL;
        if (quote)
                fputc('"', f);
        for (; *s; s++) {
                if (quote && (*s == '"' || *s == '\\'))
                        fputc('\\', f);
                if (tokens && *s == '%')
                        fputc('%', f);
                fputc(*s, f);
        }
        if (quote)
                fputc('"', f);
}

static void put_origin(FILE *f, const struct sbx_origin *o)
{
        if (o->file)
                fprintf(f, "  # %s:%u\n", o->file, o->line);
        else
                fputs("  # default\n", f);
}

static void put_size(FILE *f, uint64_t v)
{
        char buf[32];
        sbx_format_size(v, buf, sizeof(buf));
        fputs(buf, f);
}

static bool in_strv(const char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (streq(*v, s))
                        return true;
        return false;
}

/* SystemCallFilter: the default deny list (without what the policy allows), then every rule that changes it, with
 * its origin (a rule that restates the default changes nothing and is left out). */
static void put_syscalls(FILE *f, const char *name, const struct sbx_policy *p)
{
        fputs(name, f);
        for (const char *const *d = sbx_filter_default_deny; *d; d++)
                if (!in_strv((const char *const *)p->syscall_allow, *d))
                        fprintf(f, " %s", *d);
        fputs("  # default\n", f);
        for (size_t i = 0; i < p->n_syscall_rules; i++) {
                const struct sbx_syscall_rule *r = &p->syscall_rules[i];
                if (r->deny == in_strv(sbx_filter_default_deny, r->name))
                        continue;
                fprintf(f, "%s %s%s", name, r->deny ? "" : "!", r->name);
                put_origin(f, &r->origin);
        }
}

static void put_environment(FILE *f, const char *name, const struct sbx_policy *p)
{
        for (size_t i = 0; i < p->n_environment; i++) {
                const char *e = p->environment[i], *eq = strchr(e, '=');
                _cleanup_free_ char *tok = NULL;
                size_t len = 0;
                FILE *m = open_memstream(&tok, &len);
                if (!m)
                        continue;
                /* The name takes no tokens, the value does: '%' is doubled in the value only. */
                fprintf(m, "%.*s=", (int)(eq - e), e);
                for (const char *s = eq + 1; *s; s++) {
                        if (*s == '%')
                                fputc('%', m);
                        fputc(*s, m);
                }
                if (fclose(m) != 0)
                        continue;
                fprintf(f, "%s ", name);
                put_token(f, tok, false);
                put_origin(f, &p->environment_origin[i]);
        }
}

static bool is_default_deny(const char *rule)
{
        static const char *const defaults[] = {SBX_NET_DEFAULT_DENY, NULL};
        return in_strv(defaults, rule);
}

/* NetworkAllow, NetworkDeny: each rule with its origin; for NetworkDeny of a Network private policy the ranges every
 * such sandbox is denied first (netfilter.h), as the filter has them. */
static void put_netrules(FILE *f, int key, const struct sbx_policy *p)
{
        const char *name = sbx_key_name(key);
        bool allow = key == SBX_KEY_NETWORK_ALLOW;
        const struct sbx_net_entry *v = allow ? p->net_allow : p->net_deny;
        size_t n = allow ? p->n_net_allow : p->n_net_deny;
        if (!allow && p->network == SBX_NETWORK_PRIVATE) {
                static const char *const defaults[] = {SBX_NET_DEFAULT_DENY};
                fputs(name, f);
                for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
                        fprintf(f, " %s", defaults[i]);
                fputs("  # default, and the host's own addresses\n", f);
        }
        for (size_t i = 0; i < n; i++) {
                char buf[96];
                sbx_net_rule_format(&v[i].rule, buf, sizeof(buf));
                /* A deny rule that restates a default range changes nothing where the defaults are listed. */
                if (!allow && p->network == SBX_NETWORK_PRIVATE && is_default_deny(buf))
                        continue;
                fprintf(f, "%s %s", name, buf);
                put_origin(f, &v[i].origin);
        }
}

static void put_list(FILE *f, int key, const struct sbx_policy *p)
{
        const char *name = sbx_key_name(key);
        switch (sbx_keyword(key)->kind) {
        case SBX_KIND_BIND:
                for (size_t i = 0; i < p->n_binds; i++) {
                        fprintf(f, "%s ", name);
                        put_token(f, p->binds[i].src, true);
                        fputc(' ', f);
                        put_token(f, p->binds[i].dst, true);
                        fprintf(f, " %s", p->binds[i].rw ? "rw" : "ro");
                        put_origin(f, &p->binds[i].origin);
                }
                return;
        case SBX_KIND_TMPFS:
                for (size_t i = 0; i < p->n_tmpfs; i++) {
                        fprintf(f, "%s ", name);
                        put_token(f, p->tmpfs[i].dst, true);
                        /* No size means the kernel's default (half of RAM): written as no size at all. */
                        if (p->tmpfs[i].size != SBX_LIMIT_UNSET) {
                                fputc(' ', f);
                                put_size(f, p->tmpfs[i].size);
                        }
                        if (p->tmpfs[i].optional)
                                fprintf(f, "  # default, where the rootfs has %s\n", p->tmpfs[i].dst);
                        else
                                put_origin(f, &p->tmpfs[i].origin);
                }
                return;
        case SBX_KIND_ENVIRONMENT:
                put_environment(f, name, p);
                return;
        case SBX_KIND_SYSCALLS:
                put_syscalls(f, name, p);
                return;
        case SBX_KIND_NETRULES:
                put_netrules(f, key, p);
                return;
        default:
                return;
        }
}

static void put_key(FILE *f, int key, const struct sbx_policy *p)
{
        const struct sbx_keyword *k = sbx_keyword(key);
        const void *field = sbx_policy_field_const(p, key);
        if (k->place == SBX_PLACE_LIST) {
                put_list(f, key, p);
                return;
        }
        if (sbx_kind_is_rlimit(k->kind)) {
                /* Only the limits the policy sets: the others stay what the login had. */
                const struct sbx_rlimit *l = field;
                char buf[80];
                if (l->soft == SBX_LIMIT_UNSET)
                        return;
                sbx_rlimit_format(key, l, buf, sizeof(buf));
                fprintf(f, "%s %s", k->name, buf);
                put_origin(f, &p->origin[key]);
                return;
        }
        if (k->kind == SBX_KIND_WORDS) {
                /* Not given: nothing to say (the keyword takes at least one word). */
                char *const *w = *(char **const *)field;
                if (!w)
                        return;
                fputs(k->name, f);
                for (; *w; w++) {
                        fputc(' ', f);
                        put_token(f, *w, false);
                }
                put_origin(f, &p->origin[key]);
                return;
        }
        static const char *const networks[] = {
                [SBX_NETWORK_NONE] = "none", [SBX_NETWORK_HOST] = "host", [SBX_NETWORK_PRIVATE] = "private"};
        static const char *const backends[] = {[SBX_CGROUP_BACKEND_AUTO] = "auto",
                                               [SBX_CGROUP_BACKEND_CGROUPFS] = "cgroupfs",
                                               [SBX_CGROUP_BACKEND_SYSTEMD] = "systemd"};
        static const char *const instances[] = {[SBX_INSTANCE_SESSION] = "session", [SBX_INSTANCE_USER] = "user"};
        uint64_t v = sbx_kind_is_number(k->kind) ? *(const uint64_t *)field : 0;
        fprintf(f, "%s ", k->name);
        switch (k->kind) {
        case SBX_KIND_BOOL:
                fputs(*(const bool *)field ? "yes" : "no", f);
                break;
        case SBX_KIND_NETWORK:
                fputs(networks[*(const enum sbx_network *)field], f);
                break;
        case SBX_KIND_BACKEND:
                fputs(backends[*(const enum sbx_cgroup_backend *)field], f);
                break;
        case SBX_KIND_INSTANCE:
                fputs(instances[*(const enum sbx_instance *)field], f);
                break;
        case SBX_KIND_PATH:
        case SBX_KIND_HOSTNAME:
                put_token(f, *(char *const *)field, true);
                break;
        case SBX_KIND_CGROUP_ROOT:
                put_token(f, *(char *const *)field, false);
                break;
        case SBX_KIND_SIZE:
        case SBX_KIND_SIZE0:
                put_size(f, v);
                break;
        case SBX_KIND_COUNT:
        case SBX_KIND_PERCENT:
                /* Not set and `infinity` are the same for these: no limit is written. */
                if (v == SBX_LIMIT_UNSET || v == SBX_LIMIT_INFINITY)
                        fputs("infinity", f);
                else
                        fprintf(f, "%llu%s", (unsigned long long)v, k->kind == SBX_KIND_PERCENT ? "%" : "");
                break;
        case SBX_KIND_WEIGHT:
                /* Not set leaves the kernel's default weight, 100. */
                fprintf(f, "%llu", (unsigned long long)(v == SBX_LIMIT_UNSET ? 100 : v));
                break;
        case SBX_KIND_DURATION: {
                char buf[64];
                sbx_format_duration(v, buf, sizeof(buf));
                fputs(buf, f);
                break;
        }
        default:
                break;
        }
        put_origin(f, &p->origin[key]);
}

void sbx_explain_policy(FILE *f, const struct sbx_policy *p)
{
        for (int key = 0; key < _SBX_KEY_MAX; key++)
                put_key(f, key, p);
}
