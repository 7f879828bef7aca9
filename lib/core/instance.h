/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Instance user (docs/ARCHITECTURE.md, "Instances"): every concurrent login of a user shares one sandbox, whose PID 1
 * is an init of ours, and Linger keeps it after the last logout.
 *
 * The instance is found through root's state only:
 *  - its cgroup, <CgroupRoot>/<user>/instance (cgroup.h), which only root fills: the PAM module moves each login's
 *    session process there;
 *  - the record SBX_RUNDIR/instances/<user>, written by root only (0640, group the user's, so that the helper can
 *    read it): the init's PID, start time and the identities of its namespaces, or, while the first login's helper
 *    makes the init, the session that does.
 * Nothing inside the sandbox (a file, a socket, a process name) is read to find or check an instance. Whoever opens a
 * login checks the record against the kernel: the PID is alive with that start time, it is in the instance's cgroup,
 * its namespaces are the recorded ones. Anything else ends the instance (its cgroup is killed) and the login makes a
 * fresh one. Every step here runs under the user's lock (userlock.h). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"

/* The namespaces of an instance, in the order of the record and of /proc/PID/ns. */
enum {
        SBX_NS_MNT,
        SBX_NS_PID,
        SBX_NS_NET,
        SBX_NS_IPC,
        SBX_NS_UTS,
        SBX_NS_CGROUP,
        _SBX_NS_MAX,
};

/* The name of namespace i in /proc/PID/ns ("mnt", "pid_for_children" is not used: "pid" of the init). */
const char *sbx_ns_name(int i);

enum sbx_instance_state {
        SBX_INSTANCE_NONE,     /* no record */
        SBX_INSTANCE_CREATING, /* the helper of session `creator` is making the init */
        SBX_INSTANCE_RUNNING,  /* the init is pid/starttime with namespaces ns */
};

struct sbx_ns_id {
        uint64_t dev, ino;
};

struct sbx_instance_record {
        enum sbx_instance_state state;
        char creator[64]; /* CREATING: the registry id ("<pid>-<starttime>") of the session whose helper makes it */
        uint64_t since;   /* CREATING: when (CLOCK_BOOTTIME, usec) */
        pid_t pid;        /* RUNNING: the init, as the host sees it */
        unsigned long long starttime;
        struct sbx_ns_id ns[_SBX_NS_MAX];
        uint64_t deadline; /* RUNNING: 0 while a login is open; else when Linger ends it (CLOCK_BOOTTIME, usec), or
                            * SBX_LIMIT_INFINITY */
        uint64_t born;     /* when the instance was made (CLOCK_REALTIME, seconds), for `list` */
        pid_t watcher;     /* RUNNING with a deadline: root's process that ends it then (PAM module), 0: none */
        unsigned long long watcher_start;
        char leaf[1024]; /* the instance's cgroup in the tracking hierarchy: a login whose CgroupRoot gives another
                            * is refused (a CgroupRoot with %c that differs between logins) */
};

/* Reads the record of `user`. -ENOENT when there is none; -EPERM when the file is not root's or others may write it
 * (it is then not believed). */
int sbx_instance_read(const char *user, struct sbx_instance_record *ret, struct sbx_err *err);
/* Parses the record's text (testable). */
int sbx_instance_parse(const char *text, struct sbx_instance_record *ret);
/* Writes the record (root): whole or not at all (a new file renamed over the old). `gid` may read it. */
int sbx_instance_write(const char *user, gid_t gid, const struct sbx_instance_record *r, struct sbx_err *err);
void sbx_instance_remove(const char *user);

/* The identities of the namespaces of process `pid` (through /proc/PID/ns). */
int sbx_instance_ns_of(pid_t pid, struct sbx_ns_id ret[_SBX_NS_MAX]);
/* True when the record's init is there: alive with its start time and namespaces. */
bool sbx_instance_alive(const struct sbx_instance_record *r);

/* ---- the PAM module's side ---- */

enum sbx_instance_role {
        SBX_INSTANCE_CREATE, /* this login's helper makes the init */
        SBX_INSTANCE_JOIN,   /* the record names a running init */
};

/* At the open of a login of an `Instance user` user, under the user's lock held with sbx_user_lock_hold (it is let go
 * and taken again while a first login of the user makes the init, up to about 10 s), before the session process
 * moves into the instance's cgroup. Checks the record against the kernel, ends an instance that no longer matches it
 * or whose Linger ran out, finds the init a first login made, and records what the helper of this login (registry
 * id `session`) does. `cg` are the cgroup parameters of the login. */
int sbx_instance_open(const struct sbx_cgroup_params *cg, gid_t gid, const char *session,
                      enum sbx_instance_role *ret_role, struct sbx_err *err);

/* The argument that starts the helper to make the instance's init and end (sbx_instance_make). */
#define SBX_MAKE_INSTANCE_ARG "--make-instance"

/* systemd: the instance's init is made by root's open of the first login (the record names its session, registry id
 * `session`, as the creator), not by that login's helper: a process of the PAM module, in the instance's own scope
 * (sbx_cgroup_instance_place), becomes the user and executes the helper with SBX_MAKE_INSTANCE_ARG; that makes the
 * init as a login's helper would and ends. Every login, the first too, then joins it. The helper's refusal is
 * returned in the message. */
int sbx_instance_make(const struct sbx_cgroup_params *cg, gid_t gid, const char *helper, const char *session,
                      struct sbx_err *err);

/* At the close of the last open login of the user (the session process moved out already, under the lock): with
 * `linger` 0 the instance ends now; else the record keeps it until the deadline (SBX_LIMIT_INFINITY: until ended).
 * *ret_ended: it ended (its usage in *ret_usage); *ret_deadline: the deadline set (0: none). */
int sbx_instance_last_close(const struct sbx_cgroup_params *cg, gid_t gid, uint64_t linger, bool *ret_ended,
                            struct sbx_cgroup_usage *ret_usage, uint64_t *ret_deadline, struct sbx_err *err);

/* Records the root process that waits for the record's deadline (the last close's), so that the next open ends it:
 * one per user, however many logins come and go. */
int sbx_instance_set_watcher(const char *user, gid_t gid, pid_t pid, struct sbx_err *err);

/* At a deadline: ends the instance if its record still has this deadline and no login of the user is open. */
int sbx_instance_expire(const struct sbx_cgroup_params *cg, uint64_t deadline, bool *ret_ended,
                        struct sbx_cgroup_usage *ret_usage, struct sbx_err *err);

/* The end of an instance without its cgroup (sandbox-shellctl kill, which kills that itself): its init (through a
 * pidfd checked against the record) and its Linger process are killed, and the record removed. */
void sbx_instance_forget(const char *user);

/* Ends the instance whatever its state, and removes the record. */
int sbx_instance_end(const struct sbx_cgroup_params *cg, struct sbx_cgroup_usage *ret_usage, struct sbx_err *err);

/* ---- the helper's side ---- */

/* The one ready init among the processes listed in `procs` (a cgroup.procs text), as root finds it (needs
 * CAP_SYS_PTRACE for an init that is not dumpable): 0 none, -1 more than one. */
pid_t sbx_instance_find_init(const char *procs);

/* Locks the record (flock, a descriptor the user's group may open): the helpers of one PAM session (the channels
 * of one multiplexed ssh connection) each find the record naming their session as the creator; the first makes the
 * init while it holds this, the others then find it. Returns the descriptor (closing it unlocks), or < 0. */
int sbx_instance_lock_record(const char *user, struct sbx_err *err);

/* What the helper of a login does, from the record only: create (the record names `session`, the login's own
 * SBX_SESSION_ENV value "<user>-<id>", as the creator) or join the running init *ret. Anything else is refused
 * with a message. */
int sbx_instance_role_of(const char *user, const char *session, enum sbx_instance_role *ret_role,
                         struct sbx_instance_record *ret, struct sbx_err *err);
