/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The cgroups of a PAM session (docs/ARCHITECTURE.md, "Cgroups"): the user's limits on a per-user cgroup and one leaf
 * per session. Two managers sit behind this front, chosen per session (cgroup-internal.h):
 *  - systemd (cgroup-systemd.h): on a host where systemd owns the cgroup v2 tree, the limits go on systemd's own
 *    units over D-Bus (user-UID.slice; the session stays in logind's scope or a transient scope of ours) and no
 *    cgroup is made or written;
 *  - cgroupfs (cgroup-fs.c) everywhere else, with this layout under each hierarchy used: <CgroupRoot>/<user>/ carries
 *    the limits of the user as a whole, <CgroupRoot>/<user>/session-<pid>-<starttime>/ is the leaf the session
 *    process moves into (pid and start time of that process, /proc/PID/stat field 22, so a leaf whose process is gone
 *    is recognised even after the pid was reused).
 *
 * Hierarchies the cgroupfs manager uses, detected at run time from /proc/self/mountinfo:
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
#include "keywords.h"

enum sbx_cgroup_layout {
        SBX_CGROUP_V2,
        SBX_CGROUP_HYBRID,
        SBX_CGROUP_V1,
};

/* What a session used, read from its leaf. SBX_CGROUP_UNKNOWN where the kernel or the hierarchies used do not say. */
#define SBX_CGROUP_UNKNOWN UINT64_MAX
struct sbx_cgroup_usage {
        uint64_t memory_now;     /* bytes: memory.current, v1 memory.usage_in_bytes */
        uint64_t memory_peak;    /* bytes: memory.peak, v1 memory.max_usage_in_bytes */
        uint64_t cpu_usec;       /* cpu.stat usage_usec, v1 cpuacct.usage / 1000 */
        uint64_t oom_kills;      /* memory.events oom_kill, v1 memory.oom_control oom_kill */
        uint64_t tasks_max_hits; /* pids.events max (v2: also pids.events.local) */
        uint64_t tasks;          /* pids.current */
};

/* Usage where nothing is known yet. */
void sbx_cgroup_usage_unknown(struct sbx_cgroup_usage *u);

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

/* systemd when /run/systemd/system exists and /sys/fs/cgroup is cgroup2, cgroupfs otherwise. */
enum sbx_cgroup_backend sbx_cgroup_backend_detect(void);
const char *sbx_cgroup_backend_name(enum sbx_cgroup_backend b);

/* ---- sessions ---- */

struct sbx_cgroup_session;

/* What session start needs, whichever manager takes it. */
struct sbx_cgroup_params {
        enum sbx_cgroup_backend backend; /* AUTO: sbx_cgroup_backend_detect() */
        const char *cgroup_root;         /* CgroupRoot (cgroupfs only) */
        const char *user;
        uid_t uid;
        const struct sbx_cgroup_limits *limits;         /* of the user as a whole */
        const struct sbx_cgroup_limits *session_limits; /* of this session alone (may be NULL) */
        uint64_t runtime_max_usec;                      /* RuntimeMaxSec, a backstop on systemd's scope; UNSET: none */
        bool kill_stale;                                /* cgroupfs only */
        bool instance; /* Instance user: the leaf is the instance's, SBX_CGROUP_INSTANCE_LEAF, shared by every login of
                        * the user; a close kills it only when told to (the instance ends), a failed open never */
        pid_t pid;     /* the session process: the PAM module's own */
};

/* Session open, for the process p->pid (the PAM module's own), through the manager p->backend asks for (or the
 * detected one).
 *  - cgroupfs: detects the layout, removes the stale leaves of the user (leaves whose session process is gone; their
 *    processes are killed first when kill_stale is true, otherwise a stale leaf is only removed once empty), creates
 *    <root>/<user>/ with the limits and the leaf, and moves the process into the leaf in every hierarchy used, under
 *    the user's lock (userlock.h). On any failure everything this call created is removed again and the process is
 *    back where it was. A limit that cannot be applied (controller not mounted/enabled, control file absent) fails
 *    with -EOPNOTSUPP and a message naming the controller and the keyword.
 *  - systemd: the limits go on user-UID.slice over D-Bus and the session lives in logind's scope of the login or in a
 *    transient scope of ours; no cgroup is created or written.
 * On success *ret is owned by the caller (sbx_cgroup_session_free). Errors: -EINVAL (bad user name or CgroupRoot),
 * -EOPNOTSUPP (also "built without systemd support" when systemd is needed and the build has no libsystemd), -ENOMEM,
 * or the errno of the failed step, with the path or unit in the message. */
int sbx_cgroup_session_start(const struct sbx_cgroup_params *p, struct sbx_cgroup_session **ret, struct sbx_err *err);

/* The session's id, owned by it: "PID-STARTTIME" (cgroupfs: the pid and start time of the session process, the
 * leaf's name without "session-"), or the scope's unit name (systemd). */
const char *sbx_cgroup_session_id(const struct sbx_cgroup_session *s);
enum sbx_cgroup_layout sbx_cgroup_session_layout(const struct sbx_cgroup_session *s);
enum sbx_cgroup_backend sbx_cgroup_session_backend(const struct sbx_cgroup_session *s);
/* The cgroup that holds the session (e.g. "/sys/fs/cgroup/unified/sandbox-shell/alice/session-12-345"). */
const char *sbx_cgroup_session_leaf(const struct sbx_cgroup_session *s);
/* When the session was started (CLOCK_MONOTONIC). */
struct timespec sbx_cgroup_session_started(const struct sbx_cgroup_session *s);

/* Reads the usage of the session's leaf and (ret_user not NULL) of the user's cgroup, which holds every session of the
 * user (read it before sbx_cgroup_session_close removes the leaf). Never fails: what cannot be read is
 * SBX_CGROUP_UNKNOWN. */
void sbx_cgroup_session_usage(const struct sbx_cgroup_session *s, struct sbx_cgroup_usage *ret,
                              struct sbx_cgroup_usage *ret_user);

/* Session close. cgroupfs: moves `pid` back to the cgroups it was in at open; when kill is true kills every process
 * left in the leaf (cgroup.kill where the kernel has it, else freeze + SIGKILL until empty), removes the leaf in every
 * hierarchy and the user's cgroup when no other session is in it. With kill false the leaf and its processes stay (a
 * later open removes the leaf once empty). systemd: with kill, every process of the scope but `pid` is killed;
 * nothing is moved or removed. *ret_left (may be NULL) is set to the number of processes left alive in the leaf.
 * Errors: the first failure (the rest is still attempted), with the path in the message. */
int sbx_cgroup_session_close(struct sbx_cgroup_session *s, pid_t pid, bool kill, unsigned *ret_left,
                             struct sbx_err *err);

void sbx_cgroup_session_free(struct sbx_cgroup_session *s);

/* ---- the sweep ---- */

/* What a sweep did. */
struct sbx_cgroup_swept {
        unsigned leaves; /* stale leaves removed (each in every hierarchy) */
        unsigned users;  /* users' cgroups removed with their last leaf */
        unsigned busy;   /* users with a stale leaf left alone: their lock was taken (their own open or close) */
};

/* cgroupfs: removes every user's stale session leaves that are empty below `cgroup_root` (a CgroupRoot spec, "%c"
 * expanded with the calling process's own cgroup in each hierarchy, as the open does for its session process), in
 * every hierarchy a session may use, and then each such user's cgroup where nothing is left in it. Stale: the
 * leaf's session process (its PID with its start time) is gone, as this process's /proc shows it. Kills nothing:
 * a stale leaf that still holds processes stays (the user's next open removes it, killing them when KillOnLogout is
 * on), as do the instance's leaf (Instance user) and a leaf holding a process of another PID namespace. Cheap when
 * nothing is stale: the users are found in one hierarchy without a lock, and only a user with a stale empty leaf is
 * locked (sbx_user_trylock, one user at a time; a user whose lock is busy is skipped, so it never waits and cannot
 * deadlock) and touched in the other hierarchies. Harmless on a systemd host, where no such tree exists. A root
 * that does not exist holds nothing (0). A "%c" that expands otherwise for the sweeping process than for the
 * sessions' opener in some hierarchy (a v1 one, say) hides the leaves there: what a session left in it stays for its
 * user's next open, as it did before. Errors: -EINVAL (a bad CgroupRoot), -ENOENT (no cgroup filesystem),
 * -ENOMEM, or the errno of reading mountinfo or /proc/self/cgroup; what it removed before stays removed. */
int sbx_cgroup_sweep(const char *cgroup_root, struct sbx_cgroup_swept *ret, struct sbx_err *err);

/* ---- Instance user (instance.h) ---- */

/* The cgroup every login of an `Instance user` user shares, made and filled by root only. cgroupfs: the leaf
 * <CgroupRoot>/<user>/instance, where each login's session process moves; closing one login's session moves its
 * process out and leaves the leaf; killing it ends the instance. systemd: the transient scope
 * sandbox-shell-<user>-instance.scope in user-<uid>.slice, which holds the init (the PAM module makes it there,
 * sbx_instance_make) while each login stays in logind's session scope. */
#define SBX_CGROUP_INSTANCE_LEAF "instance"

/* The backend `p` names, `auto` resolved. */
enum sbx_cgroup_backend sbx_cgroup_backend_of(const struct sbx_cgroup_params *p);

/* The text of the instance's cgroup.procs in the tracking hierarchy ("" when there is none), for the parameters a
 * session of the user would open with, and (ret_leaf not NULL) its path (cgroupfs: NULL when the user's cgroup does
 * not exist). malloc'd. */
int sbx_cgroup_instance_procs(const struct sbx_cgroup_params *p, char **ret, char **ret_leaf, struct sbx_err *err);

/* The text of cgroup.procs of the calling process's own cgroup in the tracking hierarchy (a helper of an Instance
 * user login: the instance's). *ret: malloc'd. */
int sbx_cgroup_self_procs(char **ret, struct sbx_err *err);

/* Ends the instance: its usage read into *ret_usage (may be NULL), every process of the leaf killed, the leaf
 * removed in every hierarchy, and the user's cgroup where no session is left in it. No leaf: nothing to do. */
int sbx_cgroup_instance_end(const struct sbx_cgroup_params *p, struct sbx_cgroup_usage *ret_usage, struct sbx_err *err);

/* systemd: makes the instance's scope with `pid` in it (the process that starts the init there). cgroupfs:
 * -EOPNOTSUPP (the first login's helper makes the init in the leaf its session process moved to). */
int sbx_cgroup_instance_place(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err);
/* systemd: moves `pid` (root's Linger process) into the instance's scope. cgroupfs: nothing to do. */
int sbx_cgroup_instance_attach(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err);
