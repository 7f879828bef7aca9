/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between cgroup.c (the front: detection, the walk down each hierarchy, rollback) and the two backends
 * cgroup-v1.c / cgroup-v2.c, which know the control files of their cgroup version. Not installed, not used elsewhere. */

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

/* Controllers, as bits. SBX_CG_IO is v2 "io" or v1 "blkio". */
enum {
        SBX_CG_MEMORY = 1u << 0,
        SBX_CG_PIDS = 1u << 1,
        SBX_CG_CPU = 1u << 2,
        SBX_CG_CPUACCT = 1u << 3,
        SBX_CG_IO = 1u << 4,
        SBX_CG_FREEZER = 1u << 5,
};

struct sbx_cgroup_hier;

/* What differs between the cgroup versions. Every function works on directory fds of the cgroups involved;
 * `path` arguments only name the directory in messages. */
struct sbx_cgroup_ops {
        const char *name;
        /* Before descending from `parent` into one of its children: make the controllers h->ctrl available to the
         * child (v2: cgroup.subtree_control; v1: nothing). */
        int (*enable)(const struct sbx_cgroup_hier *h, int parent_fd, const char *parent_path, struct sbx_err *err);
        /* Writes the limits this hierarchy carries into the user's cgroup. */
        int (*apply_limits)(const struct sbx_cgroup_hier *h, int user_fd, const char *user_path,
                            const struct sbx_cgroup_limits *l, struct sbx_err *err);
        /* Fills the fields of u this hierarchy knows and that are still SBX_CGROUP_UNKNOWN. */
        void (*read_usage)(const struct sbx_cgroup_hier *h, int leaf_fd, struct sbx_cgroup_usage *u);
        /* Kills every process in the cgroup and returns once it is empty (or -EBUSY after a few seconds). */
        int (*kill)(const struct sbx_cgroup_hier *h, int leaf_fd, const char *leaf_path, struct sbx_err *err);
};

extern const struct sbx_cgroup_ops sbx_cgroup_v1_ops;
extern const struct sbx_cgroup_ops sbx_cgroup_v2_ops;

/* One hierarchy the session uses. */
struct sbx_cgroup_hier {
        const struct sbx_cgroup_ops *ops;
        char *mount;  /* mount point, from mountinfo */
        char *orig;   /* the process's cgroup at open, relative to the mount ("" for the mount's root) */
        unsigned has; /* the controllers this mount carries (v1) or offers at its root (v2) */
        unsigned ctrl; /* the controllers this session uses in it (limits; v2: enabled on the way down) */
        bool v2;
        bool tracking; /* holds every process of the session: kill and CPU time go here first */
        char *user_path; /* absolute path of <root>/<user> */
        char *leaf_path; /* absolute path of the leaf */
        int user_fd;     /* O_PATH directory fds, -1 when not open */
        int leaf_fd;
        char **created; /* absolute paths this open created, outermost first, for the rollback */
        size_t n_created;
        bool attached; /* the session process was moved into the leaf here */
};

/* Control-file helpers (cgroup.c). Every open is openat(dirfd, file, ...|O_NOFOLLOW|O_CLOEXEC). */

/* Writes `value` to dirfd/file. -ENOENT when the file is absent. The message names dir/file. */
int sbx_cg_write(int dirfd, const char *dir, const char *file, const char *value, struct sbx_err *err);
/* sbx_cg_write for a step of a session's setup: a fault-injection point (fault.h) named by its message. Teardown
 * writes use sbx_cg_write. */
int sbx_cg_setup_write(int dirfd, const char *dir, const char *file, const char *value, struct sbx_err *err);
/* Writes one limit of the policy's keyword `key` (setup write); an absent control file means the kernel cannot
 * apply it: the session is refused, naming the keyword and the controller `ctrl`. */
int sbx_cg_put(int fd, const char *path, const char *file, const char *value, const char *key, const char *ctrl,
               struct sbx_err *err);
/* Reads dirfd/file into buf (NUL-terminated, truncated to size-1). Returns the length or -errno. */
ssize_t sbx_cg_read(int dirfd, const char *file, char *buf, size_t size);
/* True when dirfd/file exists. */
bool sbx_cg_has(int dirfd, const char *file);
/* Reads the value of the line "KEY VALUE" of dirfd/file. -ENOENT when the file or the key is missing. */
int sbx_cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret);
/* Reads a file holding one number. */
int sbx_cg_read_u64(int dirfd, const char *file, uint64_t *ret);
/* SIGKILLs every process listed in dirfd/cgroup.procs until the list is empty; -EBUSY with a message after about five
 * seconds. */
int sbx_cg_kill_loop(int dirfd, const char *dir, struct sbx_err *err);
/* Formats a limit: "max" (v2) or "-1" (v1) for SBX_LIMIT_INFINITY, else the number. */
void sbx_cg_format_limit(uint64_t v, bool v2, char *buf, size_t size);
