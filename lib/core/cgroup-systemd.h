/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The systemd manager of the PAM session (docs/ARCHITECTURE.md, "Cgroups"): on a host where systemd owns the
 * cgroup v2 tree, the limits go on systemd's own units over D-Bus and no cgroup is ever created or written by us:
 *  - the per-user limits on user-UID.slice with SetUnitProperties(runtime=true);
 *  - the session lives in the scope logind made for the login (session-N.scope) when that scope belongs to the user,
 *    otherwise (su inside another user's session, no pam_systemd in the stack) in a transient scope
 *    sandbox-shell-USER-PID.scope in user-UID.slice, made with StartTransientUnit;
 *  - every limit is read back (read only) from the cgroup files systemd wrote and compared; a difference refuses the
 *    session, naming the keyword.
 * The pure parts (names, the keyword -> property mapping, the comparison) are here for the unit tests; the D-Bus part
 * is built only with libsystemd (meson feature `systemd`). Used through the manager table (cgroup-internal.h)
 * only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

/* The mount point of the unified hierarchy systemd manages. */
#define SBX_SD_CGROUP_MOUNT "/sys/fs/cgroup"

/* One limit as systemd takes it and as the kernel shows it afterwards. */
struct sbx_sd_prop {
        const char *keyword;  /* our keyword, for messages: "MemoryMax" */
        const char *property; /* systemd's D-Bus property, type "t": "MemoryMax", "CPUQuotaPerSecUSec" */
        uint64_t value;       /* what is sent (UINT64_MAX = infinity) */
        const char *file;     /* the cgroup file systemd writes it to: "memory.max" */
        char expect[64];      /* the file's first line once applied: "max", "104857600", "50000 100000", "default 50" */
        bool bytes;           /* a memory size: the kernel rounds it down to the page size */
};

#define SBX_SD_MAX_PROPS 7

/* "user-1000.slice". -ENAMETOOLONG when it does not fit. */
int sbx_sd_slice_name(uid_t uid, char *buf, size_t size);

/* "sandbox-shell-alice-1234.scope". -EINVAL when the user name is not usable (sbx_cgroup_valid_user), -ENAMETOOLONG. */
int sbx_sd_scope_name(const char *user, pid_t pid, char *buf, size_t size);

/* Maps the limits that are set (SBX_LIMIT_UNSET ones are skipped) to properties, in keyword order; `place` names
 * them in messages (SBX_PLACE_LIMIT: the user's, on the slice; SBX_PLACE_SESSION: a session's, on its scope). Returns
 * the number filled (at most SBX_SD_MAX_PROPS). */
size_t sbx_sd_properties(const struct sbx_cgroup_limits *l, enum sbx_place place,
                         struct sbx_sd_prop out[SBX_SD_MAX_PROPS]);

/* True when `content` (a cgroup file as read, possibly several lines) shows the value p->expect. For sizes the value
 * rounded down to `pagesize` is accepted too (the kernel stores pages). */
bool sbx_sd_value_matches(const struct sbx_sd_prop *p, const char *content, unsigned long pagesize);

/* Whether the login's own unit can carry the session: a scope (`unit` ends in ".scope") in `slice` =
 * user-UID.slice of the target user, whose owner (sd_pid_get_owner_uid: owner_r 0 and owner) is that user.
 * Anything else (root's scope under su, sshd's service without pam_systemd) needs a transient scope. */
bool sbx_sd_scope_is_own(const char *unit, const char *slice, int owner_r, uid_t owner, uid_t uid);

/* The backend automatically chosen: systemd when `run_systemd_system` exists (systemd is PID 1: sd_booted's test)
 * and `cgroup_mount` is a cgroup2 filesystem; cgroupfs otherwise. */
enum sbx_cgroup_backend sbx_sd_detect_at(const char *run_systemd_system, const char *cgroup_mount);

/* True when systemd is the init (its /run/systemd/system, as sd_booted tests). */
bool sbx_sd_booted(void);

/* ActiveState of `unit` ("active", "inactive", "activating", ...; "inactive" for a unit systemd does not know),
 * asked over D-Bus. Errors: -EOPNOTSUPP without systemd support, or the errno of the call, naming the unit. */
int sbx_sd_unit_active_state(const char *unit, char *buf, size_t size, struct sbx_err *err);

/* ---- the session (D-Bus) ---- */

struct sbx_sd_session {
        char unit[256];
        char cgroup[4096]; /* absolute path of the scope's cgroup */
        int cg_fd;         /* O_PATH directory fd of it, -1 when not open */
        int slice_fd;      /* O_PATH directory fd of user-UID.slice's cgroup (the user's usage), -1 when not open */
        bool transient;    /* a scope of ours (sbx_sd_scope_name), not logind's */
};

/* Opens the session of p->user (p->uid) for the process p->pid (the PAM module's own): picks or makes the scope, sets
 * the user's limits on user-UID.slice and the session's limits on the scope (and p->runtime_max_usec as RuntimeMaxUSec
 * on a transient scope of ours, which systemd takes only when it makes the scope), and reads them back. On success *ret is owned by the caller (sbx_sd_session_free). Errors: -EOPNOTSUPP when built
 * without systemd support or when a limit does not show in the cgroup files or the unit (message names the keyword),
 * -EINVAL for a bad user name, -ENOMEM, or the errno of a D-Bus call, naming the unit. */
/* Instance user: the instance's transient scope, sandbox-shell-<user>-instance.scope in user-<uid>.slice (a PID
 * scope's name ends in digits, so the two never meet), and its cgroup's absolute path. */
int sbx_sd_instance_scope(const char *user, uid_t uid, char *unit, size_t usize, char *path, size_t psize);
/* The instance's side of cgroup.h: the scope's cgroup.procs ("" when there is none) and its path; its end (usage
 * read, every process killed but the caller's; systemd collects the empty scope). Read and kill only. */
int sbx_sd_instance_procs(const struct sbx_cgroup_params *p, char **ret, char **ret_leaf, struct sbx_err *err);
int sbx_sd_instance_end(const struct sbx_cgroup_params *p, struct sbx_cgroup_usage *ret_usage, struct sbx_err *err);
/* StartTransientUnit of the instance's scope holding `pid` (a stale one, left from an instance that ended, stopped
 * first), and waits until systemd moved `pid` there. */
int sbx_sd_instance_place(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err);
/* AttachProcessesToUnit: `pid` (root's Linger process) into the instance's scope, out of a logind scope that
 * KillUserProcesses ends. */
int sbx_sd_instance_attach(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err);

int sbx_sd_session_open(const struct sbx_cgroup_params *p, struct sbx_sd_session **ret, struct sbx_err *err);
void sbx_sd_session_free(struct sbx_sd_session *s);
