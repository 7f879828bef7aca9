/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading and ending live sessions from the outside (sandbox-shellctl list/kill, sessions.h). The PAM module's own
 * open/close is lib/core/cgroup-fs.c; this file follows its layout with the same readers: the hierarchies a session
 * uses (every controller that is mounted), CgroupRoot expanded with the caller's own cgroup for %c, and
 * <root>/<user>/session-<pid>-<start>/. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "fault.h"
#include "instance.h"
#include "procfs.h"
#include "registry.h"
#include "sessions.h"
#include "userlock.h"

/* The hierarchies as a session would use them with every limit set, each with this process's own cgroup there. */
struct hiers {
        struct sbx_cgroup_hier *h; /* the tracking hierarchy first */
        size_t n;
};

static void hiers_done(struct hiers *hs)
{
        for (size_t i = 0; i < hs->n; i++)
                sbx_cg_hier_done(&hs->h[i]);
        free(hs->h);
        *hs = (struct hiers){0};
}

static int load_hiers(struct hiers *hs, struct sbx_err *err)
{
        return sbx_cg_hierarchies_all(&hs->h, &hs->n, err);
}

/* <mount><expanded root> for one CgroupRoot spec in hierarchy h. */
static int base_of(const struct sbx_cgroup_hier *h, const char *spec, char *buf, size_t size, struct sbx_err *err)
{
        _cleanup_free_ char *rel = NULL;
        int r = sbx_cgroup_expand_root(spec, h->orig[0] ? h->orig : "/", &rel, err);
        if (r < 0)
                return r;
        if ((size_t)snprintf(buf, size, "%s%s", h->mount, streq(rel, "/") ? "" : rel) >= size)
                return sbx_err_setx(err, ENAMETOOLONG, "cgroup path for '%s' too long", spec);
        return 0;
}

/* The leaf's name: session-<id>, or the instance's. */
static void leaf_name(const struct sbx_session_info *s, char *buf, size_t size)
{
        if (s->instance)
                (void)snprintf(buf, size, "%s", SBX_CGROUP_INSTANCE_LEAF);
        else
                (void)snprintf(buf, size, "session-%s", s->id);
}

static int open_leaf(const char *base, const struct sbx_session_info *s)
{
        char dir[4400], name[128];
        leaf_name(s, name, sizeof(name));
        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s/%s", base, s->user, name) >= sizeof(dir))
                return -ENAMETOOLONG;
        int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static void fill(const struct hiers *hs, char bases[][4200], struct sbx_session_info *s, unsigned long long start)
{
        sbx_cgroup_usage_unknown(&s->usage);
        for (size_t i = 0; i < hs->n; i++) {
                _cleanup_close_ int fd = open_leaf(bases[i], s);
                if (fd >= 0)
                        hs->h[i].ops->read_usage(&hs->h[i], fd, &s->usage);
        }
        unsigned long long now;
        s->alive = sbx_proc_starttime(s->pid, &now) == 0 && now == start;
        (void)sbx_proc_start_realtime(start, &s->since); /* left 0 (unknown) without btime */
}

static int known(const struct sbx_session_info *s)
{
        return (s->usage.memory_now != SBX_CGROUP_UNKNOWN) + (s->usage.memory_peak != SBX_CGROUP_UNKNOWN) +
               (s->usage.cpu_usec != SBX_CGROUP_UNKNOWN) + (s->usage.tasks != SBX_CGROUP_UNKNOWN);
}

static int add(struct sbx_session_list *l, const struct sbx_session_info *s)
{
        /* Two roots can meet in one hierarchy ("/sandbox-shell" and "%c/sandbox-shell" when this process sits at the
         * root of the v2 tree) and part in the others: the reading that found the leaf in more of them is right. */
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->v[i].leaf, s->leaf)) {
                        if (known(s) > known(&l->v[i]))
                                l->v[i] = *s;
                        return 0;
                }
        struct sbx_session_info *v = realloc(l->v, (l->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        l->v = v;
        v[l->n++] = *s;
        return 0;
}

static int cmp(const void *a, const void *b)
{
        const struct sbx_session_info *x = a, *y = b;
        int c = strcmp(x->user, y->user);
        return c ? c : (x->since > y->since) - (x->since < y->since);
}

/* The bases of one spec in every hierarchy ("" where it does not expand). */
static int bases_of(const struct hiers *hs, const char *spec, char bases[][4200], struct sbx_err *err)
{
        for (size_t i = 0; i < hs->n; i++) {
                int r = base_of(&hs->h[i], spec, bases[i], sizeof(bases[i]), err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* An instance (Instance user): its init and figures from root's record, its logins from the registry. */
static int add_instance(const struct hiers *hs, char bases[][4200], const char *user, const char *udir,
                        struct sbx_session_list *l, struct sbx_err *err)
{
        struct sbx_session_info s = {.instance = true};
        (void)strlcpy(s.user, user, sizeof(s.user));
        (void)strlcpy(s.id, SBX_CGROUP_INSTANCE_LEAF, sizeof(s.id));
        if ((size_t)snprintf(s.leaf, sizeof(s.leaf), "%s/%s", udir, SBX_CGROUP_INSTANCE_LEAF) >= sizeof(s.leaf))
                return 0;
        struct sbx_instance_record rec;
        struct sbx_err rerr = {0};
        unsigned long long start = 0;
        if (sbx_instance_read(user, &rec, &rerr) == 0 && rec.state == SBX_INSTANCE_RUNNING) {
                s.pid = rec.pid;
                start = rec.starttime;
                if (rec.deadline && rec.deadline != SBX_LIMIT_INFINITY) {
                        uint64_t now = sbx_now_usec(CLOCK_BOOTTIME);
                        int64_t left = rec.deadline > now ? (int64_t)((rec.deadline - now) / 1000000) : 0;
                        s.linger_until = time(NULL) + left;
                } else if (rec.deadline == SBX_LIMIT_INFINITY)
                        s.linger_until = -1;
        }
        s.logins = sbx_registry_count(user);
        fill(hs, bases, &s, start);
        s.alive = sbx_instance_alive(&rec);
        if (add(l, &s) < 0)
                return sbx_err_set(err, ENOMEM, "session list");
        return 0;
}

/* Sessions below one spec. */
static int scan_root(const struct hiers *hs, const char *spec, struct sbx_session_list *l, struct sbx_err *err)
{
        _cleanup_free_ char(*bases)[4200] = calloc(hs->n, sizeof(*bases));
        if (!bases)
                return sbx_err_set(err, ENOMEM, "session list");
        int r = bases_of(hs, spec, bases, err);
        if (r < 0)
                return r;
        _cleanup_closedir_ DIR *d = sbx_cg_opendir(AT_FDCWD, bases[0]);
        if (!d)
                return 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || !sbx_cgroup_valid_user(de->d_name))
                        continue;
                char udir[4400];
                (void)snprintf(udir, sizeof(udir), "%s/%s", bases[0], de->d_name);
                _cleanup_closedir_ DIR *ud = sbx_cg_opendir(dirfd(d), de->d_name);
                struct dirent *se;
                while (ud && (se = readdir(ud))) {
                        int pid;
                        unsigned long long start;
                        if (se->d_type == DT_DIR && streq(se->d_name, SBX_CGROUP_INSTANCE_LEAF)) {
                                r = add_instance(hs, bases, de->d_name, udir, l, err);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (se->d_type != DT_DIR || !sbx_cg_parse_leaf(se->d_name, &pid, &start))
                                continue;
                        struct sbx_session_info s = {.pid = pid};
                        (void)strlcpy(s.user, de->d_name, sizeof(s.user));
                        (void)strlcpy(s.id, se->d_name + strlen("session-"), sizeof(s.id));
                        if ((size_t)snprintf(s.leaf, sizeof(s.leaf), "%s/%s", udir, se->d_name) >= sizeof(s.leaf))
                                continue;
                        fill(hs, bases, &s, start);
                        if (add(l, &s) < 0)
                                return sbx_err_set(err, ENOMEM, "session list");
                }
        }
        return 0;
}

/* ---- the systemd backend (cgroup-systemd.c): no tree of ours below a CgroupRoot. A session is the scope logind
 * made for the process that opened it, found through the session registry (registry.h); an instance is the scope of
 * its own that holds its init, found through root's record (instance.h). Both are v2 cgroups of systemd's: they are
 * read, and `kill` signals their processes, but nothing of ours removes them (systemd collects an empty scope). ---- */

/* The cgroup of pid in the v2 hierarchy h, as a path below h's mount, into buf, when it is a systemd scope
 * ("*.scope"). False when pid is gone or elsewhere. */
static bool scope_of(const struct sbx_cgroup_hier *h, pid_t pid, char *buf, size_t size)
{
        char path[64];
        _cleanup_free_ char *text = NULL;
        (void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        if (sbx_cg_read_all(AT_FDCWD, path, &text) < 0)
                return false;
        for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (strncmp(line, "0::/", 4) != 0)
                        continue;
                const char *cg = line + strlen("0::");
                size_t n = strlen(cg);
                return n > strlen("/.scope") && streq(cg + n - strlen(".scope"), ".scope") && !strstr(cg, "/../") &&
                       (size_t)snprintf(buf, size, "%s%s", h->mount, cg) < size;
        }
        return false;
}

/* The figures of the scope s->leaf, and whether the process that opened it (start time `start`) still runs. */
static void fill_scope(const struct sbx_cgroup_hier *h, struct sbx_session_info *s, unsigned long long start)
{
        sbx_cgroup_usage_unknown(&s->usage);
        _cleanup_close_ int fd = open(s->leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
                h->ops->read_usage(h, fd, &s->usage);
        unsigned long long now;
        s->alive = sbx_proc_starttime(s->pid, &now) == 0 && now == start;
        (void)sbx_proc_start_realtime(start, &s->since);
}

/* The logins of one user in the registry whose process sits in a scope. */
static int scan_user_scopes(const struct sbx_cgroup_hier *h, int sessions_fd, const char *user,
                            struct sbx_session_list *l, struct sbx_err *err)
{
        _cleanup_closedir_ DIR *d = sbx_cg_opendir(sessions_fd, user);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                int pid, n = 0;
                unsigned long long start;
                if (sscanf(de->d_name, "%d-%llu%n", &pid, &start, &n) != 2 || de->d_name[n] || pid <= 0)
                        continue;
                struct sbx_session_info s = {.pid = pid};
                if (!scope_of(h, pid, s.leaf, sizeof(s.leaf)))
                        continue;
                (void)strlcpy(s.user, user, sizeof(s.user));
                (void)strlcpy(s.id, strrchr(s.leaf, '/') + 1, sizeof(s.id));
                fill_scope(h, &s, start);
                if (!s.alive)
                        continue; /* a pid reused by another process since: not this session's */
                if (add(l, &s) < 0)
                        return sbx_err_set(err, ENOMEM, "session list");
        }
        return 0;
}

/* An instance whose init sits in a scope. */
static int add_scope_instance(const struct sbx_cgroup_hier *h, const char *user, struct sbx_session_list *l,
                              struct sbx_err *err)
{
        struct sbx_instance_record rec;
        struct sbx_err ignored = {0};
        if (sbx_instance_read(user, &rec, &ignored) < 0 || rec.state != SBX_INSTANCE_RUNNING || rec.pid <= 0)
                return 0;
        struct sbx_session_info s = {.instance = true, .pid = rec.pid};
        if (!scope_of(h, rec.pid, s.leaf, sizeof(s.leaf)))
                return 0;
        (void)strlcpy(s.user, user, sizeof(s.user));
        (void)strlcpy(s.id, SBX_CGROUP_INSTANCE_LEAF, sizeof(s.id));
        if (rec.deadline == SBX_LIMIT_INFINITY)
                s.linger_until = -1;
        else if (rec.deadline) {
                uint64_t now = sbx_now_usec(CLOCK_BOOTTIME);
                s.linger_until = time(NULL) + (rec.deadline > now ? (int64_t)((rec.deadline - now) / 1000000) : 0);
        }
        s.logins = sbx_registry_count(user);
        fill_scope(h, &s, rec.starttime);
        s.alive = sbx_instance_alive(&rec);
        if (add(l, &s) < 0)
                return sbx_err_set(err, ENOMEM, "session list");
        return 0;
}

/* The sessions and instances of the systemd backend. Only where the tracking hierarchy is v2 (the backend's only
 * layout); a session of the cgroupfs backend is in a leaf of ours, never in a scope, so nothing is listed twice. */
static int scan_scopes(const struct hiers *hs, struct sbx_session_list *l, struct sbx_err *err)
{
        if (hs->n == 0 || hs->h[0].ops != &sbx_cgroup_v2_ops)
                return 0;
        const struct sbx_cgroup_hier *h = &hs->h[0];
        _cleanup_closedir_ DIR *sessions = sbx_cg_opendir(AT_FDCWD, SBX_RUNDIR "/sessions");
        struct dirent *de;
        while (sessions && (de = readdir(sessions))) {
                if (de->d_type != DT_DIR || !sbx_cgroup_valid_user(de->d_name))
                        continue;
                int r = scan_user_scopes(h, dirfd(sessions), de->d_name, l, err);
                if (r < 0)
                        return r;
        }
        _cleanup_closedir_ DIR *instances = sbx_cg_opendir(AT_FDCWD, SBX_RUNDIR "/instances");
        while (instances && (de = readdir(instances))) {
                if (de->d_type != DT_REG || !sbx_cgroup_valid_user(de->d_name))
                        continue;
                int r = add_scope_instance(h, de->d_name, l, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int sbx_sessions_list(const char *const *roots, size_t n_roots, struct sbx_session_list *ret, struct sbx_err *err)
{
        struct hiers hs = {0};
        *ret = (struct sbx_session_list){0};
        /* The stale leaves of sessions nobody closed (a login refused after its open, a killed sshd) go first: an
         * administrator's list shows live sessions only. Best effort: what the sweep cannot do, the reading shows. */
        for (size_t i = 0; i < n_roots; i++) {
                struct sbx_cgroup_swept swept;
                (void)sbx_cgroup_sweep(roots[i], &swept, NULL);
        }
        int r = load_hiers(&hs, err);
        for (size_t i = 0; r == 0 && i < n_roots; i++)
                r = scan_root(&hs, roots[i], ret, err);
        if (r == 0)
                r = scan_scopes(&hs, ret, err);
        hiers_done(&hs);
        if (r < 0) {
                sbx_session_list_done(ret);
                return r;
        }
        if (ret->n > 1)
                qsort(ret->v, ret->n, sizeof(*ret->v), cmp);
        return 0;
}

void sbx_session_list_done(struct sbx_session_list *l)
{
        free(l->v);
        l->v = NULL;
        l->n = 0;
}

/* The kill of the PAM module's close, in every hierarchy (cgroup.kill, or freeze + SIGKILL until empty), then the
 * leaf removed and the user's cgroup where it is empty, under the user's lock as the module does. */
static int end_in(const struct hiers *hs, char bases[][4200], const struct sbx_session_info *s, struct sbx_err *err)
{
        for (size_t i = 0; i < hs->n; i++) {
                _cleanup_close_ int fd = open_leaf(bases[i], s);
                if (fd < 0)
                        continue;
                char dir[4400], name[128];
                leaf_name(s, name, sizeof(name));
                (void)snprintf(dir, sizeof(dir), "%s/%s/%s", bases[i], s->user, name);
                /* The session's own close (after the SIGTERM above) may remove the leaf between the open and the
                 * kill: its control files then answer ENODEV, and there is nothing left to kill in it. */
                int r = sbx_fault("kill: end the session in '%s'", dir) < 0
                                ? sbx_err_set(err, errno, "kill: end the session in '%s'", dir)
                                : hs->h[i].ops->kill(&hs->h[i], fd, dir, err);
                if ((r == -ENODEV || r == -ENOENT) && faccessat(AT_FDCWD, dir, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
                    errno == ENOENT)
                        continue;
                if (r < 0)
                        return r;
        }
        _cleanup_close_ int lock = -1;
        (void)sbx_user_lock(s->user, &lock, NULL);
        for (size_t i = 0; i < hs->n; i++) {
                char udir[4400], leaf[128];
                if ((size_t)snprintf(udir, sizeof(udir), "%s/%s", bases[i], s->user) >= sizeof(udir))
                        continue;
                leaf_name(s, leaf, sizeof(leaf));
                _cleanup_close_ int ufd = open(udir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (ufd < 0)
                        continue;
                int r = sbx_cg_remove(ufd, leaf);
                if (r < 0)
                        return sbx_err_set(err, -r, "remove cgroup '%s/%s'", udir, leaf);
                /* The user's cgroup goes with its last session; another session keeps it (EBUSY). */
                (void)rmdir(udir);
        }
        if (s->instance)
                sbx_instance_forget(s->user);
        return 0;
}

int sbx_sessions_kill(const char *const *roots, size_t n_roots, const struct sbx_session_info *s, struct sbx_err *err)
{
        struct hiers hs = {0};
        int r = load_hiers(&hs, err);
        if (r < 0)
                return r;

        /* A polite end first: the session's own close then logs its line and removes the leaf. */
        _cleanup_close_ int leaf = open(s->leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        unsigned n = 0;
        if (leaf >= 0 && sbx_cg_signal_procs(leaf, SIGTERM, 0, &n, NULL) == 0 && n > 0)
                for (int i = 0; i < 100 && sbx_cg_signal_procs(leaf, 0, 0, &n, NULL) == 0 && n > 0; i++)
                        sbx_cg_sleep_ms(10);
        /* A scope of the systemd backend: its processes killed as the module's close kills them, the scope left to
         * systemd, which collects it once empty. */
        size_t ll = strlen(s->leaf);
        if (ll > strlen(".scope") && streq(s->leaf + ll - strlen(".scope"), ".scope")) {
                int e = errno; /* the open's, when it failed */
                hiers_done(&hs);
                if (leaf < 0)
                        return e == ENOENT ? 0 : sbx_err_set(err, e, "open cgroup '%s'", s->leaf);
                r = sbx_cg_kill_loop(leaf, s->leaf, 0, err);
                if (r == -ENOENT || r == -ENODEV)
                        r = 0;
                if (r == 0 && s->instance)
                        sbx_instance_forget(s->user);
                return r;
        }
        /* Every root whose tracking base holds the leaf: roots that meet there may part in other hierarchies. */
        _cleanup_free_ char(*bases)[4200] = calloc(hs.n, sizeof(*bases));
        bool found = false;
        if (!bases)
                r = sbx_err_set(err, ENOMEM, "session kill");
        for (size_t k = 0; k < n_roots && r == 0; k++) {
                if (bases_of(&hs, roots[k], bases, NULL) < 0)
                        continue;
                size_t bl = strlen(bases[0]);
                if (!bl || strncmp(s->leaf, bases[0], bl) != 0 || s->leaf[bl] != '/')
                        continue;
                found = true;
                r = end_in(&hs, bases, s, err);
        }
        hiers_done(&hs);
        if (r == 0 && !found)
                return sbx_err_setx(err, ENOENT, "session '%s' is under none of the cgroup roots", s->leaf);
        return r;
}
