/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audits of `sandbox-shellctl doctor` that read configuration: PAM service files, the helper's file capabilities,
 * the cgroup controllers and sshd's effective configuration. The rootfs audit is in doctor-rootfs.c, the audits of what
 * the host runs for a sandboxed user around the sandbox in doctor-host.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "doctor.h"
#include "doctor-internal.h"

int sbx_findings_add(struct sbx_findings *f, const char *fix, const char *fmt, ...)
{
        struct sbx_finding *v = realloc(f->v, (f->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        f->v = v;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&v[f->n].problem, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        v[f->n].fix = strdup(fix ? fix : "");
        if (!v[f->n].fix) {
                free(v[f->n].problem);
                return -ENOMEM;
        }
        f->n++;
        return 0;
}

void sbx_findings_done(struct sbx_findings *f)
{
        for (size_t i = 0; i < f->n; i++) {
                free(f->v[i].problem);
                free(f->v[i].fix);
        }
        free(f->v);
        f->v = NULL;
        f->n = 0;
}

/* ---- shared by the audits (doctor-internal.h) ---- */

/* Configuration files larger than this are not read (Debian's exim4.conf.template is about 80 kB). */
#define TEXT_MAX (4u << 20)

int sbx_doctor_read_text(const char *path, char **ret, struct sbx_err *err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '%s'", path);
        _cleanup_fclose_ FILE *fp = fdopen(fd, "re");
        if (!fp)
                return sbx_err_set(err, errno, "open '%s'", path);
        TAKE_FD(fd);
        _cleanup_free_ char *s = NULL;
        size_t n = 0, cap = 0;
        for (;;) {
                if (cap - n < 4096) {
                        if (cap >= TEXT_MAX)
                                return sbx_err_setx(err, EFBIG, "'%s' is larger than %u bytes", path, TEXT_MAX);
                        char *v = realloc(s, cap + 65536);
                        if (!v)
                                return sbx_err_set(err, ENOMEM, "read '%s'", path);
                        s = v;
                        cap += 65536;
                }
                size_t got = fread(s + n, 1, cap - n - 1, fp);
                n += got;
                if (got == 0)
                        break;
        }
        if (ferror(fp))
                return sbx_err_set(err, EIO, "read '%s'", path);
        s[n] = '\0';
        *ret = TAKE_PTR(s);
        return 0;
}

char *sbx_doctor_who(const struct sbx_doctor_users *u, const bool *affected)
{
        size_t n = 0;
        for (size_t i = 0; i < u->n; i++)
                n += !affected || affected[i];
        if (u->all && n == u->n)
                return strdup("every sandboxed user");
        char *s = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&s, &len);
        if (!m)
                return NULL;
        fprintf(m, "the sandboxed user%s", n == 1 ? "" : "s");
        const char *sep = " ";
        for (size_t i = 0; i < u->n; i++)
                if (!affected || affected[i]) {
                        fprintf(m, "%s'%s'", sep, u->names[i]);
                        sep = ", ";
                }
        if (fclose(m) != 0) {
                free(s);
                return NULL;
        }
        return s;
}

size_t sbx_doctor_trim(const char **s, size_t n)
{
        while (n > 0 && (**s == ' ' || **s == '\t')) {
                (*s)++;
                n--;
        }
        while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t' || (*s)[n - 1] == '\r'))
                n--;
        return n;
}

bool sbx_doctor_next_line(const char **pos, const char **line, size_t *len)
{
        if (!**pos)
                return false;
        *line = *pos;
        *len = strcspn(*pos, "\n");
        *pos += *len + ((*pos)[*len] == '\n');
        return true;
}

/* ---- PAM ---- */

static int pam_push(struct sbx_pam_stack *s, const struct sbx_pam_line *l)
{
        struct sbx_pam_line *v = realloc(s->v, (s->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        s->v = v;
        v[s->n++] = *l;
        return 0;
}

/* Reads one service file into s, following @include and include/substack as libpam does (relative names are looked
 * up in the service file's directory). Nesting deeper than 8 is an error, as a loop would be. */
static int pam_read(const char *dir, const char *path, int depth, struct sbx_pam_stack *s, struct sbx_err *err)
{
        if (depth > 8)
                return sbx_err_setx(err, ELOOP, "'%s': includes nested too deeply", path);
        _cleanup_fclose_ FILE *fp = fopen(path, "re");
        if (!fp)
                return sbx_err_set(err, errno, "open '%s'", path);
        char buf[4096];
        unsigned lineno = 0;
        while (fgets(buf, sizeof(buf), fp)) {
                lineno++;
                char *hash = strchr(buf, '#');
                if (hash)
                        *hash = '\0';
                char *save = NULL;
                char *type = strtok_r(buf, " \t\r\n", &save);
                if (!type)
                        continue;
                char inc[4096];
                int r;
                if (streq(type, "@include")) {
                        char *name = strtok_r(NULL, " \t\r\n", &save);
                        if (!name)
                                continue;
                        (void)snprintf(inc, sizeof(inc), "%s%s%s", name[0] == '/' ? "" : dir, name[0] == '/' ? "" : "/",
                                       name);
                        r = pam_read(dir, inc, depth + 1, s, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                struct sbx_pam_line l = {0};
                (void)strlcpy(l.type, type[0] == '-' ? type + 1 : type, sizeof(l.type));
                char *rest = save ? save + strspn(save, " \t") : NULL;
                if (!rest || !*rest)
                        continue;
                /* A control in brackets may hold blanks: "[success=1 default=ignore]". */
                char *ctl_end = rest[0] == '[' ? strchr(rest, ']') : rest + strcspn(rest, " \t\r\n");
                if (!ctl_end)
                        continue;
                if (rest[0] == '[')
                        ctl_end++;
                (void)snprintf(l.control, sizeof(l.control), "%.*s", (int)(ctl_end - rest), rest);
                save = NULL;
                char *mod = strtok_r(ctl_end, " \t\r\n", &save);
                if (!mod)
                        continue;
                (void)snprintf(l.origin, sizeof(l.origin), "%s:%u", path, lineno);
                if (save) {
                        const char *args = save + strspn(save, " \t");
                        (void)snprintf(l.args, sizeof(l.args), "%.*s", (int)strcspn(args, "\r\n"), args);
                }
                if (streq(l.control, "include") || streq(l.control, "substack")) {
                        (void)snprintf(inc, sizeof(inc), "%s%s%s", mod[0] == '/' ? "" : dir, mod[0] == '/' ? "" : "/",
                                       mod);
                        /* Only the lines of this type count from an included file, as libpam reads it. */
                        struct sbx_pam_stack sub = {0};
                        r = pam_read(dir, inc, depth + 1, &sub, err);
                        for (size_t i = 0; r == 0 && i < sub.n; i++)
                                if (streq(sub.v[i].type, l.type))
                                        r = pam_push(s, &sub.v[i]);
                        free(sub.v);
                        if (r < 0)
                                return r == -ENOMEM ? sbx_err_set(err, ENOMEM, "'%s'", path) : r;
                        continue;
                }
                const char *base = strrchr(mod, '/');
                (void)strlcpy(l.module, base ? base + 1 : mod, sizeof(l.module));
                if (pam_push(s, &l) < 0)
                        return sbx_err_set(err, ENOMEM, "'%s'", path);
        }
        return 0;
}

int sbx_doctor_pam_read(const char *path, struct sbx_pam_stack *s, struct sbx_err *err)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return sbx_err_set(err, errno, "PAM service file '%s'", path);
        _cleanup_free_ char *dir = strdup(path);
        if (!dir)
                return sbx_err_set(err, ENOMEM, "'%s'", path);
        char *slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        return pam_read(slash ? dir : ".", path, 0, s, err);
}

int sbx_doctor_pam(const char *path, struct sbx_findings *f, struct sbx_err *err)
{
        struct sbx_pam_stack s = {0};
        int r = sbx_doctor_pam_read(path, &s, err);
        if (r < 0) {
                free(s.v);
                return r;
        }
        const struct sbx_pam_line *session = NULL, *auth = NULL, *cap_after = NULL, *systemd_after = NULL;
        bool account = false;
        for (size_t i = 0; i < s.n; i++) {
                const struct sbx_pam_line *l = &s.v[i];
                bool ours = streq(l->module, "pam_sandbox.so");
                account = account || (ours && streq(l->type, "account"));
                if (ours && streq(l->type, "session") && !session)
                        session = l;
                if (session && !systemd_after && streq(l->type, "session") && streq(l->module, "pam_systemd.so"))
                        systemd_after = l;
                if (ours && streq(l->type, "auth")) {
                        auth = l;
                        cap_after = NULL;
                }
                if (auth && streq(l->type, "auth") && streq(l->module, "pam_cap.so"))
                        cap_after = l;
        }
        if (r == 0 && !session)
                r = sbx_findings_add(f,
                                     "add \"session required pam_sandbox.so\" after \"@include common-session\" "
                                     "(see pam_sandbox(8))",
                                     "%s: no session line for pam_sandbox.so: sandboxed users cannot log in through "
                                     "this service (the login shell refuses without the session's grant)",
                                     path);
        else if (r == 0 && !streq(session->control, "required") && !streq(session->control, "requisite"))
                r = sbx_findings_add(f, "make the control \"required\"",
                                     "%s: pam_sandbox.so's session line has the control '%s': a session that "
                                     "could not be set up would not stop the login",
                                     session->origin, session->control);
        if (r == 0 && systemd_after)
                r = sbx_findings_add(f,
                                     "move the pam_sandbox.so session line after \"@include common-session\" "
                                     "(see pam_sandbox(8))",
                                     "%s: pam_systemd.so's session line comes after pam_sandbox.so's (%s): logind "
                                     "then moves the session into a scope of its own, and the sandbox's limits are "
                                     "lost or logind's session breaks",
                                     systemd_after->origin, session->origin);
        if (r == 0 && !auth)
                r = sbx_findings_add(f,
                                     "add \"auth optional pam_sandbox.so\" as the last auth line (after "
                                     "\"@include common-auth\")",
                                     "%s: no auth line for pam_sandbox.so: nothing raises the grant again after "
                                     "pam_setcred (sshd and login call it after the session opened)",
                                     path);
        if (r == 0 && session && !account)
                r = sbx_findings_add(f,
                                     "add \"account optional pam_sandbox.so\" after \"@include common-account\" "
                                     "(see pam_sandbox(8))",
                                     "%s: no account line for pam_sandbox.so: on a systemd host logind's session "
                                     "scope cannot get RuntimeMaxSec, and sessions of users who have it are refused",
                                     path);
        if (r == 0 && cap_after)
                r = sbx_findings_add(f, "move the pam_sandbox.so auth line after pam_cap.so",
                                     "%s: pam_cap.so comes after pam_sandbox.so's auth line and resets the "
                                     "inheritable capabilities it granted",
                                     cap_after->origin);
        free(s.v);
        return r == -ENOMEM ? sbx_err_set(err, ENOMEM, "findings") : r;
}

/* ---- the helper ---- */

static void capp_free(cap_t *c)
{
        if (*c)
                (void)cap_free(*c);
}

static void cap_textp_free(char **s)
{
        if (*s)
                (void)cap_free(*s);
}

static bool any_permitted(cap_t c)
{
        for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++) {
                cap_flag_value_t fv = CAP_CLEAR;
                if (cap_get_flag(c, v, CAP_PERMITTED, &fv) == 0 && fv == CAP_SET)
                        return true;
        }
        return false;
}

int sbx_doctor_helper(const char *path, const char *caps, struct sbx_findings *f, struct sbx_err *err)
{
        char want_text[512];
        (void)snprintf(want_text, sizeof(want_text), "%s+ei", caps);
        char fix[1024];
        int r;
        (void)snprintf(fix, sizeof(fix), "setcap %s '%s' (meson install does it)", want_text, path);

        struct stat st;
        if (lstat(path, &st) < 0) {
                int e = errno;
                r = sbx_findings_add(f, "install it (meson install) or give its path with --helper", "helper '%s': %s",
                                     path, strerror(e));
                return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : -e;
        }
        if (!S_ISREG(st.st_mode))
                return sbx_findings_add(f, "install the helper as a regular file",
                                        "helper '%s' is not a regular "
                                        "file",
                                        path) < 0
                               ? sbx_err_set(err, ENOMEM, "findings")
                               : 0;
        r = 0;
        if (st.st_mode & (S_ISUID | S_ISGID))
                r = sbx_findings_add(f,
                                     "chmod u-s,g-s on it: it works through its file capabilities and must never "
                                     "be setuid",
                                     "helper '%s' is set%s (mode %04o)", path, (st.st_mode & S_ISUID) ? "uid" : "gid",
                                     (unsigned)(st.st_mode & 07777));
        if (r == 0 && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))))
                r = sbx_findings_add(f, "chown root:root and chmod 0755 it",
                                     "helper '%s' can be changed by others than root (owner uid %u, mode %04o)", path,
                                     (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));

        _cleanup_(capp_free) cap_t want = cap_from_text(want_text);
        if (!want)
                return sbx_err_set(err, errno ? errno : EINVAL, "capability list '%s'", caps);
        _cleanup_(capp_free) cap_t have = cap_get_file(path);
        if (!have && errno != ENODATA)
                return sbx_err_set(err, errno, "read the file capabilities of '%s'", path);
        if (r == 0 && !have)
                r = sbx_findings_add(f, fix, "helper '%s' has no file capabilities: every sandboxed login fails", path);
        else if (r == 0 && cap_compare(have, want) != 0) {
                _cleanup_(cap_textp_free) char *text = cap_to_text(have, NULL);
                r = sbx_findings_add(f, fix, "helper '%s' has the file capabilities '%s', expected exactly '%s'%s",
                                     path, text ? text : "?", want_text,
                                     /* Permitted file capabilities would hold whatever the session granted or not. */
                                     any_permitted(have) ? " (a permitted set makes them unconditional)" : "");
        }
        return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
}

/* ---- sshd -T ---- */

const char *sbx_doctor_sshd_value(const char *text, const char *key, size_t nth, char *buf, size_t size)
{
        size_t klen = strlen(key);
        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
                        continue;
                if (nth-- > 0)
                        continue;
                const char *v = line + klen + 1;
                size_t n = strcspn(v, "\n");
                (void)snprintf(buf, size, "%.*s", (int)n, v);
                return buf;
        }
        return NULL;
}

int sbx_doctor_sshd(const char *user, const char *text, struct sbx_findings *f, struct sbx_err *err)
{
        static const char *const forwarding[] = {
                "allowtcpforwarding",
                "allowstreamlocalforwarding",
                "allowagentforwarding",
                "x11forwarding",
        };
        static const char fix_fwd[] = "include etc/sshd_config.d/sandbox-shell.conf (\"Match Group sandboxed\" with "
                                      "\"DisableForwarding yes\") in sshd_config";
        char v[1024];
        int r = 0;

        if (!sbx_doctor_sshd_value(text, "port", 0, v, sizeof(v)))
                return sbx_err_setx(err, EINVAL, "sshd -T for '%s' printed no configuration", user);
        if (sbx_doctor_sshd_value(text, "usepam", 0, v, sizeof(v)) && !streq(v, "yes"))
                r = sbx_findings_add(f, "set \"UsePAM yes\" in sshd_config",
                                     "sshd for '%s': UsePAM is '%s': no pam_sandbox session, so the user cannot "
                                     "log in over ssh",
                                     user, v);
        bool disabled = sbx_doctor_sshd_value(text, "disableforwarding", 0, v, sizeof(v)) && streq(v, "yes");
        for (size_t i = 0; r == 0 && !disabled && i < ELEMENTSOF(forwarding); i++)
                if (sbx_doctor_sshd_value(text, forwarding[i], 0, v, sizeof(v)) && !streq(v, "no"))
                        r = sbx_findings_add(f, fix_fwd,
                                             "sshd for '%s': %s is '%s': sshd itself would forward for the user, "
                                             "outside the sandbox",
                                             user, forwarding[i], v);
        if (r == 0 && sbx_doctor_sshd_value(text, "permittunnel", 0, v, sizeof(v)) && !streq(v, "no"))
                r = sbx_findings_add(f, "set \"PermitTunnel no\" for the sandboxed users",
                                     "sshd for '%s': PermitTunnel is '%s': tun/tap devices opened by sshd, outside "
                                     "the sandbox",
                                     user, v);
        if (r == 0 && sbx_doctor_sshd_value(text, "permituserrc", 0, v, sizeof(v)) && !streq(v, "no"))
                r = sbx_findings_add(f, "set \"PermitUserRC no\" for the sandboxed users",
                                     "sshd for '%s': PermitUserRC is '%s': sshd runs ~/.ssh/rc outside the "
                                     "sandbox",
                                     user, v);
        if (r == 0 && sbx_doctor_sshd_value(text, "permituserenvironment", 0, v, sizeof(v)) && !streq(v, "no"))
                r = sbx_findings_add(f, "set \"PermitUserEnvironment no\" (a global option)",
                                     "sshd for '%s': PermitUserEnvironment is '%s': ~/.ssh/environment reaches the "
                                     "helper's environment (LD_PRELOAD and friends)",
                                     user, v);
        char force[1024] = "none";
        (void)sbx_doctor_sshd_value(text, "forcecommand", 0, force, sizeof(force));
        if (r == 0 && strncmp(force, "internal-sftp", 13) == 0)
                r = sbx_findings_add(f,
                                     "remove the ForceCommand internal-sftp for the sandboxed users; the external "
                                     "sftp-server in the rootfs serves sftp inside the sandbox",
                                     "sshd for '%s': ForceCommand is '%s': sshd serves sftp itself, on the host's "
                                     "filesystem",
                                     user, force);
        for (size_t i = 0; r == 0 && sbx_doctor_sshd_value(text, "subsystem", i, v, sizeof(v)); i++) {
                const char *cmd = v + strcspn(v, " ");
                cmd += strspn(cmd, " ");
                if (strncmp(cmd, "internal-sftp", 13) == 0 && streq(force, "none"))
                        r = sbx_findings_add(f,
                                             "use the external \"Subsystem sftp /usr/lib/openssh/sftp-server\" or "
                                             "a ForceCommand (etc/sshd_config.d/sandbox-shell.conf has one)",
                                             "sshd for '%s': the subsystem '%s' runs inside sshd, outside the "
                                             "sandbox, and no ForceCommand routes it through the login shell",
                                             user, v);
        }
        return r < 0 ? sbx_err_set(err, ENOMEM, "findings") : 0;
}

/* ---- cgroup controllers ---- */

bool sbx_doctor_in_list(const char *list, const char *word, const char *seps)
{
        size_t n = strlen(word);
        for (const char *s = list; *s; s += strspn(s, seps)) {
                size_t len = strcspn(s, seps);
                if (len == n && strncmp(s, word, n) == 0)
                        return true;
                s += len;
        }
        return false;
}

/* "MemoryMax/MemoryHigh/MemorySwapMax": every limit keyword of the user's (and, with `session`, of a session's) that
 * needs controller `bit`, from the keyword table. */
static void keywords_of(unsigned bit, bool user, bool session, char *buf, size_t size)
{
        buf[0] = '\0';
        for (int k = 0; k < _SBX_KEY_MAX; k++) {
                const struct sbx_keyword *kw = sbx_keyword(k);
                if (!((kw->place == SBX_PLACE_LIMIT && user) || (kw->place == SBX_PLACE_SESSION && session)) ||
                    !((unsigned)kw->arg & bit))
                        continue;
                if (buf[0])
                        (void)strlcat(buf, "/", size);
                (void)strlcat(buf, kw->name, size);
        }
}

int sbx_doctor_cgroup(const char *mountinfo, const struct sbx_policy *p, struct sbx_findings *f, struct sbx_err *err)
{
        /* The mounts as the session open reads them (cgroup-utils.c). */
        struct sbx_cg_mounts ms = {0};
        int r = sbx_cg_mounts_parse(mountinfo, &ms, err);
        if (r < 0)
                return r;
        bool any;
        enum sbx_cgroup_layout layout = sbx_cg_mounts_layout(&ms, &any);
        unsigned v1_ctrl = 0;
        const char *v2_mount = NULL;
        for (size_t i = 0; i < ms.n; i++) {
                v1_ctrl |= ms.m[i].ctrl;
                if (ms.m[i].v2 && !v2_mount)
                        v2_mount = ms.m[i].point;
        }
        char avail[1024] = "";
        if (any && layout == SBX_CGROUP_V2) {
                _cleanup_close_ int fd = open(v2_mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0 || sbx_cg_read(fd, "cgroup.controllers", avail, sizeof(avail)) < 0) {
                        r = sbx_err_set(err, errno ? errno : EIO, "read '%s/cgroup.controllers'", v2_mount);
                        sbx_cg_mounts_done(&ms);
                        return r;
                }
        }
        sbx_cg_mounts_done(&ms);
        if (!any)
                return sbx_findings_add(f, "mount cgroup2 on /sys/fs/cgroup (or the v1 hierarchies)",
                                        "no cgroup filesystem is mounted: no sandboxed session can open") < 0
                               ? sbx_err_set(err, ENOMEM, "findings")
                               : 0;
        /* Hybrid and v1 hosts: the limits go to v1 hierarchies (never to the controller-less v2 one). A limit given
         * as `infinity` is still written, so it needs its controller as well. */
        bool v1 = layout != SBX_CGROUP_V2;
        unsigned user = sbx_cgroup_limits_controllers(&p->limits);
        unsigned session = sbx_cgroup_limits_controllers(&p->session_limits);
        unsigned need = user | session;
        for (unsigned bit = 1; bit <= SBX_CG_IO; bit <<= 1) {
                if (!(need & bit))
                        continue;
                const char *name = sbx_cg_ctrl_name(bit, !v1);
                bool ok = v1 ? (v1_ctrl & bit) != 0 : sbx_doctor_in_list(avail, name, " \n");
                char keys[256];
                keywords_of(bit, user & bit, session & bit, keys, sizeof(keys));
                if (!ok && sbx_findings_add(f,
                                            v1 ? "mount the v1 hierarchy for it, or remove the limit"
                                               : "enable the controller at boot (or remove the limit)",
                                            "policy of '%s': %s needs the cgroup controller '%s', which this host "
                                            "does not offer: the user's logins are refused",
                                            p->user, keys, name) < 0)
                        return sbx_err_set(err, ENOMEM, "findings");
        }
        return 0;
}
