/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shellctl doctor: runs every audit of lib/doctor.h over the installation and prints the findings, each
 * followed by what to do. It only reads (and runs `sshd -T`, which reads too). The audits of the host around the
 * sandbox run once, after the walk over the users, for the sandboxed users it found. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "doctor.h"
#include "netfilter.h"

#define SSHD_PATH "/usr/sbin/sshd"
#define SSHRC_PATH "/etc/ssh/sshrc" /* sshd's _PATH_SSH_SYSTEM_RC */
#define PAM_DIR "/etc/pam.d"
#define POSTFIX_MAIN_CF "/etc/postfix/main.cf"
#define EXIM_DIR "/etc/exim4"
#define SENDMAIL_PATH "/usr/sbin/sendmail"
#define LINGER_DIR "/var/lib/systemd/linger"
#define SHELLS_PATH "/etc/shells"
#define TUN_PATH "/dev/net/tun" /* the device sbx_netstack_tap opens */

/* systemd's system unit directories, highest priority first (systemd.unit(5), "System Unit Search Path"). */
static const char *const unit_dirs[] = {
        "/etc/systemd/system.control", "/run/systemd/system.control",
        "/run/systemd/transient",      "/run/systemd/generator.early",
        "/etc/systemd/system",         "/etc/systemd/system.attached",
        "/run/systemd/system",         "/run/systemd/system.attached",
        "/run/systemd/generator",      "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system",     "/lib/systemd/system",
        "/run/systemd/generator.late", NULL,
};

/* The users whose policy sets Network the same way at the same place. */
struct net_group {
        enum sbx_network network;
        struct sbx_origin where; /* where.file owned */
        char **names;            /* NULL-terminated */
        size_t n;
};

struct doctor {
        const char *helper;
        const char *sshd_config;
        const char *mountinfo;
        struct sbx_findings f;
        /* What was audited already: several users share one rootfs. */
        char **seen;
        size_t n_seen;
        unsigned users;
        /* The sandboxed users (NULL-terminated names, uids alike), for the audits of the host after the walk, with
         * the rootfs of each (roots, alike) and whether its policy has Network private. */
        char **names;
        uid_t *uids;
        char **roots;
        bool *net_private;
        struct net_group *net;
        size_t n_net;
        /* sshd's PermitUserEnvironment (a global option: the same for every user), once sshd -T ran. */
        char permit_user_env[256];
        bool have_permit_user_env;
        bool oom;
};

/* Appends s (copied) to the NULL-terminated *v of *n entries. */
static int strv_push(char ***v, size_t *n, const char *s)
{
        char **nv = reallocarray(*v, *n + 2, sizeof(char *));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[*n] = strdup(s)))
                return -ENOMEM;
        nv[++*n] = NULL;
        return 0;
}

static int remember_user(struct doctor *d, const struct ctl_user *cu)
{
        size_t n = d->users - 1, m = n;
        uid_t *u = reallocarray(d->uids, n + 1, sizeof(uid_t));
        if (!u)
                return -ENOMEM;
        d->uids = u;
        u[n] = cu->uid;
        bool *np = reallocarray(d->net_private, n + 1, sizeof(bool));
        if (!np)
                return -ENOMEM;
        d->net_private = np;
        np[n] = cu->p->network == SBX_NETWORK_PRIVATE;
        int r = strv_push(&d->roots, &m, cu->p->root_directory);
        if (r < 0)
                return r;
        r = strv_push(&d->names, &n, cu->name);
        if (r < 0)
                return r;
        const struct sbx_origin *o = &cu->p->origin[SBX_KEY_NETWORK];
        size_t i;
        for (i = 0; i < d->n_net; i++)
                if (d->net[i].network == cu->p->network && d->net[i].where.line == o->line &&
                    streq(d->net[i].where.file ? d->net[i].where.file : "", o->file ? o->file : ""))
                        break;
        if (i == d->n_net) {
                struct net_group *g = reallocarray(d->net, d->n_net + 1, sizeof(*g));
                if (!g)
                        return -ENOMEM;
                d->net = g;
                g[i] = (struct net_group){.network = cu->p->network, .where = {.line = o->line}};
                d->n_net++;
                if (o->file && !(g[i].where.file = strdup(o->file)))
                        return -ENOMEM;
        }
        return strv_push(&d->net[i].names, &d->net[i].n, cu->name);
}

/* True the first time `key` is seen. */
static bool first_time(struct doctor *d, const char *key)
{
        for (size_t i = 0; i < d->n_seen; i++)
                if (streq(d->seen[i], key))
                        return false;
        char **v = realloc(d->seen, (d->n_seen + 1) * sizeof(*v));
        if (!v)
                return true;
        d->seen = v;
        if ((v[d->n_seen] = strdup(key)))
                d->n_seen++;
        return true;
}

/* A check that could not look at all is a finding too: the administrator must know what was not verified. */
static void not_checked(struct doctor *d, const char *what, const struct sbx_err *err)
{
        (void)sbx_findings_add(&d->f, "fix the cause and run doctor again", "could not check %s: %s", what, err->msg);
}

static void audit_sshd(struct doctor *d, const char *user)
{
        if (access(SSHD_PATH, X_OK) < 0)
                return; /* no sshd, no ssh logins */
        char spec[512];
        (void)snprintf(spec, sizeof(spec), "user=%s,host=localhost,addr=127.0.0.1", user);
        char *argv[] = {(char *)SSHD_PATH, (char *)"-T", (char *)"-C", spec, NULL, NULL, NULL};
        if (d->sshd_config) {
                argv[4] = (char *)"-f";
                argv[5] = (char *)d->sshd_config;
        }
        _cleanup_free_ char *out = NULL;
        int r = ctl_run(argv, true, &out);
        struct sbx_err err = {0};
        if (r != 0) {
                /* sshd names the cause on its first line ("Missing privilege separation directory"...). */
                char first[512] = "";
                if (out)
                        (void)snprintf(first, sizeof(first), "%.*s", (int)strcspn(out, "\n"), out);
                (void)sbx_err_setx(&err, EIO, "sshd -T exited with %d%s%s", r, first[0] ? ": " : "", first);
                char what[128];
                (void)snprintf(what, sizeof(what), "sshd's configuration for '%s'", user);
                not_checked(d, what, &err);
                return;
        }
        char v[256];
        if (!d->have_permit_user_env && sbx_doctor_sshd_value(out, "permituserenvironment", 0, v, sizeof(v))) {
                (void)strlcpy(d->permit_user_env, v, sizeof(d->permit_user_env));
                d->have_permit_user_env = true;
        }
        /* Users with the same effective sshd configuration give the same findings: report them once. */
        if (!first_time(d, out))
                return;
        if (sbx_doctor_sshd(user, out, &d->f, &err) < 0)
                not_checked(d, "sshd's configuration", &err);
}

static int audit_user(void *data, const struct ctl_user *cu)
{
        struct doctor *d = data;
        struct sbx_err err = {0};
        bool helper_shell = streq(cu->shell, d->helper);
        if (!cu->p) {
                if (helper_shell)
                        (void)sbx_findings_add(&d->f, "fix the configuration (sandbox-shellctl explain USER)",
                                               "user '%s': the policy does not resolve: %s", cu->name, cu->error);
                return 0;
        }
        if (!cu->p->sandbox) {
                if (helper_shell)
                        (void)sbx_findings_add(&d->f, "set Sandbox yes for the user, or give it another login shell",
                                               "user '%s' has the login shell '%s' but the policy says Sandbox no: "
                                               "the user's logins are refused",
                                               cu->name, cu->shell);
                return 0;
        }
        d->users++;
        if (remember_user(d, cu) < 0)
                d->oom = true;
        if (!helper_shell) {
                char fix[512];
                (void)snprintf(fix, sizeof(fix), "usermod -s %s %s", d->helper, cu->name);
                (void)sbx_findings_add(&d->f, fix,
                                       "user '%s' is sandboxed by the policy but its login shell is '%s': it logs "
                                       "in without the sandbox",
                                       cu->name, cu->shell);
        }
        const struct sbx_policy *p = cu->p;
        if (first_time(d, p->root_directory) && sbx_doctor_rootfs(p->root_directory, &d->f, &err) < 0)
                not_checked(d, "the rootfs", &err);
        char key[8192];
        (void)snprintf(key, sizeof(key), "%s\n%s", p->root_directory, p->shell);
        if (first_time(d, key) && sbx_doctor_shell(p->root_directory, p->shell, &d->f, &err) < 0)
                not_checked(d, "the shell", &err);
        /* Policies that need the same controllers give the same findings. */
        (void)snprintf(key, sizeof(key), "cgroup %u %u", sbx_cgroup_limits_controllers(&p->limits),
                       sbx_cgroup_limits_controllers(&p->session_limits));
        if (d->mountinfo && first_time(d, key) && sbx_doctor_cgroup(d->mountinfo, p, &d->f, &err) < 0)
                not_checked(d, "the cgroup controllers", &err);
        audit_sshd(d, cu->name);
        if (sbx_doctor_linger(LINGER_DIR, cu->name, &d->f, &err) < 0)
                not_checked(d, "lingering", &err);
        return 0;
}

/* The users whose policy has Network private (and, unless root is NULL, uses the rootfs root), as the audits take
 * them; `all` as for audit_host holds only when they are every sandboxed user. *ret_names and *ret_uids are malloc'd,
 * owned by the caller (also when this fails, on ENOMEM). */
static bool pick_users(const struct doctor *d, bool all, const char *root, struct sbx_doctor_users *ret,
                       const char ***ret_names, uid_t **ret_uids)
{
        *ret_names = calloc(d->users + 1, sizeof(char *));
        *ret_uids = calloc(d->users + 1, sizeof(uid_t));
        if (!*ret_names || !*ret_uids)
                return false;
        size_t n = 0;
        for (size_t i = 0; i < d->users; i++)
                if (d->net_private[i] && (!root || streq(d->roots[i], root))) {
                        (*ret_names)[n] = d->names[i];
                        (*ret_uids)[n++] = d->uids[i];
                }
        *ret = (struct sbx_doctor_users){.names = *ret_names, .uids = *ret_uids, .n = n, .all = all && n == d->users};
        return true;
}

/* Network private: what its logins need of the host, once for every user whose policy has it, and the file the
 * sandbox's resolv.conf is mounted on, once for each rootfs they use. */
static void audit_net_private(struct doctor *d, bool all)
{
        struct sbx_err err = {0};
        struct sbx_doctor_users g;
        _cleanup_free_ const char **names = NULL;
        _cleanup_free_ uid_t *uids = NULL;
        if (!pick_users(d, all, NULL, &g, &names, &uids)) {
                d->oom = true;
                return;
        }
        if (g.n == 0)
                return;
        if (sbx_doctor_tun(TUN_PATH, &g, &d->f, &err) < 0)
                not_checked(d, TUN_PATH, &err);
        if (sbx_doctor_netstack(SBX_NETSTACK_PATH, &g, &d->f, &err) < 0)
                not_checked(d, "the stack program of Network private", &err);
        if (sbx_doctor_nftables(SBX_LIBNFTABLES, &g, &d->f, &err) < 0)
                not_checked(d, SBX_LIBNFTABLES, &err);
        for (size_t i = 0; i < d->users; i++) {
                if (!d->net_private[i])
                        continue;
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = d->net_private[j] && streq(d->roots[j], d->roots[i]);
                if (seen)
                        continue;
                _cleanup_free_ const char **rnames = NULL;
                _cleanup_free_ uid_t *ruids = NULL;
                if (!pick_users(d, all, d->roots[i], &g, &rnames, &ruids)) {
                        d->oom = true;
                        return;
                }
                if (sbx_doctor_resolv_conf(d->roots[i], &g, &d->f, &err) < 0)
                        not_checked(d, "the rootfs's /etc/resolv.conf", &err);
        }
}

/* What the host runs for the sandboxed users outside the sandbox: once, for all of them. */
static void audit_host(struct doctor *d, bool all)
{
        struct sbx_err err = {0};
        struct sbx_doctor_users u = {
                .names = (const char *const *)d->names, .uids = d->uids, .n = d->users, .all = all};
        for (size_t i = 0; i < d->n_net; i++) {
                struct sbx_doctor_users g = {.names = (const char *const *)d->net[i].names, .n = d->net[i].n};
                if (sbx_doctor_network(d->net[i].network, &d->net[i].where, &g, &d->f, &err) < 0)
                        not_checked(d, "Network", &err);
        }
        if (access(SSHD_PATH, X_OK) == 0 &&
            sbx_doctor_sshrc(SSHRC_PATH, PAM_DIR "/sshd", d->have_permit_user_env ? d->permit_user_env : NULL, &u,
                             &d->f, &err) < 0)
                not_checked(d, SSHRC_PATH, &err);
        if (sbx_doctor_mta(POSTFIX_MAIN_CF, EXIM_DIR, SENDMAIL_PATH, &u, &d->f, &err) < 0)
                not_checked(d, "the mail transfer agent", &err);
        if (sbx_doctor_user_manager(unit_dirs, &u, &d->f, &err) < 0)
                not_checked(d, "systemd's user manager", &err);
        if (sbx_doctor_shells(SHELLS_PATH, d->helper, &d->f, &err) < 0)
                not_checked(d, SHELLS_PATH, &err);
        audit_net_private(d, all);
}

static void doctor_done(struct doctor *d)
{
        sbx_findings_done(&d->f);
        for (size_t i = 0; i < d->n_seen; i++)
                free(d->seen[i]);
        free(d->seen);
        strv_free(d->names);
        free(d->uids);
        strv_free(d->roots);
        free(d->net_private);
        for (size_t i = 0; i < d->n_net; i++) {
                free(d->net[i].where.file);
                strv_free(d->net[i].names);
        }
        free(d->net);
}

static char *read_all(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *s = NULL;
        size_t n = 0;
        if (!f || getdelim(&s, &n, '\0', f) < 0) {
                free(s);
                return NULL;
        }
        return s;
}

int ctl_doctor(struct ctl *ctl, int argc, char **argv)
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"helper", required_argument, NULL, 'H'},
                {"sshd-config", required_argument, NULL, 's'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct doctor d = {.helper = SBX_HELPER_PATH};
        int o;
        optind = 0;
        while ((o = getopt_long(argc, argv, "+h", options, NULL)) != -1)
                switch (o) {
                case 'c':
                        ctl->confdir = optarg;
                        break;
                case 'H':
                        d.helper = optarg;
                        break;
                case 's':
                        d.sshd_config = optarg;
                        break;
                case 'h':
                        ctl_verb_usage(stdout, "doctor", true);
                        return EXIT_SUCCESS;
                default:
                        ctl_verb_usage(stderr, "doctor", false);
                        return EXIT_USAGE;
                }
        if (argc - optind > 1) {
                ctl_verb_usage(stderr, "doctor", false);
                return EXIT_USAGE;
        }
        const char *only = optind < argc ? argv[optind] : NULL;

        _cleanup_config_ struct sbx_config *c = NULL;
        if (ctl_load_config(ctl, &c) < 0) {
                printf("the configuration in %s is invalid (errors above): every sandboxed login is refused\n"
                       "  fix: correct it until \"sandbox-shellctl check\" is silent, then run doctor again\n",
                       ctl->confdir);
                return EXIT_FAILURE;
        }
        struct sbx_err err = {0};
        /* The PAM services a sandboxed user arrives through. A missing file means the service is not installed. */
        static const char *const services[] = {"sshd", "login", "su", "su-l"};
        for (size_t i = 0; i < ELEMENTSOF(services); i++) {
                char path[256];
                (void)snprintf(path, sizeof(path), "%s/%s", PAM_DIR, services[i]);
                int r = sbx_doctor_pam(path, &d.f, &err);
                if (r < 0 && r != -ENOENT)
                        not_checked(&d, path, &err);
        }
        if (sbx_doctor_helper(d.helper, SBX_HELPER_CAPS, &d.f, &err) < 0 && err.code != ENOENT)
                not_checked(&d, "the helper", &err);

        _cleanup_free_ char *mountinfo = read_all("/proc/self/mountinfo");
        d.mountinfo = mountinfo;
        int r = ctl_for_each_user(c, only, audit_user, &d);
        if (r < 0 && only) {
                doctor_done(&d);
                return EXIT_FAILURE;
        }
        if (only && d.users == 0)
                (void)sbx_findings_add(&d.f, "set Sandbox yes for the user in the configuration",
                                       "user '%s' is not sandboxed by the policy", only);
        if (d.users > 0 && !d.oom)
                audit_host(&d, !only);
        if (d.oom)
                (void)sbx_findings_add(&d.f, "run doctor again", "could not check the host around the sandbox: %s",
                                       strerror(ENOMEM));

        for (size_t i = 0; i < d.f.n; i++)
                printf("%s\n  fix: %s\n", d.f.v[i].problem, d.f.v[i].fix);
        if (d.f.n)
                printf("%zu finding%s.\n", d.f.n, d.f.n == 1 ? "" : "s");
        else
                printf("No findings (%u sandboxed user%s checked).\n", d.users, d.users == 1 ? "" : "s");
        int ret = d.f.n ? EXIT_FAILURE : EXIT_SUCCESS;
        doctor_done(&d);
        return fflush(stdout) == 0 ? ret : EXIT_FAILURE;
}
