/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The effective policy for one user: what the config language (config.[ch]) resolves to once the Match blocks are
 * evaluated for that user and the tokens %u %U %h %g %% are expanded. This is the one structure the PAM module, the
 * helper and sandbox-shellctl consume; none of them reads the config files directly. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "keywords.h"
#include "netfilter.h"
#include "user.h"

/* Where a value came from: file NULL means the built-in default. */
struct sbx_origin {
        char *file;
        unsigned line;
};

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

/* One address rule of a NetworkAllow or NetworkDeny line (netfilter.h). */
struct sbx_net_entry {
        struct sbx_net_rule rule;
        struct sbx_origin origin;
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
        char *group;       /* primary group name (%g) */
        char *home;        /* %h */
        char *login_shell; /* the passwd entry's login shell (must be the helper for a sandboxed user) */

        /* One member per scalar keyword of keywords.h, named and typed there (sandbox, root_directory, shell,
         * hostname, network, kill_on_logout, cgroup_root, cgroup_backend, limit_cpu ... limit_rttime), set to the
         * keyword's default unless a line gave a value. cgroup_root keeps %c unexpanded: the cgroup code replaces
         * it per hierarchy at session open. */
        SBX_DECLARE_FIELDS(POLICY)
        /* (Durations are in microseconds; commands is NULL or a NULL-terminated list.) */
        /* The cgroup limits of the user as a whole (MemoryMax ... IOWeight) and of each of its sessions
         * (SessionMemoryMax ...), as the PAM module applies them; members without a keyword stay unset. */
        struct sbx_cgroup_limits limits;
        struct sbx_cgroup_limits session_limits;

        /* The accumulating keywords. */
        struct sbx_bind *binds; /* Bind lines in file order, then the implicit home bind (%h %h rw) unless a
                                 * Bind line already targets the home directory */
        size_t n_binds;
        struct sbx_tmpfs *tmpfs; /* Tmpfs lines in file order, then the implicit /tmp and /var/tmp
                                  * (SBX_DEFAULT_TMP_SIZE each) unless a line already targets them: no directory
                                  * of the rootfs needs to be writable by anyone on the host side */
        size_t n_tmpfs;
        char **environment;                    /* NULL-terminated "NAME=VALUE"; first value for a NAME wins */
        struct sbx_origin *environment_origin; /* one per environment entry */
        size_t n_environment;
        /* SystemCallFilter: one rule per name mentioned, the first mention (by precedence) deciding, in that order;
         * names never mentioned follow the default list (lib/filter.h). syscall_deny and syscall_allow hold the same
         * decisions as NULL-terminated lists, ready for struct sbx_filter_spec (add and remove). */
        struct sbx_syscall_rule *syscall_rules;
        size_t n_syscall_rules;
        char **syscall_deny;
        char **syscall_allow;
        /* NetworkAllow and NetworkDeny: every rule of every line that applies (global and matching Match blocks
         * alike; allow wins, netfilter.h), each once, in precedence order. */
        struct sbx_net_entry *net_allow, *net_deny;
        size_t n_net_allow, n_net_deny;

        /* For the scalar keywords: where each effective value was set. Bind/Tmpfs/Environment carry their own. */
        struct sbx_origin origin[_SBX_KEY_MAX];
};

/* The field of a scalar keyword in p (POLICY or LIMIT place), typed as keywords.h says for its kind. */
static inline void *sbx_policy_field(struct sbx_policy *p, int key)
{
        return (char *)p + sbx_keyword(key)->offset;
}

static inline const void *sbx_policy_field_const(const struct sbx_policy *p, int key)
{
        return (const char *)p + sbx_keyword(key)->offset;
}

#define SBX_DEFAULT_TMP_SIZE (64ULL * 1024 * 1024)

/* The backstop of RuntimeMaxSec on a systemd scope: RuntimeMaxSec + TimeoutStopSec + SBX_BACKSTOP_USEC, in
 * microseconds, so that systemd stops the session only if the helper (which ends it at RuntimeMaxSec and kills what
 * is left TimeoutStopSec later) is gone; SBX_LIMIT_UNSET when there is no runtime limit or no kill after it. */
#define SBX_BACKSTOP_USEC (5ULL * 1000000)
uint64_t sbx_policy_runtime_backstop(const struct sbx_policy *p);

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

struct sbx_config;

/* Evaluates the Match blocks of a loaded, valid config for u and builds the effective policy (tokens expanded,
 * implicit home bind and /tmp added). Errors: -EINVAL "file:line: ..." for a value that is invalid for this user
 * (a path that is not absolute once expanded, a conflicting Bind or Tmpfs), -ENOMEM. *ret: free with
 * sbx_policy_free. The config must be free of errors (sbx_config_load returned 0); it is not modified. */
int sbx_policy_resolve(const struct sbx_config *c, const struct sbx_user *u, struct sbx_policy **ret,
                       struct sbx_err *err);
