/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mail audits of `sandbox-shellctl doctor`: a mail transfer agent delivers as the recipient, on the host, and the
 * common ones run what the user's ~/.forward or ~/.procmailrc names. Postfix's main.cf and Exim's configuration (as
 * Debian's update-exim4.conf assembles it) are read from /etc, so that the checks can be tested on a private /etc. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor.h"
#include "doctor-internal.h"

/* ---- postfix ---- */

const char *sbx_doctor_postfix_value(const char *text, const char *name, char *buf, size_t size)
{
        size_t nlen = strlen(name);
        bool found = false, ours = false;
        const char *pos = text, *line;
        size_t len;
        while (sbx_doctor_next_line(&pos, &line, &len)) {
                const char *p = line;
                size_t n = sbx_doctor_trim(&p, len);
                if (n == 0 || *p == '#')
                        continue; /* blank and comment lines neither end nor continue a parameter */
                if (p != line) {
                        /* A line that starts with blanks continues the logical line before it. */
                        if (ours) {
                                (void)strlcat(buf, " ", size);
                                char part[4096];
                                (void)snprintf(part, sizeof(part), "%.*s", (int)n, p);
                                (void)strlcat(buf, part, size);
                        }
                        continue;
                }
                ours = false;
                if (n <= nlen || strncmp(p, name, nlen) != 0)
                        continue;
                const char *v = p + nlen;
                size_t vn = n - nlen;
                vn = sbx_doctor_trim(&v, vn);
                if (vn == 0 || *v != '=')
                        continue;
                v++;
                vn = sbx_doctor_trim(&v, vn - 1);
                (void)snprintf(buf, size, "%.*s", (int)vn, v);
                found = ours = true;
        }
        return found ? buf : NULL;
}

int sbx_doctor_postfix(const char *path, const char *text, const struct sbx_doctor_users *u, struct sbx_findings *f,
                       struct sbx_err *err)
{
        char cmds[1024], mbox[1024];
        bool set = sbx_doctor_postfix_value(text, "allow_mail_to_commands", cmds, sizeof(cmds));
        /* A value built from $other_parameter is not followed: taken to allow .forward commands. */
        bool forward = !set || strchr(cmds, '$') || sbx_doctor_in_list(cmds, "forward", ", \t");
        bool command = sbx_doctor_postfix_value(text, "mailbox_command", mbox, sizeof(mbox)) && mbox[0];
        if (!forward && !command)
                return 0;
        _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
        char why_forward[1200] = "", why_command[1200] = "";
        if (forward)
                (void)snprintf(why_forward, sizeof(why_forward),
                               "allow_mail_to_commands is %s%s%s: local(8) runs the commands of \"|command\" lines in "
                               "a user's ~/.forward",
                               set ? "'" : "not set (postfix's default is 'alias, forward'", set ? cmds : ")",
                               set ? "'" : "");
        if (command)
                (void)snprintf(why_command, sizeof(why_command),
                               "%smailbox_command is '%s': local(8) runs it for every message (procmail and its "
                               "kind run what a user's ~/.procmailrc says)",
                               forward ? "; " : "", mbox);
        char fix[512];
        (void)snprintf(fix, sizeof(fix), "%s%s%s; then \"postfix reload\"",
                       forward ? "set \"allow_mail_to_commands = alias\" in main.cf" : "",
                       forward && command ? " and " : "",
                       command ? "remove mailbox_command (local(8) then writes the mailbox itself)" : "");
        if (!w || sbx_findings_add(f, fix,
                                   "postfix (%s): %s%s: they run as the user, on the host, outside the sandbox, from "
                                   "files the sandbox can write, for %s",
                                   path, why_forward, why_command, w) < 0)
                return sbx_err_set(err, ENOMEM, "findings");
        return 0;
}

/* ---- exim ---- */

struct exim_driver {
        char name[64];
        char driver[32];
        char transport[128];
        char local_parts[512];
        char require_files[1024];
        bool check_local_user, file, allow_filter, forbid_pipe, forbid_filter_run, forbid_filter_dlfunc, condition;
};

struct exim_conf {
        char (*macro)[2][256]; /* name, value: the first definition of each */
        size_t n_macros;
        struct exim_driver *router;
        size_t n_routers;
        struct exim_driver *transport;
        size_t n_transports;
};

static void exim_conf_done(struct exim_conf *c)
{
        free(c->macro);
        free(c->router);
        free(c->transport);
}

static const char *exim_macro(const struct exim_conf *c, const char *name)
{
        for (size_t i = 0; i < c->n_macros; i++)
                if (streq(c->macro[i][0], name))
                        return c->macro[i][1];
        return NULL;
}

/* One option line of a driver: "name = value", "name" (true), "no_name" or "not_name" (false). */
static void exim_option(struct exim_driver *d, const char *line)
{
        size_t n = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_");
        char name[64];
        (void)snprintf(name, sizeof(name), "%.*s", (int)n, line);
        const char *v = line + n;
        v += strspn(v, " \t");
        bool has_value = *v == '=';
        if (has_value)
                v += 1 + strspn(v + 1, " \t");
        bool on = true;
        if (has_value)
                on = streq(v, "true") || streq(v, "yes");
        else if (strncmp(name, "no_", 3) == 0 || strncmp(name, "not_", 4) == 0) {
                memmove(name, name + (name[2] == '_' ? 3 : 4), strlen(name) - (name[2] == '_' ? 2 : 3));
                on = false;
        }
        static const struct {
                const char *name;
                size_t flag;
        } flags[] = {
                {"check_local_user", offsetof(struct exim_driver, check_local_user)},
                {"allow_filter", offsetof(struct exim_driver, allow_filter)},
                {"forbid_pipe", offsetof(struct exim_driver, forbid_pipe)},
                {"forbid_filter_run", offsetof(struct exim_driver, forbid_filter_run)},
                {"forbid_filter_dlfunc", offsetof(struct exim_driver, forbid_filter_dlfunc)},
        };
        for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                if (streq(name, flags[i].name))
                        *(bool *)((char *)d + flags[i].flag) = on;
        if (!has_value)
                return;
        if (streq(name, "driver"))
                (void)strlcpy(d->driver, v, sizeof(d->driver));
        else if (streq(name, "transport"))
                (void)strlcpy(d->transport, v, sizeof(d->transport));
        else if (streq(name, "local_parts"))
                (void)strlcpy(d->local_parts, v, sizeof(d->local_parts));
        else if (streq(name, "require_files"))
                (void)strlcpy(d->require_files, v, sizeof(d->require_files));
        else if (streq(name, "file"))
                d->file = true;
        else if (streq(name, "condition"))
                d->condition = true;
}

/* One logical line (continuations joined, blanks trimmed) of the configuration. */
static int exim_line(struct exim_conf *c, char *section, size_t section_size, const char *l)
{
        if (l[0] == '.' || l[0] == '#' || !l[0])
                return 0; /* .ifdef and friends: both branches are read */
        if (strncmp(l, "begin", 5) == 0 && (l[5] == ' ' || l[5] == '\t')) {
                const char *s = l + 5 + strspn(l + 5, " \t");
                (void)snprintf(section, section_size, "%s", s);
                return 0;
        }
        bool routers = streq(section, "routers"), transports = streq(section, "transports");
        if (!section[0] && l[0] >= 'A' && l[0] <= 'Z') {
                /* A macro: NAME = value (NAME == value redefines; the first definition is taken either way). */
                size_t n = strspn(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
                const char *v = l + n + strspn(l + n, " \t");
                if (*v != '=')
                        return 0;
                v += strspn(v, "=");
                v += strspn(v, " \t");
                char name[256];
                (void)snprintf(name, sizeof(name), "%.*s", (int)n, l);
                if (exim_macro(c, name))
                        return 0;
                char(*m)[2][256] = reallocarray(c->macro, c->n_macros + 1, sizeof(*m));
                if (!m)
                        return -ENOMEM;
                c->macro = m;
                (void)strlcpy(m[c->n_macros][0], name, sizeof(m[0][0]));
                (void)strlcpy(m[c->n_macros][1], v, sizeof(m[0][1]));
                c->n_macros++;
                return 0;
        }
        if (!routers && !transports)
                return 0;
        struct exim_driver **v = routers ? &c->router : &c->transport;
        size_t *n = routers ? &c->n_routers : &c->n_transports;
        size_t name_len = strspn(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.");
        if (name_len > 0 && l[name_len] == ':') {
                struct exim_driver *d = reallocarray(*v, *n + 1, sizeof(*d));
                if (!d)
                        return -ENOMEM;
                *v = d;
                d = &d[(*n)++];
                *d = (struct exim_driver){0};
                (void)snprintf(d->name, sizeof(d->name), "%.*s", (int)name_len, l);
                l += name_len + 1;
                l += strspn(l, " \t");
                if (!*l)
                        return 0;
        }
        if (*n > 0)
                exim_option(&(*v)[*n - 1], l);
        return 0;
}

static int exim_parse(const char *text, struct exim_conf *c)
{
        char section[64] = "";
        _cleanup_free_ char *logical = NULL;
        size_t cap = 0, used = 0;
        const char *pos = text, *line;
        size_t len;
        bool more = false;
        while (sbx_doctor_next_line(&pos, &line, &len)) {
                const char *p = line;
                size_t n = sbx_doctor_trim(&p, len);
                if (!more && n > 0 && *p == '#')
                        continue;
                bool cont = n > 0 && p[n - 1] == '\\';
                if (cont)
                        n--;
                if (used + n + 1 > cap) {
                        char *v = realloc(logical, used + n + 4096);
                        if (!v)
                                return -ENOMEM;
                        logical = v;
                        cap = used + n + 4096;
                }
                memcpy(logical + used, p, n);
                used += n;
                logical[used] = '\0';
                more = cont;
                if (more)
                        continue;
                const char *l = logical;
                (void)sbx_doctor_trim(&l, used);
                logical[used] = '\0';
                int r = exim_line(c, section, sizeof(section), l);
                if (r < 0)
                        return r;
                used = 0;
        }
        return 0;
}

/* Whether `user` is in the literal exim list `list` (items separated by colons, a leading '!' negates, the first
 * match decides, and a list that ends in a negative item lets through what no item matched). -1 when the list is not
 * literal (expansions, lookups, regular expressions, named lists, wildcards, another separator). */
static int exim_list_has(const char *list, const char *user)
{
        if (strpbrk(list, "$;^*+@<\\{"))
                return -1;
        bool last_negative = false;
        for (const char *s = list; *s;) {
                size_t n = strcspn(s, ":");
                const char *item = s;
                n = sbx_doctor_trim(&item, n);
                bool neg = n > 0 && *item == '!';
                if (neg) {
                        item++;
                        n = sbx_doctor_trim(&item, n - 1);
                }
                if (n > 0) {
                        last_negative = neg;
                        if (strlen(user) == n && strncmp(item, user, n) == 0)
                                return !neg;
                }
                s += strcspn(s, ":");
                s += *s == ':';
        }
        return last_negative;
}

/* True when the router's require_files names a literal absolute path (not negated) that does not exist: the router
 * is then never run (Debian's procmail router needs +/usr/bin/procmail). Items are colon-separated outside braces. */
static bool exim_requires_missing(const char *list)
{
        const char *s = list;
        while (*s) {
                const char *item = s;
                int depth = 0;
                while (*s && (depth > 0 || *s != ':')) {
                        depth += *s == '{';
                        depth -= *s == '}' && depth > 0;
                        s++;
                }
                size_t n = sbx_doctor_trim(&item, (size_t)(s - item));
                s += *s == ':';
                if (n > 0 && *item == '+') {
                        item++;
                        n--;
                }
                char path[PATH_MAX];
                if (n == 0 || *item != '/' || memchr(item, '$', n) || n >= sizeof(path))
                        continue;
                (void)snprintf(path, sizeof(path), "%.*s", (int)n, item);
                if (access(path, F_OK) < 0 && errno == ENOENT)
                        return true;
        }
        return false;
}

int sbx_doctor_exim(const char *path, const char *text, const struct sbx_doctor_users *u, struct sbx_findings *f,
                    struct sbx_err *err)
{
        struct exim_conf c = {0};
        _cleanup_free_ bool *affected = calloc(u->n + 1, sizeof(bool));
        char *why = NULL;
        size_t why_len = 0;
        FILE *m = affected ? open_memstream(&why, &why_len) : NULL;
        int r = m ? exim_parse(text, &c) : -ENOMEM;
        bool pipes = false, filter = false, transports = false;
        const char *sep = "";
        for (size_t i = 0; r == 0 && i < c.n_routers; i++) {
                const struct exim_driver *d = &c.router[i];
                if (!d->check_local_user)
                        continue; /* not run as a local user */
                bool redirect = streq(d->driver, "redirect") && d->file;
                bool pipe = redirect && !d->forbid_pipe;
                bool run = redirect && d->allow_filter && !(d->forbid_filter_run && d->forbid_filter_dlfunc);
                const char *t = exim_macro(&c, d->transport);
                t = t ? t : d->transport;
                bool via_pipe = false;
                for (size_t k = 0; t[0] && k < c.n_transports; k++)
                        via_pipe |= streq(c.transport[k].name, t) && streq(c.transport[k].driver, "pipe");
                if ((!pipe && !run && !via_pipe) || exim_requires_missing(d->require_files))
                        continue;
                bool any = false;
                for (size_t k = 0; k < u->n; k++) {
                        int in = d->local_parts[0] && !d->condition ? exim_list_has(d->local_parts, u->names[k]) : 1;
                        if (in != 0)
                                affected[k] = any = true;
                }
                if (!any)
                        continue;
                fprintf(m, "%sthe router '%s' ", sep, d->name);
                if (pipe || run)
                        fprintf(m, "runs %s%s%s", pipe ? "the commands of \"|command\" lines in a user's .forward" : "",
                                pipe && run ? " and " : "", run ? "${run} and ${dlfunc} in a user's Exim filter" : "");
                if (via_pipe)
                        fprintf(m, "%sdelivers through the pipe transport '%s'", pipe || run ? " and " : "", t);
                sep = "; ";
                pipes |= pipe;
                filter |= run;
                transports |= via_pipe;
        }
        if (m && fclose(m) != 0)
                r = -ENOMEM;
        if (r == 0 && why && why[0]) {
                _cleanup_free_ char *w = sbx_doctor_who(u, affected);
                char fix[1024];
                (void)snprintf(fix, sizeof(fix),
                               "%s%s%s%s%s; or keep those routers from the sandboxed users "
                               "(local_parts = ! USER : ...); then update-exim4.conf and restart exim4",
                               pipes ? "add forbid_pipe to the router" : "",
                               pipes && (filter || transports) ? "; " : "",
                               filter ? "add forbid_filter_run and forbid_filter_dlfunc (or remove allow_filter)" : "",
                               filter && transports ? "; " : "",
                               transports ? "deliver to the mailbox instead of through the pipe transport" : "");
                r = w ? sbx_findings_add(f, fix,
                                         "exim (%s): %s: these run as the user, on the host, outside the sandbox, "
                                         "from files the sandbox can write, for %s",
                                         path, why, w)
                      : -ENOMEM;
        }
        free(why);
        exim_conf_done(&c);
        return r < 0 ? sbx_err_set(err, ENOMEM, "exim configuration '%s'", path) : 0;
}

/* Debian's run-parts rule of update-exim4.conf: names of letters, digits, '_' and '-' only; NAME.rul replaces NAME. */
static int exim_split_config(const char *confd, FILE *out, struct sbx_err *err)
{
        static const char *const sections[] = {"main", "acl", "router", "transport", "retry", "rewrite", "auth"};
        for (size_t i = 0; i < ELEMENTSOF(sections); i++) {
                char dir[PATH_MAX];
                if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", confd, sections[i]) >= sizeof(dir))
                        continue;
                struct dirent **names = NULL;
                int n = scandir(dir, &names, NULL, alphasort);
                if (n < 0)
                        continue;
                int r = 0;
                for (int k = 0; k < n; k++) {
                        const char *name = names[k]->d_name;
                        if (r == 0 && name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                        "0123456789_-")] == '\0') {
                                char file[PATH_MAX + 300], *text = NULL;
                                (void)snprintf(file, sizeof(file), "%s/%s.rul", dir, name);
                                if (access(file, F_OK) < 0)
                                        (void)snprintf(file, sizeof(file), "%s/%s", dir, name);
                                struct stat st;
                                if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
                                        r = sbx_doctor_read_text(file, &text, err);
                                        if (r == 0)
                                                fprintf(out, "%s\n", text);
                                        free(text);
                                }
                        }
                        free(names[k]);
                }
                free(names);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The configuration exim runs with, as Debian builds it from exim_dir, into *ret (malloc'd; "" when there is none)
 * and the name of what it came from into `from`. */
static int exim_config(const char *exim_dir, char **ret, char *from, size_t from_size, struct sbx_err *err)
{
        char path[PATH_MAX];
        (void)snprintf(path, sizeof(path), "%s/exim4.conf", exim_dir);
        if (access(path, F_OK) == 0) {
                (void)strlcpy(from, path, from_size);
                return sbx_doctor_read_text(path, ret, err);
        }
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (!m)
                return sbx_err_set(err, ENOMEM, "exim configuration");
        /* update-exim4.conf.conf: which scheme, and the local delivery transport it turns into a macro. Its shell
         * assignments (dc_name='value') read like main.cf lines, quotes aside. */
        bool split = false;
        char *ue4cc = NULL, v[256];
        (void)snprintf(path, sizeof(path), "%s/update-exim4.conf.conf", exim_dir);
        if (access(path, F_OK) == 0 && sbx_doctor_read_text(path, &ue4cc, err) == 0) {
                split = sbx_doctor_postfix_value(ue4cc, "dc_use_split_config", v, sizeof(v)) &&
                        (streq(v, "'true'") || streq(v, "true") || streq(v, "\"true\""));
                if (sbx_doctor_postfix_value(ue4cc, "dc_localdelivery", v, sizeof(v)) && v[0]) {
                        size_t n = strlen(v);
                        bool quoted = n >= 2 && (v[0] == '\'' || v[0] == '"');
                        fprintf(m, "LOCAL_DELIVERY=%.*s\n", (int)(quoted ? n - 2 : n), quoted ? v + 1 : v);
                }
        }
        free(ue4cc);
        int r = 0;
        char *part = NULL;
        (void)snprintf(path, sizeof(path), "%s/exim4.conf.localmacros", exim_dir);
        if (!split && access(path, F_OK) == 0 && (r = sbx_doctor_read_text(path, &part, err)) == 0)
                fprintf(m, "%s\n", part);
        free(part);
        part = NULL;
        if (r == 0 && split) {
                (void)snprintf(path, sizeof(path), "%s/conf.d", exim_dir);
                (void)strlcpy(from, path, from_size);
                r = exim_split_config(path, m, err);
        } else if (r == 0) {
                (void)snprintf(path, sizeof(path), "%s/exim4.conf.template", exim_dir);
                (void)strlcpy(from, path, from_size);
                if (access(path, F_OK) == 0 && (r = sbx_doctor_read_text(path, &part, err)) == 0)
                        fprintf(m, "%s\n", part);
                free(part);
        }
        if (fclose(m) != 0 && r == 0)
                r = sbx_err_set(err, ENOMEM, "exim configuration");
        /* Only the seeded macro line: no configuration at all. */
        if (r == 0 && (!strstr(text, "begin") || !strchr(text, ':')))
                text[0] = '\0';
        if (r < 0)
                free(text);
        else
                *ret = text;
        return r;
}

int sbx_doctor_mta(const char *postfix_main_cf, const char *exim_dir, const char *sendmail,
                   const struct sbx_doctor_users *u, struct sbx_findings *f, struct sbx_err *err)
{
        struct stat st;
        bool postfix = stat(postfix_main_cf, &st) == 0;
        bool exim = stat(exim_dir, &st) == 0 && S_ISDIR(st.st_mode);
        int r = 0;
        if (postfix) {
                _cleanup_free_ char *text = NULL;
                r = sbx_doctor_read_text(postfix_main_cf, &text, err);
                if (r == 0)
                        r = sbx_doctor_postfix(postfix_main_cf, text, u, f, err);
        }
        if (r == 0 && exim) {
                _cleanup_free_ char *text = NULL;
                char from[PATH_MAX];
                r = exim_config(exim_dir, &text, from, sizeof(from), err);
                if (r == 0 && text[0])
                        r = sbx_doctor_exim(from, text, u, f, err);
                else if (r == 0) {
                        _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
                        if (!w || sbx_findings_add(f,
                                                   "configure exim4 (forbid_pipe in the userforward router, no "
                                                   "procmail or maildrop router for the sandboxed users) and run "
                                                   "doctor again, or remove exim4",
                                                   "exim (%s): no configuration could be read there; Debian's default "
                                                   "routers run the commands of \"|command\" lines in a user's "
                                                   ".forward (userforward) as the user, on the host, outside the "
                                                   "sandbox, for %s",
                                                   exim_dir, w) < 0)
                                r = sbx_err_set(err, ENOMEM, "findings");
                }
        }
        if (r == 0 && !postfix && !exim && stat(sendmail, &st) == 0) {
                _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
                if (!w || sbx_findings_add(f,
                                           "make sure the MTA behind it runs no command named in a user's "
                                           ".forward or ~/.procmailrc for the sandboxed users, then remove it "
                                           "or accept this finding",
                                           "%s exists but neither postfix (%s) nor exim (%s) is configured: a mail "
                                           "transfer agent doctor does not know may run the commands of a user's "
                                           ".forward or procmail pipes as the user, on the host, outside the sandbox, "
                                           "for %s",
                                           sendmail, postfix_main_cf, exim_dir, w) < 0)
                        r = sbx_err_set(err, ENOMEM, "findings");
        }
        return r;
}
