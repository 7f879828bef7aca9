/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus exposition of the live sessions (metrics.h). Every family is one row of the two tables below: the
 * session figures come from the same reading as `list` (sessions.c), the limits from the policy as `explain` shows
 * it. Names follow the exporters an administrator already runs (node_exporter, cAdvisor): base units in the name
 * (_bytes, _seconds, _ratio), counters ending in _total. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"

/* Values are integers in units of 10^-decimals, printed exactly: CPU time is kept in microseconds and CPUQuota in
 * percent, and a float would print 0.1 as 0.10000000000000001. */
static void put_value(FILE *f, uint64_t v, unsigned decimals)
{
        if (decimals == 0) {
                fprintf(f, "%llu\n", (unsigned long long)v);
                return;
        }
        uint64_t scale = 1;
        for (unsigned i = 0; i < decimals; i++)
                scale *= 10;
        fprintf(f, "%llu.%0*llu\n", (unsigned long long)(v / scale), (int)decimals, (unsigned long long)(v % scale));
}

void sbx_metrics_put_label_value(FILE *f, const char *s)
{
        for (; *s; s++) {
                if (*s == '\\')
                        fputs("\\\\", f);
                else if (*s == '"')
                        fputs("\\\"", f);
                else if (*s == '\n')
                        fputs("\\n", f);
                else
                        fputc(*s, f);
        }
}

static void put_labels(FILE *f, const char *user, const char *session)
{
        fputs("{user=\"", f);
        sbx_metrics_put_label_value(f, user);
        if (session) {
                fputs("\",session=\"", f);
                sbx_metrics_put_label_value(f, session);
        }
        fputs("\"} ", f);
}

static void put_header(FILE *f, const char *name, const char *type, const char *help)
{
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* ---- one sample per session (or instance) ---- */

static uint64_t memory_now(const struct sbx_session_info *s)
{
        return s->usage.memory_now;
}
static uint64_t memory_peak(const struct sbx_session_info *s)
{
        return s->usage.memory_peak;
}
static uint64_t cpu_usec(const struct sbx_session_info *s)
{
        return s->usage.cpu_usec;
}
static uint64_t tasks(const struct sbx_session_info *s)
{
        return s->usage.tasks;
}
static uint64_t oom_kills(const struct sbx_session_info *s)
{
        return s->usage.oom_kills;
}
static uint64_t tasks_max_hits(const struct sbx_session_info *s)
{
        return s->usage.tasks_max_hits;
}
static uint64_t start_time(const struct sbx_session_info *s)
{
        return s->since > 0 ? (uint64_t)s->since : SBX_CGROUP_UNKNOWN;
}

static const struct session_family {
        const char *name, *type, *help;
        uint64_t (*get)(const struct sbx_session_info *s); /* SBX_CGROUP_UNKNOWN: no sample */
        unsigned decimals;
} session_families[] = {
        {"sandbox_shell_memory_bytes", "gauge",
         "Memory the session's cgroup uses now (memory.current; v1 memory.usage_in_bytes).", memory_now, 0},
        {"sandbox_shell_memory_peak_bytes", "gauge",
         "Most memory the session's cgroup has used (memory.peak; v1 memory.max_usage_in_bytes).", memory_peak, 0},
        {"sandbox_shell_cpu_seconds_total", "counter", "CPU time used by the session's processes.", cpu_usec, 6},
        {"sandbox_shell_tasks", "gauge", "Processes and threads in the session's cgroup (pids.current).", tasks, 0},
        {"sandbox_shell_oom_kills_total", "counter", "Processes of the session killed for lack of memory.", oom_kills,
         0},
        {"sandbox_shell_tasks_max_hits_total", "counter", "Forks of the session refused by a TasksMax limit.",
         tasks_max_hits, 0},
        {"sandbox_shell_session_start_time_seconds", "gauge",
         "When the session process (an instance: its init) started, in seconds since the epoch.", start_time, 0},
};

/* ---- one sample per user ---- */

struct user_view {
        const char *user;
        uint64_t sessions;
        const struct sbx_metrics_user *m; /* NULL: nothing is known of the user's policy */
};

static uint64_t limit(uint64_t v)
{
        return v == SBX_LIMIT_UNSET || v == SBX_LIMIT_INFINITY ? SBX_CGROUP_UNKNOWN : v;
}

#define USER_LIMIT(fn, which, field)                                                                                   \
        static uint64_t fn(const struct user_view *v)                                                                  \
        {                                                                                                              \
                return v->m && v->m->which ? limit(v->m->which->field) : SBX_CGROUP_UNKNOWN;                           \
        }
USER_LIMIT(memory_max, limits, memory_max)
USER_LIMIT(memory_high, limits, memory_high)
USER_LIMIT(memory_swap_max, limits, memory_swap_max)
USER_LIMIT(tasks_max, limits, tasks_max)
USER_LIMIT(cpu_max, limits, cpu_quota)
USER_LIMIT(session_memory_max, session_limits, memory_max)
USER_LIMIT(session_memory_high, session_limits, memory_high)
USER_LIMIT(session_tasks_max, session_limits, tasks_max)
USER_LIMIT(session_cpu_max, session_limits, cpu_quota)
#undef USER_LIMIT

static uint64_t sessions(const struct user_view *v)
{
        return v->sessions;
}
static uint64_t sessions_max(const struct user_view *v)
{
        return v->m ? limit(v->m->max_sessions) : SBX_CGROUP_UNKNOWN;
}

static const struct user_family {
        const char *name, *type, *help;
        uint64_t (*get)(const struct user_view *v);
        unsigned decimals;
} user_families[] = {
        {"sandbox_shell_sessions", "gauge", "Logins of the user open now (an instance counts each of its logins).",
         sessions, 0},
        {"sandbox_shell_sessions_max", "gauge", "MaxSessions of the user's policy.", sessions_max, 0},
        {"sandbox_shell_memory_max_bytes", "gauge", "MemoryMax of the user's policy: all its sessions together.",
         memory_max, 0},
        {"sandbox_shell_memory_high_bytes", "gauge", "MemoryHigh of the user's policy: all its sessions together.",
         memory_high, 0},
        {"sandbox_shell_memory_swap_max_bytes", "gauge",
         "MemorySwapMax of the user's policy: all its sessions together.", memory_swap_max, 0},
        {"sandbox_shell_tasks_max", "gauge", "TasksMax of the user's policy: all its sessions together.", tasks_max, 0},
        {"sandbox_shell_cpu_max_ratio", "gauge",
         "CPUQuota of the user's policy in CPUs (1.5 = 150%): all its sessions together.", cpu_max, 2},
        {"sandbox_shell_session_memory_max_bytes", "gauge", "SessionMemoryMax of the user's policy: each session.",
         session_memory_max, 0},
        {"sandbox_shell_session_memory_high_bytes", "gauge", "SessionMemoryHigh of the user's policy: each session.",
         session_memory_high, 0},
        {"sandbox_shell_session_tasks_max", "gauge", "SessionTasksMax of the user's policy: each session.",
         session_tasks_max, 0},
        {"sandbox_shell_session_cpu_max_ratio", "gauge",
         "SessionCPUQuota of the user's policy in CPUs (1.5 = 150%): each session.", session_cpu_max, 2},
};

/* The users of l (sorted by user, so each user's entries are together), with their logins: an instance's are the
 * registry's count of every open login of the user; without one, each live session is one login. */
static struct user_view *users_of(const struct sbx_session_list *l, const struct sbx_metrics_user *users,
                                  size_t n_users, size_t *ret_n)
{
        struct user_view *v = calloc(l->n ? l->n : 1, sizeof(*v));
        size_t n = 0;
        if (!v)
                return NULL;
        for (size_t i = 0; i < l->n;) {
                const struct sbx_session_info *s = &l->v[i];
                uint64_t alive = 0, logins = 0;
                bool instance = false;
                size_t j = i;
                for (; j < l->n && streq(l->v[j].user, s->user); j++) {
                        if (l->v[j].instance) {
                                instance = true;
                                logins = l->v[j].logins;
                        } else if (l->v[j].alive)
                                alive++;
                }
                v[n] = (struct user_view){.user = s->user, .sessions = instance ? logins : alive};
                for (size_t k = 0; k < n_users; k++)
                        if (streq(users[k].user, s->user))
                                v[n].m = &users[k];
                n++;
                i = j;
        }
        *ret_n = n;
        return v;
}

int sbx_metrics_render(FILE *f, const struct sbx_session_list *l, const struct sbx_metrics_user *users, size_t n_users)
{
        for (size_t k = 0; k < ELEMENTSOF(session_families); k++) {
                const struct session_family *fam = &session_families[k];
                bool header = false;
                for (size_t i = 0; i < l->n; i++) {
                        uint64_t v = fam->get(&l->v[i]);
                        if (v == SBX_CGROUP_UNKNOWN)
                                continue;
                        if (!header)
                                put_header(f, fam->name, fam->type, fam->help);
                        header = true;
                        fputs(fam->name, f);
                        put_labels(f, l->v[i].user, l->v[i].id);
                        put_value(f, v, fam->decimals);
                }
        }

        size_t n = 0;
        _cleanup_free_ struct user_view *views = users_of(l, users, n_users, &n);
        if (!views)
                return -ENOMEM;
        for (size_t k = 0; k < ELEMENTSOF(user_families); k++) {
                const struct user_family *fam = &user_families[k];
                bool header = false;
                for (size_t i = 0; i < n; i++) {
                        uint64_t v = fam->get(&views[i]);
                        if (v == SBX_CGROUP_UNKNOWN)
                                continue;
                        if (!header)
                                put_header(f, fam->name, fam->type, fam->help);
                        header = true;
                        fputs(fam->name, f);
                        put_labels(f, views[i].user, NULL);
                        put_value(f, v, fam->decimals);
                }
        }
        return ferror(f) ? -EIO : 0;
}

/* ---- the textfile ---- */

static int write_all(int fd, const char *p, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int sbx_metrics_write_textfile(const char *path, const char *text, size_t len, struct sbx_err *err)
{
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        _cleanup_free_ char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
        if (!dir)
                return sbx_err_set(err, ENOMEM, "write '%s'", path);
        if (!*base || streq(base, ".") || streq(base, ".."))
                return sbx_err_setx(err, EINVAL, "write '%s': not a file name", path);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return sbx_err_set(err, errno, "write '%s': open its directory '%s'", path, dir);

        /* Hidden, and without node_exporter's ".prom" at the end: the collector never reads a half-written file. The
         * pid keeps two runs apart; a leftover of a run that was killed (a link, even) is removed itself, and
         * O_EXCL|O_NOFOLLOW make a new file whatever the directory's owner put there. */
        char tmp[512];
        if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.%d", base, (int)getpid()) >= sizeof(tmp))
                return sbx_err_setx(err, ENAMETOOLONG, "write '%s': name too long", path);
        (void)unlinkat(dfd, tmp, 0);
        _cleanup_close_ int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return sbx_err_set(err, errno, "write '%s': create '%s/%s'", path, dir, tmp);
        const char *step = "write";
        int r = write_all(fd, text, len);
        /* The umask may have taken bits: node_exporter runs as another user and must read the file. */
        if (r == 0 && fchmod(fd, 0644) < 0) {
                r = -errno;
                step = "set the mode of";
        }
        /* On disk before the rename: after a crash the name holds the old file or the whole new one. */
        if (r == 0 && fsync(fd) < 0) {
                r = -errno;
                step = "fsync";
        }
        if (r == 0 && renameat(dfd, tmp, dfd, base) < 0) {
                r = -errno;
                step = "rename";
        }
        if (r < 0) {
                (void)unlinkat(dfd, tmp, 0);
                return sbx_err_set(err, -r, "write '%s': %s '%s/%s'", path, step, dir, tmp);
        }
        /* The rename itself is durable once the directory is synced; the file is in place either way. */
        (void)fsync(dfd);
        return 0;
}
