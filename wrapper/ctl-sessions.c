/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shellctl list, kill and metrics: the live sessions, read from the cgroup trees of every CgroupRoot the
 * policies use (lib/sessions.h); metrics writes them in Prometheus's text format (lib/metrics.h). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "metrics.h"
#include "sessions.h"

struct roots {
        char **v;
        size_t n;
};

static int add_root(struct roots *r, const char *spec)
{
        for (size_t i = 0; i < r->n; i++)
                if (streq(r->v[i], spec))
                        return 0;
        char **v = realloc(r->v, (r->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        r->v = v;
        if (!(v[r->n] = strdup(spec)))
                return -ENOMEM;
        r->n++;
        return 0;
}

static void roots_done(struct roots *r)
{
        for (size_t i = 0; i < r->n; i++)
                free(r->v[i]);
        free(r->v);
}

static int collect_root(void *data, const struct ctl_user *cu)
{
        if (cu->p && cu->p->sandbox)
                return add_root(data, cu->p->cgroup_root);
        return 0;
}

/* Options shared by list, kill and metrics (json, textfile: NULL where the subcommand has no such option). Returns the
 * index of the first operand, or -1 (usage error) / -2 (--help). */
static int parse(struct ctl *ctl, const char *verb, int argc, char **argv, struct roots *roots, bool *json,
                 const char **textfile)
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'}, {"cgroup-root", required_argument, NULL, 'r'},
                {"json", no_argument, NULL, 'j'},         {"textfile", required_argument, NULL, 't'},
                {"help", no_argument, NULL, 'h'},         {},
        };
        int o;
        optind = 0;
        while ((o = getopt_long(argc, argv, "+h", options, NULL)) != -1)
                switch (o) {
                case 'c':
                        ctl->confdir = optarg;
                        break;
                case 'r':
                        if (add_root(roots, optarg) < 0)
                                return -1;
                        break;
                case 'j':
                        if (json) {
                                *json = true;
                                break;
                        }
                        ctl_verb_usage(stderr, verb, false);
                        return -1;
                case 't':
                        if (textfile) {
                                *textfile = optarg;
                                break;
                        }
                        ctl_verb_usage(stderr, verb, false);
                        return -1;
                case 'h':
                        ctl_verb_usage(stdout, verb, true);
                        return -2;
                default:
                        ctl_verb_usage(stderr, verb, false);
                        return -1;
                }
        return optind;
}

/* Without --cgroup-root: the CgroupRoot of every sandboxed user's policy in c (the default when there is none). */
static int default_roots_of(const struct sbx_config *c, struct roots *roots)
{
        if (roots->n)
                return 0;
        if (ctl_for_each_user(c, NULL, collect_root, roots) != 0 ||
            (roots->n == 0 && add_root(roots, SBX_DEFAULT_CGROUP_ROOT) < 0)) {
                fprintf(stderr, "sandbox-shellctl: out of memory\n");
                return -1;
        }
        return 0;
}

static int default_roots(const struct ctl *ctl, struct roots *roots)
{
        if (roots->n)
                return 0;
        _cleanup_config_ struct sbx_config *c = NULL;
        if (ctl_load_config(ctl, &c) < 0)
                return -1;
        return default_roots_of(c, roots);
}

static void put_size(FILE *f, uint64_t v)
{
        if (v == SBX_CGROUP_UNKNOWN)
                fputs("-", f);
        else if (v >= 10ULL << 30)
                fprintf(f, "%.1fG", (double)v / (1 << 30));
        else if (v >= 10ULL << 20)
                fprintf(f, "%.1fM", (double)v / (1 << 20));
        else
                fprintf(f, "%.1fK", (double)v / 1024);
}

static void put_json_u64(FILE *f, const char *key, uint64_t v, bool last)
{
        if (v == SBX_CGROUP_UNKNOWN)
                fprintf(f, "\"%s\": null%s", key, last ? "" : ", ");
        else
                fprintf(f, "\"%s\": %llu%s", key, (unsigned long long)v, last ? "" : ", ");
}

/* JSON string: user names and cgroup paths hold no quotes in practice, but escape anyway. */
static void put_json_str(FILE *f, const char *s)
{
        fputc('"', f);
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        fprintf(f, "\\%c", *s);
                else if ((unsigned char)*s < 0x20)
                        fprintf(f, "\\u%04x", (unsigned char)*s);
                else
                        fputc(*s, f);
        }
        fputc('"', f);
}

static void format_time(time_t t, bool iso, char *buf, size_t size)
{
        struct tm tm;
        if (t == 0 || !localtime_r(&t, &tm) || strftime(buf, size, iso ? "%Y-%m-%dT%H:%M:%S%z" : "%F %T", &tm) == 0)
                (void)snprintf(buf, size, "-");
}

int ctl_list(struct ctl *ctl, int argc, char **argv)
{
        struct roots roots = {0};
        bool json = false;
        int first = parse(ctl, "list", argc, argv, &roots, &json, NULL);
        int ret = EXIT_FAILURE;
        struct sbx_session_list l = {0};
        struct sbx_err err = {0};
        if (first < 0 || argc - first != 0) {
                ret = first == -2 ? EXIT_SUCCESS : EXIT_USAGE;
                goto out;
        }
        if (default_roots(ctl, &roots) < 0)
                goto out;
        if (sbx_sessions_list((const char *const *)roots.v, roots.n, &l, &err) < 0) {
                fprintf(stderr, "sandbox-shellctl: %s\n", err.msg);
                goto out;
        }
        if (json) {
                fputs("[", stdout);
                for (size_t i = 0; i < l.n; i++) {
                        const struct sbx_session_info *s = &l.v[i];
                        char since[64];
                        format_time(s->since, true, since, sizeof(since));
                        printf("%s\n  {\"user\": ", i ? "," : "");
                        put_json_str(stdout, s->user);
                        printf(", \"session\": \"%s\", \"pid\": %d, \"alive\": %s, \"since\": ", s->id, (int)s->pid,
                               s->alive ? "true" : "false");
                        if (s->since)
                                printf("\"%s\", \"since_epoch\": %lld, ", since, (long long)s->since);
                        else
                                fputs("null, \"since_epoch\": null, ", stdout);
                        put_json_u64(stdout, "memory_current", s->usage.memory_now, false);
                        put_json_u64(stdout, "memory_peak", s->usage.memory_peak, false);
                        put_json_u64(stdout, "cpu_usec", s->usage.cpu_usec, false);
                        put_json_u64(stdout, "tasks", s->usage.tasks, false);
                        put_json_u64(stdout, "oom_kills", s->usage.oom_kills, false);
                        put_json_u64(stdout, "tasks_max_hits", s->usage.tasks_max_hits, false);
                        fputs("\"cgroup\": ", stdout);
                        put_json_str(stdout, s->leaf);
                        if (s->instance) {
                                char until[64];
                                format_time(s->linger_until, true, until, sizeof(until));
                                printf(", \"instance\": true, \"logins\": %u, \"linger_until\": ", s->logins);
                                if (s->linger_until > 0)
                                        printf("\"%s\"", until);
                                else
                                        fputs(s->linger_until < 0 ? "\"infinity\"" : "null", stdout);
                        }
                        fputs("}", stdout);
                }
                fputs(l.n ? "\n]\n" : "]\n", stdout);
        } else {
                printf("%-12s %-22s %7s %-19s %9s %9s %10s %5s\n", "USER", "SESSION", "PID", "SINCE", "MEMORY", "PEAK",
                       "CPU", "TASKS");
                for (size_t i = 0; i < l.n; i++) {
                        const struct sbx_session_info *s = &l.v[i];
                        char since[64], mem[32] = "", peak[32] = "", cpu[32] = "-", tasks[32] = "-";
                        FILE *m;
                        format_time(s->since, false, since, sizeof(since));
                        if ((m = fmemopen(mem, sizeof(mem), "w"))) {
                                put_size(m, s->usage.memory_now);
                                (void)fclose(m);
                        }
                        if ((m = fmemopen(peak, sizeof(peak), "w"))) {
                                put_size(m, s->usage.memory_peak);
                                (void)fclose(m);
                        }
                        if (s->usage.cpu_usec != SBX_CGROUP_UNKNOWN)
                                (void)snprintf(cpu, sizeof(cpu), "%.2fs", (double)s->usage.cpu_usec / 1e6);
                        if (s->usage.tasks != SBX_CGROUP_UNKNOWN)
                                (void)snprintf(tasks, sizeof(tasks), "%llu", (unsigned long long)s->usage.tasks);
                        char extra[128] = "";
                        if (s->instance) {
                                char until[64] = "";
                                format_time(s->linger_until, false, until, sizeof(until));
                                (void)snprintf(extra, sizeof(extra), "  (instance: %u login%s%s%s%s)", s->logins,
                                               s->logins == 1 ? "" : "s",
                                               s->linger_until > 0   ? ", linger until "
                                               : s->linger_until < 0 ? ", kept until killed"
                                                                     : "",
                                               s->linger_until > 0 ? until : "", s->alive ? "" : ", init gone");
                        } else if (!s->alive)
                                (void)snprintf(extra, sizeof(extra), "  (session process gone)");
                        printf("%-12s %-22s %7d %-19s %9s %9s %10s %5s%s\n", s->user, s->id, (int)s->pid, since, mem,
                               peak, cpu, tasks, extra);
                }
        }
        ret = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
        sbx_session_list_done(&l);
        roots_done(&roots);
        return ret;
}

int ctl_kill(struct ctl *ctl, int argc, char **argv)
{
        struct roots roots = {0};
        int first = parse(ctl, "kill", argc, argv, &roots, NULL, NULL);
        int ret = EXIT_FAILURE;
        struct sbx_session_list l = {0};
        struct sbx_err err = {0};
        if (first < 0 || argc - first != 1) {
                ret = first == -2 ? EXIT_SUCCESS : EXIT_USAGE;
                if (first >= 0)
                        ctl_verb_usage(stderr, "kill", false);
                goto out;
        }
        const char *what = argv[first], *bare = what;
        /* "session-PID-START" is accepted as the leaf's name is written; a systemd scope's id ("session-5.scope")
         * is matched as list prints it. */
        if (strncmp(bare, "session-", 8) == 0)
                bare += 8;
        if (default_roots(ctl, &roots) < 0)
                goto out;
        if (sbx_sessions_list((const char *const *)roots.v, roots.n, &l, &err) < 0) {
                fprintf(stderr, "sandbox-shellctl: %s\n", err.msg);
                goto out;
        }
        unsigned matched = 0, failed = 0;
        for (size_t i = 0; i < l.n; i++) {
                const struct sbx_session_info *s = &l.v[i];
                if (!streq(s->user, what) && !streq(s->id, what) && !streq(s->id, bare))
                        continue;
                matched++;
                if (sbx_sessions_kill((const char *const *)roots.v, roots.n, s, &err) < 0) {
                        fprintf(stderr, "sandbox-shellctl: session %s of %s: %s\n", s->id, s->user, err.msg);
                        failed++;
                } else if (s->instance)
                        printf("ended the instance of %s\n", s->user);
                else
                        printf("ended session %s of %s\n", s->id, s->user);
        }
        if (matched == 0)
                fprintf(stderr, "sandbox-shellctl: no session of a user or with the id '%s'\n", what);
        ret = matched && !failed ? EXIT_SUCCESS : EXIT_FAILURE;
out:
        sbx_session_list_done(&l);
        roots_done(&roots);
        return ret;
}

/* The policies of the users that have sessions in l, for their limits. */
struct policies {
        struct sbx_metrics_user *users;
        struct sbx_policy **p;
        size_t n;
};

static void policies_done(struct policies *ps)
{
        for (size_t i = 0; i < ps->n; i++)
                sbx_policy_free(ps->p[i]);
        free(ps->p);
        free(ps->users);
}

/* A user whose policy does not resolve now (gone from passwd, a Match that fails for it) still has its sessions
 * counted; only its limits are left out, with a word on stderr. */
static int resolve_policies(const struct sbx_config *c, const struct sbx_session_list *l, struct policies *ps)
{
        if (!(ps->users = calloc(l->n ? l->n : 1, sizeof(*ps->users))) ||
            !(ps->p = calloc(l->n ? l->n : 1, sizeof(*ps->p))))
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                const char *name = l->v[i].user;
                if (ps->n && streq(ps->users[ps->n - 1].user, name))
                        continue;
                struct sbx_err err = {0};
                _cleanup_user_ struct sbx_user *u = NULL;
                struct sbx_metrics_user *mu = &ps->users[ps->n];
                struct sbx_policy **p = &ps->p[ps->n];
                *mu = (struct sbx_metrics_user){.user = name, .max_sessions = SBX_LIMIT_UNSET};
                ps->n++;
                if (sbx_user_lookup_name(name, true, &u, &err) < 0 || sbx_policy_resolve(c, u, p, &err) < 0) {
                        if (err.code == ENOMEM)
                                return -ENOMEM;
                        fprintf(stderr, "sandbox-shellctl: no limits for %s: %s\n", name, err.msg);
                        continue;
                }
                mu->limits = &(*p)->limits;
                /* Per-session limits do not apply in an instance's shared leaf. */
                mu->session_limits = (*p)->instance == SBX_INSTANCE_USER ? NULL : &(*p)->session_limits;
                mu->max_sessions = (*p)->max_sessions;
        }
        return 0;
}

int ctl_metrics(struct ctl *ctl, int argc, char **argv)
{
        struct roots roots = {0};
        const char *textfile = NULL;
        int first = parse(ctl, "metrics", argc, argv, &roots, NULL, &textfile);
        int ret = EXIT_FAILURE;
        struct sbx_session_list l = {0};
        struct policies ps = {0};
        struct sbx_err err = {0};
        _cleanup_config_ struct sbx_config *c = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (first < 0 || argc - first != 0) {
                ret = first == -2 ? EXIT_SUCCESS : EXIT_USAGE;
                if (first >= 0)
                        ctl_verb_usage(stderr, "metrics", false);
                goto out;
        }
        /* The limits come from the policy, so the config is read even when --cgroup-root names the trees. */
        if (ctl_load_config(ctl, &c) < 0 || default_roots_of(c, &roots) < 0)
                goto out;
        if (sbx_sessions_list((const char *const *)roots.v, roots.n, &l, &err) < 0) {
                fprintf(stderr, "sandbox-shellctl: %s\n", err.msg);
                goto out;
        }
        FILE *m = open_memstream(&text, &len);
        if (!m || resolve_policies(c, &l, &ps) < 0 || sbx_metrics_render(m, &l, ps.users, ps.n) < 0) {
                if (m)
                        (void)fclose(m);
                fprintf(stderr, "sandbox-shellctl: out of memory\n");
                goto out;
        }
        if (fclose(m) != 0) {
                fprintf(stderr, "sandbox-shellctl: out of memory\n");
                goto out;
        }
        if (textfile) {
                if (sbx_metrics_write_textfile(textfile, text, len, &err) < 0) {
                        fprintf(stderr, "sandbox-shellctl: %s\n", err.msg);
                        goto out;
                }
                ret = EXIT_SUCCESS;
                goto out;
        }
        if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
                perror("sandbox-shellctl: writing output");
                goto out;
        }
        ret = EXIT_SUCCESS;
out:
        policies_done(&ps);
        sbx_session_list_done(&l);
        roots_done(&roots);
        return ret;
}
