/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The vocabulary of sandbox-shell.conf(5): every keyword, once. The table below is the one place a keyword is
 * defined; the parser (config.c), the defaults and the fields of the policy (policy.[ch]), the cgroup limits the PAM
 * module applies (cgroup.h takes struct sbx_cgroup_limits from here), the controllers they need, the rlimits the
 * helper sets (rlimit.c) and `sandbox-shellctl explain` (lib/admin/explain.c) all come from it. Adding a keyword of
 * an existing kind is one line here, its test and its man page entry.
 *
 * This header sits below everything else of the configuration: it includes nothing of the project. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A limit that was not given (nothing is written or set), and the value `infinity` (written as "max", or -1 in v1,
 * RLIM_INFINITY for the rlimits). No parsed value ever reaches either. */
#define SBX_LIMIT_UNSET UINT64_MAX
#define SBX_LIMIT_INFINITY (UINT64_MAX - 1)

enum sbx_network {
        SBX_NETWORK_NONE,
        SBX_NETWORK_HOST,
        SBX_NETWORK_PRIVATE,
};

/* CgroupBackend: where the session's limits live. auto picks systemd when systemd is PID 1 on cgroup v2, cgroupfs
 * otherwise (cgroup.h). */
/* Instance: one sandbox per login (session), or one per user that every concurrent login joins (user). */
enum sbx_instance {
        SBX_INSTANCE_SESSION,
        SBX_INSTANCE_USER,
};

enum sbx_cgroup_backend {
        SBX_CGROUP_BACKEND_AUTO,
        SBX_CGROUP_BACKEND_CGROUPFS,
        SBX_CGROUP_BACKEND_SYSTEMD,
};

/* The cgroup controllers, as bits: what a limit needs (the ARG of a LIMIT keyword). SBX_CG_IO is v2 "io" or v1
 * "blkio"; cpuacct and freezer are v1 hierarchies the sessions use for CPU time and killing. */
enum {
        SBX_CG_MEMORY = 1u << 0,
        SBX_CG_PIDS = 1u << 1,
        SBX_CG_CPU = 1u << 2,
        SBX_CG_CPUACCT = 1u << 3,
        SBX_CG_IO = 1u << 4,
        SBX_CG_FREEZER = 1u << 5,
};

/* One Limit* value in the kernel's units (bytes, seconds, microseconds, counts; LimitNICE as the raw rlimit 0..40).
 * SBX_LIMIT_INFINITY is RLIM_INFINITY; soft == SBX_LIMIT_UNSET: not given, the limit the login had is kept. */
struct sbx_rlimit {
        uint64_t soft;
        uint64_t hard;
};

#define SBX_DEFAULT_ROOT_DIRECTORY "/var/lib/sandbox-shell/rootfs"
#define SBX_DEFAULT_CGROUP_ROOT "/sandbox-shell"

/* X(ID, NAME, KIND, PLACE, FIELD, DEFAULT, ARG), in the order `explain` prints them:
 *   ID       the key is SBX_KEY_<ID>
 *   NAME     the keyword as written (matched without regard to case)
 *   KIND     the value's syntax and the C type it is kept in: SBX_KIND_<KIND> (enum sbx_kind below)
 *   PLACE    POLICY: FIELD is a member of struct sbx_policy; LIMIT: a member of struct sbx_cgroup_limits, the
 *            policy's `limits`, the user's cgroup limits; SESSION: the same member of the policy's `session_limits`,
 *            the limits of each session's own cgroup (every SESSION row has the LIMIT row of its member); LIST: an
 *            accumulating keyword whose members policy.h declares by hand (FIELD names them, for the reader)
 *   DEFAULT  the value where no line gives one, written as in the config; NULL: not set (SBX_LIMIT_UNSET, NULL)
 *   ARG      for LIMIT and SESSION: the controller it needs (SBX_CG_*); for RLIMIT_*: the RLIMIT_* resource;
 *            otherwise 0 */
#define SBX_KEYWORDS(X)                                                                                                \
        X(SANDBOX, "Sandbox", BOOL, POLICY, sandbox, "no", 0)                                                          \
        X(ROOT_DIRECTORY, "RootDirectory", PATH, POLICY, root_directory, SBX_DEFAULT_ROOT_DIRECTORY, 0)                \
        X(SHELL, "Shell", PATH, POLICY, shell, "/bin/sh", 0)                                                           \
        X(HOSTNAME, "Hostname", HOSTNAME, POLICY, hostname, "sandbox", 0)                                              \
        X(NETWORK, "Network", NETWORK, POLICY, network, "none", 0)                                                     \
        X(NETWORK_ALLOW, "NetworkAllow", NETRULES, LIST, net_allow, NULL, 0)                                           \
        X(NETWORK_DENY, "NetworkDeny", NETRULES, LIST, net_deny, NULL, 0)                                              \
        X(BIND, "Bind", BIND, LIST, binds, NULL, 0)                                                                    \
        X(TMPFS, "Tmpfs", TMPFS, LIST, tmpfs, NULL, 0)                                                                 \
        X(ENVIRONMENT, "Environment", ENVIRONMENT, LIST, environment, NULL, 0)                                         \
        X(MEMORY_MAX, "MemoryMax", SIZE, LIMIT, memory_max, NULL, SBX_CG_MEMORY)                                       \
        X(MEMORY_HIGH, "MemoryHigh", SIZE, LIMIT, memory_high, NULL, SBX_CG_MEMORY)                                    \
        X(MEMORY_SWAP_MAX, "MemorySwapMax", SIZE0, LIMIT, memory_swap_max, NULL, SBX_CG_MEMORY)                        \
        X(TASKS_MAX, "TasksMax", COUNT, LIMIT, tasks_max, NULL, SBX_CG_PIDS)                                           \
        X(CPU_QUOTA, "CPUQuota", PERCENT, LIMIT, cpu_quota, NULL, SBX_CG_CPU)                                          \
        X(CPU_WEIGHT, "CPUWeight", WEIGHT, LIMIT, cpu_weight, NULL, SBX_CG_CPU)                                        \
        X(IO_WEIGHT, "IOWeight", WEIGHT, LIMIT, io_weight, NULL, SBX_CG_IO)                                            \
        X(SESSION_MEMORY_MAX, "SessionMemoryMax", SIZE, SESSION, memory_max, NULL, SBX_CG_MEMORY)                      \
        X(SESSION_MEMORY_HIGH, "SessionMemoryHigh", SIZE, SESSION, memory_high, NULL, SBX_CG_MEMORY)                   \
        X(SESSION_TASKS_MAX, "SessionTasksMax", COUNT, SESSION, tasks_max, NULL, SBX_CG_PIDS)                          \
        X(SESSION_CPU_QUOTA, "SessionCPUQuota", PERCENT, SESSION, cpu_quota, NULL, SBX_CG_CPU)                         \
        X(SESSION_IO_WEIGHT, "SessionIOWeight", WEIGHT, SESSION, io_weight, NULL, SBX_CG_IO)                           \
        X(MAX_SESSIONS, "MaxSessions", COUNT, POLICY, max_sessions, NULL, 0)                                           \
        X(RUNTIME_MAX_SEC, "RuntimeMaxSec", DURATION, POLICY, runtime_max, NULL, 0)                                    \
        X(RUNTIME_WARN_SEC, "RuntimeWarnSec", DURATION, POLICY, runtime_warn, "5min", 0)                               \
        X(IDLE_TIMEOUT_SEC, "IdleTimeoutSec", DURATION, POLICY, idle_timeout, NULL, 0)                                 \
        X(TIMEOUT_STOP_SEC, "TimeoutStopSec", DURATION, POLICY, timeout_stop, "10s", 0)                                \
        X(COMMANDS, "Commands", WORDS, POLICY, commands, NULL, 0)                                                      \
        X(KILL_ON_LOGOUT, "KillOnLogout", BOOL, POLICY, kill_on_logout, "yes", 0)                                      \
        X(INSTANCE, "Instance", INSTANCE, POLICY, instance, "session", 0)                                              \
        X(LINGER, "Linger", DURATION, POLICY, linger, "0", 0)                                                          \
        X(CGROUP_ROOT, "CgroupRoot", CGROUP_ROOT, POLICY, cgroup_root, SBX_DEFAULT_CGROUP_ROOT, 0)                     \
        X(CGROUP_BACKEND, "CgroupBackend", BACKEND, POLICY, cgroup_backend, "auto", 0)                                 \
        X(SYSTEM_CALL_FILTER, "SystemCallFilter", SYSCALLS, LIST, syscall_rules, NULL, 0)                              \
        X(LIMIT_CPU, "LimitCPU", RLIMIT_COUNT, POLICY, limit_cpu, NULL, RLIMIT_CPU)                                    \
        X(LIMIT_FSIZE, "LimitFSIZE", RLIMIT_BYTES, POLICY, limit_fsize, NULL, RLIMIT_FSIZE)                            \
        X(LIMIT_DATA, "LimitDATA", RLIMIT_BYTES, POLICY, limit_data, NULL, RLIMIT_DATA)                                \
        X(LIMIT_STACK, "LimitSTACK", RLIMIT_BYTES, POLICY, limit_stack, NULL, RLIMIT_STACK)                            \
        X(LIMIT_CORE, "LimitCORE", RLIMIT_BYTES, POLICY, limit_core, NULL, RLIMIT_CORE)                                \
        X(LIMIT_RSS, "LimitRSS", RLIMIT_BYTES, POLICY, limit_rss, NULL, RLIMIT_RSS)                                    \
        X(LIMIT_NOFILE, "LimitNOFILE", RLIMIT_COUNT, POLICY, limit_nofile, NULL, RLIMIT_NOFILE)                        \
        X(LIMIT_AS, "LimitAS", RLIMIT_BYTES, POLICY, limit_as, NULL, RLIMIT_AS)                                        \
        X(LIMIT_NPROC, "LimitNPROC", RLIMIT_COUNT, POLICY, limit_nproc, NULL, RLIMIT_NPROC)                            \
        X(LIMIT_MEMLOCK, "LimitMEMLOCK", RLIMIT_BYTES, POLICY, limit_memlock, NULL, RLIMIT_MEMLOCK)                    \
        X(LIMIT_LOCKS, "LimitLOCKS", RLIMIT_COUNT, POLICY, limit_locks, NULL, RLIMIT_LOCKS)                            \
        X(LIMIT_SIGPENDING, "LimitSIGPENDING", RLIMIT_COUNT, POLICY, limit_sigpending, NULL, RLIMIT_SIGPENDING)        \
        X(LIMIT_MSGQUEUE, "LimitMSGQUEUE", RLIMIT_BYTES, POLICY, limit_msgqueue, NULL, RLIMIT_MSGQUEUE)                \
        X(LIMIT_NICE, "LimitNICE", RLIMIT_NICE, POLICY, limit_nice, NULL, RLIMIT_NICE)                                 \
        X(LIMIT_RTPRIO, "LimitRTPRIO", RLIMIT_COUNT, POLICY, limit_rtprio, NULL, RLIMIT_RTPRIO)                        \
        X(LIMIT_RTTIME, "LimitRTTIME", RLIMIT_COUNT, POLICY, limit_rttime, NULL, RLIMIT_RTTIME)

enum sbx_key {
#define SBX_KEY_ENUM(id, name, kind, place, field, dflt, arg) SBX_KEY_##id,
        SBX_KEYWORDS(SBX_KEY_ENUM)
#undef SBX_KEY_ENUM
        _SBX_KEY_MAX,
};

/* The kinds of value: each is one syntax and one C type of field.
 *   BOOL         yes | no                                            bool
 *   PATH         an absolute path; tokens %u %U %h %g %%            char * (expanded, normalised)
 *   HOSTNAME     a host name; tokens                                 char * (expanded)
 *   NETWORK      none | host | private                               enum sbx_network
 *   BACKEND      auto | cgroupfs | systemd                           enum sbx_cgroup_backend
 *   INSTANCE     session | user                                      enum sbx_instance
 *   CGROUP_ROOT  a cgroup path, a leading %c                         char * (kept as written)
 *   SIZE         K/M/G/T (1024-based) or infinity, not 0             uint64_t (bytes)
 *   SIZE0        the same, 0 allowed                                 uint64_t
 *   COUNT        a positive integer or infinity                      uint64_t
 *   PERCENT      N% (1 to 1000000) or infinity (= not set)           uint64_t (percent of one CPU)
 *   WEIGHT       1 to 10000                                          uint64_t
 *   DURATION     a time span as systemd writes it (90, 90s, 5min, 1h30min, 500ms) or infinity
 *                                                                    uint64_t (microseconds)
 *   WORDS        one or more program names or absolute paths         char ** (NULL-terminated)
 *   RLIMIT_COUNT, RLIMIT_BYTES, RLIMIT_NICE
 *                N or SOFT:HARD, each a number or infinity (rlimit.h)  struct sbx_rlimit
 *   BIND, TMPFS, ENVIRONMENT, SYSCALLS, NETRULES
 *                the accumulating keywords (policy.h; NETRULES: netfilter.h's rules) */
enum sbx_kind {
        SBX_KIND_BOOL,
        SBX_KIND_PATH,
        SBX_KIND_HOSTNAME,
        SBX_KIND_NETWORK,
        SBX_KIND_BACKEND,
        SBX_KIND_INSTANCE,
        SBX_KIND_CGROUP_ROOT,
        SBX_KIND_SIZE,
        SBX_KIND_SIZE0,
        SBX_KIND_COUNT,
        SBX_KIND_PERCENT,
        SBX_KIND_WEIGHT,
        SBX_KIND_DURATION,
        SBX_KIND_WORDS,
        SBX_KIND_RLIMIT_COUNT,
        SBX_KIND_RLIMIT_BYTES,
        SBX_KIND_RLIMIT_NICE,
        SBX_KIND_BIND,
        SBX_KIND_TMPFS,
        SBX_KIND_ENVIRONMENT,
        SBX_KIND_SYSCALLS,
        SBX_KIND_NETRULES,
};

/* The C type each kind is kept in (the fields below are declared from the table with these). */
#define SBX_CTYPE_BOOL bool
#define SBX_CTYPE_PATH char *
#define SBX_CTYPE_HOSTNAME char *
#define SBX_CTYPE_NETWORK enum sbx_network
#define SBX_CTYPE_BACKEND enum sbx_cgroup_backend
#define SBX_CTYPE_INSTANCE enum sbx_instance
#define SBX_CTYPE_CGROUP_ROOT char *
#define SBX_CTYPE_SIZE uint64_t
#define SBX_CTYPE_SIZE0 uint64_t
#define SBX_CTYPE_COUNT uint64_t
#define SBX_CTYPE_PERCENT uint64_t
#define SBX_CTYPE_WEIGHT uint64_t
#define SBX_CTYPE_DURATION uint64_t
#define SBX_CTYPE_WORDS char **
#define SBX_CTYPE_RLIMIT_COUNT struct sbx_rlimit
#define SBX_CTYPE_RLIMIT_BYTES struct sbx_rlimit
#define SBX_CTYPE_RLIMIT_NICE struct sbx_rlimit
#define SBX_CTYPE_BIND void
#define SBX_CTYPE_TMPFS void
#define SBX_CTYPE_ENVIRONMENT void
#define SBX_CTYPE_SYSCALLS void
#define SBX_CTYPE_NETRULES void

/* The fields of one PLACE, declared from the table: SBX_DECLARE_FIELDS(LIMIT) inside a struct. */
#define SBX_FIELD_IN_POLICY_POLICY(type, field) type field;
#define SBX_FIELD_IN_POLICY_LIMIT(type, field)
#define SBX_FIELD_IN_POLICY_SESSION(type, field)
#define SBX_FIELD_IN_POLICY_LIST(type, field)
#define SBX_FIELD_IN_LIMIT_POLICY(type, field)
#define SBX_FIELD_IN_LIMIT_LIMIT(type, field) type field;
#define SBX_FIELD_IN_LIMIT_SESSION(type, field)
#define SBX_FIELD_IN_LIMIT_LIST(type, field)
/* (The kind is pasted at once: a kind's name must never be expanded as a macro, RLIMIT_NICE being one.) */
#define SBX_FIELD_POLICY(id, name, kind, place, field, dflt, arg) SBX_FIELD_IN_POLICY_##place(SBX_CTYPE_##kind, field)
#define SBX_FIELD_LIMIT(id, name, kind, place, field, dflt, arg) SBX_FIELD_IN_LIMIT_##place(SBX_CTYPE_##kind, field)
#define SBX_DECLARE_FIELDS(place) SBX_KEYWORDS(SBX_FIELD_##place)

/* The limits of a cgroup, in the keywords' units: SBX_LIMIT_UNSET writes nothing, SBX_LIMIT_INFINITY writes "max"
 * (or -1 in v1). memory_* are bytes, tasks_max a count, cpu_quota a percentage of one CPU, cpu_weight and io_weight
 * 1..10000. */
struct sbx_cgroup_limits {
        SBX_DECLARE_FIELDS(LIMIT)
};

enum sbx_place {
        SBX_PLACE_POLICY,
        SBX_PLACE_LIMIT,
        SBX_PLACE_SESSION,
        SBX_PLACE_LIST,
};

/* One row of the table. */
struct sbx_keyword {
        const char *name;
        enum sbx_kind kind;
        enum sbx_place place;
        size_t offset;       /* of the field in struct sbx_policy (LIMIT, SESSION fields: inside its `limits`,
                            * `session_limits`); 0 for LIST */
        size_t limit_offset; /* LIMIT, SESSION: of the field in struct sbx_cgroup_limits */
        const char *dflt;    /* NULL: not set */
        int arg;
};

/* The row of `key`; NULL for a value out of range. */
const struct sbx_keyword *sbx_keyword(int key);

/* The keyword's name as written in the config ("MemoryMax"); NULL for a key out of range. */
const char *sbx_key_name(int key);

/* The key of a name (case-insensitive), or -1. */
int sbx_key_from_name(const char *name);

/* How many value tokens a keyword of this kind takes. */
void sbx_kind_args(enum sbx_kind kind, unsigned *ret_min, unsigned *ret_max);

/* True for the kinds kept in a uint64_t (SIZE, SIZE0, COUNT, PERCENT, WEIGHT, DURATION) and the RLIMIT_* ones. */
bool sbx_kind_is_number(enum sbx_kind kind);
bool sbx_kind_is_rlimit(enum sbx_kind kind);

/* The controllers the limits that are set need (SBX_CG_* bits). */
unsigned sbx_cgroup_limits_controllers(const struct sbx_cgroup_limits *l);

/* The first keyword among the set limits of `l` that needs controller `bit` (for messages), or NULL. `place`:
 * SBX_PLACE_LIMIT for the user's limits, SBX_PLACE_SESSION for a session's (the names differ). */
const char *sbx_cgroup_limits_keyword(const struct sbx_cgroup_limits *l, enum sbx_place place, unsigned bit);

/* The keyword of the limit member at `limit_offset` of struct sbx_cgroup_limits in `place` (SBX_PLACE_LIMIT: the
 * user's, "MemoryMax"; SBX_PLACE_SESSION: a session's, "SessionMemoryMax"), or the LIMIT one where the place has
 * none. SBX_LIMIT_NAME(place, member) is the same by member name. */
const char *sbx_limit_name(enum sbx_place place, size_t limit_offset);
#define SBX_LIMIT_NAME(place, member) sbx_limit_name((place), offsetof(struct sbx_cgroup_limits, member))

/* Limits where nothing is set. */
void sbx_cgroup_limits_unset(struct sbx_cgroup_limits *l);
