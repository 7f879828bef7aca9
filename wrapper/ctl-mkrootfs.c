/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shellctl mkrootfs: builds a rootfs in one of three ways (busybox, debootstrap, copies of host programs),
 * adds the accounts of the sandboxed users, makes the tree safe and audits it as doctor does, all in a staging
 * directory next to DIR that only root can enter; then renames the finished tree onto DIR. A failed build leaves
 * nothing at DIR nor next to it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "doctor.h"
#include "mkrootfs.h"

#define DEBOOTSTRAP "/usr/sbin/debootstrap"
#define LDCONFIG "/sbin/ldconfig"

enum mode {
        MODE_NONE,
        MODE_BUSYBOX,
        MODE_DEBOOTSTRAP,
        MODE_COPY
};

struct accounts {
        struct sbx_mkrootfs_account u[256];
        size_t n_u;
        struct sbx_mkrootfs_group g[256];
        size_t n_g;
        char *strings[2048]; /* everything the entries point to */
        size_t n_strings;
        const char *root; /* the rootfs being built: users whose policy uses it get their Shell checked */
        char *shells[64];
        size_t n_shells;
};

static const char *keep(struct accounts *a, const char *s)
{
        if (a->n_strings == ELEMENTSOF(a->strings))
                return "";
        char *d = strdup(s);
        if (!d)
                return "";
        a->strings[a->n_strings++] = d;
        return d;
}

static void add_group(struct accounts *a, const char *name, gid_t gid, const char *member)
{
        for (size_t i = 0; i < a->n_g; i++)
                if (streq(a->g[i].name, name)) {
                        if (member) {
                                char *m = NULL;
                                if (asprintf(&m, "%s%s%s", a->g[i].members, a->g[i].members[0] ? "," : "", member) >=
                                    0) {
                                        a->g[i].members = keep(a, m);
                                        free(m);
                                }
                        }
                        return;
                }
        if (a->n_g < ELEMENTSOF(a->g))
                a->g[a->n_g++] = (struct sbx_mkrootfs_group){keep(a, name), gid, keep(a, member ? member : "")};
}

static int add_user(void *data, const struct ctl_user *cu)
{
        struct accounts *a = data;
        if (!cu->p || !cu->p->sandbox)
                return 0;
        if (a->n_u == ELEMENTSOF(a->u)) {
                fprintf(stderr,
                        "sandbox-shellctl: mkrootfs: more than %zu accounts; '%s' and later ones are not "
                        "added to the rootfs's /etc/passwd\n",
                        ELEMENTSOF(a->u), cu->name);
                return 1;
        }
        /* Inside the sandbox the login shell is the policy's Shell, not the helper. */
        a->u[a->n_u++] = (struct sbx_mkrootfs_account){keep(a, cu->name), cu->uid, cu->gid, keep(a, cu->home),
                                                       keep(a, cu->p->shell)};
        add_group(a, cu->u->group, cu->gid, NULL);
        for (char **g = cu->u->groups; g && *g; g++) {
                struct group *gr = getgrnam(*g);
                if (gr && gr->gr_gid != cu->gid)
                        add_group(a, *g, gr->gr_gid, cu->name);
        }
        if (streq(cu->p->root_directory, a->root) && a->n_shells < ELEMENTSOF(a->shells)) {
                bool seen = false;
                for (size_t i = 0; i < a->n_shells; i++)
                        seen |= streq(a->shells[i], cu->p->shell);
                if (!seen)
                        a->shells[a->n_shells++] = (char *)keep(a, cu->p->shell);
        }
        return 0;
}

/* The signals that end a build: held while the staging directory exists, so that ^C during debootstrap (which
 * gets it too and ends) still lets us remove the tree; delivered once it is gone. */
static void stop_signals(sigset_t *s)
{
        sigemptyset(s);
        sigaddset(s, SIGINT);
        sigaddset(s, SIGTERM);
        sigaddset(s, SIGHUP);
        sigaddset(s, SIGQUIT);
}

/* A stop signal taken while a child ran (run_visible), to be raised again once the staging directory is gone. */
static int held_signal;

static bool interrupted(void)
{
        sigset_t pending, stop;
        if (held_signal)
                return true;
        stop_signals(&stop);
        if (sigpending(&pending) < 0)
                return false;
        for (int sig = 1; sig < NSIG; sig++)
                if (sigismember(&stop, sig) == 1 && sigismember(&pending, sig) == 1)
                        return true;
        return false;
}

/* Runs argv with the output going to our stderr (debootstrap's progress) and the signal mask `mask`. A stop signal
 * sent to us alone (kill PID) ends the child too: we are waiting for it to remove its tree. Returns the exit status or
 * -errno. */
static int run_visible(char *const argv[], const sigset_t *mask)
{
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (dup2(2, 1) < 0 || sigprocmask(SIG_SETMASK, mask, NULL) < 0)
                        _exit(127);
                execv(argv[0], argv);
                fprintf(stderr, "sandbox-shellctl: cannot run %s: %m\n", argv[0]);
                _exit(127);
        }
        sigset_t stop;
        stop_signals(&stop);
        int status;
        for (;;) {
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR)
                        return -errno;
                struct timespec tick = {.tv_nsec = 100 * 1000 * 1000};
                int sig = sigtimedwait(&stop, NULL, &tick);
                if (sig > 0) {
                        held_signal = held_signal ? held_signal : sig;
                        (void)kill(pid, SIGTERM);
                }
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The end of debootstrap's log in the tree, on stderr: the tree and the log go when the build fails. */
static void show_log_tail(const struct sbx_mkrootfs_tree *t)
{
        int fd = sbx_mkrootfs_openat(t->fd, "debootstrap/debootstrap.log", O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
        _cleanup_fclose_ FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
        if (!f) {
                if (fd >= 0)
                        (void)close(fd);
                return;
        }
        char *lines[20] = {0};
        size_t n = 0, cap = 0;
        char *line = NULL;
        while (getline(&line, &cap, f) > 0) {
                free(lines[n % ELEMENTSOF(lines)]);
                lines[n++ % ELEMENTSOF(lines)] = strdup(line);
        }
        free(line);
        fprintf(stderr, "sandbox-shellctl: mkrootfs: the end of debootstrap's log:\n");
        for (size_t i = n > ELEMENTSOF(lines) ? n - ELEMENTSOF(lines) : 0; i < n; i++) {
                fprintf(stderr, "  %s", lines[i % ELEMENTSOF(lines)] ? lines[i % ELEMENTSOF(lines)] : "\n");
                free(lines[i % ELEMENTSOF(lines)]);
                lines[i % ELEMENTSOF(lines)] = NULL;
        }
}

/* The absolute path of a program named on the command line: as given when it holds a '/', else from PATH. */
static char *find_program(const char *name)
{
        if (strchr(name, '/'))
                return name[0] == '/' ? strdup(name) : realpath(name, NULL);
        const char *path = getenv("PATH");
        _cleanup_free_ char *copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        char *save = NULL;
        for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
                char *p = NULL;
                if (d[0] != '/' || asprintf(&p, "%s/%s", d, name) < 0)
                        continue;
                if (access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}

static int busybox(const struct sbx_mkrootfs_tree *t, const char *bb_arg, struct sbx_err *err)
{
        _cleanup_free_ char *bb = find_program(bb_arg ? bb_arg : "busybox");
        if (!bb)
                return sbx_err_setx(err, ENOENT, "busybox not found (Debian: apt install busybox-static)");
        /* Its own list of applets with their usual directories ("bin/sh", "usr/bin/awk"). */
        char *argv[] = {bb, (char *)"--list-full", NULL};
        _cleanup_free_ char *out = NULL;
        int r = ctl_run(argv, false, &out);
        if (r != 0)
                return sbx_err_setx(err, EIO, "'%s --list-full' failed (%d)", bb, r);
        const char *applets[1024];
        size_t n = 0;
        char *save = NULL;
        for (char *l = strtok_r(out, "\n", &save); l && n < ELEMENTSOF(applets); l = strtok_r(NULL, "\n", &save))
                applets[n++] = l;
        return sbx_mkrootfs_busybox(t, bb, applets, n, err);
}

static int copy(const struct sbx_mkrootfs_tree *t, char **progs, size_t n, struct sbx_err *err)
{
        _cleanup_free_ char *all = NULL;
        for (size_t i = 0; i < n && !interrupted(); i++) {
                _cleanup_free_ char *p = find_program(progs[i]), *libdirs = NULL;
                if (!p)
                        return sbx_err_setx(err, ENOENT, "program '%s' not found", progs[i]);
                int r = sbx_mkrootfs_copy(t, p, &libdirs, err);
                if (r < 0)
                        return r;
                char *m = NULL;
                if (libdirs && asprintf(&m, "%s%s", all ? all : "", libdirs) >= 0) {
                        free(all);
                        all = m;
                }
        }
        if (!all)
                return 0;
        /* The loader inside finds the libraries in the default directories; a cache covers any other one. */
        int r = sbx_mkrootfs_write(t, "etc/ld.so.conf", all, err);
        if (r < 0)
                return r;
        /* ldconfig -r chroots into the tree: what it writes stays inside. */
        char *argv[] = {(char *)LDCONFIG, (char *)"-r", (char *)t->path, NULL};
        _cleanup_free_ char *out = NULL;
        r = access(LDCONFIG, X_OK) == 0 ? ctl_run(argv, true, &out) : 0;
        if (r != 0)
                fprintf(stderr, "sandbox-shellctl: ldconfig -r %s failed (%d), continuing: %s", t->path, r,
                        out ? out : "\n");
        return 0;
}

/* Everything done in the staging tree before the audit. */
static int build(const struct sbx_mkrootfs_tree *t, enum mode mode, const char *bb, const char *suite,
                 const char *mirror, char **progs, size_t n_progs, const struct accounts *a, const sigset_t *mask,
                 unsigned long *changed, struct sbx_err *err)
{
        int r = 0;
        if (mode == MODE_DEBOOTSTRAP) {
                /* debootstrap lays out the tree itself (merged /usr: /bin is a link), so the skeleton comes after.
                 * It runs as root into the staging tree, which no other user can reach. */
                char *dargv[] = {(char *)DEBOOTSTRAP, (char *)"--variant=minbase",
                                 (char *)suite,       (char *)t->path,
                                 (char *)mirror,      NULL};
                int s = run_visible(dargv, mask);
                if (s != 0) {
                        show_log_tail(t);
                        return sbx_err_setx(err, EIO, "debootstrap %s %s%s%s failed (%s %d)", suite, t->path,
                                            mirror ? " " : "", mirror ? mirror : "", s < 0 ? "error" : "exit status",
                                            s);
                }
        }
        if (!interrupted())
                r = sbx_mkrootfs_skeleton(t, err);
        if (r == 0 && !interrupted() && mode == MODE_BUSYBOX)
                r = busybox(t, bb, err);
        if (r == 0 && !interrupted() && mode == MODE_COPY)
                r = copy(t, progs, n_progs, err);
        /* After the tree's own (debootstrap's, or one given to --copy), which it keeps. */
        if (r == 0 && !interrupted())
                r = sbx_mkrootfs_resolv_conf(t, err);
        if (r == 0 && !interrupted())
                r = sbx_mkrootfs_accounts(t, a->u, a->n_u, a->g, a->n_g, err);
        if (r == 0 && !interrupted())
                r = sbx_mkrootfs_sanitize(t, changed, err);
        if (r == 0 && interrupted())
                r = sbx_err_setx(err, EINTR, "interrupted");
        return r;
}

int ctl_mkrootfs(struct ctl *ctl, int argc, char **argv)
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"busybox", optional_argument, NULL, 'b'},
                {"debootstrap", required_argument, NULL, 'd'},
                {"mirror", required_argument, NULL, 'm'},
                {"copy", no_argument, NULL, 'C'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        enum mode mode = MODE_NONE;
        const char *bb = NULL, *suite = NULL, *mirror = NULL;
        unsigned modes = 0;
        int o;
        optind = 0;
        while ((o = getopt_long(argc, argv, "h", options, NULL)) != -1)
                switch (o) {
                case 'c':
                        ctl->confdir = optarg;
                        break;
                case 'b':
                        mode = MODE_BUSYBOX, bb = optarg, modes++;
                        break;
                case 'd':
                        mode = MODE_DEBOOTSTRAP, suite = optarg, modes++;
                        break;
                case 'm':
                        mirror = optarg;
                        break;
                case 'C':
                        mode = MODE_COPY, modes++;
                        break;
                case 'h':
                        ctl_verb_usage(stdout, "mkrootfs", true);
                        return EXIT_SUCCESS;
                default:
                        ctl_verb_usage(stderr, "mkrootfs", false);
                        return EXIT_USAGE;
                }
        int nargs = argc - optind;
        if (modes != 1 || nargs < 1 || (mode == MODE_COPY) != (nargs > 1) || (mirror && mode != MODE_DEBOOTSTRAP)) {
                ctl_verb_usage(stderr, "mkrootfs", false);
                return EXIT_USAGE;
        }
        const char *dir = argv[optind];
        if (dir[0] != '/' || streq(dir, "/")) {
                fprintf(stderr, "sandbox-shellctl: mkrootfs: DIR must be an absolute path other than /\n");
                return EXIT_USAGE;
        }

        struct accounts a = {.root = dir};
        a.u[a.n_u++] = (struct sbx_mkrootfs_account){"root", 0, 0, "/root", "/bin/sh"};
        a.u[a.n_u++] = (struct sbx_mkrootfs_account){"nobody", 65534, 65534, "/nonexistent", "/usr/sbin/nologin"};
        a.g[a.n_g++] = (struct sbx_mkrootfs_group){"root", 0, ""};
        a.g[a.n_g++] = (struct sbx_mkrootfs_group){"nogroup", 65534, ""};
        _cleanup_config_ struct sbx_config *c = NULL;
        if (ctl_load_config(ctl, &c) == 0) {
                if (ctl_for_each_user(c, NULL, add_user, &a) < 0) {
                        for (size_t i = 0; i < a.n_strings; i++)
                                free(a.strings[i]);
                        return EXIT_FAILURE; /* said why */
                }
        } else
                fprintf(stderr, "sandbox-shellctl: mkrootfs: no configuration, so no sandboxed user's account "
                                "goes into the rootfs\n");

        sigset_t stop, old;
        stop_signals(&stop);
        (void)sigprocmask(SIG_BLOCK, &stop, &old);
        struct sbx_err err = {0};
        struct sbx_mkrootfs_stage st;
        struct sbx_findings f = {0};
        unsigned long changed = 0;
        bool unsafe = false;
        int r = sbx_mkrootfs_stage_open(dir, &st, &err);
        if (r == 0)
                r = build(&st.tree, mode, bb, suite, mirror, argv + optind + 1, (size_t)nargs - 1, &a, &old, &changed,
                          &err);
        /* Invariant: only a tree that passes the audit goes into place. */
        if (r == 0)
                r = sbx_doctor_rootfs(st.tree.path, &f, &err);
        unsafe = r == 0 && f.n > 0;
        if (r == 0 && !unsafe)
                r = sbx_mkrootfs_stage_commit(&st, &err);
        /* The policy's Shell is looked for where the sandbox will see it; a missing one leaves the rootfs in place,
         * for the administrator to add the shell. */
        for (size_t i = 0; r == 0 && !unsafe && i < a.n_shells; i++)
                r = sbx_doctor_shell(dir, a.shells[i], &f, &err);
        bool installed = st.committed;
        _cleanup_free_ char *stage = st.stage_path ? strdup(st.stage_path) : NULL;
        struct sbx_err rm = {0};
        int rr = sbx_mkrootfs_stage_done(&st, &rm);
        for (size_t i = 0; i < a.n_strings; i++)
                free(a.strings[i]);

        int ret = EXIT_SUCCESS;
        if (r < 0) {
                fprintf(stderr, "sandbox-shellctl: mkrootfs: %s\n", err.msg);
                ret = EXIT_FAILURE;
        }
        for (size_t i = 0; i < f.n; i++)
                printf("%s\n  fix: %s\n", f.v[i].problem, f.v[i].fix);
        if (unsafe)
                fprintf(stderr, "sandbox-shellctl: mkrootfs: the tree built fails the rootfs audit (above)\n");
        if (rr < 0)
                fprintf(stderr, "sandbox-shellctl: mkrootfs: %s\n", rm.msg);
        if (!installed && stage)
                fprintf(stderr,
                        "sandbox-shellctl: mkrootfs: nothing was installed at %s; the staging directory %s "
                        "%s\n",
                        dir, stage, rr < 0 ? "could not be removed completely" : "is removed");
        if (installed && f.n)
                fprintf(stderr, "sandbox-shellctl: mkrootfs: %s is in place, with the findings above\n", dir);
        if (unsafe || rr < 0 || f.n)
                ret = EXIT_FAILURE;
        if (ret == EXIT_SUCCESS)
                printf("%s: rootfs ready (%zu account%s; the safety pass changed %lu file%s)\n", dir, a.n_u,
                       a.n_u == 1 ? "" : "s", changed, changed == 1 ? "" : "s");
        sbx_findings_done(&f);
        /* A signal held meanwhile ends us now, with the staging directory gone. */
        (void)fflush(stdout);
        (void)sigprocmask(SIG_SETMASK, &old, NULL);
        if (held_signal) {
                (void)signal(held_signal, SIG_DFL);
                (void)raise(held_signal);
        }
        return ret;
}
