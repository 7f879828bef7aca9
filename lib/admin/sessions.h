/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The live sessions, as `sandbox-shellctl list` and `kill` see them: read from the cgroup tree the PAM module builds
 * (cgroup.h): <CgroupRoot>/<user>/session-<pid>-<starttime>/ in each hierarchy, through the same readers the login
 * path uses (cgroup-internal.h): mountinfo, /proc/PID/cgroup, the hierarchies, each version's usage and kill.
 *
 * Sessions are found in the tracking hierarchy (the v2 one on unified and hybrid hosts; on v1 the freezer, else the
 * pids, else the first hierarchy), then looked up under the same names in the others for their figures. A CgroupRoot
 * holding %c is expanded with the cgroup the calling process is in (per hierarchy): at list time that is the only
 * cgroup known, so sessions of a tree nested under another cgroup are only found from that cgroup, or with the root
 * given explicitly.
 *
 * Sessions of the systemd backend are logind's scopes: the registry (registry.h) names each session's process, whose
 * v2 cgroup is its scope; an instance's scope is its init's (sessions.c, "the systemd backend"). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup.h"
#include "error.h"

struct sbx_session_info {
        char user[40];
        char id[64];                   /* "PID-STARTTIME", the leaf's name without "session-" */
        pid_t pid;                     /* the session process (the PAM module's) */
        bool alive;                    /* that process still runs (same pid and start time) */
        time_t since;                  /* wall-clock start of the session process, 0 when unknown */
        struct sbx_cgroup_usage usage; /* read as the PAM module reads it at close; tasks: processes and threads */
        char leaf[4096];               /* the leaf in the tracking hierarchy */
        /* An instance (Instance user, instance.h): id is "instance", pid its init (0 when root's record names none),
         * alive that the record matches it, since when it was made. */
        bool instance;
        unsigned logins;     /* the user's logins open now */
        time_t linger_until; /* when Linger ends it: 0 while a login is open, -1 never (infinity) */
};

struct sbx_session_list {
        struct sbx_session_info *v;
        size_t n;
};

/* Lists the sessions under every CgroupRoot spec in roots (duplicates after expansion are read once), sorted by user
 * and start. Each root is swept first (sbx_cgroup_sweep, best effort): the empty leaves of sessions nobody closed
 * are removed, so that what is listed is live, or stale and still holding processes. *ret is filled (free with sbx_session_list_done). A root that does not exist holds no session (no error).
 * Errors: -ENOENT when no cgroup filesystem is mounted, -EINVAL for a bad CgroupRoot, -ENOMEM. */
int sbx_sessions_list(const char *const *roots, size_t n_roots, struct sbx_session_list *ret, struct sbx_err *err);

void sbx_session_list_done(struct sbx_session_list *l);

/* Ends the session s (from sbx_sessions_list): SIGTERM to every process of the leaf and a second for them to end
 * (the PAM module's close then runs and removes the leaf itself), then SIGKILL through cgroup.kill or a kill loop,
 * then the leaf is removed in every hierarchy and the user's cgroup where it is empty. Errors: -EBUSY when processes
 * or the leaf remain, with the path in the message. */
int sbx_sessions_kill(const char *const *roots, size_t n_roots, const struct sbx_session_info *s, struct sbx_err *err);
