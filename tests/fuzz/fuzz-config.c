/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the config language: the parser over arbitrary bytes, and when they make a valid config, the
 * policy resolution for a few fixed users (no NSS). An input may hold two files: the bytes before the first line
 * "---" are a drop-in, the rest the main file, so the cross-file rules (a Match block ends with its file, precedence)
 * are reached too. Beyond the sanitizers, it checks invariants a resolved policy must keep:
 *   - every path of the policy is absolute and has no ".." component (sbx_path_check_normalize leaves it unchanged);
 *   - every Limit value reads back to itself through its text form (explain's output is a valid config);
 *   - the SystemCallFilter lists only hold names the filter knows.
 * Build: meson setup -Dfuzz=true with CC=clang (tools/fuzz.sh). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "filter.h"
#include "policy.h"
#include "rlimit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *p)
{
        char msg[300];
        _cleanup_free_ char *copy = strdup(p);
        if (!copy)
                return;
        if (sbx_path_check_normalize(copy, msg, sizeof(msg)) < 0 || strcmp(copy, p) != 0)
                abort();
}

static void check_policy(const struct sbx_policy *p)
{
        check_path(p->root_directory);
        check_path(p->shell);
        for (size_t i = 0; i < p->n_binds; i++) {
                check_path(p->binds[i].src);
                check_path(p->binds[i].dst);
        }
        for (size_t i = 0; i < p->n_tmpfs; i++)
                check_path(p->tmpfs[i].dst);
        if (!sbx_hostname_valid(p->hostname))
                abort();
        for (int k = 0; k < _SBX_KEY_MAX; k++) {
                if (!sbx_kind_is_rlimit(sbx_keyword(k)->kind))
                        continue;
                const struct sbx_rlimit *l = sbx_policy_field_const(p, k);
                if (l->soft == SBX_LIMIT_UNSET)
                        continue;
                char buf[80], msg[300];
                struct sbx_rlimit back;
                sbx_rlimit_format(k, l, buf, sizeof(buf));
                if (l->soft > l->hard || sbx_rlimit_parse(k, buf, &back, msg, sizeof(msg)) < 0 ||
                    back.soft != l->soft || back.hard != l->hard)
                        abort();
        }
        for (char **n = p->syscall_deny; n && *n; n++)
                if (!sbx_filter_name_valid(*n))
                        abort();
        for (char **n = p->syscall_allow; n && *n; n++)
                if (!sbx_filter_name_valid(*n))
                        abort();
}

static void resolve_for(const struct sbx_config *c, const char *name, const char *home, char **groups)
{
        struct sbx_user u = {
                .name = (char *)name,
                .uid = 1000,
                .gid = 1000,
                .group = groups[0],
                .home = (char *)home,
                .groups = groups,
        };
        struct sbx_err err = {0};
        _cleanup_policy_ struct sbx_policy *p = NULL;
        if (sbx_policy_resolve(c, &u, &p, &err) == 0)
                check_policy(p);
        else if (p || err.code == 0)
                abort(); /* a failure leaves nothing and always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char students[] = "students", wheel[] = "wheel", alice[] = "alice", pct[] = "100%";
        static char *alice_groups[] = {alice, students, wheel, NULL};
        static char *odd_groups[] = {pct, NULL};
        const char *buf = (const char *)data;
        const char *sep = memmem(buf, size, "\n---\n", 5);
        _cleanup_config_ struct sbx_config *c = sbx_config_new();
        if (!c)
                return 0;
        if (sep) {
                size_t n = (size_t)(sep - buf) + 1;
                if (sbx_config_parse_buffer(c, "/etc/sandbox-shell/sandbox-shell.conf.d/10-fuzz.conf", buf, n) < 0)
                        return 0;
                buf += n + 4;
                size -= n + 4;
        }
        if (sbx_config_parse_buffer(c, "/etc/sandbox-shell/sandbox-shell.conf", buf, size) < 0)
                return 0;
        for (size_t i = 0; i < c->n_errors; i++)
                if (!c->errors[i].msg || c->errors[i].code <= 0)
                        abort();
        if (c->n_errors > 0) {
                /* An invalid config is never resolved, for anyone. */
                struct sbx_err err = {0};
                struct sbx_policy *p = NULL;
                struct sbx_user u = {.name = alice, .group = alice, .home = alice, .groups = alice_groups};
                if (sbx_policy_resolve(c, &u, &p, &err) >= 0 || p)
                        abort();
                return 0;
        }
        resolve_for(c, "alice", "/home/alice", alice_groups);
        resolve_for(c, "b%b", "/home/x y/%u", odd_groups);
        resolve_for(c, "root", "/", odd_groups);
        return 0;
}
