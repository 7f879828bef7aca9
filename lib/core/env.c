/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the shell is started with (env.h): its argv, and the clean environment, which passes nothing of the caller's
 * but what cannot smuggle anything. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "env.h"

int sbx_env_argv(const char *shell, bool login, const char *command, char ***ret, struct sbx_err *err)
{
        if (!shell || shell[0] != '/')
                return sbx_err_setx(err, EINVAL, "Shell '%s' is not an absolute path", shell ? shell : "(null)");
        const char *base = strrchr(shell, '/') + 1;
        if (!*base)
                return sbx_err_setx(err, EINVAL, "Shell '%s' names a directory", shell);

        _cleanup_strv_free_ char **v = calloc(4, sizeof(char *));
        if (!v)
                return sbx_err_set(err, ENOMEM, "shell arguments");
        if (asprintf(&v[0], "%s%s", login ? "-" : "", base) < 0) {
                v[0] = NULL;
                return sbx_err_set(err, ENOMEM, "shell arguments");
        }
        if (command) {
                v[1] = strdup("-c");
                v[2] = strdup(command);
                if (!v[1] || !v[2])
                        return sbx_err_set(err, ENOMEM, "shell arguments");
        }
        *ret = TAKE_PTR(v);
        return 0;
}

struct env {
        char **v;
        size_t n, cap;
};

/* Sets "NAME=VALUE" (entry), replacing an entry of the same NAME. Takes ownership of entry. */
static int env_put(struct env *e, char *entry)
{
        if (!entry)
                return -ENOMEM;
        size_t len = strcspn(entry, "=");
        for (size_t i = 0; i < e->n; i++)
                if (strncmp(e->v[i], entry, len) == 0 && e->v[i][len] == '=') {
                        free(e->v[i]);
                        e->v[i] = entry;
                        return 0;
                }
        if (e->n + 2 > e->cap) {
                size_t cap = e->cap ? e->cap * 2 : 16;
                char **v = reallocarray(e->v, cap, sizeof(char *));
                if (!v) {
                        free(entry);
                        return -ENOMEM;
                }
                e->v = v;
                e->cap = cap;
        }
        e->v[e->n++] = entry;
        e->v[e->n] = NULL;
        return 0;
}

static int env_set(struct env *e, const char *name, const char *value)
{
        char *entry;
        if (asprintf(&entry, "%s=%s", name, value) < 0)
                return -ENOMEM;
        return env_put(e, entry);
}

static bool value_ok(const char *v, size_t max, const char *extra)
{
        size_t n = strlen(v);
        if (n == 0 || n > max)
                return false;
        for (const char *c = v; *c; c++)
                if (!isalnum((unsigned char)*c) && !strchr(extra, *c))
                        return false;
        return true;
}

/* LANG or LC_ followed by capitals and underscores (LC_ALL, LC_CTYPE, ...). */
static bool locale_name_ok(const char *name, size_t len)
{
        if (len == 4 && strncmp(name, "LANG", 4) == 0)
                return true;
        if (len <= 3 || strncmp(name, "LC_", 3) != 0)
                return false;
        for (size_t i = 3; i < len; i++)
                if (!isupper((unsigned char)name[i]) && name[i] != '_')
                        return false;
        return true;
}

int sbx_env_build(const struct sbx_policy *p, char *const *caller_env, char ***ret, struct sbx_err *err)
{
        struct env e = {0};
        int r = 0;

        r = r < 0 ? r : env_set(&e, "HOME", p->home ? p->home : "/");
        r = r < 0 ? r : env_set(&e, "USER", p->user);
        r = r < 0 ? r : env_set(&e, "LOGNAME", p->user);
        r = r < 0 ? r : env_set(&e, "SHELL", p->shell);
        r = r < 0 ? r : env_set(&e, "PATH", SBX_DEFAULT_PATH);
        for (char *const *i = caller_env; r >= 0 && i && *i; i++) {
                const char *eq = strchr(*i, '=');
                if (!eq)
                        continue;
                size_t len = (size_t)(eq - *i);
                /* Only values that cannot smuggle anything: a terminal name, locale names. */
                if (len == 4 && strncmp(*i, "TERM", 4) == 0 && value_ok(eq + 1, 64, "._+-"))
                        r = env_put(&e, strdup(*i));
                else if (locale_name_ok(*i, len) && value_ok(eq + 1, 128, "._@+-:,"))
                        r = env_put(&e, strdup(*i));
                /* Where the login came from, as sshd sets it: addresses and ports only. */
                else if (((len == 14 && strncmp(*i, "SSH_CONNECTION", 14) == 0) ||
                          (len == 10 && strncmp(*i, "SSH_CLIENT", 10) == 0)) &&
                         value_ok(eq + 1, 128, ".:% "))
                        r = env_put(&e, strdup(*i));
                /* The client's own command when sshd runs a ForceCommand (etc/sshd_config.d routes every session,
                 * subsystems included, through the login shell that way). Only the unprivileged shell inside the
                 * sandbox reads it; the helper never acts on it. */
                else if (len == 20 && strncmp(*i, "SSH_ORIGINAL_COMMAND", 20) == 0 && strlen(eq + 1) <= 65536)
                        r = env_put(&e, strdup(*i));
        }
        for (size_t i = 0; r >= 0 && i < p->n_environment; i++)
                r = env_put(&e, strdup(p->environment[i]));
        if (r >= 0 && !e.v)
                r = -ENOMEM;
        if (r < 0) {
                strv_free(e.v);
                return sbx_err_set(err, ENOMEM, "build the environment");
        }
        *ret = e.v;
        return 0;
}
