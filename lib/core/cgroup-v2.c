/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v2 control files: the pure v2 hierarchy (limits, usage, kill) and, in hybrid mode, the unified hierarchy
 * (tracking, CPU time and cgroup.kill only; h->ctrl is 0 there so nothing else is written). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-internal.h"

static const struct {
        unsigned bit;
        const char *name;
} controllers[] = {
        {SBX_CG_MEMORY, "memory"},
        {SBX_CG_PIDS, "pids"},
        {SBX_CG_CPU, "cpu"},
        {SBX_CG_IO, "io"},
};

/* True when the space-separated list holds the word. */
static bool has_word(const char *list, const char *word)
{
        size_t n = strlen(word);
        for (const char *p = list; (p = strstr(p, word)); p += n)
                if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
                        return true;
        return false;
}

static int v2_enable(const struct sbx_cgroup_hier *h, int parent_fd, const char *parent_path, struct sbx_err *err)
{
        char enabled[512], available[512], op[32];
        ssize_t n = sbx_cg_read(parent_fd, "cgroup.subtree_control", enabled, sizeof(enabled));
        if (n < 0)
                return sbx_err_set(err, (int)-n, "read '%s/cgroup.subtree_control'", parent_path);
        n = sbx_cg_read(parent_fd, "cgroup.controllers", available, sizeof(available));
        if (n < 0)
                return sbx_err_set(err, (int)-n, "read '%s/cgroup.controllers'", parent_path);
        for (size_t i = 0; i < ELEMENTSOF(controllers); i++) {
                if (!(h->ctrl & controllers[i].bit) || has_word(enabled, controllers[i].name))
                        continue;
                if (!has_word(available, controllers[i].name))
                        return sbx_err_setx(err, EOPNOTSUPP,
                                            "cgroup controller '%s' is not available in '%s' (cgroup.controllers: %s)",
                                            controllers[i].name, parent_path, available[0] ? available : "none");
                (void)snprintf(op, sizeof(op), "+%s", controllers[i].name);
                int r = sbx_cg_setup_write(parent_fd, parent_path, "cgroup.subtree_control", op, err);
                if (r < 0)
                        return sbx_err_prefix(err, "enable cgroup controller '%s'", controllers[i].name);
        }
        return 0;
}

/* Writes one limit; an absent control file means the kernel cannot apply it: the session is refused, naming it. */
static int v2_apply_limits(const struct sbx_cgroup_hier *h, int fd, const char *path, const struct sbx_cgroup_limits *l,
                           enum sbx_place place, struct sbx_err *err)
{
        char v[64];
        int r = 0;

        if (h->ctrl & SBX_CG_MEMORY) {
                if (l->memory_max != SBX_LIMIT_UNSET) {
                        sbx_cg_format_limit(l->memory_max, true, v, sizeof(v));
                        r = sbx_cg_put(fd, path, "memory.max", v, SBX_LIMIT_NAME(place, memory_max), "memory", err);
                }
                if (r == 0 && l->memory_high != SBX_LIMIT_UNSET) {
                        sbx_cg_format_limit(l->memory_high, true, v, sizeof(v));
                        r = sbx_cg_put(fd, path, "memory.high", v, SBX_LIMIT_NAME(place, memory_high), "memory", err);
                }
                if (r == 0 && l->memory_swap_max != SBX_LIMIT_UNSET) {
                        sbx_cg_format_limit(l->memory_swap_max, true, v, sizeof(v));
                        r = sbx_cg_put(fd, path, "memory.swap.max", v, SBX_LIMIT_NAME(place, memory_swap_max), "memory",
                                       err);
                }
        }
        if (r == 0 && (h->ctrl & SBX_CG_PIDS) && l->tasks_max != SBX_LIMIT_UNSET) {
                sbx_cg_format_limit(l->tasks_max, true, v, sizeof(v));
                r = sbx_cg_put(fd, path, "pids.max", v, SBX_LIMIT_NAME(place, tasks_max), "pids", err);
        }
        if (r == 0 && (h->ctrl & SBX_CG_CPU) && l->cpu_quota != SBX_LIMIT_UNSET) {
                /* CPUQuota is a percentage of one CPU: quota/period with the kernel's default 100 ms period. */
                if (l->cpu_quota == SBX_LIMIT_INFINITY)
                        (void)snprintf(v, sizeof(v), "max 100000");
                else
                        (void)snprintf(v, sizeof(v), "%llu 100000", (unsigned long long)l->cpu_quota * 1000);
                r = sbx_cg_put(fd, path, "cpu.max", v, SBX_LIMIT_NAME(place, cpu_quota), "cpu", err);
        }
        if (r == 0 && (h->ctrl & SBX_CG_CPU) && l->cpu_weight != SBX_LIMIT_UNSET) {
                (void)snprintf(v, sizeof(v), "%llu", (unsigned long long)l->cpu_weight);
                r = sbx_cg_put(fd, path, "cpu.weight", v, SBX_LIMIT_NAME(place, cpu_weight), "cpu", err);
        }
        if (r == 0 && (h->ctrl & SBX_CG_IO) && l->io_weight != SBX_LIMIT_UNSET) {
                (void)snprintf(v, sizeof(v), "default %llu", (unsigned long long)l->io_weight);
                r = sbx_cg_put(fd, path, "io.weight", v, SBX_LIMIT_NAME(place, io_weight), "io", err);
        }
        return r;
}

static void v2_read_usage(const struct sbx_cgroup_hier *h, int fd, struct sbx_cgroup_usage *u)
{
        uint64_t v, w;
        if (u->cpu_usec == SBX_CGROUP_UNKNOWN && sbx_cg_read_key(fd, "cpu.stat", "usage_usec", &v) == 0)
                u->cpu_usec = v;
        if (u->memory_now == SBX_CGROUP_UNKNOWN && sbx_cg_read_u64(fd, "memory.current", &v) == 0)
                u->memory_now = v;
        if (u->memory_peak == SBX_CGROUP_UNKNOWN && sbx_cg_read_u64(fd, "memory.peak", &v) == 0)
                u->memory_peak = v;
        /* Without the pids controller (the tracking hierarchy of a hybrid host): the threads it lists. */
        if (u->tasks == SBX_CGROUP_UNKNOWN &&
            (sbx_cg_read_u64(fd, "pids.current", &v) == 0 || sbx_cg_count_lines(fd, "cgroup.threads", &v) == 0))
                u->tasks = v;
        if (u->oom_kills == SBX_CGROUP_UNKNOWN && sbx_cg_read_key(fd, "memory.events", "oom_kill", &v) == 0)
                u->oom_kills = v;
        /* Kernels count a refused fork in the cgroup whose limit refused it (pids.events, hierarchical) and, since
         * 6.12, also where the fork happened (pids.events.local): the leaf sees it in one or the other. */
        if (u->tasks_max_hits == SBX_CGROUP_UNKNOWN && sbx_cg_read_key(fd, "pids.events", "max", &v) == 0) {
                if (sbx_cg_read_key(fd, "pids.events.local", "max", &w) == 0 && w > v)
                        v = w;
                u->tasks_max_hits = v;
        }
}

static int v2_kill(const struct sbx_cgroup_hier *h, int fd, const char *path, struct sbx_err *err)
{
        /* cgroup.kill (5.14) kills every process of the cgroup at once, forks racing with it included. */
        if (sbx_cg_has(fd, "cgroup.kill")) {
                int r = sbx_cg_write(fd, path, "cgroup.kill", "1", err);
                if (r < 0)
                        return r;
                return sbx_cg_kill_loop(fd, path, 0, err);
        }
        /* Older kernels: freeze so nothing forks while we kill (fatal signals still reach frozen tasks in v2). */
        bool frozen = sbx_cg_write(fd, path, "cgroup.freeze", "1", NULL) == 0;
        int r = sbx_cg_kill_loop(fd, path, 0, err);
        if (frozen)
                (void)sbx_cg_write(fd, path, "cgroup.freeze", "0", NULL);
        return r;
}

const struct sbx_cgroup_ops sbx_cgroup_v2_ops = {
        .name = "cgroup2",
        .enable = v2_enable,
        .apply_limits = v2_apply_limits,
        .read_usage = v2_read_usage,
        .kill = v2_kill,
};
