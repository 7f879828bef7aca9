/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v1 control files: one hierarchy per controller (or a joint one such as cpu,cpuacct). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-internal.h"

static int v1_enable(const struct sbx_cgroup_hier *h, int parent_fd, const char *parent_path, struct sbx_err *err)
{
        return 0; /* v1 controllers are there in every cgroup of their hierarchy */
}

static int put_u64(int fd, const char *path, const char *file, uint64_t value, const char *key, const char *ctrl,
                   struct sbx_err *err)
{
        char v[32];
        sbx_cg_format_limit(value, false, v, sizeof(v));
        return sbx_cg_put(fd, path, file, v, key, ctrl, err);
}

static int memory_limits(int fd, const char *path, const struct sbx_cgroup_limits *l, enum sbx_place place,
                         struct sbx_err *err)
{
        int r = 0;
        uint64_t memsw = SBX_LIMIT_UNSET;

        /* v1 has no swap-only limit: memory.memsw.limit_in_bytes caps memory + swap, so MemorySwapMax is written as
         * MemoryMax + MemorySwapMax and needs a finite MemoryMax. */
        if (l->memory_swap_max != SBX_LIMIT_UNSET) {
                if (!sbx_cg_has(fd, "memory.memsw.limit_in_bytes"))
                        return sbx_err_setx(err, EOPNOTSUPP,
                                            "%s cannot be applied: cgroup controller 'memory' has no swap accounting "
                                            "(memory.memsw.limit_in_bytes) in '%s'",
                                            SBX_LIMIT_NAME(place, memory_swap_max), path);
                if (l->memory_swap_max == SBX_LIMIT_INFINITY)
                        memsw = SBX_LIMIT_INFINITY;
                else if (l->memory_max == SBX_LIMIT_UNSET || l->memory_max == SBX_LIMIT_INFINITY)
                        return sbx_err_setx(err, EOPNOTSUPP,
                                            "%s cannot be applied on cgroup v1 without a finite %s "
                                            "(memory.memsw.limit_in_bytes limits memory and swap together)",
                                            SBX_LIMIT_NAME(place, memory_swap_max), SBX_LIMIT_NAME(place, memory_max));
                else
                        memsw = l->memory_max + l->memory_swap_max;
        }
        /* The kernel wants limit_in_bytes <= memsw.limit_in_bytes at every step: lift memsw first. */
        if (l->memory_max != SBX_LIMIT_UNSET && sbx_cg_has(fd, "memory.memsw.limit_in_bytes"))
                r = put_u64(fd, path, "memory.memsw.limit_in_bytes", SBX_LIMIT_INFINITY,
                            SBX_LIMIT_NAME(place, memory_max), "memory", err);
        if (r == 0 && l->memory_max != SBX_LIMIT_UNSET)
                r = put_u64(fd, path, "memory.limit_in_bytes", l->memory_max, SBX_LIMIT_NAME(place, memory_max),
                            "memory", err);
        if (r == 0 && memsw != SBX_LIMIT_UNSET)
                r = put_u64(fd, path, "memory.memsw.limit_in_bytes", memsw, SBX_LIMIT_NAME(place, memory_swap_max),
                            "memory", err);
        /* MemoryHigh: v1 has no throttling threshold; the soft limit is what reclaim pushes the group back to under
         * memory pressure, the nearest equivalent. */
        if (r == 0 && l->memory_high != SBX_LIMIT_UNSET)
                r = put_u64(fd, path, "memory.soft_limit_in_bytes", l->memory_high, SBX_LIMIT_NAME(place, memory_high),
                            "memory", err);
        return r;
}

/* IOWeight to blkio.bfq.weight (1..1000, default 100): the default maps to the default, 10000 to 1000. */
static uint64_t weight_to_bfq(uint64_t w)
{
        return w <= 100 ? w : 100 + (w - 100) * 900 / 9900;
}

static int v1_apply_limits(const struct sbx_cgroup_hier *h, int fd, const char *path, const struct sbx_cgroup_limits *l,
                           enum sbx_place place, struct sbx_err *err)
{
        int r = 0;
        if (h->ctrl & SBX_CG_MEMORY)
                r = memory_limits(fd, path, l, place, err);
        if (r == 0 && (h->ctrl & SBX_CG_PIDS) && l->tasks_max != SBX_LIMIT_UNSET) {
                char v[32];
                sbx_cg_format_limit(l->tasks_max, true, v, sizeof(v)); /* pids.max takes "max", as in v2 */
                r = sbx_cg_put(fd, path, "pids.max", v, SBX_LIMIT_NAME(place, tasks_max), "pids", err);
        }
        if (r == 0 && (h->ctrl & SBX_CG_CPU) && l->cpu_quota != SBX_LIMIT_UNSET) {
                r = put_u64(fd, path, "cpu.cfs_period_us", 100000, SBX_LIMIT_NAME(place, cpu_quota), "cpu", err);
                if (r == 0)
                        r = put_u64(fd, path, "cpu.cfs_quota_us",
                                    l->cpu_quota == SBX_LIMIT_INFINITY ? SBX_LIMIT_INFINITY : l->cpu_quota * 1000,
                                    SBX_LIMIT_NAME(place, cpu_quota), "cpu", err);
        }
        if (r == 0 && (h->ctrl & SBX_CG_CPU) && l->cpu_weight != SBX_LIMIT_UNSET)
                r = put_u64(fd, path, "cpu.shares", sbx_cgroup_weight_to_shares(l->cpu_weight),
                            SBX_LIMIT_NAME(place, cpu_weight), "cpu", err);
        if (r == 0 && (h->ctrl & SBX_CG_IO) && l->io_weight != SBX_LIMIT_UNSET) {
                if (sbx_cg_has(fd, "blkio.weight"))
                        r = put_u64(fd, path, "blkio.weight", sbx_cgroup_weight_to_blkio(l->io_weight),
                                    SBX_LIMIT_NAME(place, io_weight), "blkio", err);
                else if (sbx_cg_has(fd, "blkio.bfq.weight"))
                        r = put_u64(fd, path, "blkio.bfq.weight", weight_to_bfq(l->io_weight),
                                    SBX_LIMIT_NAME(place, io_weight), "blkio", err);
                else
                        r = sbx_err_setx(err, EOPNOTSUPP,
                                         "%s cannot be applied: cgroup controller 'blkio' has neither blkio.weight "
                                         "nor blkio.bfq.weight in '%s' (no CFQ/BFQ I/O scheduler)",
                                         SBX_LIMIT_NAME(place, io_weight), path);
        }
        return r;
}

static void v1_read_usage(const struct sbx_cgroup_hier *h, int fd, struct sbx_cgroup_usage *u)
{
        uint64_t v;
        /* Only the files of the controllers this hierarchy carries: the others are not there to be read. */
        bool mem = h->has & SBX_CG_MEMORY;
        if (mem && u->memory_now == SBX_CGROUP_UNKNOWN && sbx_cg_read_u64(fd, "memory.usage_in_bytes", &v) == 0)
                u->memory_now = v;
        if (mem && u->memory_peak == SBX_CGROUP_UNKNOWN && sbx_cg_read_u64(fd, "memory.max_usage_in_bytes", &v) == 0)
                u->memory_peak = v;
        if (mem && u->oom_kills == SBX_CGROUP_UNKNOWN && sbx_cg_read_key(fd, "memory.oom_control", "oom_kill", &v) == 0)
                u->oom_kills = v;
        if (h->has & SBX_CG_PIDS && u->tasks == SBX_CGROUP_UNKNOWN && sbx_cg_read_u64(fd, "pids.current", &v) == 0)
                u->tasks = v;
        if (h->tracking && !(h->has & SBX_CG_PIDS) && u->tasks == SBX_CGROUP_UNKNOWN &&
            sbx_cg_count_lines(fd, "tasks", &v) == 0)
                u->tasks = v;
        if (h->has & SBX_CG_PIDS && u->tasks_max_hits == SBX_CGROUP_UNKNOWN &&
            sbx_cg_read_key(fd, "pids.events", "max", &v) == 0)
                u->tasks_max_hits = v;
        if (h->has & SBX_CG_CPUACCT && u->cpu_usec == SBX_CGROUP_UNKNOWN &&
            sbx_cg_read_u64(fd, "cpuacct.usage", &v) == 0)
                u->cpu_usec = v / 1000;
}

static int v1_kill(const struct sbx_cgroup_hier *h, int fd, const char *path, struct sbx_err *err)
{
        /* With a freezer: freeze so nothing forks, send SIGKILL to everyone, thaw (a frozen v1 task only dies once
         * thawed), then collect whatever is left. */
        if (h->has & SBX_CG_FREEZER && sbx_cg_write(fd, path, "freezer.state", "FROZEN", NULL) == 0) {
                char state[32] = "";
                for (int i = 0; i < 200 && sbx_cg_read(fd, "freezer.state", state, sizeof(state)) > 0 &&
                                strncmp(state, "FROZEN", 6) != 0;
                     i++) {
                        struct timespec ts = {0, 5000000};
                        (void)nanosleep(&ts, NULL);
                }
                unsigned n;
                (void)sbx_cg_signal_procs(fd, SIGKILL, 0, &n, NULL);
                (void)sbx_cg_write(fd, path, "freezer.state", "THAWED", NULL);
        }
        return sbx_cg_kill_loop(fd, path, 0, err);
}

const struct sbx_cgroup_ops sbx_cgroup_v1_ops = {
        .name = "cgroup",
        .enable = v1_enable,
        .apply_limits = v1_apply_limits,
        .read_usage = v1_read_usage,
        .kill = v1_kill,
};
