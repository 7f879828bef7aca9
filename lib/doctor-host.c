/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audits of `sandbox-shellctl doctor` that look around the sandbox: what the host itself runs as a sandboxed user
 * because of a login, outside the sandbox: sshd's system rc file in an environment the user writes, Network host, and
 * the helper listed in /etc/shells. The parsers take buffers (tests/unit/test-doctor.c); the rest reads the paths it is
 * given. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor.h"
#include "doctor-internal.h"

/* ---- /etc/ssh/sshrc ---- */

/* The last user_readenv=N among a pam_env.so line's arguments is the one pam_env uses. */
static bool user_readenv(const char *args)
{
        bool on = false;
        for (const char *a = args + strspn(args, " \t"); *a; a += strspn(a, " \t")) {
                size_t n = strcspn(a, " \t");
                if (n > 13 && strncmp(a, "user_readenv=", 13) == 0)
                        on = n == 14 && a[13] == '1';
                a += n;
        }
        return on;
}

int sbx_doctor_sshrc(const char *sshrc, const char *pam_service, const char *permit_user_env,
                     const struct sbx_doctor_users *u, struct sbx_findings *f, struct sbx_err *err)
{
        struct stat st;
        /* sshd looks with stat(): a dangling link is no rc file. */
        if (stat(sshrc, &st) < 0)
                return errno == ENOENT ? 0 : sbx_err_set(err, errno, "'%s'", sshrc);
        struct sbx_pam_stack s = {0};
        int r = sbx_doctor_pam_read(pam_service, &s, err);
        if (r < 0 && r != -ENOENT) {
                free(s.v);
                return r;
        }
        const struct sbx_pam_line *env = NULL;
        for (size_t i = 0; r == 0 && i < s.n && !env; i++)
                if (streq(s.v[i].module, "pam_env.so") && user_readenv(s.v[i].args))
                        env = &s.v[i];
        _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
        r = w ? 0 : -ENOMEM;
        if (r == 0 && env)
                r = sbx_findings_add(f, "remove /etc/ssh/sshrc, or drop user_readenv=1 from that pam_env.so line",
                                     "%s exists and %s reads the user's environment (pam_env.so user_readenv=1): "
                                     "sshd runs %s with /bin/sh as the user, on the host, before the login shell, in "
                                     "the environment pam_env read from ~/.pam_environment, which the sandbox can "
                                     "write: an LD_PRELOAD there runs the user's code outside the sandbox, for %s",
                                     sshrc, env->origin, sshrc, w);
        if (r == 0 && permit_user_env && !streq(permit_user_env, "no"))
                r = sbx_findings_add(f, "remove /etc/ssh/sshrc, or set \"PermitUserEnvironment no\" in sshd_config",
                                     "%s exists and sshd's PermitUserEnvironment is '%s': sshd runs %s with /bin/sh "
                                     "as the user, on the host, before the login shell, with the variables of "
                                     "~/.ssh/environment, which the sandbox can write: an LD_PRELOAD there runs the "
                                     "user's code outside the sandbox, for %s",
                                     sshrc, permit_user_env, sshrc, w);
        free(s.v);
        return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
}

/* ---- Network host ---- */

int sbx_doctor_network(enum sbx_network network, const struct sbx_origin *where, const struct sbx_doctor_users *u,
                       struct sbx_findings *f, struct sbx_err *err)
{
        if (network != SBX_NETWORK_HOST)
                return 0;
        _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
        char at[PATH_MAX + 32];
        (void)snprintf(at, sizeof(at), "%s:%u", where->file ? where->file : "(default)", where->line);
        if (!w || sbx_findings_add(f, "set \"Network none\" for them (the default): the sandbox then has a loopback "
                                      "of its own and nothing else",
                                   "%s: Network host for %s: their sandboxes share the host's network and reach the "
                                   "host's loopback services (whatever listens on 127.0.0.1 or ::1), the host's "
                                   "abstract unix sockets, every port the other Network host sandboxes listen on, "
                                   "the LAN and the cloud metadata endpoints (169.254.169.254)",
                                   at, w) < 0)
                return sbx_err_set(err, ENOMEM, "findings");
        return 0;
}

/* ---- /etc/shells ---- */

/* The usrmerge alias of path: /usr/bin/X for /bin/X, /sbin/X for /usr/sbin/X and so on; "" for none. */
static void usrmerge_alias(const char *path, char *buf, size_t size)
{
        buf[0] = '\0';
        if (strncmp(path, "/usr/bin/", 9) == 0 || strncmp(path, "/usr/sbin/", 10) == 0)
                (void)snprintf(buf, size, "%s", path + 4);
        else if (strncmp(path, "/bin/", 5) == 0 || strncmp(path, "/sbin/", 6) == 0)
                (void)snprintf(buf, size, "/usr%s", path);
}

const char *sbx_doctor_shells_find(const char *text, const char *helper, const struct stat *helper_st, char *buf,
                                   size_t size)
{
        char alias[PATH_MAX];
        usrmerge_alias(helper, alias, sizeof(alias));
        const char *pos = text, *line;
        size_t len;
        while (sbx_doctor_next_line(&pos, &line, &len)) {
                const char *p = line;
                size_t n = sbx_doctor_trim(&p, len);
                if (n == 0 || *p == '#' || n >= PATH_MAX)
                        continue;
                char entry[PATH_MAX];
                (void)snprintf(entry, sizeof(entry), "%.*s", (int)n, p);
                struct stat st;
                if (streq(entry, helper) || (alias[0] && streq(entry, alias)) ||
                    (helper_st && stat(entry, &st) == 0 && st.st_dev == helper_st->st_dev &&
                     st.st_ino == helper_st->st_ino)) {
                        (void)snprintf(buf, size, "%s", entry);
                        return pos;
                }
        }
        return NULL;
}

int sbx_doctor_shells(const char *path, const char *helper, struct sbx_findings *f, struct sbx_err *err)
{
        _cleanup_free_ char *text = NULL;
        int r = sbx_doctor_read_text(path, &text, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        struct stat hst;
        bool have = stat(helper, &hst) == 0;
        char entry[PATH_MAX], listed[2048] = "", fix[2100] = "remove-shell";
        for (const char *p = text; (p = sbx_doctor_shells_find(p, helper, have ? &hst : NULL, entry, sizeof(entry)));) {
                (void)strlcat(listed, listed[0] ? ", '" : "'", sizeof(listed));
                (void)strlcat(listed, entry, sizeof(listed));
                (void)strlcat(listed, "'", sizeof(listed));
                (void)strlcat(fix, " ", sizeof(fix));
                (void)strlcat(fix, entry, sizeof(fix));
        }
        if (!listed[0])
                return 0;
        if (sbx_findings_add(f, fix,
                             "%s lists the helper (%s): su lets whoever knows a sandboxed user's password choose "
                             "the shell (util-linux su lets a caller other than root do so only when the target's "
                             "login shell is in %s): \"su -s /bin/sh USER\" opens the session, the login shell is "
                             "right, and su runs /bin/sh as the user, on the host, outside the sandbox",
                             path, listed, path) < 0)
                return sbx_err_set(err, ENOMEM, "findings");
        return 0;
}
