/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd backend (cgroup-systemd.h): limits on systemd's units over D-Bus, read back from the cgroup files
 * systemd wrote. systemd's rule (docs/CGROUP_DELEGATION.md in its source) is that nobody else creates cgroups outside
 * a delegated subtree or writes the attributes of cgroups it made; a logind session scope cannot be delegated, so
 * this file only ever reads below /sys/fs/cgroup. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup-internal.h"
#include "cgroup-systemd.h"

/* ---- pure helpers ---- */

int sbx_sd_slice_name(uid_t uid, char *buf, size_t size)
{
        int n = snprintf(buf, size, "user-%u.slice", (unsigned)uid);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int sbx_sd_scope_name(const char *user, pid_t pid, char *buf, size_t size)
{
        /* Invariant: the name goes into a unit name; [A-Za-z0-9_.-] is valid there and cannot form a template
         * ('@') or escape ('\') sequence. */
        if (!sbx_cgroup_valid_user(user) || pid <= 0)
                return -EINVAL;
        int n = snprintf(buf, size, "sandbox-shell-%s-%d.scope", user, (int)pid);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int sbx_sd_instance_scope(const char *user, uid_t uid, char *unit, size_t usize, char *path, size_t psize)
{
        if (!sbx_cgroup_valid_user(user))
                return -EINVAL;
        int n = snprintf(unit, usize, "sandbox-shell-%s-instance.scope", user);
        if (n < 0 || (size_t)n >= usize)
                return -ENAMETOOLONG;
        /* A slice's cgroup follows from its name: user-<uid>.slice is user.slice's child. */
        n = snprintf(path, psize, SBX_SD_CGROUP_MOUNT "/user.slice/user-%u.slice/%s", (unsigned)uid, unit);
        return n < 0 || (size_t)n >= psize ? -ENAMETOOLONG : 0;
}

static void put_prop(struct sbx_sd_prop *p, const char *keyword, const char *property, uint64_t v, const char *file,
                     bool bytes)
{
        *p = (struct sbx_sd_prop){.keyword = keyword, .property = property, .file = file, .bytes = bytes};
        p->value = v == SBX_LIMIT_INFINITY ? UINT64_MAX : v;
        if (v == SBX_LIMIT_INFINITY)
                (void)snprintf(p->expect, sizeof(p->expect), "max");
        else
                (void)snprintf(p->expect, sizeof(p->expect), "%llu", (unsigned long long)v);
}

size_t sbx_sd_properties(const struct sbx_cgroup_limits *l, enum sbx_place place,
                         struct sbx_sd_prop out[SBX_SD_MAX_PROPS])
{
        size_t n = 0;
        if (l->memory_max != SBX_LIMIT_UNSET)
                put_prop(&out[n++], SBX_LIMIT_NAME(place, memory_max), "MemoryMax", l->memory_max, "memory.max", true);
        if (l->memory_high != SBX_LIMIT_UNSET)
                put_prop(&out[n++], SBX_LIMIT_NAME(place, memory_high), "MemoryHigh", l->memory_high, "memory.high",
                         true);
        if (l->memory_swap_max != SBX_LIMIT_UNSET)
                put_prop(&out[n++], SBX_LIMIT_NAME(place, memory_swap_max), "MemorySwapMax", l->memory_swap_max,
                         "memory.swap.max", true);
        if (l->tasks_max != SBX_LIMIT_UNSET)
                put_prop(&out[n++], SBX_LIMIT_NAME(place, tasks_max), "TasksMax", l->tasks_max, "pids.max", false);
        if (l->cpu_quota != SBX_LIMIT_UNSET) {
                /* systemd takes the quota as CPU time per second (1% = 10 ms) and writes it for its default 100 ms
                 * period, as quota*period/1s with a floor of 1 ms: exactly percent*1000 for 1% and up. */
                struct sbx_sd_prop *p = &out[n++];
                *p = (struct sbx_sd_prop){.keyword = SBX_LIMIT_NAME(place, cpu_quota),
                                          .property = "CPUQuotaPerSecUSec",
                                          .file = "cpu.max"};
                if (l->cpu_quota == SBX_LIMIT_INFINITY) {
                        p->value = UINT64_MAX;
                        (void)snprintf(p->expect, sizeof(p->expect), "max 100000");
                } else {
                        p->value = l->cpu_quota * 10000;
                        (void)snprintf(p->expect, sizeof(p->expect), "%llu 100000",
                                       (unsigned long long)l->cpu_quota * 1000);
                }
        }
        if (l->cpu_weight != SBX_LIMIT_UNSET)
                put_prop(&out[n++], SBX_LIMIT_NAME(place, cpu_weight), "CPUWeight", l->cpu_weight, "cpu.weight", false);
        if (l->io_weight != SBX_LIMIT_UNSET) {
                put_prop(&out[n++], SBX_LIMIT_NAME(place, io_weight), "IOWeight", l->io_weight, "io.weight", false);
                (void)snprintf(out[n - 1].expect, sizeof(out[n - 1].expect), "default %llu",
                               (unsigned long long)l->io_weight);
        }
        return n;
}

bool sbx_sd_value_matches(const struct sbx_sd_prop *p, const char *content, unsigned long pagesize)
{
        size_t len = strcspn(content, "\n");
        if (len == strlen(p->expect) && strncmp(content, p->expect, len) == 0)
                return true;
        if (!p->bytes || streq(p->expect, "max") || pagesize == 0)
                return false;
        /* memory.* hold pages: a byte count that is not a multiple of the page size reads back rounded down. */
        char *end;
        errno = 0;
        unsigned long long got = strtoull(content, &end, 10), want = strtoull(p->expect, NULL, 10);
        if (errno || end == content || (size_t)(end - content) != len)
                return false;
        return got == want / pagesize * pagesize;
}

bool sbx_sd_scope_is_own(const char *unit, const char *slice, int owner_r, uid_t owner, uid_t uid)
{
        char want[64];
        size_t n = unit ? strlen(unit) : 0;
        if (n <= strlen(".scope") || !streq(unit + n - strlen(".scope"), ".scope"))
                return false;
        if (sbx_sd_slice_name(uid, want, sizeof(want)) < 0 || !slice || !streq(slice, want))
                return false;
        return owner_r >= 0 && owner == uid;
}

bool sbx_sd_booted(void)
{
        struct stat st;
        return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

enum sbx_cgroup_backend sbx_sd_detect_at(const char *run_systemd_system, const char *cgroup_mount)
{
        struct stat st;
        struct statfs fs;
        if (lstat(run_systemd_system, &st) < 0 || !S_ISDIR(st.st_mode))
                return SBX_CGROUP_BACKEND_CGROUPFS;
        if (statfs(cgroup_mount, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC)
                return SBX_CGROUP_BACKEND_CGROUPFS;
        return SBX_CGROUP_BACKEND_SYSTEMD;
}

/* ---- the instance's scope, without a session ---- */

static int instance_open(const struct sbx_cgroup_params *p, char *path, size_t size, int *ret_fd, struct sbx_err *err)
{
        char unit[256];
        int r = sbx_sd_instance_scope(p->user, p->uid, unit, sizeof(unit), path, size);
        if (r < 0)
                return sbx_err_set(err, -r, "the instance's scope for '%s'", p->user);
        *ret_fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (*ret_fd < 0 && errno != ENOENT)
                return sbx_err_set(err, errno, "open cgroup '%s'", path);
        return 0;
}

int sbx_sd_instance_procs(const struct sbx_cgroup_params *p, char **ret, char **ret_leaf, struct sbx_err *err)
{
        char path[4096];
        _cleanup_close_ int fd = -1;
        *ret = NULL;
        int r = instance_open(p, path, sizeof(path), &fd, err);
        if (r < 0)
                return r;
        if (ret_leaf && !(*ret_leaf = strdup(path)))
                return sbx_err_set(err, ENOMEM, "cgroup path");
        if (fd < 0) {
                *ret = strdup("");
                return *ret ? 0 : sbx_err_set(err, ENOMEM, "cgroup path");
        }
        r = sbx_cg_read_all(fd, "cgroup.procs", ret);
        /* The scope went away between the open and the read: systemd collected it, empty. */
        if (r == -ENOENT || r == -ENODEV)
                return (*ret = strdup("")) ? 0 : sbx_err_set(err, ENOMEM, "cgroup path");
        return r < 0 ? sbx_err_set(err, -r, "read '%s/cgroup.procs'", path) : 0;
}

int sbx_sd_instance_end(const struct sbx_cgroup_params *p, struct sbx_cgroup_usage *ret_usage, struct sbx_err *err)
{
        char path[4096];
        _cleanup_close_ int fd = -1;
        if (ret_usage)
                sbx_cgroup_usage_unknown(ret_usage);
        int r = instance_open(p, path, sizeof(path), &fd, err);
        if (r < 0 || fd < 0)
                return r;
        if (ret_usage)
                sbx_cgroup_v2_ops.read_usage(NULL, fd, ret_usage);
        /* The caller is spared: root's Linger process ends the instance from inside its scope. Nothing is written to
         * a file of systemd's: the scope, empty, is stopped and collected by systemd itself. */
        r = sbx_cg_kill_loop(fd, path, getpid(), err);
        return r == -ENOENT || r == -ENODEV ? 0 : r;
}

/* ---- the session ---- */

void sbx_sd_session_free(struct sbx_sd_session *s)
{
        if (!s)
                return;
        closep(&s->cg_fd);
        closep(&s->slice_fd);
        free(s);
}

/* ---- the manager (cgroup-internal.h) ---- */

static int sd_open(struct sbx_cgroup_session *cs, const struct sbx_cgroup_params *p, struct sbx_err *err)
{
        struct sbx_sd_session *s = NULL;
        cs->layout = SBX_CGROUP_V2;
        int r = sbx_sd_session_open(p, &s, err);
        if (r < 0)
                return r;
        (void)strlcpy(cs->id, s->unit, sizeof(cs->id));
        cs->impl = s;
        return 0;
}

static void sd_usage(const struct sbx_cgroup_session *cs, struct sbx_cgroup_usage *u, struct sbx_cgroup_usage *user)
{
        const struct sbx_sd_session *s = cs->impl;
        /* The v2 reader only reads: cpu.stat, memory.*, pids.* of the scope and of the slice. */
        if (s->cg_fd >= 0)
                sbx_cgroup_v2_ops.read_usage(NULL, s->cg_fd, u);
        if (user && s->slice_fd >= 0)
                sbx_cgroup_v2_ops.read_usage(NULL, s->slice_fd, user);
}

/* systemd's KillUnit and StopUnit would signal the PAM caller too (it is in the scope, and must finish its close and
 * pam_end). So the processes are signalled one by one from cgroup.procs, the caller left out, a fork bomb included.
 * A transient scope ends with its caller: systemd stops and collects a scope once its cgroup is empty. Nothing is
 * written to a cgroup file. */
static int sd_close(struct sbx_cgroup_session *cs, pid_t pid, bool kill, unsigned *ret_left, struct sbx_err *err)
{
        struct sbx_sd_session *s = cs->impl;
        unsigned left = 0;
        int r = 0;
        if (s->cg_fd >= 0) {
                r = kill ? sbx_cg_kill_loop(s->cg_fd, s->cgroup, pid, err) : 0;
                if (r < 0 && err && err->code == EBUSY)
                        (void)sbx_err_prefix(err, "%s", s->unit);
                if (sbx_cg_signal_procs(s->cg_fd, 0, pid, &left, NULL) < 0)
                        left = 0; /* the scope is gone: nothing left in it */
        }
        if (ret_left)
                *ret_left = left;
        return r;
}

static const char *sd_leaf(const struct sbx_cgroup_session *cs)
{
        const struct sbx_sd_session *s = cs->impl;
        return s->cgroup;
}

static void sd_free(struct sbx_cgroup_session *cs)
{
        sbx_sd_session_free(cs->impl);
}

const struct sbx_cgroup_manager sbx_cgroup_systemd_manager = {
        .backend = SBX_CGROUP_BACKEND_SYSTEMD,
        .open = sd_open,
        .usage = sd_usage,
        .close = sd_close,
        .leaf = sd_leaf,
        .free = sd_free,
};
