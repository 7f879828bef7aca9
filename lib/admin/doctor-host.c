/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audits of `sandbox-shellctl doctor` that look around the sandbox: what the host itself runs as a sandboxed user
 * because of a login, outside the sandbox: sshd's system rc file in an environment the user writes, systemd's user
 * manager and lingering, Network host, and the helper listed in /etc/shells (mail delivery is in doctor-mail.c). The
 * parsers take buffers (tests/unit/test-doctor.c); the rest reads the paths it is given. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor.h"
#include "doctor-internal.h"
#include "safepath.h"

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

/* ---- systemd's user manager ---- */

#define ALLOWED_SUFFIX "/user-manager-allowed"

void sbx_doctor_unit_exec_condition(const char *text, char *program, size_t size)
{
        bool service = false;
        const char *pos = text, *line;
        size_t len;
        char logical[8192];
        size_t used = 0;
        while (sbx_doctor_next_line(&pos, &line, &len)) {
                const char *p = line;
                size_t n = sbx_doctor_trim(&p, len);
                if (n > 0 && (*p == '#' || *p == ';'))
                        continue; /* comments, also inside a continued line */
                bool cont = n > 0 && p[n - 1] == '\\';
                if (cont)
                        n--;
                if (used + n + 2 < sizeof(logical)) {
                        if (used > 0 && n > 0)
                                logical[used++] = ' ';
                        memcpy(logical + used, p, n);
                        used += n;
                }
                logical[used] = '\0';
                if (cont)
                        continue;
                used = 0;
                const char *l = logical;
                if (l[0] == '[') {
                        service = strncmp(l, "[Service]", 9) == 0;
                        continue;
                }
                size_t key = strcspn(l, "= \t");
                if (!service || key != 13 || strncmp(l, "ExecCondition", 13) != 0)
                        continue;
                const char *v = l + key;
                v += strspn(v, " \t");
                if (*v != '=')
                        continue;
                v++;
                v += strspn(v, " \t");
                if (!*v) {
                        program[0] = '\0'; /* the empty assignment resets the list */
                        continue;
                }
                /* Several commands may be given separated by ";": only the first is looked at. */
                v += strspn(v, "+-!@:|");
                char quote = (*v == '"' || *v == '\'') ? *v++ : 0;
                size_t plen = quote ? strcspn(v, quote == '"' ? "\"" : "'") : strcspn(v, " \t;");
                size_t slen = strlen(ALLOWED_SUFFIX);
                if (plen > slen && strncmp(v + plen - slen, ALLOWED_SUFFIX, slen) == 0)
                        (void)snprintf(program, size, "%.*s", (int)plen, v);
        }
}

/* True when `path` is a symbolic link to /dev/null (a mask). */
static bool masked(const char *path)
{
        char target[16];
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return false;
        target[n] = '\0';
        return streq(target, "/dev/null");
}

struct dropin {
        char name[256];
        char path[PATH_MAX];
};

static int dropin_cmp(const void *a, const void *b)
{
        return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

/* What systemd makes of the ExecCondition= list of the user manager. */
struct manager {
        bool unit;                 /* user@.service exists */
        bool masked;               /* ... masked, or the instance is */
        char program[PATH_MAX];    /* the user-manager-allowed program left in the list, "" for none */
        char set_by[PATH_MAX];     /* the file that put it there */
        char emptied_by[PATH_MAX]; /* the last file that emptied the list after one had set it */
        char hidden[PATH_MAX];     /* a drop-in with the line, replaced by `hidden_by` of the same name */
        char hidden_by[PATH_MAX];
};

/* Applies the ExecCondition= lines of one file to m (a drop-in masked by a link to /dev/null reads as empty). */
static void apply_file(struct manager *m, const char *path)
{
        _cleanup_free_ char *text = NULL;
        if (sbx_doctor_read_text(path, &text, NULL) < 0)
                return;
        char before[PATH_MAX];
        (void)strlcpy(before, m->program, sizeof(before));
        sbx_doctor_unit_exec_condition(text, m->program, sizeof(m->program));
        if (!m->program[0] && before[0])
                (void)strlcpy(m->emptied_by, path, sizeof(m->emptied_by));
        else if (m->program[0] && !streq(before, m->program))
                (void)strlcpy(m->set_by, path, sizeof(m->set_by));
}

static bool has_line(const char *path)
{
        struct manager m = {0};
        apply_file(&m, path);
        return m.program[0] != '\0';
}

/* Adds the *.conf files of the drop-in directory `dir` to v (n of them) unless one of the same name is there already,
 * from a directory of higher priority: then a file with the ExecCondition that it hides is noted in m. */
static int add_dropins(const char *dir, struct manager *m, struct dropin **v, size_t *n, struct sbx_err *err)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                size_t len = strlen(de->d_name);
                char path[PATH_MAX];
                if (len <= 5 || !streq(de->d_name + len - 5, ".conf") || len >= sizeof((*v)->name) ||
                    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
                        continue;
                size_t i;
                for (i = 0; i < *n && !streq((*v)[i].name, de->d_name); i++)
                        ;
                if (i < *n) {
                        if (!m->hidden[0] && has_line(path) && !has_line((*v)[i].path)) {
                                (void)strlcpy(m->hidden, path, sizeof(m->hidden));
                                (void)strlcpy(m->hidden_by, (*v)[i].path, sizeof(m->hidden_by));
                        }
                        continue;
                }
                struct dropin *nv = reallocarray(*v, *n + 1, sizeof(**v));
                if (!nv)
                        return sbx_err_set(err, ENOMEM, "drop-ins");
                *v = nv;
                (void)strlcpy(nv[*n].name, de->d_name, sizeof(nv[*n].name));
                (void)strlcpy(nv[*n].path, path, sizeof(nv[*n].path));
                (*n)++;
        }
        return 0;
}

/* Merges the unit and its drop-ins as systemd does for `instance` (user@UID.service, or NULL for the template). */
static int manager_eval(const char *const *dirs, const char *instance, struct manager *m, struct sbx_err *err)
{
        *m = (struct manager){0};
        /* The unit file: the instance's own, else the template, each from the directory of highest priority. */
        char unit[PATH_MAX] = "";
        const char *const names[] = {instance, "user@.service"};
        for (size_t k = instance ? 0 : 1; k < 2 && !unit[0]; k++)
                for (const char *const *d = dirs; *d && !unit[0]; d++) {
                        struct stat st;
                        (void)snprintf(unit, sizeof(unit), "%s/%s", *d, names[k]);
                        if (lstat(unit, &st) < 0)
                                unit[0] = '\0';
                }
        if (!unit[0])
                return 0;
        m->unit = true;
        if (masked(unit)) {
                m->masked = true;
                return 0;
        }
        /* The drop-in directories in systemd's order: for each unit directory the instance's .d and the template's,
         * then the top-level service.d of each unit directory. */
        struct dropin *v = NULL;
        size_t n = 0;
        int r = 0;
        for (const char *const *d = dirs; *d && r == 0; d++) {
                char dir[PATH_MAX];
                if (instance && (size_t)snprintf(dir, sizeof(dir), "%s/%s.d", *d, instance) < sizeof(dir))
                        r = add_dropins(dir, m, &v, &n, err);
                if (r == 0 && (size_t)snprintf(dir, sizeof(dir), "%s/user@.service.d", *d) < sizeof(dir))
                        r = add_dropins(dir, m, &v, &n, err);
        }
        for (const char *const *d = dirs; *d && r == 0; d++) {
                char dir[PATH_MAX];
                if ((size_t)snprintf(dir, sizeof(dir), "%s/service.d", *d) < sizeof(dir))
                        r = add_dropins(dir, m, &v, &n, err);
        }
        if (r == 0) {
                apply_file(m, unit);
                if (n > 1)
                        qsort(v, n, sizeof(*v), dropin_cmp);
                for (size_t i = 0; i < n; i++)
                        apply_file(m, v[i].path);
        }
        free(v);
        return r;
}

/* True when only root can change which file `path` names: every directory on the way as written (a link followed to
 * what it names) and every directory of the resolved path is root-owned and writable by nobody else. Both, since a
 * link may live in a directory the resolved path does not pass (/lib -> usr/lib on a usrmerged system lives in /). */
static bool trusted_dirs(const char *path, struct sbx_err *err)
{
        char dir[PATH_MAX], real[PATH_MAX];
        (void)strlcpy(dir, path, sizeof(dir));
        *strrchr(dir, '/') = '\0';
        if (!dir[0])
                (void)strlcpy(dir, "/", sizeof(dir));
        if (!realpath(dir, real)) {
                (void)sbx_err_set(err, errno, "'%s'", dir);
                return false;
        }
        _cleanup_close_ int fd = -1;
        if (sbx_safepath_open_trusted_dir(real, &fd, err) < 0)
                return false;
        /* Each prefix ends before a '/' of the path, and last the whole of it. */
        for (char *end = dir;; end = strchr(end + 1, '/')) {
                char c = end ? *end : '\0';
                if (end)
                        *end = '\0';
                struct stat st;
                const char *prefix = dir[0] ? dir : "/";
                int r = stat(prefix, &st) < 0 ? sbx_err_set(err, errno, "'%s'", prefix)
                                              : sbx_safepath_check_component(&st, prefix, err);
                if (end)
                        *end = c;
                if (r < 0)
                        return false;
                if (!end)
                        return true;
        }
}

/* Why the program cannot be trusted, into buf; false when it can. */
static bool program_untrusted(const char *program, char *buf, size_t size)
{
        struct stat st;
        if (program[0] != '/') {
                (void)snprintf(buf, size, "is not an absolute path");
                return true;
        }
        if (stat(program, &st) < 0) {
                (void)snprintf(buf, size, "cannot be used: %s", strerror(errno));
                return true;
        }
        if (!S_ISREG(st.st_mode))
                (void)snprintf(buf, size, "is not a regular file");
        else if (st.st_uid != 0)
                (void)snprintf(buf, size, "is owned by uid %u, not root", (unsigned)st.st_uid);
        else if (st.st_mode & (S_IWGRP | S_IWOTH))
                (void)snprintf(buf, size, "is writable by %s (mode %04o)",
                               (st.st_mode & S_IWOTH) ? "others" : "its group", (unsigned)(st.st_mode & 07777));
        else if (!(st.st_mode & S_IXUSR))
                (void)snprintf(buf, size, "is not executable (mode %04o)", (unsigned)(st.st_mode & 07777));
        else {
                /* The program itself may be a link: where it leads must be as closed as where it is. */
                struct sbx_err e = {0};
                char real[PATH_MAX];
                if (trusted_dirs(program, &e) && realpath(program, real) && trusted_dirs(real, &e))
                        return false;
                (void)snprintf(buf, size, "lies where others than root can change it (%s)", e.msg);
        }
        return true;
}

static int manager_finding(const struct manager *m, const char *whom, struct sbx_findings *f, struct sbx_err *err)
{
        static const char fix[] = "install the drop-in user@.service.d/sandbox-shell.conf with \"[Service]\" and "
                                  "\"ExecCondition=+" SBX_USER_MANAGER_ALLOWED " %i\" into systemd's unit directory "
                                  "(meson install or the package does), and let nothing of higher priority replace "
                                  "it";
        static const char what[] = "systemd --user as the user, on the host, outside the sandbox, with the units of "
                                   "~/.config/systemd/user, which the sandbox can write";
        char why[PATH_MAX * 2 + 256];
        int r = 0;
        if (m->program[0]) {
                char bad[600];
                if (!program_untrusted(m->program, bad, sizeof(bad)))
                        return 0;
                r = sbx_findings_add(f,
                                     "install sandbox-shell's user-manager-allowed there, root-owned, mode 0755 "
                                     "(meson install or the package does)",
                                     "systemd's user manager: the ExecCondition program '%s' (from %s) %s: it cannot "
                                     "be trusted to keep a login of %s from starting %s",
                                     m->program, m->set_by, bad, whom, what);
                return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
        }
        if (m->hidden[0])
                (void)snprintf(why, sizeof(why), "%s, which has the ExecCondition, is replaced by %s%s", m->hidden,
                               m->hidden_by, masked(m->hidden_by) ? " (a link to /dev/null)" : "");
        else if (m->emptied_by[0])
                (void)snprintf(why, sizeof(why), "%s empties the ExecCondition= list after %s set it", m->emptied_by,
                               m->set_by);
        else
                (void)snprintf(why, sizeof(why),
                               "no drop-in of user@.service has an ExecCondition= that runs "
                               "user-manager-allowed");
        r = sbx_findings_add(f, fix, "systemd's user manager: %s: every login of %s starts %s", why, whom, what);
        return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
}

int sbx_doctor_user_manager(const char *const *unit_dirs, const struct sbx_doctor_users *u, struct sbx_findings *f,
                            struct sbx_err *err)
{
        struct manager m;
        int r = manager_eval(unit_dirs, NULL, &m, err);
        if (r < 0 || !m.unit || m.masked)
                return r;
        char bad[600];
        if (!m.program[0] || program_untrusted(m.program, bad, sizeof(bad))) {
                _cleanup_free_ char *w = sbx_doctor_who(u, NULL);
                return w ? manager_finding(&m, w, f, err) : sbx_err_set(err, ENOMEM, "findings");
        }
        /* The template is right: a user's own drop-ins (user@UID.service.d) may still undo it. */
        for (size_t i = 0; r == 0 && i < u->n; i++) {
                char instance[64];
                (void)snprintf(instance, sizeof(instance), "user@%u.service", (unsigned)u->uids[i]);
                r = manager_eval(unit_dirs, instance, &m, err);
                if (r == 0 && m.unit && !m.masked) {
                        char whom[300];
                        (void)snprintf(whom, sizeof(whom), "the sandboxed user '%s'", u->names[i]);
                        r = manager_finding(&m, whom, f, err);
                }
        }
        return r;
}

int sbx_doctor_linger(const char *linger_dir, const char *user, struct sbx_findings *f, struct sbx_err *err)
{
        char path[PATH_MAX];
        struct stat st;
        (void)snprintf(path, sizeof(path), "%s/%s", linger_dir, user);
        if (lstat(path, &st) < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : sbx_err_set(err, errno, "'%s'", path);
        char fix[300];
        (void)snprintf(fix, sizeof(fix), "loginctl disable-linger %s", user);
        if (sbx_findings_add(f, fix,
                             "user '%s' is lingering (%s exists): its systemd manager runs on the host between "
                             "logins, outside the sandbox, and pam_sandbox refuses its logins",
                             user, path) < 0)
                return sbx_err_set(err, ENOMEM, "findings");
        return 0;
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
        if (!w || sbx_findings_add(f,
                                   "set \"Network none\" for them (the default): the sandbox then has a loopback "
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
