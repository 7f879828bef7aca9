/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading and ending live sessions from the outside (sandbox-shellctl list/kill). The PAM module's own open/close is
 * lib/cgroup.c; this file only follows its layout: it finds the hierarchies from mountinfo, expands CgroupRoot with the
 * caller's own cgroup for %c, and walks <root>/<user>/session-<pid>-<start>/. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sessions.h"

struct hier {
        char mount[4096];
        char root[1024]; /* what the mount shows of the hierarchy ("/" usually) */
        char ctrl[256];  /* v1 controllers from the super options ("memory", "cpu,cpuacct"); "" for v2 */
        bool v2;
        char own[4096]; /* the caller's cgroup, relative to the mount */
};

struct hiers {
        struct hier v[16];
        size_t n;
        size_t tracking;
};

static int read_text(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t len = 0;
        ssize_t n;
        while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
                len += (size_t)n;
        buf[len] = '\0';
        return 0;
}

static bool has_ctrl(const char *list, const char *name)
{
        size_t n = strlen(name);
        for (const char *s = list; *s;) {
                size_t len = strcspn(s, ",");
                if (len == n && strncmp(s, name, n) == 0)
                        return true;
                s += len + (s[len] == ',');
        }
        return false;
}

/* The cgroup hierarchies from /proc/self/mountinfo, and this process's cgroup in each from /proc/self/cgroup. */
static int load_hiers(struct hiers *hs, struct sbx_err *err)
{
        static char buf[65536], cg[16384];
        int r = read_text("/proc/self/mountinfo", buf, sizeof(buf));
        if (r < 0)
                return sbx_err_set(err, -r, "read /proc/self/mountinfo");
        r = read_text("/proc/self/cgroup", cg, sizeof(cg));
        if (r < 0)
                return sbx_err_set(err, -r, "read /proc/self/cgroup");
        hs->n = 0;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line && hs->n < ELEMENTSOF(hs->v);
             line = strtok_r(NULL, "\n", &save)) {
                char *dash = strstr(line, " - ");
                char root[1024], point[4096], fstype[32], src[256], super[1024] = "";
                if (!dash || sscanf(line, "%*s %*s %*s %1023s %4095s", root, point) != 2 ||
                    sscanf(dash + 3, "%31s %255s %1023s", fstype, src, super) < 2)
                        continue;
                struct hier *h = &hs->v[hs->n];
                *h = (struct hier){.v2 = streq(fstype, "cgroup2")};
                if (!h->v2 && !streq(fstype, "cgroup"))
                        continue;
                if (!h->v2) {
                        /* Only the controllers out of the super options (rw,nosuid,...,memory). */
                        char *s2 = NULL;
                        for (char *o = strtok_r(super, ",", &s2); o; o = strtok_r(NULL, ",", &s2))
                                if (streq(o, "memory") || streq(o, "pids") || streq(o, "cpu") ||
                                    streq(o, "cpuacct") || streq(o, "blkio") || streq(o, "freezer")) {
                                        if (h->ctrl[0])
                                                (void)strlcat(h->ctrl, ",", sizeof(h->ctrl));
                                        (void)strlcat(h->ctrl, o, sizeof(h->ctrl));
                                }
                        if (!h->ctrl[0])
                                continue; /* name=systemd and controllers the sessions never use */
                }
                (void)strlcpy(h->mount, point, sizeof(h->mount));
                (void)strlcpy(h->root, root, sizeof(h->root));
                bool dup = false;
                for (size_t i = 0; i < hs->n; i++)
                        dup |= streq(hs->v[i].ctrl, h->ctrl) && hs->v[i].v2 == h->v2;
                if (!dup)
                        hs->n++;
        }
        if (hs->n == 0)
                return sbx_err_setx(err, ENOENT, "no cgroup filesystem is mounted");

        /* This process's cgroup in each: "0::/path" for v2, "N:memory:/path" for v1. */
        for (size_t i = 0; i < hs->n; i++) {
                struct hier *h = &hs->v[i];
                char copy[16384];
                (void)strlcpy(copy, cg, sizeof(copy));
                char *s2 = NULL;
                for (char *line = strtok_r(copy, "\n", &s2); line; line = strtok_r(NULL, "\n", &s2)) {
                        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                        if (!c2)
                                continue;
                        *c2 = '\0';
                        bool match = h->v2 ? streq(line, "0:") : streq(c1 + 1, h->ctrl);
                        if (!match)
                                continue;
                        const char *path = c2 + 1;
                        size_t rl = streq(h->root, "/") ? 0 : strlen(h->root);
                        if (rl && strncmp(path, h->root, rl) == 0)
                                path += rl;
                        (void)strlcpy(h->own, streq(path, "/") ? "" : path, sizeof(h->own));
                        break;
                }
        }
        /* The tracking hierarchy, as lib/cgroup.c chooses it. */
        hs->tracking = SIZE_MAX;
        for (size_t i = 0; i < hs->n && hs->tracking == SIZE_MAX; i++)
                if (hs->v[i].v2)
                        hs->tracking = i;
        for (size_t i = 0; i < hs->n && hs->tracking == SIZE_MAX; i++)
                if (has_ctrl(hs->v[i].ctrl, "freezer"))
                        hs->tracking = i;
        for (size_t i = 0; i < hs->n && hs->tracking == SIZE_MAX; i++)
                if (has_ctrl(hs->v[i].ctrl, "pids"))
                        hs->tracking = i;
        if (hs->tracking == SIZE_MAX)
                hs->tracking = 0;
        return 0;
}

/* <mount><expanded root> for one CgroupRoot spec in hierarchy h. */
static int base_of(const struct hier *h, const char *spec, char *buf, size_t size, struct sbx_err *err)
{
        _cleanup_free_ char *rel = NULL;
        int r = sbx_cgroup_expand_root(spec, h->own[0] ? h->own : "/", &rel, err);
        if (r < 0)
                return r;
        if ((size_t)snprintf(buf, size, "%s%s", h->mount, streq(rel, "/") ? "" : rel) >= size)
                return sbx_err_setx(err, ENAMETOOLONG, "cgroup path for '%s' too long", spec);
        return 0;
}

static int read_u64(const char *dir, const char *file, const char *key, uint64_t *ret)
{
        char path[4200], buf[4096];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, file);
        if (read_text(path, buf, sizeof(buf)) < 0)
                return -ENOENT;
        const char *p = buf;
        if (key) {
                size_t kl = strlen(key);
                for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                        if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
                                break;
                if (!p)
                        return -ENOENT;
                p += kl + 1;
        }
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p)
                return -EINVAL;
        *ret = v;
        return 0;
}

static uint64_t count_lines(const char *dir, const char *file)
{
        char path[4200];
        static char buf[65536];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, file);
        if (read_text(path, buf, sizeof(buf)) < 0)
                return SBX_CGROUP_UNKNOWN;
        uint64_t n = 0;
        for (const char *p = buf; *p; p++)
                n += *p == '\n';
        return n;
}

/* Fills *field from dir/file (the line "key N" of it when key is given) unless an earlier hierarchy did. */
static void set_if(uint64_t *field, const char *dir, const char *file, const char *key, uint64_t divisor)
{
        uint64_t v;
        if (*field == SBX_CGROUP_UNKNOWN && read_u64(dir, file, key, &v) == 0)
                *field = v / divisor;
}

static int starttime(pid_t pid, unsigned long long *ret)
{
        char path[64], buf[2048];
        (void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (read_text(path, buf, sizeof(buf)) < 0)
                return -ESRCH;
        char *p = strrchr(buf, ')');
        for (int field = 2; p && field < 22; field++)
                p = strchr(p + 1, ' ');
        return p && sscanf(p, " %llu", ret) == 1 ? 0 : -EINVAL;
}

static void fill(const struct hiers *hs, const char *const *bases, struct sbx_session_info *s, unsigned long long start)
{
        s->mem_now = s->mem_peak = s->cpu_usec = s->tasks = SBX_CGROUP_UNKNOWN;
        for (size_t i = 0; i < hs->n; i++) {
                const struct hier *h = &hs->v[i];
                char dir[4200];
                (void)snprintf(dir, sizeof(dir), "%s/%s/session-%s", bases[i], s->user, s->id);
                if (h->v2) {
                        set_if(&s->mem_now, dir, "memory.current", NULL, 1);
                        set_if(&s->mem_peak, dir, "memory.peak", NULL, 1);
                        set_if(&s->cpu_usec, dir, "cpu.stat", "usage_usec", 1);
                } else {
                        set_if(&s->mem_now, dir, "memory.usage_in_bytes", NULL, 1);
                        set_if(&s->mem_peak, dir, "memory.max_usage_in_bytes", NULL, 1);
                        set_if(&s->cpu_usec, dir, "cpuacct.usage", NULL, 1000); /* ns */
                }
                set_if(&s->tasks, dir, "pids.current", NULL, 1);
        }
        if (s->tasks == SBX_CGROUP_UNKNOWN)
                s->tasks = count_lines(s->leaf, hs->v[hs->tracking].v2 ? "cgroup.threads" : "tasks");
        unsigned long long now;
        s->alive = starttime(s->pid, &now) == 0 && now == start;
        char stat[8192];
        const char *bt = read_text("/proc/stat", stat, sizeof(stat)) == 0 ? strstr(stat, "\nbtime ") : NULL;
        long tck = sysconf(_SC_CLK_TCK);
        if (bt && tck > 0)
                s->since = (time_t)(strtoll(bt + 7, NULL, 10) + (long long)(start / (unsigned long long)tck));
}

static int known(const struct sbx_session_info *s)
{
        return (s->mem_now != SBX_CGROUP_UNKNOWN) + (s->mem_peak != SBX_CGROUP_UNKNOWN) +
               (s->cpu_usec != SBX_CGROUP_UNKNOWN) + (s->tasks != SBX_CGROUP_UNKNOWN);
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

/* Sessions below one spec. */
static int scan_root(const struct hiers *hs, const char *spec, struct sbx_session_list *l, struct sbx_err *err)
{
        char bases[ELEMENTSOF(hs->v)][4200];
        const char *bp[ELEMENTSOF(hs->v)];
        for (size_t i = 0; i < hs->n; i++) {
                int r = base_of(&hs->v[i], spec, bases[i], sizeof(bases[i]), err);
                if (r < 0)
                        return r;
                bp[i] = bases[i];
        }
        _cleanup_closedir_ DIR *d = opendir(bases[hs->tracking]);
        if (!d)
                return 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || !sbx_cgroup_valid_user(de->d_name))
                        continue;
                char udir[4400];
                (void)snprintf(udir, sizeof(udir), "%s/%s", bases[hs->tracking], de->d_name);
                _cleanup_closedir_ DIR *ud = opendir(udir);
                struct dirent *se;
                while (ud && (se = readdir(ud))) {
                        int pid;
                        unsigned long long start;
                        char tail;
                        if (se->d_type != DT_DIR ||
                            sscanf(se->d_name, "session-%d-%llu%c", &pid, &start, &tail) != 2)
                                continue;
                        struct sbx_session_info s = {.pid = pid};
                        (void)strlcpy(s.user, de->d_name, sizeof(s.user));
                        (void)strlcpy(s.id, se->d_name + strlen("session-"), sizeof(s.id));
                        if ((size_t)snprintf(s.leaf, sizeof(s.leaf), "%s/%s", udir, se->d_name) >=
                            sizeof(s.leaf))
                                continue;
                        fill(hs, bp, &s, start);
                        if (add(l, &s) < 0)
                                return sbx_err_set(err, ENOMEM, "session list");
                }
        }
        return 0;
}

int sbx_sessions_list(const char *const *roots, size_t n_roots, struct sbx_session_list *ret, struct sbx_err *err)
{
        struct hiers hs;
        *ret = (struct sbx_session_list){0};
        int r = load_hiers(&hs, err);
        for (size_t i = 0; r == 0 && i < n_roots; i++)
                r = scan_root(&hs, roots[i], ret, err);
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

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        (void)nanosleep(&ts, NULL);
}

/* Sends sig to every process listed in dir/cgroup.procs; returns how many were listed (-errno when unreadable). */
static long signal_all(const char *dir, int sig)
{
        char path[4200];
        static char buf[65536];
        (void)snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        int r = read_text(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        long n = 0;
        for (char *p = buf; *p;) {
                char *end;
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                n++;
                if (pid > 0)
                        (void)kill((pid_t)pid, sig);
                p = end + strspn(end, "\n");
        }
        return n;
}

/* SIGKILL until empty, then rmdir, for the session's leaf in every hierarchy under one root's bases. */
static int end_in(const struct hiers *hs, char bases[][4200], const struct sbx_session_info *s, struct sbx_err *err)
{
        for (size_t i = 0; i < hs->n; i++) {
                char dir[4400], file[4500];
                if ((size_t)snprintf(dir, sizeof(dir), "%s/%s/session-%s", bases[i], s->user, s->id) >=
                            sizeof(dir) ||
                    (size_t)snprintf(file, sizeof(file), "%s/cgroup.kill", dir) >= sizeof(file) ||
                    access(dir, F_OK) < 0)
                        continue;
                /* cgroup.kill (5.14) takes processes forking meanwhile too; then the loop until the list is empty. */
                if (hs->v[i].v2 && access(file, F_OK) == 0) {
                        _cleanup_close_ int fd = open(file, O_WRONLY | O_CLOEXEC);
                        if (fd >= 0)
                                (void)!write(fd, "1", 1);
                }
                int round = 0;
                for (; round < 500 && signal_all(dir, SIGKILL) > 0; round++)
                        sleep_ms(10);
                if (round == 500)
                        return sbx_err_setx(err, EBUSY, "processes remain in '%s' after SIGKILL", dir);
        }
        for (size_t i = 0; i < hs->n; i++) {
                char dir[4400], udir[4400];
                if ((size_t)snprintf(udir, sizeof(udir), "%s/%s", bases[i], s->user) >= sizeof(udir) ||
                    (size_t)snprintf(dir, sizeof(dir), "%s/session-%s", udir, s->id) >= sizeof(dir))
                        continue;
                int tries = 0;
                /* Killed processes leave the cgroup as they finish exiting. */
                while (rmdir(dir) < 0 && errno == EBUSY && tries++ < 300)
                        sleep_ms(10);
                if (access(dir, F_OK) == 0)
                        return sbx_err_set(err, EBUSY, "remove cgroup '%s'", dir);
                /* The user's cgroup goes with its last session; another session keeps it (EBUSY). */
                (void)rmdir(udir);
        }
        return 0;
}

int sbx_sessions_kill(const char *const *roots, size_t n_roots, const struct sbx_session_info *s,
                      struct sbx_err *err)
{
        struct hiers hs;
        int r = load_hiers(&hs, err);
        if (r < 0)
                return r;

        /* A polite end first: the session's own close then logs its line and removes the leaf. */
        if (signal_all(s->leaf, SIGTERM) > 0)
                for (int i = 0; i < 100 && signal_all(s->leaf, 0) > 0; i++)
                        sleep_ms(10);
        /* Every root whose tracking base holds the leaf: roots that meet there may part in other hierarchies. */
        bool found = false;
        for (size_t k = 0; k < n_roots && r == 0; k++) {
                char bases[ELEMENTSOF(hs.v)][4200];
                for (size_t i = 0; i < hs.n; i++)
                        if (base_of(&hs.v[i], roots[k], bases[i], sizeof(bases[i]), NULL) < 0)
                                bases[i][0] = '\0';
                size_t bl = strlen(bases[hs.tracking]);
                if (!bl || strncmp(s->leaf, bases[hs.tracking], bl) != 0 || s->leaf[bl] != '/')
                        continue;
                found = true;
                r = end_in(&hs, bases, s, err);
        }
        if (r == 0 && !found)
                return sbx_err_setx(err, ENOENT, "session '%s' is under none of the cgroup roots", s->leaf);
        return r;
}
