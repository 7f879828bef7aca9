/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The front of the cgroupfs backend: layout detection, which hierarchies a session uses, the walk down each of them,
 * stale-leaf cleanup, attach, teardown and rollback. The control files of each cgroup version are written by
 * cgroup-v1.c and cgroup-v2.c behind struct sbx_cgroup_ops. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "cgroup-internal.h"
#include "cgroup-systemd.h"
#include "fault.h"
#include "policy.h"
#include "userlock.h"

/* ---- control files ---- */

int sbx_cg_write(int dirfd, const char *dir, const char *file, const char *value, struct sbx_err *err)
{
        _cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "open '%s/%s'", dir, file);
        size_t len = strlen(value);
        ssize_t n = write(fd, value, len);
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

/* Reads cgroup.procs: *ret_n is the number of entries, *ret_foreign is set when a process of another PID namespace is
 * there (listed as 0 by cgroup2). When kill is true every visible process gets SIGKILL. */
static int scan_procs(int dirfd, bool do_kill, unsigned *ret_n, bool *ret_foreign)
{
        char buf[65536];
        ssize_t n = sbx_cg_read(dirfd, "cgroup.procs", buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        unsigned count = 0;
        bool foreign = false;
        for (char *p = buf; *p;) {
                char *end;
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                count++;
                if (pid <= 0)
                        foreign = true;
                else if (do_kill)
                        (void)kill((pid_t)pid, SIGKILL);
                p = end;
                while (*p == '\n')
                        p++;
        }
        *ret_n = count;
        if (ret_foreign)
                *ret_foreign = foreign;
        return 0;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        (void)nanosleep(&ts, NULL);
}

int sbx_cg_kill_loop(int dirfd, const char *dir, struct sbx_err *err)
{
        /* New processes can appear while we kill (a fork bomb); each round kills what it sees, 10 ms apart. */
        for (int round = 0; round < 500; round++) {
                unsigned n;
                int r = scan_procs(dirfd, true, &n, NULL);
                if (r < 0)
                        return sbx_err_set(err, -r, "read '%s/cgroup.procs'", dir);
                if (n == 0)
                        return 0;
                sleep_ms(10);
        }
        return sbx_err_setx(err, EBUSY, "processes remain in '%s' after SIGKILL", dir);
}

void sbx_cg_format_limit(uint64_t v, bool v2, char *buf, size_t size)
{
        if (v == SBX_LIMIT_INFINITY)
                (void)snprintf(buf, size, "%s", v2 ? "max" : "-1");
        else
                (void)snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* ---- pure helpers ---- */

bool sbx_cgroup_valid_user(const char *user)
{
        size_t n = user ? strlen(user) : 0;
        if (n == 0 || n > 32 || user[0] == '-' || user[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isascii((unsigned char)user[i]) ||
                    !(isalnum((unsigned char)user[i]) || user[i] == '_' || user[i] == '.' || user[i] == '-'))
                        return false;
        return true;
}

int sbx_cgroup_expand_root(const char *spec, const char *self, char **ret, struct sbx_err *err)
{
        char raw[4096] = "";
        size_t len = 0;
        for (const char *p = spec; *p; p++) {
                const char *piece;
                char one[2] = {*p, '\0'};
                if (*p == '%') {
                        if (p[1] == 'c' && p == spec)
                                piece = self;
                        else if (p[1] == '%')
                                piece = "%";
                        else
                                return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': only a leading %%c is allowed", spec);
                        p++;
                } else
                        piece = one;
                len = strlcat(raw, piece, sizeof(raw));
                if (len >= sizeof(raw))
                        return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': too long", spec);
        }
        if (raw[0] != '/')
                return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': not an absolute path", spec);

        /* Normalise: one '/' between components, none at the end; "." and ".." never (a cgroup path is taken
         * literally, so "a/../b" would mean what the admin did not write). */
        char out[4096] = "";
        size_t o = 0;
        char *save = NULL;
        for (char *c = strtok_r(raw, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, ".") || streq(c, ".."))
                        return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': '.' and '..' are not allowed", spec);
                out[o] = '/';
                out[o + 1] = '\0';
                o = strlcat(out, c, sizeof(out));
                if (o >= sizeof(out) - 1)
                        return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': too long", spec);
        }
        *ret = strdup(o ? out : "/");
        if (!*ret)
                return sbx_err_set(err, ENOMEM, "CgroupRoot");
        return 0;
}

uint64_t sbx_cgroup_weight_to_shares(uint64_t weight)
{
        uint64_t s = weight * 1024 / 100;
        return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

uint64_t sbx_cgroup_weight_to_blkio(uint64_t weight)
{
        uint64_t s = weight * 500 / 100;
        return s < 10 ? 10 : s > 1000 ? 1000 : s;
}

const char *sbx_cgroup_layout_name(enum sbx_cgroup_layout l)
{
        return l == SBX_CGROUP_V2 ? "unified (cgroup v2)" : l == SBX_CGROUP_HYBRID ? "hybrid" : "legacy (cgroup v1)";
}

/* ---- mountinfo ---- */

struct mount {
        char *root;  /* the cgroup the mount shows at its mount point ("/" usually) */
        char *point; /* mount point, unescaped */
        bool v2;
        unsigned ctrl;
};

struct mounts {
        struct mount *m;
        size_t n;
};

static void mounts_done(struct mounts *ms)
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
                {"memory", SBX_CG_MEMORY}, {"pids", SBX_CG_PIDS},   {"cpu", SBX_CG_CPU},
                {"cpuacct", SBX_CG_CPUACCT}, {"blkio", SBX_CG_IO}, {"freezer", SBX_CG_FREEZER},
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

static int parse_mountinfo(const char *text, struct mounts *ret, struct sbx_err *err)
{
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return sbx_err_set(err, ENOMEM, "mountinfo");
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
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
                if (dash == 0 || dash + 3 >= nf + 1 || dash + 1 >= nf)
                        continue;
                const char *fstype = f[dash + 1];
                bool v2 = streq(fstype, "cgroup2");
                if (!v2 && !streq(fstype, "cgroup"))
                        continue;
                unsigned ctrl = v2 ? 0 : (dash + 3 < nf ? ctrl_from_list(f[dash + 3]) : 0);
                if (!v2 && ctrl == 0)
                        continue; /* name=systemd and friends: no controller we use */
                struct mount *m = realloc(ret->m, (ret->n + 1) * sizeof(*m));
                if (!m)
                        return sbx_err_set(err, ENOMEM, "mountinfo");
                ret->m = m;
                unescape(f[3]);
                unescape(f[4]);
                m[ret->n] = (struct mount){.root = strdup(f[3]), .point = strdup(f[4]), .v2 = v2, .ctrl = ctrl};
                ret->n++;
                if (!m[ret->n - 1].root || !m[ret->n - 1].point)
                        return sbx_err_set(err, ENOMEM, "mountinfo");
        }
        return 0;
}

static enum sbx_cgroup_layout layout_of(const struct mounts *ms, bool *ret_any)
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

int sbx_cgroup_detect_layout(const char *mountinfo, enum sbx_cgroup_layout *ret, struct sbx_err *err)
{
        struct mounts ms = {0};
        int r = parse_mountinfo(mountinfo, &ms, err);
        if (r < 0) {
                mounts_done(&ms);
                return r;
        }
        bool any;
        *ret = layout_of(&ms, &any);
        mounts_done(&ms);
        if (!any)
                return sbx_err_setx(err, ENOENT, "no cgroup filesystem is mounted");
        return 0;
}

/* ---- sessions ---- */

struct sbx_cgroup_session {
        struct sbx_sd_session *sd; /* the systemd backend's session; NULL for cgroupfs */
        char *user;
        enum sbx_cgroup_layout layout;
        char id[64];
        struct timespec started;
        struct sbx_cgroup_hier *h; /* the tracking hierarchy first */
        size_t n;
};

static int read_file(const char *path, char *buf, size_t size)
{
        ssize_t n = sbx_cg_read(AT_FDCWD, path, buf, size);
        return n < 0 ? (int)n : 0;
}

/* Field 22 of /proc/PID/stat: the start time in clock ticks since boot. */
static int process_starttime(pid_t pid, unsigned long long *ret)
{
        char path[64], buf[2048];
        (void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        int r = read_file(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        char *p = strrchr(buf, ')'); /* the command name may hold spaces and ')' */
        if (!p)
                return -EINVAL;
        p++;
        for (int field = 3; field < 22; field++) { /* p is at the space before field 3 */
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EINVAL;
        }
        return sscanf(p, " %llu", ret) == 1 ? 0 : -EINVAL;
}

/* Opens the directory rel (relative, leading '/' ignored) below dirfd in one openat2: no symbolic link followed,
 * nothing above dirfd reached, as walk's component-by-component opens. -errno on failure. */
static int open_beneath(int dirfd, const char *rel)
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

/* Opens, below dirfd, the relative path `rel` one component at a time (O_NOFOLLOW on each), creating missing
 * components when `h` is given: then each creation is recorded for the rollback, and h->ops->enable runs on every
 * directory before descending (so the controllers reach the child). `base` is dirfd's path, for messages. */
static int walk(struct sbx_cgroup_hier *h, int dirfd, const char *base, const char *rel, int *ret_fd,
                struct sbx_err *err)
{
        char path[4096];
        _cleanup_close_ int fd = -1;
        (void)strlcpy(path, base, sizeof(path));
        /* What exists already is opened in one call when no level on the way needs its controllers enabled (v1,
         * or nothing to enable): all of rel when nothing is to be created, else all but its last component, the
         * user's cgroup, which an open often makes. Where that part is missing too, the walk below does it all. */
        if (!h || !h->ctrl || h->ops == &sbx_cgroup_v1_ops) {
                const char *last = h ? strrchr(rel, '/') : NULL;
                size_t plen = last ? (size_t)(last - rel) : h ? 0 : strlen(rel);
                char prefix[4096];
                if (plen < sizeof(prefix) && strlen(base) + plen < sizeof(path)) {
                        memcpy(prefix, rel, plen);
                        prefix[plen] = '\0';
                        int pfd = open_beneath(dirfd, prefix);
                        if (pfd >= 0) {
                                fd = pfd;
                                (void)strlcat(path, prefix, sizeof(path));
                                rel += plen;
                        }
                }
        }
        if (fd < 0 && (fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return sbx_err_set(err, errno, "open '%s'", base);
        _cleanup_free_ char *copy = strdup(rel);
        if (!copy)
                return sbx_err_set(err, ENOMEM, "open '%s'", base);
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (h && h->ctrl) {
                        int r = h->ops->enable(h, fd, path, err);
                        if (r < 0)
                                return r;
                }
                (void)strlcat(path, "/", sizeof(path));
                if (strlcat(path, c, sizeof(path)) >= sizeof(path))
                        return sbx_err_setx(err, ENAMETOOLONG, "cgroup path '%s' too long", path);
                int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0 && errno == ENOENT && h) {
                        if (sbx_fault("create cgroup '%s'", path) == 0 && mkdirat(fd, c, 0755) == 0) {
                                char **v = realloc(h->created, (h->n_created + 1) * sizeof(*v));
                                if (!v)
                                        return sbx_err_set(err, ENOMEM, "cgroup path");
                                h->created = v;
                                v[h->n_created] = strdup(path);
                                if (!v[h->n_created])
                                        return sbx_err_set(err, ENOMEM, "cgroup path");
                                h->n_created++;
                        } else if (errno != EEXIST)
                                return sbx_err_set(err, errno, "create cgroup '%s'", path);
                        next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (next < 0)
                        return sbx_err_set(err, errno, "open cgroup '%s'", path);
                closep(&fd);
                fd = next;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static const char *ctrl_name(unsigned bit, bool v2)
{
        switch (bit) {
        case SBX_CG_MEMORY: return "memory";
        case SBX_CG_PIDS: return "pids";
        case SBX_CG_CPU: return "cpu";
        case SBX_CG_CPUACCT: return "cpuacct";
        case SBX_CG_IO: return v2 ? "io" : "blkio";
        default: return "freezer";
        }
}

static const char *keyword_of(unsigned bit, const struct sbx_cgroup_limits *l)
{
        switch (bit) {
        case SBX_CG_MEMORY:
                return l->memory_max != SBX_LIMIT_UNSET ? "MemoryMax"
                       : l->memory_high != SBX_LIMIT_UNSET ? "MemoryHigh" : "MemorySwapMax";
        case SBX_CG_PIDS: return "TasksMax";
        case SBX_CG_CPU: return l->cpu_quota != SBX_LIMIT_UNSET ? "CPUQuota" : "CPUWeight";
        default: return "IOWeight";
        }
}

static unsigned needed_controllers(const struct sbx_cgroup_limits *l)
{
        unsigned need = 0;
        if (l->memory_max != SBX_LIMIT_UNSET || l->memory_high != SBX_LIMIT_UNSET ||
            l->memory_swap_max != SBX_LIMIT_UNSET)
                need |= SBX_CG_MEMORY;
        if (l->tasks_max != SBX_LIMIT_UNSET)
                need |= SBX_CG_PIDS;
        if (l->cpu_quota != SBX_LIMIT_UNSET || l->cpu_weight != SBX_LIMIT_UNSET)
                need |= SBX_CG_CPU;
        if (l->io_weight != SBX_LIMIT_UNSET)
                need |= SBX_CG_IO;
        return need;
}

/* Adds the mount to the session's hierarchies (once), with `ctrl` to use in it. */
static int add_hier(struct sbx_cgroup_session *s, const struct mount *m, unsigned ctrl, bool tracking,
                    struct sbx_err *err)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->h[i].mount, m->point)) {
                        s->h[i].ctrl |= ctrl;
                        return 0;
                }
        struct sbx_cgroup_hier *h = realloc(s->h, (s->n + 1) * sizeof(*h));
        if (!h)
                return sbx_err_set(err, ENOMEM, "cgroup hierarchies");
        s->h = h;
        h[s->n] = (struct sbx_cgroup_hier){
                .ops = m->v2 ? &sbx_cgroup_v2_ops : &sbx_cgroup_v1_ops,
                .mount = strdup(m->point),
                .has = m->ctrl,
                .ctrl = ctrl,
                .v2 = m->v2,
                .tracking = tracking,
                .user_fd = -1,
                .leaf_fd = -1,
        };
        s->n++;
        return h[s->n - 1].mount ? 0 : sbx_err_set(err, ENOMEM, "cgroup hierarchies");
}

static const struct mount *find_mount(const struct mounts *ms, bool v2, unsigned bit)
{
        for (size_t i = 0; i < ms->n; i++)
                if (ms->m[i].v2 == v2 && (v2 || (ms->m[i].ctrl & bit)))
                        return &ms->m[i];
        return NULL;
}

static int choose_hierarchies(struct sbx_cgroup_session *s, const struct mounts *ms,
                              const struct sbx_cgroup_limits *l, struct sbx_err *err)
{
        unsigned need = needed_controllers(l);
        const struct mount *m;
        int r;

        if (s->layout != SBX_CGROUP_V1) {
                /* v2 tracks the session; in hybrid mode it carries no controller (the v1 hierarchies own them). */
                r = add_hier(s, find_mount(ms, true, 0), s->layout == SBX_CGROUP_V2 ? need : 0, true, err);
                if (r < 0 || s->layout == SBX_CGROUP_V2)
                        return r;
        } else {
                m = find_mount(ms, false, SBX_CG_FREEZER);
                if (!m)
                        m = find_mount(ms, false, SBX_CG_PIDS);
                if (!m)
                        m = &ms->m[0];
                r = add_hier(s, m, 0, true, err);
                if (r < 0)
                        return r;
                m = find_mount(ms, false, SBX_CG_CPUACCT);
                if (m && (r = add_hier(s, m, SBX_CG_CPUACCT, false, err)) < 0)
                        return r;
        }
        for (unsigned bit = 1; bit <= SBX_CG_IO; bit <<= 1) {
                if (!(need & bit))
                        continue;
                m = find_mount(ms, false, bit);
                if (!m)
                        return sbx_err_setx(err, EOPNOTSUPP, "%s needs the cgroup controller '%s', which is not mounted",
                                            keyword_of(bit, l), ctrl_name(bit, false));
                r = add_hier(s, m, bit, false, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The process's cgroup in the hierarchy mounted as m, relative to the mount ("" for its root), from `text`, the
 * content of its /proc/PID/cgroup (read once per open: `path`, for messages). */
static int own_cgroup(const char *path, const char *text, const struct mount *m, char **ret, struct sbx_err *err)
{
        char buf[8192];
        (void)strlcpy(buf, text, sizeof(buf));
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
        return sbx_err_setx(err, ENOENT, "no entry for '%s' in %s", m->point, path);
}

static const struct mount *mount_of(const struct mounts *ms, const char *point)
{
        for (size_t i = 0; i < ms->n; i++)
                if (streq(ms->m[i].point, point))
                        return &ms->m[i];
        return NULL;
}

/* Removes the stale leaves below one hierarchy's user cgroup: session-PID-START whose process is gone. A leaf that
 * holds a process of another PID namespace (listed as 0) is not ours to judge and stays. */
static void clean_stale(const struct sbx_cgroup_hier *h, bool kill)
{
        _cleanup_close_ int fd = openat(h->user_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d)
                return;
        TAKE_FD(fd);
        struct dirent *de;
        while ((de = readdir(d))) {
                int pid;
                unsigned long long start, now;
                char tail;
                if (de->d_type != DT_DIR || sscanf(de->d_name, "session-%d-%llu%c", &pid, &start, &tail) != 2)
                        continue;
                if (pid > 0 && process_starttime(pid, &now) == 0 && now == start)
                        continue; /* alive */
                _cleanup_close_ int leaf = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                unsigned n;
                bool foreign;
                if (leaf < 0 || scan_procs(leaf, false, &n, &foreign) < 0 || foreign)
                        continue;
                if (n > 0 && !kill)
                        continue;
                if (n > 0 && h->ops->kill(h, leaf, de->d_name, NULL) < 0)
                        continue;
                (void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
        }
}

/* rmdir that waits for the processes just killed to leave the cgroup (they do so as they exit): retried after 1, 2,
 * 4, 8 ms, then every 10 ms, for about 3 s in all. */
static int remove_cgroup(int parent_fd, const char *name)
{
        for (long waited = 0, ms = 1;; waited += ms, ms = ms * 2 > 10 ? 10 : ms * 2) {
                if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                if (waited >= 3000)
                        return -EBUSY;
                sleep_ms(ms);
        }
}

static int move_to(int mount_fd, const char *mount, const char *rel, pid_t pid, struct sbx_err *err)
{
        char spid[32];
        _cleanup_close_ int fd = -1;
        int r = walk(NULL, mount_fd, mount, rel, &fd, err);
        if (r < 0)
                return r;
        (void)snprintf(spid, sizeof(spid), "%d", (int)pid);
        return sbx_cg_write(fd, mount, "cgroup.procs", spid, err);
}

/* Tears the leaf down in every hierarchy (or only moves the process out, when kill is false), then the user cgroups
 * when empty, then (rollback) the directories this open created. Returns the first error. */
static int teardown(struct sbx_cgroup_session *s, pid_t pid, bool kill, bool rollback, unsigned *ret_left,
                    struct sbx_err *err)
{
        int first = 0;
        struct sbx_err e = {0};
        unsigned left = 0;

        for (size_t i = 0; i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                if (!h->attached)
                        continue;
                _cleanup_close_ int mfd = open(h->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
                int r = mfd < 0 ? sbx_err_set(&e, errno, "open '%s'", h->mount)
                                : move_to(mfd, h->mount, h->orig, pid, &e);
                if (r < 0 && first == 0) {
                        first = sbx_err_prefix(&e, "move the session process back");
                        if (err)
                                *err = e;
                }
                h->attached = r < 0;
        }
        /* Without kill the leaf stays for its processes; an empty one goes all the same. */
        if (!kill && s->n > 0 && s->h[0].leaf_fd >= 0 && scan_procs(s->h[0].leaf_fd, false, &left, NULL) == 0 &&
            left == 0)
                kill = true;
        for (size_t i = 0; i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                if (h->leaf_fd < 0 || !kill)
                        continue;
                int r = h->ops->kill(h, h->leaf_fd, h->leaf_path, &e);
                if (r == 0) {
                        r = remove_cgroup(h->user_fd, strrchr(h->leaf_path, '/') + 1);
                        if (r < 0)
                                (void)sbx_err_set(&e, -r, "remove cgroup '%s'", h->leaf_path);
                }
                if (r < 0 && first == 0) {
                        first = r;
                        if (err)
                                *err = e;
                }
        }
        /* The user cgroup goes with its last session; EBUSY means another session is still in it. Under the user's
         * lock (taken already when this is the rollback of an open), so that no session is opening in it now. */
        _cleanup_close_ int lock = -1;
        if (!rollback && s->user)
                (void)sbx_user_lock(s->user, &lock, NULL);
        for (size_t i = 0; i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                if (h->user_path)
                        (void)rmdir(h->user_path);
                for (size_t j = h->n_created; rollback && j > 0; j--)
                        (void)rmdir(h->created[j - 1]);
        }
        if (ret_left)
                *ret_left = left;
        return first;
}

static void hier_done(struct sbx_cgroup_hier *h)
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

void sbx_cgroup_session_free(struct sbx_cgroup_session *s)
{
        if (!s)
                return;
        sbx_sd_session_free(s->sd);
        free(s->user);
        for (size_t i = 0; i < s->n; i++)
                hier_done(&s->h[i]);
        free(s->h);
        free(s);
}

static void session_freep(struct sbx_cgroup_session **s)
{
        sbx_cgroup_session_free(*s);
}

static int open_hier(struct sbx_cgroup_hier *h, const struct mount *m, const char *cgroup_root, const char *user,
                     const char *cg_path, const char *cg_text, struct sbx_err *err)
{
        _cleanup_free_ char *base = NULL;
        char rel[4096];
        int r = own_cgroup(cg_path, cg_text, m, &h->orig, err);
        if (r < 0)
                return r;
        r = sbx_cgroup_expand_root(cgroup_root, h->orig[0] ? h->orig : "/", &base, err);
        if (r < 0)
                return r;
        if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", streq(base, "/") ? "" : base, user) >= sizeof(rel) ||
            asprintf(&h->user_path, "%s%s", h->mount, rel) < 0)
                return sbx_err_setx(err, ENAMETOOLONG, "cgroup path for '%s' too long", user);
        _cleanup_close_ int mfd = open(h->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (mfd < 0)
                return sbx_err_set(err, errno, "open '%s'", h->mount);
        r = walk(h, mfd, h->mount, rel, &h->user_fd, err);
        /* ... and the controllers down into the leaves. */
        if (r == 0 && h->ctrl)
                r = h->ops->enable(h, h->user_fd, h->user_path, err);
        return r;
}

int sbx_cgroup_session_open(const char *cgroup_root, const char *user, const struct sbx_cgroup_limits *limits,
                            bool kill_stale, pid_t pid, struct sbx_cgroup_session **ret, struct sbx_err *err)
{
        _cleanup_(session_freep) struct sbx_cgroup_session *s = calloc(1, sizeof(*s));
        struct mounts ms = {0};
        unsigned long long start;
        char buf[65536];
        bool any;
        int r;

        if (!s)
                return sbx_err_set(err, ENOMEM, "cgroup session");
        /* Invariant: the user name becomes a directory name; it cannot be "..", hold a '/' or be a control file. */
        if (!sbx_cgroup_valid_user(user))
                return sbx_err_setx(err, EINVAL, "user name '%s' is not usable as a cgroup name", user);
        /* Held until the leaf holds the session process: a session of the same user closing meanwhile would
         * otherwise remove the user's cgroup under this one (it goes when the closing one sees no other leaf). */
        _cleanup_close_ int lock = -1;
        r = sbx_user_lock(user, &lock, err);
        if (r < 0)
                return r;
        if (!(s->user = strdup(user)))
                return sbx_err_set(err, ENOMEM, "cgroup session");
        (void)clock_gettime(CLOCK_MONOTONIC, &s->started);
        r = process_starttime(pid, &start);
        if (r < 0)
                return sbx_err_set(err, -r, "read /proc/%d/stat", (int)pid);
        (void)snprintf(s->id, sizeof(s->id), "%d-%llu", (int)pid, start);

        r = read_file("/proc/self/mountinfo", buf, sizeof(buf));
        if (r < 0)
                return sbx_err_set(err, -r, "read /proc/self/mountinfo");
        r = parse_mountinfo(buf, &ms, err);
        s->layout = layout_of(&ms, &any);
        if (r == 0 && !any)
                r = sbx_err_setx(err, ENOENT, "no cgroup filesystem is mounted");
        if (r == 0)
                r = choose_hierarchies(s, &ms, limits, err);
        char cg_path[64], cg_text[8192];
        (void)snprintf(cg_path, sizeof(cg_path), "/proc/%d/cgroup", (int)pid);
        if (r == 0 && (r = read_file(cg_path, cg_text, sizeof(cg_text))) < 0)
                r = sbx_err_set(err, -r, "read '%s'", cg_path);
        for (size_t i = 0; r == 0 && i < s->n; i++)
                r = open_hier(&s->h[i], mount_of(&ms, s->h[i].mount), cgroup_root, user, cg_path, cg_text, err);
        mounts_done(&ms);

        /* A user directory this open just made (walk's last creation) holds no leaf, stale or not. */
        for (size_t i = 0; r == 0 && i < s->n; i++) {
                const struct sbx_cgroup_hier *h = &s->h[i];
                if (h->n_created == 0 || !streq(h->created[h->n_created - 1], h->user_path))
                        clean_stale(h, kill_stale);
        }
        for (size_t i = 0; r == 0 && i < s->n; i++)
                r = s->h[i].ops->apply_limits(&s->h[i], s->h[i].user_fd, s->h[i].user_path, limits, err);
        for (size_t i = 0; r == 0 && i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                char name[96];
                (void)snprintf(name, sizeof(name), "session-%s", s->id);
                if (asprintf(&h->leaf_path, "%s/%s", h->user_path, name) < 0) {
                        h->leaf_path = NULL;
                        r = sbx_err_set(err, ENOMEM, "cgroup path");
                } else if (sbx_fault("create cgroup '%s'", h->leaf_path) < 0 || mkdirat(h->user_fd, name, 0755) < 0)
                        r = sbx_err_set(err, errno, "create cgroup '%s'", h->leaf_path);
                else if ((h->leaf_fd = openat(h->user_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
                        r = sbx_err_set(err, errno, "open cgroup '%s'", h->leaf_path);
        }
        for (size_t i = 0; r == 0 && i < s->n; i++) {
                char spid[32];
                (void)snprintf(spid, sizeof(spid), "%d", (int)pid);
                r = sbx_cg_setup_write(s->h[i].leaf_fd, s->h[i].leaf_path, "cgroup.procs", spid, err);
                s->h[i].attached = r == 0;
        }
        if (r < 0) {
                struct sbx_err ignored = {0};
                (void)teardown(s, pid, true, true, NULL, &ignored);
                return r;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

const char *sbx_cgroup_session_id(const struct sbx_cgroup_session *s)
{
        return s->id;
}

enum sbx_cgroup_layout sbx_cgroup_session_layout(const struct sbx_cgroup_session *s)
{
        return s->layout;
}

const char *sbx_cgroup_session_leaf(const struct sbx_cgroup_session *s)
{
        if (s->sd)
                return sbx_sd_session_cgroup(s->sd);
        return s->n > 0 && s->h[0].leaf_path ? s->h[0].leaf_path : "";
}

struct timespec sbx_cgroup_session_started(const struct sbx_cgroup_session *s)
{
        return s->started;
}

void sbx_cgroup_session_usage(const struct sbx_cgroup_session *s, struct sbx_cgroup_usage *ret)
{
        if (s->sd)
                return sbx_sd_session_usage(s->sd, ret);
        *ret = (struct sbx_cgroup_usage){SBX_CGROUP_UNKNOWN, SBX_CGROUP_UNKNOWN, SBX_CGROUP_UNKNOWN,
                                         SBX_CGROUP_UNKNOWN};
        for (size_t i = 0; i < s->n; i++)
                if (s->h[i].leaf_fd >= 0)
                        s->h[i].ops->read_usage(&s->h[i], s->h[i].leaf_fd, ret);
}

int sbx_cgroup_session_close(struct sbx_cgroup_session *s, pid_t pid, bool kill, unsigned *ret_left,
                             struct sbx_err *err)
{
        if (s->sd)
                return sbx_sd_session_close(s->sd, pid, kill, ret_left, err);
        return teardown(s, pid, kill, false, ret_left, err);
}

/* ---- backend front ---- */

enum sbx_cgroup_backend sbx_cgroup_backend_detect(void)
{
        return sbx_sd_detect_at("/run/systemd/system", SBX_SD_CGROUP_MOUNT);
}

const char *sbx_cgroup_backend_name(enum sbx_cgroup_backend b)
{
        return b == SBX_CGROUP_BACKEND_SYSTEMD ? "systemd" : b == SBX_CGROUP_BACKEND_CGROUPFS ? "cgroupfs" : "auto";
}

enum sbx_cgroup_backend sbx_cgroup_session_backend(const struct sbx_cgroup_session *s)
{
        return s->sd ? SBX_CGROUP_BACKEND_SYSTEMD : SBX_CGROUP_BACKEND_CGROUPFS;
}

int sbx_cgroup_session_start(const struct sbx_cgroup_params *p, struct sbx_cgroup_session **ret,
                             struct sbx_err *err)
{
        enum sbx_cgroup_backend b = p->backend == SBX_CGROUP_BACKEND_AUTO ? sbx_cgroup_backend_detect() : p->backend;
        if (b == SBX_CGROUP_BACKEND_CGROUPFS)
                return sbx_cgroup_session_open(p->cgroup_root, p->user, p->limits, p->kill_stale, p->pid, ret, err);

        _cleanup_(session_freep) struct sbx_cgroup_session *s = calloc(1, sizeof(*s));
        if (!s)
                return sbx_err_set(err, ENOMEM, "cgroup session");
        s->layout = SBX_CGROUP_V2;
        (void)clock_gettime(CLOCK_MONOTONIC, &s->started);
        int r = sbx_sd_session_open(p->user, p->uid, p->limits, p->pid, &s->sd, err);
        if (r < 0)
                return r;
        (void)strlcpy(s->id, sbx_sd_session_unit(s->sd), sizeof(s->id));
        *ret = TAKE_PTR(s);
        return 0;
}
