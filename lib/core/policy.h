/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The effective policy for one user: what the config language (config.[ch]) resolves to once the Match blocks are
 * evaluated for that user and the tokens %u %U %h %g %% are expanded. This is the one structure the PAM module, the
 * helper and sandbox-shellctl consume; none of them reads the config files directly. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "user.h"

/* Every keyword of sandbox-shell.conf(5), in the order `sandbox-shellctl explain` prints them. */
enum sbx_key {
        SBX_KEY_SANDBOX,
        SBX_KEY_ROOT_DIRECTORY,
        SBX_KEY_SHELL,
        SBX_KEY_HOSTNAME,
        SBX_KEY_NETWORK,
        SBX_KEY_BIND,
        SBX_KEY_TMPFS,
        SBX_KEY_ENVIRONMENT,
        SBX_KEY_MEMORY_MAX,
        SBX_KEY_MEMORY_HIGH,
        SBX_KEY_MEMORY_SWAP_MAX,
        SBX_KEY_TASKS_MAX,
        SBX_KEY_CPU_QUOTA,
        SBX_KEY_CPU_WEIGHT,
        SBX_KEY_IO_WEIGHT,
        SBX_KEY_KILL_ON_LOGOUT,
        SBX_KEY_CGROUP_ROOT,
        SBX_KEY_CGROUP_BACKEND,
        SBX_KEY_SYSTEM_CALL_FILTER,
        /* The rlimits, systemd's names, in the order of struct sbx_policy.rlimits (lib/rlimit.h maps them). */
        SBX_KEY_LIMIT_CPU,
        SBX_KEY_LIMIT_FSIZE,
        SBX_KEY_LIMIT_DATA,
        SBX_KEY_LIMIT_STACK,
        SBX_KEY_LIMIT_CORE,
        SBX_KEY_LIMIT_RSS,
        SBX_KEY_LIMIT_NOFILE,
        SBX_KEY_LIMIT_AS,
        SBX_KEY_LIMIT_NPROC,
        SBX_KEY_LIMIT_MEMLOCK,
        SBX_KEY_LIMIT_LOCKS,
        SBX_KEY_LIMIT_SIGPENDING,
        SBX_KEY_LIMIT_MSGQUEUE,
        SBX_KEY_LIMIT_NICE,
        SBX_KEY_LIMIT_RTPRIO,
        SBX_KEY_LIMIT_RTTIME,
        _SBX_KEY_MAX,
};

#define SBX_KEY_LIMIT_FIRST SBX_KEY_LIMIT_CPU
#define SBX_KEY_LIMIT_LAST SBX_KEY_LIMIT_RTTIME
#define SBX_N_LIMITS (SBX_KEY_LIMIT_LAST - SBX_KEY_LIMIT_FIRST + 1)

/* Where a value came from: file NULL means the built-in default. */
struct sbx_origin {
        char *file;
        unsigned line;
};

/* CgroupBackend: where the session's limits live (DESIGN.md section 6). auto picks systemd when systemd is PID 1 on
 * cgroup v2, cgroupfs otherwise. */
enum sbx_cgroup_backend {
        SBX_CGROUP_BACKEND_AUTO,
        SBX_CGROUP_BACKEND_CGROUPFS,
        SBX_CGROUP_BACKEND_SYSTEMD,
};

enum sbx_network {
        SBX_NETWORK_NONE,
        SBX_NETWORK_HOST,
};

/* Limits: SBX_LIMIT_UNSET means the keyword was not given (nothing is written to the cgroup);
 * SBX_LIMIT_INFINITY is the value `infinity` (written as "max"). */
#define SBX_LIMIT_UNSET UINT64_MAX
#define SBX_LIMIT_INFINITY (UINT64_MAX - 1)

struct sbx_bind {
        char *src; /* absolute, tokens expanded */
        char *dst; /* absolute path inside the sandbox */
        bool rw;
        struct sbx_origin origin;
};

struct sbx_tmpfs {
        char *dst;     /* absolute path inside the sandbox */
        uint64_t size; /* bytes; SBX_LIMIT_UNSET = kernel default */
        bool optional; /* the implicit /var/tmp: skipped when the rootfs has no such directory */
        struct sbx_origin origin;
};

/* One Limit* keyword: soft and hard values in the kernel's units (bytes, seconds, microseconds, counts; LimitNICE as
 * the raw rlimit 0..40). SBX_LIMIT_INFINITY is RLIM_INFINITY; soft == SBX_LIMIT_UNSET means the keyword was not given
 * and the limit the login had is kept. */
struct sbx_rlimit {
        uint64_t soft;
        uint64_t hard;
};

/* One name of a SystemCallFilter line as it decides the filter: `deny` adds it to the deny list, otherwise it is a
 * default entry allowed after all. */
struct sbx_syscall_rule {
        char *name;
        bool deny;
        struct sbx_origin origin;
};

struct sbx_policy {
        /* The user it was resolved for (from getpwuid/getpwnam; owned copies). */
        char *user;
        uid_t uid;
        gid_t gid;
        char *group; /* primary group name (%g) */
        char *home;  /* %h */
        char *login_shell; /* the passwd entry's login shell (must be the helper for a sandboxed user) */

        bool sandbox;          /* Sandbox, default no */
        char *root_directory;  /* RootDirectory, default SBX_DEFAULT_ROOT_DIRECTORY */
        char *shell;           /* Shell (path inside the rootfs), default /bin/sh */
        char *hostname;        /* Hostname, default "sandbox" */
        enum sbx_network network; /* Network, default none */

        struct sbx_bind *binds; /* Bind lines in file order, then the implicit home bind (%h %h rw) unless a
                                 * Bind line already targets the home directory */
        size_t n_binds;
        struct sbx_tmpfs *tmpfs; /* Tmpfs lines in file order, then the implicit /tmp and /var/tmp
                                  * (SBX_DEFAULT_TMP_SIZE each) unless a line already targets them: no directory
                                  * of the rootfs needs to be writable by anyone on the host side */
        size_t n_tmpfs;
        char **environment; /* NULL-terminated "NAME=VALUE"; first value for a NAME wins */
        struct sbx_origin *environment_origin; /* one per environment entry */
        size_t n_environment;

        uint64_t memory_max;      /* bytes */
        uint64_t memory_high;     /* bytes */
        uint64_t memory_swap_max; /* bytes */
        uint64_t tasks_max;       /* count */
        uint64_t cpu_quota;       /* percent of one CPU (200 = two CPUs), SBX_LIMIT_UNSET if not given */
        uint64_t cpu_weight;      /* 1..10000, SBX_LIMIT_UNSET if not given */
        uint64_t io_weight;       /* 1..10000, SBX_LIMIT_UNSET if not given */
        bool kill_on_logout;      /* KillOnLogout, default yes */
        char *cgroup_root;        /* CgroupRoot, default "/sandbox-shell"; %c is kept unexpanded here, the cgroup
                                   * code replaces it per hierarchy at session open */
        enum sbx_cgroup_backend cgroup_backend; /* CgroupBackend, default auto */

        /* SystemCallFilter: one rule per name mentioned, the first mention (by precedence) deciding, in that order;
         * names never mentioned follow the default list (lib/filter.h). syscall_deny and syscall_allow hold the same
         * decisions as NULL-terminated lists, ready for struct sbx_filter_spec (add and remove). */
        struct sbx_syscall_rule *syscall_rules;
        size_t n_syscall_rules;
        char **syscall_deny;
        char **syscall_allow;
        /* Limit*: indexed by key - SBX_KEY_LIMIT_FIRST; origins in origin[key]. */
        struct sbx_rlimit rlimits[SBX_N_LIMITS];

        /* For the scalar keywords: where each effective value was set. Bind/Tmpfs/Environment carry their own. */
        struct sbx_origin origin[_SBX_KEY_MAX];
};

#define SBX_DEFAULT_ROOT_DIRECTORY "/var/lib/sandbox-shell/rootfs"
#define SBX_DEFAULT_SHELL "/bin/sh"
#define SBX_DEFAULT_HOSTNAME "sandbox"
#define SBX_DEFAULT_TMP_SIZE (64ULL * 1024 * 1024)
#define SBX_DEFAULT_CGROUP_ROOT "/sandbox-shell"

/* Loads every config file under confdir (sandbox-shell.conf.d/\*.conf in lexical order, then sandbox-shell.conf; each
 * opened O_NOFOLLOW and refused unless root-owned and not group/world-writable, checked with fstat on the fd) and
 * resolves the policy for the user `uid` (looked up through NSS, groups through getgrouplist).
 * On success *ret is a new policy the caller frees with sbx_policy_free. Errors: -ENOENT/-EACCES/-EPERM for files
 * (message names the file), -EINVAL for a config error (message "file:line: ..."), -ESRCH for an unknown uid,
 * -ENOMEM. An invalid config is an error even when the bad line would not apply to this user. */
int sbx_policy_load(const char *confdir, uid_t uid, struct sbx_policy **ret, struct sbx_err *err);

/* Same, for a user named `user` (sandbox-shellctl explain, the PAM module). -ESRCH when unknown. */
int sbx_policy_load_user(const char *confdir, const char *user, struct sbx_policy **ret, struct sbx_err *err);

void sbx_policy_free(struct sbx_policy *p);

static inline void sbx_policy_freep(struct sbx_policy **p)
{
        sbx_policy_free(*p);
}
#define _cleanup_policy_ _cleanup_(sbx_policy_freep)

/* The keyword's name as written in the config ("MemoryMax"). */
const char *sbx_key_name(enum sbx_key key);

struct sbx_config;

/* Evaluates the Match blocks of a loaded, valid config for u and builds the effective policy (tokens expanded,
 * implicit home bind and /tmp added). Errors: -EINVAL "file:line: ..." for a value that is invalid for this user
 * (a path that is not absolute once expanded, a conflicting Bind or Tmpfs), -ENOMEM. *ret: free with
 * sbx_policy_free. The config must be free of errors (sbx_config_load returned 0); it is not modified. */
int sbx_policy_resolve(const struct sbx_config *c, const struct sbx_user *u, struct sbx_policy **ret,
                       struct sbx_err *err);
