/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `sandbox-shellctl metrics`: the live sessions (sessions.h) in the Prometheus text exposition format 0.0.4, for
 * node_exporter's textfile collector, and the atomic write of that file. The metric names, types, labels and units
 * are listed in sandbox-shellctl(8); the table in metrics.c is the one place they are defined.
 *
 * A figure the kernel does not give (SBX_CGROUP_UNKNOWN) has no sample: a missing series is honest, a 0 is not. A
 * limit that is not set or infinity has none either. A family without any sample is not written at all. */

#include <stdint.h>
#include <stdio.h>

#include "keywords.h"
#include "sessions.h"

/* What the policy gives one user now (`explain USER`): the limits of the user as a whole, of each of its sessions
 * (NULL for an Instance user, whose per-session limits do not apply) and MaxSessions. */
struct sbx_metrics_user {
        const char *user;
        const struct sbx_cgroup_limits *limits;         /* NULL: the policy does not resolve, no limit is written */
        const struct sbx_cgroup_limits *session_limits; /* NULL: none applies */
        uint64_t max_sessions;                          /* SBX_LIMIT_UNSET or SBX_LIMIT_INFINITY: none */
};

/* Writes s to f as a label value of the exposition format: backslash, double quote and newline escaped
 * (\\, \", \n), everything else as it is. */
void sbx_metrics_put_label_value(FILE *f, const char *s);

/* Writes the exposition of the sessions l and the limits of users[0..n_users) to f: # HELP and # TYPE once per
 * family, then its samples, families in the table's order, sessions in the list's order. Returns 0, or -EIO when
 * f reports an error. */
int sbx_metrics_render(FILE *f, const struct sbx_session_list *l, const struct sbx_metrics_user *users, size_t n_users);

/* Replaces the file `path` with text[0..len) atomically: a new file in the same directory (".NAME.PID", which
 * node_exporter's "*.prom" never matches), written, mode 0644, fsync'd, renamed over path (a symbolic link at path
 * is replaced, never followed), then the directory fsync'd. On failure nothing of the new file is left and path is
 * as it was. Errors: the errno of the failed step, with the path in the message. */
int sbx_metrics_write_textfile(const char *path, const char *text, size_t len, struct sbx_err *err);
