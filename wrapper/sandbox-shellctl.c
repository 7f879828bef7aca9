/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shellctl: the administrator's tool. It runs as root, carries no capabilities and only reads: the config
 * through lib/ exactly as the PAM module and the helper read it.
 *
 * Subcommands live in one table (name, function, usage); check and explain take the common options parsed here, the
 * others (doctor, list, kill, metrics, mkrootfs, in ctl-*.c) parse their own. Exit status: 0 success, 1 failure, 2 usage
 * error. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "explain.h"
#include "filter.h"
#include "rlimit.h"

struct verb {
        const char *name;
        int (*run)(struct ctl *ctl, int argc, char **argv);
        const char *usage;
        const char *summary;
        bool own_options; /* run gets argv[0] = the subcommand and parses every option itself */
};

static const struct verb *find_verb(const char *name);

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: sandbox-shellctl [--config DIR] COMMAND [ARGS...]\n"
                "       sandbox-shellctl --help | --version\n\n"
                "Commands:\n"
                "  check                         validate the configuration, print every error\n"
                "  explain USER                  print the effective policy for USER\n"
                "  doctor [USER]                 audit the installation (PAM, helper, users, rootfs, cgroups, sshd)\n"
                "  list [--json]                 list the live sandboxed sessions with their usage\n"
                "  kill USER|SESSION             end sessions and remove their cgroups\n"
                "  metrics [--textfile PATH]     the live sessions and limits for Prometheus\n"
                "  mkrootfs DIR --busybox | --debootstrap SUITE | --copy PROG...\n"
                "                                build a rootfs that passes doctor's audit\n\n"
                "'sandbox-shellctl COMMAND --help' shows the options of a command.\n\n"
                "Options:\n"
                "  --config DIR   read the configuration from DIR (default %s)\n"
                "  -h, --help     show this help\n"
                "  --version      show the version\n\n"
                "Exit status: 0 success, 1 failure (invalid configuration, unknown user), 2 usage error.\n",
                SBX_CONFDIR);
}

/* Options every subcommand takes. Returns the index of the first operand, or -1 after a usage error
 * (-2 after --help). */
static int parse_verb_options(struct ctl *ctl, const struct verb *v, int argc, char **argv)
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int o;
        optind = 0;
        while ((o = getopt_long(argc, argv, "+h", options, NULL)) != -1)
                switch (o) {
                case 'c':
                        ctl->confdir = optarg;
                        break;
                case 'h':
                        printf("Usage: sandbox-shellctl %s %s\n%s\n", v->name, v->usage, v->summary);
                        return -2;
                default:
                        fprintf(stderr, "Usage: sandbox-shellctl %s %s\n", v->name, v->usage);
                        return -1;
                }
        return optind;
}

/* On errors prints every one of them (the files' own `file:line: message`). */
int ctl_load_config(const struct ctl *ctl, struct sbx_config **ret)
{
        struct sbx_err err = {0};
        _cleanup_config_ struct sbx_config *c = NULL;
        int r = sbx_config_load(ctl->confdir, NULL, &c, &err);
        if (r < 0 && !c) {
                fprintf(stderr, "sandbox-shellctl: %s\n", err.msg);
                return -1;
        }
        for (size_t i = 0; i < c->n_errors; i++)
                fprintf(stderr, "%s\n", c->errors[i].msg);
        if (r < 0)
                return -1;
        *ret = TAKE_PTR(c);
        return 0;
}

static int verb_check(struct ctl *ctl, int argc, char **argv)
{
        if (argc != 0) {
                ctl_verb_usage(stderr, "check", false);
                return EXIT_USAGE;
        }
        _cleanup_config_ struct sbx_config *c = NULL;
        /* Silent on success, as `sshd -t`: the exit status says it. */
        return ctl_load_config(ctl, &c) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- explain ---- */

static int verb_explain(struct ctl *ctl, int argc, char **argv)
{
        if (argc != 1) {
                ctl_verb_usage(stderr, "explain", false);
                return EXIT_USAGE;
        }
        _cleanup_config_ struct sbx_config *c = NULL;
        if (ctl_load_config(ctl, &c) < 0)
                return EXIT_FAILURE;
        struct sbx_err err = {0};
        _cleanup_user_ struct sbx_user *u = NULL;
        if (sbx_user_lookup_name(argv[0], true, &u, &err) < 0) {
                fprintf(stderr, "sandbox-shellctl: %s\n", err.msg);
                return EXIT_FAILURE;
        }
        _cleanup_policy_ struct sbx_policy *p = NULL;
        if (sbx_policy_resolve(c, u, &p, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return EXIT_FAILURE;
        }
        printf("# %s: uid %lu, group %s (gid %lu), home %s\n", p->user, (unsigned long)p->uid, p->group,
               (unsigned long)p->gid, p->home);
        sbx_explain_policy(stdout, p);
        if (fflush(stdout) != 0 || ferror(stdout)) {
                perror("sandbox-shellctl: writing output");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

static const struct verb verbs[] = {
        {"check", verb_check, "[--config DIR]", "Validate every configuration file; print each error."},
        {"explain", verb_explain, "[--config DIR] USER", "Print the effective policy for USER with its origins."},
        {"doctor", ctl_doctor, "[--config DIR] [--helper PATH] [--sshd-config FILE] [USER]",
         "Audit the installation; print each problem with what to do. Exit 1 when anything was found.", true},
        {"list", ctl_list, "[--config DIR] [--cgroup-root PATH] [--json]",
         "List the live sandboxed sessions: user, session, PID, since, memory now/peak, CPU, tasks.", true},
        {"kill", ctl_kill, "[--config DIR] [--cgroup-root PATH] USER|SESSION",
         "End every session of USER, or the session SESSION, and remove their cgroups.", true},
        {"metrics", ctl_metrics, "[--config DIR] [--cgroup-root PATH] [--textfile PATH]",
         "Print the live sessions' usage and the users' limits in Prometheus's text format, or replace PATH with it\n"
         "atomically (for node_exporter's textfile collector).",
         true},
        {"mkrootfs", ctl_mkrootfs,
         "[--config DIR] DIR --busybox[=PATH] | --debootstrap SUITE [--mirror URL] | --copy PROG...",
         "Build a rootfs in DIR (a new or empty directory) that passes doctor's rootfs audit.", true},
};

static const struct verb *find_verb(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

void ctl_verb_usage(FILE *f, const char *name, bool full)
{
        const struct verb *v = find_verb(name);
        if (!v)
                return;
        fprintf(f, "Usage: sandbox-shellctl %s %s\n", v->name, v->usage);
        if (full)
                fprintf(f, "%s\n", v->summary);
}

int ctl_run(char *const argv[], bool merge_stderr, char **ret_out)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                (void)close(p[0]);
                (void)close(p[1]);
                return -e;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || (merge_stderr && dup2(p[1], 2) < 0))
                        _exit(127);
                execv(argv[0], argv);
                _exit(127);
        }
        (void)close(p[1]);
        char *out = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&out, &len);
        char buf[4096];
        ssize_t n;
        while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                if (n > 0 && m)
                        (void)fwrite(buf, 1, (size_t)n, m);
        (void)close(p[0]);
        if (m)
                (void)fclose(m);
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        free(out);
                        return -errno;
                }
        if (!out)
                return -ENOMEM;
        *ret_out = out;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ctl_for_each_user(const struct sbx_config *c, const char *only, int (*fn)(void *data, const struct ctl_user *cu),
                      void *data)
{
        /* The names first: the lookups below must not disturb the passwd enumeration. */
        size_t n = 0, cap = 64;
        char **list = calloc(cap + 1, sizeof(char *));
        if (!list)
                return -ENOMEM;
        if (only) {
                if (!getpwnam(only)) {
                        fprintf(stderr, "sandbox-shellctl: unknown user '%s'\n", only);
                        free(list);
                        return -1;
                }
                list[n++] = strdup(only);
        } else {
                setpwent();
                struct passwd *pw;
                bool oom = false;
                while (!oom && (pw = getpwent())) {
                        if (n == cap) {
                                char **v = reallocarray(list, 2 * cap + 1, sizeof(char *));
                                if (!v) {
                                        oom = true;
                                        break;
                                }
                                list = v;
                                cap *= 2;
                                memset(list + n, 0, (cap + 1 - n) * sizeof(char *));
                        }
                        oom = !(list[n++] = strdup(pw->pw_name));
                }
                endpwent();
                if (oom) {
                        /* A partial list would audit (or list) some users and say nothing of the others. */
                        strv_free(list);
                        fprintf(stderr, "sandbox-shellctl: out of memory while reading the user database\n");
                        return -ENOMEM;
                }
        }
        _cleanup_strv_free_ char **names = list;
        for (size_t i = 0; i < n; i++)
                if (!names[i]) {
                        fprintf(stderr, "sandbox-shellctl: out of memory while reading the user database\n");
                        return -ENOMEM;
                }
        for (char **name = names; *name; name++) {
                struct passwd *pw = getpwnam(*name);
                if (!pw)
                        continue;
                _cleanup_free_ char *home = strdup(pw->pw_dir), *shell = strdup(pw->pw_shell);
                struct ctl_user cu = {
                        .name = *name, .uid = pw->pw_uid, .gid = pw->pw_gid, .home = home, .shell = shell};
                struct sbx_err err = {0};
                _cleanup_user_ struct sbx_user *u = NULL;
                _cleanup_policy_ struct sbx_policy *p = NULL;
                if (!home || !shell)
                        return -ENOMEM;
                if (sbx_user_lookup_name(*name, true, &u, &err) < 0 || sbx_policy_resolve(c, u, &p, &err) < 0)
                        cu.error = err.msg;
                cu.u = u;
                cu.p = p;
                int r = fn(data, &cu);
                if (r != 0)
                        return r;
        }
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {},
        };
        struct ctl ctl = {.confdir = SBX_CONFDIR};
        int o;
        /* '+': stop at the subcommand; its own options follow it. */
        while ((o = getopt_long(argc, argv, "+h", options, NULL)) != -1)
                switch (o) {
                case 'c':
                        ctl.confdir = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                case 'V':
                        printf("sandbox-shellctl %s\n", SBX_VERSION);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        if (optind >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        const struct verb *v = find_verb(argv[optind]);
        if (!v) {
                fprintf(stderr, "sandbox-shellctl: unknown command '%s'\n", argv[optind]);
                usage(stderr);
                return EXIT_USAGE;
        }
        argc -= optind;
        argv += optind;
        if (v->own_options)
                return v->run(&ctl, argc, argv);
        int first = parse_verb_options(&ctl, v, argc, argv);
        if (first == -2)
                return EXIT_SUCCESS;
        if (first < 0)
                return EXIT_USAGE;
        return v->run(&ctl, argc - first, argv + first);
}
