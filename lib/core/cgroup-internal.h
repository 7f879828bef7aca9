/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The inside of the cgroup code: the manager table that cgroup.c (the front) dispatches to, the two cgroup versions'
 * control files behind struct sbx_cgroup_ops, and the one reader of each kernel interface the cgroup code uses
 * (cgroup-utils.c: mountinfo, /proc/PID/cgroup, the control files, cgroup.procs, rmdir). The login path (cgroup-fs.c,
 * cgroup-systemd.c) and `sandbox-shellctl list`/`kill` (lib/admin/sessions.c) use these and no copy of them. */

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup.h"

/* ---- the managers ---- */

/* One way of giving a session its cgroup and limits (crun's libcrun_cgroup_manager). The front picks one per session
 * and calls it through this table only. */
struct sbx_cgroup_manager {
        enum sbx_cgroup_backend backend;
        /* Sets up the session s for p (s->started, s->layout are set by the front): fills s->impl and s->id. On
         * failure everything it made is undone and s->impl is left NULL. */
        int (*open)(struct sbx_cgroup_session *s, const struct sbx_cgroup_params *p, struct sbx_err *err);
        /* What the session used, and (user not NULL) the user as a whole: every field it cannot read stays
         * SBX_CGROUP_UNKNOWN. */
        void (*usage)(const struct sbx_cgroup_session *s, struct sbx_cgroup_usage *u, struct sbx_cgroup_usage *user);
        int (*close)(struct sbx_cgroup_session *s, pid_t pid, bool kill, unsigned *ret_left, struct sbx_err *err);
        /* The cgroup that holds the session's processes (absolute path), "" when unknown. */
        const char *(*leaf)(const struct sbx_cgroup_session *s);
        void (*free)(struct sbx_cgroup_session *s);
};

extern const struct sbx_cgroup_manager sbx_cgroup_fs_manager;
/* The cgroupfs side of sbx_cgroup_instance_procs and sbx_cgroup_instance_end (cgroup.h). */
int sbx_cgroup_fs_instance_procs(const struct sbx_cgroup_params *p, char **ret, char **ret_leaf, struct sbx_err *err);
int sbx_cgroup_fs_instance_end(const struct sbx_cgroup_params *p, struct sbx_cgroup_usage *ret_usage,
                               struct sbx_err *err);
extern const struct sbx_cgroup_manager sbx_cgroup_systemd_manager;

struct sbx_cgroup_session {
        const struct sbx_cgroup_manager *m;
        void *impl; /* the manager's own state */
        enum sbx_cgroup_layout layout;
        char id[256];
        struct timespec started;
};

/* ---- cgroup v1 and v2 control files ---- */

struct sbx_cgroup_hier;

/* What differs between the cgroup versions. Every function works on directory fds of the cgroups involved;
 * `path` arguments only name the directory in messages. */
struct sbx_cgroup_ops {
        const char *name;
        /* Before descending from `parent` into one of its children: make the controllers h->ctrl available to the
         * child (v2: cgroup.subtree_control; v1: nothing). */
        int (*enable)(const struct sbx_cgroup_hier *h, int parent_fd, const char *parent_path, struct sbx_err *err);
        /* Writes the limits this hierarchy carries into a cgroup: the user's (place SBX_PLACE_LIMIT) or a session's
         * leaf (SBX_PLACE_SESSION; the place names the keywords in messages). */
        int (*apply_limits)(const struct sbx_cgroup_hier *h, int fd, const char *path,
                            const struct sbx_cgroup_limits *l, enum sbx_place place, struct sbx_err *err);
        /* Fills the fields of u this hierarchy knows and that are still SBX_CGROUP_UNKNOWN. */
        void (*read_usage)(const struct sbx_cgroup_hier *h, int leaf_fd, struct sbx_cgroup_usage *u);
        /* Kills every process in the cgroup and returns once it is empty (or -EBUSY after a few seconds). */
        int (*kill)(const struct sbx_cgroup_hier *h, int leaf_fd, const char *leaf_path, struct sbx_err *err);
};

extern const struct sbx_cgroup_ops sbx_cgroup_v1_ops;
extern const struct sbx_cgroup_ops sbx_cgroup_v2_ops;

/* One hierarchy a session uses (or `list` reads). */
struct sbx_cgroup_hier {
        const struct sbx_cgroup_ops *ops;
        char *mount;   /* mount point, from mountinfo */
        char *orig;    /* the process's cgroup at open, relative to the mount ("" for the mount's root) */
        unsigned has;  /* the controllers this mount carries (v1) or offers at its root (v2) */
        unsigned ctrl; /* the controllers this session uses in it (limits; v2: enabled on the way down) */
        bool v2;
        bool tracking;   /* holds every process of the session: kill and CPU time go here first */
        char *user_path; /* absolute path of <root>/<user> */
        char *leaf_path; /* absolute path of the leaf */
        int user_fd;     /* O_PATH directory fds, -1 when not open */
        int leaf_fd;
        char **created; /* absolute paths this open created, outermost first, for the rollback */
        size_t n_created;
        bool attached; /* the session process was moved into the leaf here */
};

void sbx_cg_hier_done(struct sbx_cgroup_hier *h);

/* ---- control files (cgroup-utils.c). Every open is openat(dirfd, file, ...|O_NOFOLLOW|O_CLOEXEC). ---- */

/* Writes `value` to dirfd/file. -ENOENT when the file is absent. The message names dir/file. */
int sbx_cg_write(int dirfd, const char *dir, const char *file, const char *value, struct sbx_err *err);
/* sbx_cg_write for a step of a session's setup: a fault-injection point (fault.h) named by its message. Teardown
 * writes use sbx_cg_write. */
int sbx_cg_setup_write(int dirfd, const char *dir, const char *file, const char *value, struct sbx_err *err);
/* Writes one limit of the policy's keyword `key` (setup write); an absent control file means the kernel cannot
 * apply it: the session is refused, naming the keyword and the controller `ctrl`. */
int sbx_cg_put(int fd, const char *path, const char *file, const char *value, const char *key, const char *ctrl,
               struct sbx_err *err);
/* Reads dirfd/file into buf (NUL-terminated, truncated to size-1), retrying on EINTR. Returns the length or
 * -errno. */
ssize_t sbx_cg_read(int dirfd, const char *file, char *buf, size_t size);
/* Reads all of dirfd/file into *ret (malloc'd, NUL-terminated; the caller frees it). 0 or -errno. */
int sbx_cg_read_all(int dirfd, const char *file, char **ret);
/* True when dirfd/file exists. */
bool sbx_cg_has(int dirfd, const char *file);
/* Reads the value of the line "KEY VALUE" of dirfd/file. -ENOENT when the file or the key is missing. */
int sbx_cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret);
/* Reads a file holding one number. */
int sbx_cg_read_u64(int dirfd, const char *file, uint64_t *ret);
/* The number of lines of dirfd/file (cgroup.threads, tasks): -errno when it cannot be read. */
int sbx_cg_count_lines(int dirfd, const char *file, uint64_t *ret);
/* Formats a limit: "max" (v2) or "-1" (v1) for SBX_LIMIT_INFINITY, else the number. */
void sbx_cg_format_limit(uint64_t v, bool v2, char *buf, size_t size);

/* The directory dirfd/name for readdir, opened without following a symbolic link in its place (O_NOFOLLOW); NULL
 * with errno on failure. */
DIR *sbx_cg_opendir(int dirfd, const char *name);

/* ---- processes ---- */

/* Reads dirfd/cgroup.procs (however long: a fork bomb's list too) and sends `sig` to every process listed (sig 0:
 * none), except `except` (0: none). *ret_n: how many are listed besides `except`; *ret_foreign (may be NULL): one of
 * another PID namespace is there (cgroup2 lists it as 0). 0 or -errno. */
int sbx_cg_signal_procs(int dirfd, int sig, pid_t except, unsigned *ret_n, bool *ret_foreign);
/* dirfd's cgroup.events (cgroup2 only), open for sbx_cg_wait_empty; -errno (-ENOENT on cgroup v1). */
int sbx_cg_events_open(int dirfd);
/* Waits at most `ms` for the cgroup of events_fd to hold no process, below it included ("populated 0"), woken by
 * the kernel's notification of the file (POLLPRI) rather than by polling. 1: empty; 0: not within `ms`; -errno. */
int sbx_cg_wait_empty(int events_fd, long ms);
/* SIGKILLs every process listed in dirfd/cgroup.procs but `except` until none is left; -EBUSY with a message after
 * about five seconds. */
int sbx_cg_kill_loop(int dirfd, const char *dir, pid_t except, struct sbx_err *err);
/* rmdir of parent_fd/name that waits for the processes just killed to leave it (they do as they exit): on cgroup2
 * until its cgroup.events says it is empty, else retried after 1, 2, 4, 8 ms, then every 10 ms; about 3 s in all.
 * 0 (or the cgroup was gone), or -errno. */
int sbx_cg_remove(int parent_fd, const char *name);
/* The PID and start time of a session leaf's name, session-PID-START (cgroup-fs.c names its leaves so: the pair
 * names the process even after its PID is reused). False for every other name. */
bool sbx_cg_parse_leaf(const char *name, int *ret_pid, unsigned long long *ret_start);

/* What the session leaf user_fd/name is now, in that hierarchy: the one rule of a stale leaf, for the open's
 * cleanup of its user (cgroup-fs.c) and the sweep of every user (sbx_cgroup_sweep). */
enum sbx_cg_leaf {
        SBX_CG_LEAF_OTHER,   /* not a session leaf (another name, the instance's), or its cgroup.procs unreadable */
        SBX_CG_LEAF_ALIVE,   /* its session process runs: the same PID with the same start time */
        SBX_CG_LEAF_STALE,   /* its session process is gone and it holds no process */
        SBX_CG_LEAF_BUSY,    /* its session process is gone, processes of this PID namespace are left (*ret_n) */
        SBX_CG_LEAF_FOREIGN, /* its session process is gone, and it holds a process of another PID namespace (listed
                              * as 0): not ours to judge */
};
/* *ret_n (may be NULL): the processes listed, for BUSY. Reads /proc/PID/stat and the leaf's cgroup.procs only. */
enum sbx_cg_leaf sbx_cg_leaf_state(int user_fd, const char *name, unsigned *ret_n);

/* ---- hierarchies ---- */

/* One cgroup mount of /proc/self/mountinfo. */
struct sbx_cg_mount {
        char *root;  /* the cgroup the mount shows at its mount point ("/" usually) */
        char *point; /* mount point, unescaped */
        bool v2;
        unsigned ctrl; /* v1: the controllers it carries (SBX_CG_*); v2: 0 */
};

struct sbx_cg_mounts {
        struct sbx_cg_mount *m;
        size_t n;
};

/* The cgroup mounts described by `text` (a mountinfo file); v1 mounts of no controller the sessions use (name=systemd)
 * are left out. 0, or -ENOMEM. */
int sbx_cg_mounts_parse(const char *text, struct sbx_cg_mounts *ret, struct sbx_err *err);
/* The same from /proc/self/mountinfo. */
int sbx_cg_mounts_read(struct sbx_cg_mounts *ret, struct sbx_err *err);
void sbx_cg_mounts_done(struct sbx_cg_mounts *ms);
/* The layout these mounts make; *ret_any: there is a cgroup mount at all. */
enum sbx_cgroup_layout sbx_cg_mounts_layout(const struct sbx_cg_mounts *ms, bool *ret_any);

/* The hierarchies a session with these limits uses (the user's `limits` and the session's own `session`, either may
 * be NULL), the tracking one first, each with the controllers it is used for: on v2 the one hierarchy; in hybrid mode
 * the v2 one for tracking and a v1 one per controller the limits need; on v1 the freezer (else pids, else the first)
 * hierarchy for tracking, cpuacct for CPU time, and one per controller. `extra`: controllers wanted beyond the
 * limits'. A controller without a hierarchy is an error naming the keyword that needs it (-EOPNOTSUPP), unless
 * `optional` (then it is skipped: `list` reads what there is). *ret (n entries): free each with sbx_cg_hier_done,
 * then the array. */
int sbx_cg_hierarchies(const struct sbx_cg_mounts *ms, enum sbx_cgroup_layout layout,
                       const struct sbx_cgroup_limits *limits, const struct sbx_cgroup_limits *session, unsigned extra,
                       bool optional, struct sbx_cgroup_hier **ret, size_t *ret_n, struct sbx_err *err);

/* Every hierarchy a session may use, as sbx_cg_hierarchies gives them for a session with every limit set (optional:
 * a controller that is not mounted is left out), each with this process's own cgroup there in orig ("" where
 * /proc/self/cgroup names none): what `list` reads and the sweep cleans. *ret as for sbx_cg_hierarchies. Errors:
 * -ENOENT when no cgroup filesystem is mounted, -ENOMEM, or the errno of reading mountinfo or /proc/self/cgroup. */
int sbx_cg_hierarchies_all(struct sbx_cgroup_hier **ret, size_t *ret_n, struct sbx_err *err);

/* The cgroup of the process whose /proc/PID/cgroup reads `text`, in the hierarchy mounted at h (relative to the
 * mount; "" for its root). `what` names the file in messages. *ret: malloc'd. Errors: -ENOENT (no line for it),
 * -EINVAL (a cgroup outside what the mount shows), -ENOMEM. */
int sbx_cg_own(const char *text, const struct sbx_cg_mount *m, const char *what, char **ret, struct sbx_err *err);
/* The mount of ms at `point`, or NULL. */
const struct sbx_cg_mount *sbx_cg_mount_at(const struct sbx_cg_mounts *ms, const char *point);

/* Opens the directory rel (relative, leading '/' ignored) below dirfd in one openat2: no symbolic link followed,
 * nothing above dirfd reached. -errno on failure. */
int sbx_cg_open_beneath(int dirfd, const char *rel);

/* The name of controller `bit` in cgroup v2 or v1 ("io" or "blkio"). */
const char *sbx_cg_ctrl_name(unsigned bit, bool v2);

void sbx_cg_sleep_ms(long ms);
