/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Restricted accounts (commands.h): the request split without a shell, matched against the policy's programs, and
 * the program found in the rootfs under the trust rule. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "safepath.h"

/* ---- splitting ---- */

struct words {
        char **v;
        size_t n;
};

static int words_add(struct words *w, const char *s, size_t len)
{
        char **nv = reallocarray(w->v, w->n + 2, sizeof(char *));
        if (!nv)
                return -ENOMEM;
        w->v = nv;
        if (!(w->v[w->n] = strndup(s, len)))
                return -ENOMEM;
        w->v[++w->n] = NULL;
        return 0;
}

static const char *shell_char_name(char c)
{
        switch (c) {
        case ';':
                return "';' (a list of commands)";
        case '|':
                return "'|' (a pipe)";
        case '&':
                return "'&' (a background or list operator)";
        case '<':
        case '>':
                return "a redirection";
        case '(':
        case ')':
                return "parentheses (a subshell)";
        case '$':
                return "'$' (an expansion)";
        case '`':
                return "a backquote (a command substitution)";
        case '\n':
        case '\r':
                return "a line break (a second command)";
        default:
                return NULL;
        }
}

int sbx_commands_split(const char *request, char ***ret, struct sbx_err *err)
{
        struct words w = {0};
        size_t size = strlen(request) + 1;
        _cleanup_free_ char *cur = malloc(size);
        size_t len = 0;
        bool in_word = false;
        int r = 0;
        if (!cur)
                return sbx_err_set(err, ENOMEM, "split the command");

        for (const char *p = request;; p++) {
                char c = *p;
                if (c == '\0' || c == ' ' || c == '\t') {
                        if (in_word && (r = words_add(&w, cur, len)) < 0)
                                break;
                        in_word = false;
                        len = 0;
                        if (c == '\0')
                                break;
                        continue;
                }
                if (c == '#' && !in_word) {
                        r = sbx_err_setx(err, EINVAL, "%s", "the command holds '#' (a comment), which needs a shell");
                        break;
                }
                const char *what = shell_char_name(c);
                if (what) {
                        r = sbx_err_setx(err, EINVAL, "the command holds %s, which needs a shell", what);
                        break;
                }
                in_word = true;
                if (c == '\\') {
                        if (!p[1]) {
                                r = sbx_err_setx(err, EINVAL, "%s", "the command ends in a lone backslash");
                                break;
                        }
                        cur[len++] = *++p;
                } else if (c == '\'') {
                        const char *q = strchr(p + 1, '\'');
                        if (!q) {
                                r = sbx_err_setx(err, EINVAL, "%s", "the command has an unterminated ' quote");
                                break;
                        }
                        memcpy(cur + len, p + 1, (size_t)(q - p - 1));
                        len += (size_t)(q - p - 1);
                        p = q;
                } else if (c == '"') {
                        for (p++; *p && *p != '"'; p++) {
                                if (*p == '$' || *p == '`') {
                                        r = sbx_err_setx(err, EINVAL, "the command holds %s, which needs a shell",
                                                         shell_char_name(*p));
                                        break;
                                }
                                if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
                                        p++;
                                cur[len++] = *p;
                        }
                        if (r < 0)
                                break;
                        if (!*p) {
                                r = sbx_err_setx(err, EINVAL, "%s", "the command has an unterminated \" quote");
                                break;
                        }
                } else {
                        cur[len++] = c;
                }
        }
        if (r == -ENOMEM)
                r = sbx_err_set(err, ENOMEM, "split the command");
        if (r == 0 && w.n == 0)
                r = sbx_err_setx(err, EINVAL, "%s", "no command was given");
        if (r < 0) {
                strv_free(w.v);
                return r;
        }
        *ret = w.v;
        return 0;
}

/* ---- matching ---- */

static const char *base_name(const char *s)
{
        const char *b = strrchr(s, '/');
        return b ? b + 1 : s;
}

/* scp: only as the far end of a legacy-protocol transfer (-t to receive, -f to send), and none of the options that
 * start a program (-S, -D) or read a configuration naming one (-o, -F, -J). Options are read as scp's getopt does,
 * arguments of options included, up to "--". */
static int check_scp(char *const *argv, struct sbx_err *err)
{
        static const char with_arg[] = "DFJPScilX";
        static const char refused[] = "DFJSo";
        bool server = false;
        for (size_t i = 1; argv[i]; i++) {
                const char *a = argv[i];
                if (streq(a, "--"))
                        break;
                if (a[0] != '-' || !a[1])
                        continue;
                for (const char *c = a + 1; *c; c++) {
                        if (strchr(refused, *c))
                                return sbx_err_setx(err, EPERM,
                                                    "scp's option -%c is not allowed (it runs or names "
                                                    "another program)",
                                                    *c);
                        if (*c == 't' || *c == 'f')
                                server = true;
                        if (strchr(with_arg, *c)) {
                                if (!c[1])
                                        i += argv[i + 1] ? 1 : 0;
                                break;
                        }
                }
        }
        if (!server)
                return sbx_err_setx(err, EPERM, "%s", "scp runs here only as the far end of a transfer (-t or -f)");
        return 0;
}

/* rsync: only as the far end of a transfer (--server first), never as a daemon (--daemon, --config: its
 * configuration runs programs) and never with a remote shell program (-e/--rsh; in server mode the client sends
 * "-e." followed by its capability letters, which is not a program and passes). */
static int check_rsync(char *const *argv, struct sbx_err *err)
{
        if (!argv[1] || !streq(argv[1], "--server"))
                return sbx_err_setx(err, EPERM, "%s", "rsync runs here only as the far end of a transfer (--server)");
        for (size_t i = 2; argv[i]; i++) {
                const char *a = argv[i];
                size_t n = strcspn(a, "=");
                if (streq(a, "--"))
                        break;
                if (a[0] != '-')
                        continue;
                if (a[1] == '-') {
                        if ((n == strlen("--daemon") && strncmp(a, "--daemon", n) == 0) ||
                            (n == strlen("--config") && strncmp(a, "--config", n) == 0) ||
                            (n == strlen("--rsh") && strncmp(a, "--rsh", n) == 0))
                                return sbx_err_setx(err, EPERM, "rsync's option %.*s is not allowed", (int)n, a);
                        continue;
                }
                const char *e = strchr(a + 1, 'e');
                if (e && e[1] != '.')
                        return sbx_err_setx(err, EPERM, "%s", "rsync's option -e (a remote shell) is not allowed");
        }
        return 0;
}

int sbx_commands_match(char *const *commands, char *const *argv, const char **ret_entry, struct sbx_err *err)
{
        const char *want = argv[0];
        const char *entry = NULL;
        for (size_t i = 0; commands && commands[i] && !entry; i++) {
                /* A name matches a path by its basename, and a path a name; a path entry only its own path. */
                const char *c = commands[i];
                if (streq(want, c) || (want[0] != '/' && streq(want, base_name(c))) ||
                    (want[0] == '/' && c[0] != '/' && streq(base_name(want), c)))
                        entry = c;
        }
        if (!entry)
                return sbx_err_setx(err, EPERM, "'%s' is not a program this account may run", want);
        const char *name = base_name(entry);
        int r = 0;
        if (streq(name, "scp"))
                r = check_scp(argv, err);
        else if (streq(name, "rsync"))
                r = check_rsync(argv, err);
        if (r < 0)
                return r;
        *ret_entry = entry;
        return 0;
}

/* ---- resolving, in the rootfs ---- */

static int trusted_program(const char *path, struct sbx_err *err)
{
        struct stat st;
        int r = sbx_safepath_resolve_trusted(path, &st, err);
        if (r < 0)
                return r;
        if (!S_ISREG(st.st_mode))
                return sbx_err_setx(err, EPERM, "'%s' is not a regular file", path);
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
                return sbx_err_setx(err, EPERM, "'%s' is not a program only root can change (owner %u, mode %04o)",
                                    path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        if (!(st.st_mode & S_IXOTH))
                return sbx_err_setx(err, EACCES, "'%s' is not executable by everyone", path);
        return 0;
}

int sbx_commands_resolve(const char *entry, const char *requested, char **ret, struct sbx_err *err)
{
        const char *direct = requested[0] == '/' ? requested : entry[0] == '/' ? entry : NULL;
        if (direct) {
                int r = trusted_program(direct, err);
                if (r < 0)
                        return r;
                if (!(*ret = strdup(direct)))
                        return sbx_err_set(err, ENOMEM, "resolve '%s'", direct);
                return 0;
        }
        /* A bare name: the first directory of SBX_COMMANDS_PATH that has it; a file found there that fails the
         * trust rule refuses (it would be the one a shell ran). */
        const char *dirs = SBX_COMMANDS_PATH;
        while (*dirs) {
                size_t n = strcspn(dirs, ":");
                char path[4096];
                struct stat st;
                if ((size_t)snprintf(path, sizeof(path), "%.*s/%s", (int)n, dirs, entry) < sizeof(path) &&
                    stat(path, &st) == 0) {
                        int r = trusted_program(path, err);
                        if (r < 0)
                                return r;
                        if (!(*ret = strdup(path)))
                                return sbx_err_set(err, ENOMEM, "resolve '%s'", path);
                        return 0;
                }
                dirs += n + (dirs[n] == ':');
        }
        return sbx_err_setx(err, ENOENT, "'%s' is not in the sandbox (looked in %s)", entry, SBX_COMMANDS_PATH);
}

void sbx_commands_list(char *const *commands, char *buf, size_t size)
{
        size_t len = 0;
        buf[0] = '\0';
        for (size_t i = 0; commands && commands[i] && len < size; i++)
                len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", commands[i]);
}
