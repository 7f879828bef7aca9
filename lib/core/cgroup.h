/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The cgroupfs backend of the PAM session (DESIGN.md section 6): a per-user cgroup with the policy's limits and one
 * leaf per session, in every hierarchy the limits need.
 *
 * Layout, under each hierarchy used: <CgroupRoot>/<user>/ carries the limits of the user as a whole,
 * <CgroupRoot>/<user>/session-<pid>-<starttime>/ is the leaf the session process moves into (pid and start time of
 * that process, /proc/PID/stat field 22, so a leaf whose process is gone is recognised even after the pid was reused).
 *
 * Hierarchies used, detected at run time from /proc/self/mountinfo:
 *  - pure v2 (/sys/fs/cgroup is cgroup2): the one hierarchy; the controllers the limits need are enabled in
 *    cgroup.subtree_control on the way down;
 *  - hybrid (v1 controllers plus a cgroup2 mount, usually /sys/fs/cgroup/unified): the v1 memory, pids, cpu and blkio
 *    hierarchies for the limits that need them, the v2 one (no controllers, never written to its subtree_control) for
 *    tracking every process of the session, CPU time (cpu.stat exists without the cpu controller) and cgroup.kill;
 *  - v1 only: the limit hierarchies, the freezer (or else pids) hierarchy for tracking, cpuacct for CPU time.
 * A v1 hierarchy is only used when a limit needs it: the session process never leaves e.g. its memory cgroup unless the
 * policy limits memory. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"
#include "policy.h"

enum sbx_cgroup_layout {
        SBX_CGROUP_V2,
        SBX_CGROUP_HYBRID,
        SBX_CGROUP_V1,
};

/* The limits, in the policy's units (lib/policy.h): SBX_LIMIT_UNSET writes nothing, SBX_LIMIT_INFINITY writes "max"
 * (or -1 in v1). cpu_quota is a percentage of one CPU, cpu_weight and io_weight 1..10000. */
struct sbx_cgroup_limits {
        uint64_t memory_max;
        uint64_t memory_high;
        uint64_t memory_swap_max;
        uint64_t tasks_max;
        uint64_t cpu_quota;
        uint64_t cpu_weight;
        uint64_t io_weight;
};

/* What a session used, read from its leaf. SBX_CGROUP_UNKNOWN where the kernel or the hierarchies used do not say. */
#define SBX_CGROUP_UNKNOWN UINT64_MAX
struct sbx_cgroup_usage {
        uint64_t memory_peak;    /* bytes: memory.peak, v1 memory.max_usage_in_bytes */
        uint64_t cpu_usec;       /* cpu.stat usage_usec, v1 cpuacct.usage / 1000 */
        uint64_t oom_kills;      /* memory.events oom_kill, v1 memory.oom_control oom_kill */
        uint64_t tasks_max_hits; /* pids.events max (v2: also pids.events.local) */
};

struct sbx_cgroup_session;

/* True when `user` may be used as a cgroup directory name: 1..32 characters of [A-Za-z0-9_.-], not starting with
 * '-' or '.', so it can never be "." or "..", hold a '/', or collide with a cgroupfs control file. */
bool sbx_cgroup_valid_user(const char *user);

/* Expands CgroupRoot for one hierarchy: a leading "%c" becomes `self` (the cgroup the session process is in there),
 * "%%" a '%'; any other token is an error. The result is normalised (no "//", no trailing '/', "/" for the root) and
 * refused if it holds "." or ".." components or is not absolute. *ret is malloc'd, owned by the caller.
 * Errors: -EINVAL, -ENOMEM. */
int sbx_cgroup_expand_root(const char *spec, const char *self, char **ret, struct sbx_err *err);

/* Detects the layout from the text of /proc/self/mountinfo (testable with any buffer). -ENOENT when no cgroup
 * filesystem is mounted. */
int sbx_cgroup_detect_layout(const char *mountinfo, enum sbx_cgroup_layout *ret, struct sbx_err *err);

const char *sbx_cgroup_layout_name(enum sbx_cgroup_layout l);

/* Maps systemd's CPUWeight (1..10000, default 100) to v1 cpu.shares (default 1024) the way systemd does. */
uint64_t sbx_cgroup_weight_to_shares(uint64_t weight);
/* Maps IOWeight (1..10000, default 100) to v1 blkio.weight (10..1000, default 500) the way systemd does. */
uint64_t sbx_cgroup_weight_to_blkio(uint64_t weight);

/* Session open, for the process `pid` (the PAM module's own process): detects the layout, removes the stale leaves of
 * `user` (leaves whose session process is gone; their processes are killed first when kill_stale is true, otherwise a
 * stale leaf is only removed once empty), creates <root>/<user>/ with the limits and the leaf, and moves `pid` into the
 * leaf in every hierarchy used. On any failure everything this call created is removed again and the process is back
 * where it was. A limit that cannot be applied (controller not mounted/enabled, control file absent) fails with
 * -EOPNOTSUPP and a message naming the controller and the keyword.
 * On success *ret is owned by the caller (sbx_cgroup_session_free). Errors: -EINVAL (bad user name or CgroupRoot),
 * -EOPNOTSUPP, -ENOMEM, or the errno of the failed cgroupfs operation, with the path in the message. */
int sbx_cgroup_session_open(const char *cgroup_root, const char *user, const struct sbx_cgroup_limits *limits,
                            bool kill_stale, pid_t pid, struct sbx_cgroup_session **ret, struct sbx_err *err);

/* "PID-STARTTIME", owned by the session. */
const char *sbx_cgroup_session_id(const struct sbx_cgroup_session *s);
enum sbx_cgroup_layout sbx_cgroup_session_layout(const struct sbx_cgroup_session *s);
/* The leaf's path in the tracking hierarchy (e.g. "/sys/fs/cgroup/unified/sandbox-shell/alice/session-12-345"). */
const char *sbx_cgroup_session_leaf(const struct sbx_cgroup_session *s);
/* When sbx_cgroup_session_open ran (CLOCK_MONOTONIC). */
struct timespec sbx_cgroup_session_started(const struct sbx_cgroup_session *s);

/* Reads the usage of the session's leaf (read it before sbx_cgroup_session_close removes the leaf). Never fails: what
 * cannot be read is SBX_CGROUP_UNKNOWN. */
void sbx_cgroup_session_usage(const struct sbx_cgroup_session *s, struct sbx_cgroup_usage *ret);

/* ---- the backend front (DESIGN.md section 6) ---- */

/* What session start needs, whichever backend takes it. */
struct sbx_cgroup_params {
        enum sbx_cgroup_backend backend; /* AUTO: sbx_cgroup_backend_detect() */
        const char *cgroup_root;         /* CgroupRoot (cgroupfs only) */
        const char *user;
        uid_t uid;
        const struct sbx_cgroup_limits *limits;
        bool kill_stale; /* cgroupfs only */
        pid_t pid;       /* the session process: the PAM module's own */
};

/* systemd when /run/systemd/system exists and /sys/fs/cgroup is cgroup2, cgroupfs otherwise. */
enum sbx_cgroup_backend sbx_cgroup_backend_detect(void);
const char *sbx_cgroup_backend_name(enum sbx_cgroup_backend b);

/* Session open through the backend p->backend asks for (or the detected one). cgroupfs: sbx_cgroup_session_open.
 * systemd: the limits go on user-UID.slice over D-Bus and the session lives in logind's scope of the login or in a
 * transient scope of ours (lib/cgroup-systemd.h); no cgroup is created or written. The accessors below work for
 * both: the id is the scope's unit name, the leaf its cgroup. Errors: those of the backend; -EOPNOTSUPP (message
 * "built without systemd support") when systemd is needed and the build has no libsystemd. */
int sbx_cgroup_session_start(const struct sbx_cgroup_params *p, struct sbx_cgroup_session **ret,
                             struct sbx_err *err);
enum sbx_cgroup_backend sbx_cgroup_session_backend(const struct sbx_cgroup_session *s);

/* Session close (systemd backend: see sbx_sd_session_close; nothing is moved or removed there). Moves `pid` back to the cgroups it was in at open; when kill is true kills every process left in the
 * leaf (cgroup.kill where the kernel has it, else freeze + SIGKILL until empty), removes the leaf in every hierarchy
 * and the user's cgroup when no other session is in it. With kill false the leaf and its processes stay (a later
 * open removes the leaf once empty). *ret_left (may be NULL) is set to the number of processes left alive in the
 * leaf. Errors: the first failure (the rest is still attempted), with the path in the message. */
int sbx_cgroup_session_close(struct sbx_cgroup_session *s, pid_t pid, bool kill, unsigned *ret_left,
                             struct sbx_err *err);

void sbx_cgroup_session_free(struct sbx_cgroup_session *s);
