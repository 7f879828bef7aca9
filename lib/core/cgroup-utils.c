/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one reader of each kernel interface the cgroup code uses (cgroup-internal.h): control files, cgroup.procs,
 * rmdir of a cgroup, mountinfo, /proc/PID/cgroup, and which hierarchies a session uses. The login path and
 * `sandbox-shellctl list`/`kill` both go through these. */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "cgroup-internal.h"
#include "fault.h"
#include "procfs.h"

/* ---- control files ---- */

int sbx_cg_write(int dirfd, const char *dir, const char *file, const char *value, struct sbx_err *err)
{
        _cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '%s/%s'", dir, file);
        size_t len = strlen(value);
        ssize_t n;
        while ((n = write(fd, value, len)) < 0 && errno == EINTR)
                ;
        if (n < 0)
                return sbx_err_set(err, errno, "write '%s' to '%s/%s'", value, dir, file);
        if ((size_t)n != len)
                return sbx_err_set(err, EIO, "write '%s' to '%s/%s'", value, dir, file);
        return 0;
}

int sbx_cg_setup_write(int dirfd, const char *dir, const char *file, const char *value, struct sbx_err *err)
{
        if (sbx_fault("write '%s' to '%s/%s'", value, dir, file) < 0)
                return sbx_err_set(err, errno, "write '%s' to '%s/%s'", value, dir, file);
        return sbx_cg_write(dirfd, dir, file, value, err);
}

int sbx_cg_put(int fd, const char *path, const char *file, const char *value, const char *key, const char *ctrl,
               struct sbx_err *err)
{
        int r = sbx_cg_setup_write(fd, path, file, value, err);
        if (r == -ENOENT)
                return sbx_err_setx(err, EOPNOTSUPP, "%s cannot be applied: cgroup controller '%s' has no '%s' in '%s'",
                                    key, ctrl, file, path);
        return r;
}

ssize_t sbx_cg_read(int dirfd, const char *file, char *buf, size_t size)
{
        _cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t len = 0;
        while (len + 1 < size) {
                ssize_t n = read(fd, buf + len, size - 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        return (ssize_t)len;
}

int sbx_cg_read_all(int dirfd, const char *file, char **ret)
{
        _cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t len = 0, cap = 4096;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len + 1 >= cap) {
                        char *b = realloc(buf, cap * 2);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + len, cap - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

bool sbx_cg_has(int dirfd, const char *file)
{
        return faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int sbx_cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret)
{
        char buf[4096];
        ssize_t n = sbx_cg_read(dirfd, file, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        size_t klen = strlen(key);
        for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
                        char *end;
                        errno = 0;
                        unsigned long long v = strtoull(line + klen + 1, &end, 10);
                        if (errno || end == line + klen + 1)
                                return -EINVAL;
                        *ret = v;
                        return 0;
                }
        }
        return -ENOENT;
}

int sbx_cg_read_u64(int dirfd, const char *file, uint64_t *ret)
{
        char buf[64];
        ssize_t n = sbx_cg_read(dirfd, file, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(buf, &end, 10);
        if (errno || end == buf)
                return -EINVAL;
        *ret = v;
        return 0;
}

int sbx_cg_count_lines(int dirfd, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *buf = NULL;
        int r = sbx_cg_read_all(dirfd, file, &buf);
        if (r < 0)
                return r;
        uint64_t n = 0;
        for (const char *p = buf; *p; p++)
                n += *p == '\n';
        *ret = n;
        return 0;
}

void sbx_cg_format_limit(uint64_t v, bool v2, char *buf, size_t size)
{
        if (v == SBX_LIMIT_INFINITY)
                (void)snprintf(buf, size, "%s", v2 ? "max" : "-1");
        else
                (void)snprintf(buf, size, "%llu", (unsigned long long)v);
}

DIR *sbx_cg_opendir(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        DIR *d = fdopendir(fd);
        if (!d)
                (void)close(fd);
        return d;
}

/* ---- processes ---- */

bool sbx_cg_parse_leaf(const char *name, int *ret_pid, unsigned long long *ret_start)
{
        char tail; /* anything after the start time makes it another name */
        return sscanf(name, "session-%d-%llu%c", ret_pid, ret_start, &tail) == 2;
}

enum sbx_cg_leaf sbx_cg_leaf_state(int user_fd, const char *name, unsigned *ret_n)
{
        int pid;
        unsigned long long start, now;
        unsigned n = 0;
        bool foreign;
        if (ret_n)
                *ret_n = 0;
        if (!sbx_cg_parse_leaf(name, &pid, &start))
                return SBX_CG_LEAF_OTHER;
        if (pid > 0 && sbx_proc_starttime(pid, &now) == 0 && now == start)
                return SBX_CG_LEAF_ALIVE;
        _cleanup_close_ int leaf = openat(user_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (leaf < 0 || sbx_cg_signal_procs(leaf, 0, 0, &n, &foreign) < 0)
                return SBX_CG_LEAF_OTHER;
        if (ret_n)
                *ret_n = n;
        return foreign ? SBX_CG_LEAF_FOREIGN : n > 0 ? SBX_CG_LEAF_BUSY : SBX_CG_LEAF_STALE;
}

void sbx_cg_sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        (void)nanosleep(&ts, NULL);
}

int sbx_cg_signal_procs(int dirfd, int sig, pid_t except, unsigned *ret_n, bool *ret_foreign)
{
        _cleanup_free_ char *buf = NULL;
        int r = sbx_cg_read_all(dirfd, "cgroup.procs", &buf);
        if (r < 0)
                return r;
        unsigned count = 0;
        bool foreign = false;
        for (char *p = buf; *p;) {
                char *end;
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                p = end + strspn(end, "\n");
                if (except > 0 && pid == except)
                        continue;
                count++;
                if (pid <= 0)
                        foreign = true;
                else if (sig)
                        (void)kill((pid_t)pid, sig);
        }
        *ret_n = count;
        if (ret_foreign)
                *ret_foreign = foreign;
        return 0;
}

int sbx_cg_events_open(int dirfd)
{
        int fd = openat(dirfd, "cgroup.events", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int sbx_cg_wait_empty(int events_fd, long ms)
{
        struct timespec end;
        (void)clock_gettime(CLOCK_MONOTONIC, &end);
        end.tv_sec += ms / 1000;
        end.tv_nsec += (ms % 1000) * 1000000L;
        if (end.tv_nsec >= 1000000000L) {
                end.tv_sec++;
                end.tv_nsec -= 1000000000L;
        }
        for (;;) {
                /* Read first, then wait: a change between the two still wakes the poll (kernfs counts events per
                 * open file, and this read took the count). */
                char buf[256];
                ssize_t n;
                while ((n = pread(events_fd, buf, sizeof(buf) - 1, 0)) < 0 && errno == EINTR)
                        ;
                if (n < 0)
                        return -errno;
                buf[n] = '\0';
                const char *p = strstr(buf, "populated ");
                if (!p || (p != buf && p[-1] != '\n'))
                        return -EINVAL;
                if (p[10] == '0')
                        return 1;
                struct timespec now;
                (void)clock_gettime(CLOCK_MONOTONIC, &now);
                long left = (end.tv_sec - now.tv_sec) * 1000L + (end.tv_nsec - now.tv_nsec) / 1000000L;
                if (left <= 0)
                        return 0;
                struct pollfd pfd = {.fd = events_fd, .events = POLLPRI};
                if (poll(&pfd, 1, (int)(left > INT32_MAX ? INT32_MAX : left)) < 0 && errno != EINTR)
                        return -errno;
        }
}

int sbx_cg_kill_loop(int dirfd, const char *dir, pid_t except, struct sbx_err *err)
{
        /* On cgroup2 the wait between rounds ends when the cgroup empties (cgroup.events), not a fixed 10 ms later;
         * with another process left alive (`except`) it never empties, so the rounds are timed alone. */
        _cleanup_close_ int ev = except > 0 ? -1 : sbx_cg_events_open(dirfd);
        /* New processes can appear while we kill (a fork bomb); each round kills what it sees, 10 ms apart. */
        for (int round = 0; round < 500; round++) {
                unsigned n;
                int r = sbx_cg_signal_procs(dirfd, SIGKILL, except, &n, NULL);
                if (r < 0)
                        return sbx_err_set(err, -r, "read '%s/cgroup.procs'", dir);
                if (n == 0)
                        return 0;
                if (ev < 0 || sbx_cg_wait_empty(ev, 10) < 0)
                        sbx_cg_sleep_ms(10);
        }
        return sbx_err_setx(err, EBUSY, "processes remain in '%s' after SIGKILL", dir);
}

int sbx_cg_remove(int parent_fd, const char *name)
{
        _cleanup_close_ int ev = -1;
        for (long waited = 0, ms = 1;; waited += ms, ms = ms * 2 > 10 ? 10 : ms * 2) {
                if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                if (waited >= 3000)
                        return -EBUSY;
                /* cgroup2: wait until its last process has left (cgroup.events says "populated 0"), then try again
                 * at once; a child cgroup, or cgroup v1, keeps the timed retries. */
                if (ev < 0) {
                        _cleanup_close_ int dfd =
                                openat(parent_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (dfd >= 0)
                                ev = sbx_cg_events_open(dfd);
                }
                int w = ev >= 0 ? sbx_cg_wait_empty(ev, ms) : -1;
                if (w == 0)
                        continue; /* it waited the ms already */
                if (w == 1 && unlinkat(parent_fd, name, AT_REMOVEDIR) == 0)
                        return 0;
                sbx_cg_sleep_ms(ms);
        }
}

/* ---- mountinfo ---- */

void sbx_cg_mounts_done(struct sbx_cg_mounts *ms)
{
        for (size_t i = 0; i < ms->n; i++) {
                free(ms->m[i].root);
                free(ms->m[i].point);
        }
        free(ms->m);
        ms->m = NULL;
        ms->n = 0;
}

static unsigned ctrl_from_name(const char *name)
{
        static const struct {
                const char *name;
                unsigned bit;
        } map[] = {
                {"memory", SBX_CG_MEMORY},   {"pids", SBX_CG_PIDS}, {"cpu", SBX_CG_CPU},
                {"cpuacct", SBX_CG_CPUACCT}, {"blkio", SBX_CG_IO},  {"freezer", SBX_CG_FREEZER},
        };
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(name, map[i].name))
                        return map[i].bit;
        return 0;
}

static unsigned ctrl_from_list(const char *list)
{
        char buf[512];
        unsigned bits = 0;
        char *save = NULL;
        (void)strlcpy(buf, list, sizeof(buf));
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
                bits |= ctrl_from_name(t);
        return bits;
}

const char *sbx_cg_ctrl_name(unsigned bit, bool v2)
{
        switch (bit) {
        case SBX_CG_MEMORY:
                return "memory";
        case SBX_CG_PIDS:
                return "pids";
        case SBX_CG_CPU:
                return "cpu";
        case SBX_CG_CPUACCT:
                return "cpuacct";
        case SBX_CG_IO:
                return v2 ? "io" : "blkio";
        default:
                return "freezer";
        }
}

/* Mount points in mountinfo escape space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
        char *o = s;
        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
                    p[3] <= '7') {
                        *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
                        p += 3;
                } else
                        *o++ = *p;
        }
        *o = '\0';
}

int sbx_cg_mounts_parse(const char *text, struct sbx_cg_mounts *ret, struct sbx_err *err)
{
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return sbx_err_set(err, ENOMEM, "mountinfo");
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                /* ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
                char *f[64];
                size_t nf = 0;
                char *s2 = NULL;
                for (char *t = strtok_r(line, " ", &s2); t && nf < ELEMENTSOF(f); t = strtok_r(NULL, " ", &s2))
                        f[nf++] = t;
                size_t dash = 0;
                for (size_t i = 6; i < nf; i++)
                        if (streq(f[i], "-")) {
                                dash = i;
                                break;
                        }
                if (dash == 0 || dash + 1 >= nf)
                        continue;
                const char *fstype = f[dash + 1];
                bool v2 = streq(fstype, "cgroup2");
                if (!v2 && !streq(fstype, "cgroup"))
                        continue;
                unsigned ctrl = v2 ? 0 : (dash + 3 < nf ? ctrl_from_list(f[dash + 3]) : 0);
                if (!v2 && ctrl == 0)
                        continue; /* name=systemd and friends: no controller we use */
                struct sbx_cg_mount *m = realloc(ret->m, (ret->n + 1) * sizeof(*m));
                if (!m)
                        return sbx_err_set(err, ENOMEM, "mountinfo");
                ret->m = m;
                unescape(f[3]);
                unescape(f[4]);
                m[ret->n] = (struct sbx_cg_mount){.root = strdup(f[3]), .point = strdup(f[4]), .v2 = v2, .ctrl = ctrl};
                ret->n++;
                if (!m[ret->n - 1].root || !m[ret->n - 1].point)
                        return sbx_err_set(err, ENOMEM, "mountinfo");
        }
        return 0;
}

int sbx_cg_mounts_read(struct sbx_cg_mounts *ret, struct sbx_err *err)
{
        _cleanup_free_ char *text = NULL;
        *ret = (struct sbx_cg_mounts){0};
        int r = sbx_cg_read_all(AT_FDCWD, "/proc/self/mountinfo", &text);
        if (r < 0)
                return sbx_err_set(err, -r, "read /proc/self/mountinfo");
        r = sbx_cg_mounts_parse(text, ret, err);
        if (r < 0)
                sbx_cg_mounts_done(ret);
        return r;
}

enum sbx_cgroup_layout sbx_cg_mounts_layout(const struct sbx_cg_mounts *ms, bool *ret_any)
{
        bool v1 = false, v2 = false;
        for (size_t i = 0; i < ms->n; i++) {
                if (ms->m[i].v2)
                        v2 = true;
                else
                        v1 = true;
        }
        *ret_any = v1 || v2;
        return v1 ? (v2 ? SBX_CGROUP_HYBRID : SBX_CGROUP_V1) : SBX_CGROUP_V2;
}

const struct sbx_cg_mount *sbx_cg_mount_at(const struct sbx_cg_mounts *ms, const char *point)
{
        for (size_t i = 0; i < ms->n; i++)
                if (streq(ms->m[i].point, point))
                        return &ms->m[i];
        return NULL;
}

static const struct sbx_cg_mount *find_mount(const struct sbx_cg_mounts *ms, bool v2, unsigned bit)
{
        for (size_t i = 0; i < ms->n; i++)
                if (ms->m[i].v2 == v2 && (v2 || (ms->m[i].ctrl & bit)))
                        return &ms->m[i];
        return NULL;
}

/* ---- the hierarchies of a session ---- */

void sbx_cg_hier_done(struct sbx_cgroup_hier *h)
{
        free(h->mount);
        free(h->orig);
        free(h->user_path);
        free(h->leaf_path);
        closep(&h->user_fd);
        closep(&h->leaf_fd);
        for (size_t j = 0; j < h->n_created; j++)
                free(h->created[j]);
        free(h->created);
}

struct hiers {
        struct sbx_cgroup_hier *h;
        size_t n;
};

static void hiers_done(struct hiers *hs)
{
        for (size_t i = 0; i < hs->n; i++)
                sbx_cg_hier_done(&hs->h[i]);
        free(hs->h);
}

/* Adds the mount (once), with `ctrl` to use in it. */
static int add_hier(struct hiers *hs, const struct sbx_cg_mount *m, unsigned ctrl, bool tracking, struct sbx_err *err)
{
        for (size_t i = 0; i < hs->n; i++)
                if (streq(hs->h[i].mount, m->point)) {
                        hs->h[i].ctrl |= ctrl;
                        return 0;
                }
        struct sbx_cgroup_hier *h = realloc(hs->h, (hs->n + 1) * sizeof(*h));
        if (!h)
                return sbx_err_set(err, ENOMEM, "cgroup hierarchies");
        hs->h = h;
        h[hs->n] = (struct sbx_cgroup_hier){
                .ops = m->v2 ? &sbx_cgroup_v2_ops : &sbx_cgroup_v1_ops,
                .mount = strdup(m->point),
                .has = m->ctrl,
                .ctrl = ctrl,
                .v2 = m->v2,
                .tracking = tracking,
                .user_fd = -1,
                .leaf_fd = -1,
        };
        hs->n++;
        return h[hs->n - 1].mount ? 0 : sbx_err_set(err, ENOMEM, "cgroup hierarchies");
}

int sbx_cg_hierarchies(const struct sbx_cg_mounts *ms, enum sbx_cgroup_layout layout,
                       const struct sbx_cgroup_limits *limits, const struct sbx_cgroup_limits *session, unsigned extra,
                       bool optional, struct sbx_cgroup_hier **ret, size_t *ret_n, struct sbx_err *err)
{
        unsigned need = extra | (limits ? sbx_cgroup_limits_controllers(limits) : 0) |
                        (session ? sbx_cgroup_limits_controllers(session) : 0);
        struct hiers hs = {0};
        const struct sbx_cg_mount *m;
        int r = 0;
        if (ms->n == 0)
                return sbx_err_setx(err, ENOENT, "no cgroup filesystem is mounted");
        if (layout != SBX_CGROUP_V1) {
                /* v2 tracks the session; in hybrid mode it carries no controller (the v1 hierarchies own them). */
                r = add_hier(&hs, find_mount(ms, true, 0), layout == SBX_CGROUP_V2 ? need : 0, true, err);
                if (r < 0 || layout == SBX_CGROUP_V2)
                        goto out;
        } else {
                m = find_mount(ms, false, SBX_CG_FREEZER);
                if (!m)
                        m = find_mount(ms, false, SBX_CG_PIDS);
                if (!m)
                        m = &ms->m[0];
                r = add_hier(&hs, m, 0, true, err);
                if (r < 0)
                        goto out;
                m = find_mount(ms, false, SBX_CG_CPUACCT);
                if (m && (r = add_hier(&hs, m, SBX_CG_CPUACCT, false, err)) < 0)
                        goto out;
        }
        for (unsigned bit = 1; bit <= SBX_CG_IO; bit <<= 1) {
                if (!(need & bit))
                        continue;
                m = find_mount(ms, false, bit);
                if (!m && optional)
                        continue;
                if (!m) {
                        const char *key = limits ? sbx_cgroup_limits_keyword(limits, SBX_PLACE_LIMIT, bit) : NULL;
                        if (!key && session)
                                key = sbx_cgroup_limits_keyword(session, SBX_PLACE_SESSION, bit);
                        r = sbx_err_setx(err, EOPNOTSUPP, "%s needs the cgroup controller '%s', which is not mounted",
                                         key ? key : "a limit", sbx_cg_ctrl_name(bit, false));
                        goto out;
                }
                if ((r = add_hier(&hs, m, bit, false, err)) < 0)
                        goto out;
        }
out:
        if (r < 0) {
                hiers_done(&hs);
                return r;
        }
        *ret = hs.h;
        *ret_n = hs.n;
        return 0;
}

int sbx_cg_hierarchies_all(struct sbx_cgroup_hier **ret, size_t *ret_n, struct sbx_err *err)
{
        struct sbx_cg_mounts ms = {0};
        struct hiers hs = {0};
        _cleanup_free_ char *own = NULL;
        bool any;
        int r = sbx_cg_mounts_read(&ms, err);
        if (r < 0)
                return r;
        enum sbx_cgroup_layout layout = sbx_cg_mounts_layout(&ms, &any);
        if (!any)
                r = sbx_err_setx(err, ENOENT, "no cgroup filesystem is mounted");
        if (r == 0)
                r = sbx_cg_hierarchies(&ms, layout, NULL, NULL, SBX_CG_MEMORY | SBX_CG_PIDS | SBX_CG_CPU | SBX_CG_IO,
                                       true, &hs.h, &hs.n, err);
        if (r == 0 && (r = sbx_cg_read_all(AT_FDCWD, "/proc/self/cgroup", &own)) < 0)
                r = sbx_err_set(err, -r, "read /proc/self/cgroup");
        for (size_t i = 0; r == 0 && i < hs.n; i++) {
                const struct sbx_cg_mount *m = sbx_cg_mount_at(&ms, hs.h[i].mount);
                if (sbx_cg_own(own, m, "/proc/self/cgroup", &hs.h[i].orig, NULL) < 0 && !(hs.h[i].orig = strdup("")))
                        r = sbx_err_set(err, ENOMEM, "cgroup path");
        }
        sbx_cg_mounts_done(&ms);
        if (r < 0) {
                hiers_done(&hs);
                return r;
        }
        *ret = hs.h;
        *ret_n = hs.n;
        return 0;
}

int sbx_cg_own(const char *text, const struct sbx_cg_mount *m, const char *what, char **ret, struct sbx_err *err)
{
        _cleanup_free_ char *buf = strdup(text);
        if (!buf)
                return sbx_err_set(err, ENOMEM, "cgroup path");
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c1 = *c2 = '\0';
                const char *list = c1 + 1, *cg = c2 + 1;
                bool match = m->v2 ? streq(line, "0") && list[0] == '\0'
                                   : list[0] != '\0' && (ctrl_from_list(list) & m->ctrl) == m->ctrl;
                if (!match)
                        continue;
                size_t rl = strlen(m->root);
                if (streq(m->root, "/"))
                        rl = 0;
                else if (strncmp(cg, m->root, rl) != 0 || (cg[rl] != '/' && cg[rl] != '\0'))
                        return sbx_err_setx(err, EINVAL, "cgroup '%s' is outside the mount '%s'", cg, m->point);
                *ret = strdup(streq(cg + rl, "/") ? "" : cg + rl);
                return *ret ? 0 : sbx_err_set(err, ENOMEM, "cgroup path");
        }
        return sbx_err_setx(err, ENOENT, "no entry for '%s' in %s", m->point, what);
}

int sbx_cg_open_beneath(int dirfd, const char *rel)
{
        while (*rel == '/')
                rel++;
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int)syscall(SYS_openat2, dirfd, *rel ? rel : ".", &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}
