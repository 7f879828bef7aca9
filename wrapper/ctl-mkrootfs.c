/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shellctl mkrootfs: builds a rootfs in one of three ways (busybox, debootstrap, copies of host programs),
 * adds the accounts of the sandboxed users, makes the tree safe and audits it as doctor does. */
#define _GNU_SOURCE
#include <getopt.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "doctor.h"
#include "mkrootfs.h"

#define DEBOOTSTRAP "/usr/sbin/debootstrap"
#define LDCONFIG "/sbin/ldconfig"

enum mode { MODE_NONE, MODE_BUSYBOX, MODE_DEBOOTSTRAP, MODE_COPY };

struct accounts {
        struct sbx_mkrootfs_account u[256];
        size_t n_u;
        struct sbx_mkrootfs_group g[256];
        size_t n_g;
        char *strings[2048]; /* everything the entries point to */
        size_t n_strings;
        const char *root;    /* the rootfs being built: users whose policy uses it get their Shell checked */
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
                                if (asprintf(&m, "%s%s%s", a->g[i].members, a->g[i].members[0] ? "," : "", member) >= 0) {
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
                fprintf(stderr, "sandbox-shellctl: mkrootfs: more than %zu accounts; '%s' and later ones are not "
                                "added to the rootfs's /etc/passwd\n", ELEMENTSOF(a->u), cu->name);
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

/* Runs argv with the output going to our stderr (debootstrap's progress). Returns the exit status or -errno. */
static int run_visible(char *const argv[])
{
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (dup2(2, 1) < 0)
                        _exit(127);
                execv(argv[0], argv);
                fprintf(stderr, "sandbox-shellctl: cannot run %s: %m\n", argv[0]);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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

static int busybox(const char *dir, const char *bb_arg, struct sbx_err *err)
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
        return sbx_mkrootfs_busybox(dir, bb, applets, n, err);
}

static int copy(const char *dir, char **progs, size_t n, struct sbx_err *err)
{
        _cleanup_free_ char *all = NULL;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = find_program(progs[i]), *libdirs = NULL;
                if (!p)
                        return sbx_err_setx(err, ENOENT, "program '%s' not found", progs[i]);
                int r = sbx_mkrootfs_copy(dir, p, &libdirs, err);
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
        char conf[4200];
        (void)snprintf(conf, sizeof(conf), "%s/etc/ld.so.conf", dir);
        _cleanup_fclose_ FILE *f = fopen(conf, "we");
        if (!f || fputs(all, f) < 0 || fflush(f) != 0)
                return sbx_err_set(err, errno ? errno : EIO, "write '%s'", conf);
        (void)fchmod(fileno(f), 0644);
        char *argv[] = {(char *)LDCONFIG, (char *)"-r", (char *)dir, NULL};
        _cleanup_free_ char *out = NULL;
        int r = access(LDCONFIG, X_OK) == 0 ? ctl_run(argv, true, &out) : 0;
        if (r != 0)
                fprintf(stderr, "sandbox-shellctl: ldconfig -r %s failed (%d), continuing: %s", dir, r, out ? out : "\n");
        return 0;
}

/* Creates dir, or accepts it when it is an empty directory. */
static int empty_dir(const char *dir, struct sbx_err *err)
{
        if (mkdir(dir, 0755) == 0)
                return 0;
        if (errno != EEXIST)
                return sbx_err_set(err, errno, "create '%s'", dir);
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return sbx_err_set(err, errno, "open '%s'", dir);
        struct dirent *de;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return sbx_err_setx(err, EEXIST, "'%s' exists and is not empty", dir);
        return 0;
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
        if (ctl_load_config(ctl, &c) == 0)
                (void)ctl_for_each_user(c, NULL, add_user, &a);
        else
                fprintf(stderr, "sandbox-shellctl: mkrootfs: no configuration, so no sandboxed user's account "
                                "goes into the rootfs\n");

        struct sbx_err err = {0};
        int r = 0;
        if (mode == MODE_DEBOOTSTRAP) {
                /* debootstrap lays out the tree itself (merged /usr: /bin is a link), so the skeleton comes after. */
                r = empty_dir(dir, &err);
                char *dargv[] = {(char *)DEBOOTSTRAP, (char *)"--variant=minbase", (char *)suite, (char *)dir,
                                 (char *)mirror, NULL};
                int s = r < 0 ? 0 : run_visible(dargv);
                if (r == 0 && s != 0)
                        r = sbx_err_setx(&err, EIO, "debootstrap %s %s%s%s failed (%s %d); its log is %s/debootstrap/"
                                         "debootstrap.log", suite, dir, mirror ? " " : "", mirror ? mirror : "",
                                         s < 0 ? "error" : "exit status", s, dir);
                if (r == 0)
                        r = sbx_mkrootfs_skeleton(dir, true, &err);
        } else {
                r = sbx_mkrootfs_skeleton(dir, false, &err);
                if (r == 0 && mode == MODE_BUSYBOX)
                        r = busybox(dir, bb, &err);
                if (r == 0 && mode == MODE_COPY)
                        r = copy(dir, argv + optind + 1, (size_t)nargs - 1, &err);
        }
        if (r == 0)
                r = sbx_mkrootfs_accounts(dir, a.u, a.n_u, a.g, a.n_g, &err);
        unsigned long changed = 0;
        if (r == 0)
                r = sbx_mkrootfs_sanitize(dir, &changed, &err);
        struct sbx_findings f = {0};
        if (r == 0)
                r = sbx_doctor_rootfs(dir, &f, &err);
        for (size_t i = 0; r == 0 && i < a.n_shells; i++)
                r = sbx_doctor_shell(dir, a.shells[i], &f, &err);
        for (size_t i = 0; i < a.n_strings; i++)
                free(a.strings[i]);
        if (r < 0) {
                fprintf(stderr, "sandbox-shellctl: mkrootfs: %s\n", err.msg);
                sbx_findings_done(&f);
                return EXIT_FAILURE;
        }
        for (size_t i = 0; i < f.n; i++)
                printf("%s\n  fix: %s\n", f.v[i].problem, f.v[i].fix);
        int ret = f.n ? EXIT_FAILURE : EXIT_SUCCESS;
        if (!f.n)
                printf("%s: rootfs ready (%zu account%s; the safety pass changed %lu file%s)\n", dir, a.n_u,
                       a.n_u == 1 ? "" : "s", changed, changed == 1 ? "" : "s");
        sbx_findings_done(&f);
        return ret;
}
