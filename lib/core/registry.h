/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The sandboxed sessions of a user that are open now, as the PAM module records them, whatever the cgroup backend:
 * one entry per session, SBX_RUNDIR/sessions/<user>/<pid>-<starttime> (the process that opened it), made at open
 * and removed at close, counted under the user's lock (userlock.h). An entry whose process is gone (sshd killed
 * before its close) no longer counts and is removed when the next count meets it. MaxSessions is enforced here.
 *
 * Each entry also has a datagram socket, SBX_RUNDIR/end/<user>-<pid>-<starttime>, owned by the user, on which the
 * helper of that session says why it ended the session (runtime-max, idle); the PAM module reads it at close for
 * its usage line. Only the user can reach it, and only from outside a sandbox (SBX_RUNDIR is not in any rootfs). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct sbx_registry_entry {
        char user[40];
        char id[64]; /* "<pid>-<starttime>" */
        int end_fd;  /* the end socket (SOCK_DGRAM, CLOEXEC), -1 when none */
        char end_path[128];
};

/* Records a new session of `user` (uid owns the end socket) opened by process `pid`, unless `max` sessions of the
 * user are open already (max SBX_LIMIT_UNSET or SBX_LIMIT_INFINITY: no cap). *ret_open: how many were open before.
 * Errors: -EUSERS when the cap is reached (the message names it and the number open), or the errno of the step. On
 * success *ret is filled (sbx_registry_leave ends it). */
int sbx_registry_enter(const char *user, uid_t uid, pid_t pid, uint64_t max, unsigned *ret_open,
                       struct sbx_registry_entry *ret, struct sbx_err *err);

/* How many sessions of `user` are open (entries whose process is gone are removed, as at open). */
unsigned sbx_registry_count(const char *user);
/* True when the session `id` ("<pid>-<starttime>") of `user` is open. */
bool sbx_registry_alive(const char *user, const char *id);

/* Reads why the session ended, when its helper said so: "runtime-max" or "idle" into buf; "" otherwise. */
void sbx_registry_end_reason(struct sbx_registry_entry *e, char *buf, size_t size);

/* Removes the entry and its socket (close, or a failed open after the entry was made). */
void sbx_registry_leave(struct sbx_registry_entry *e);

/* The helper's side: tells the session's PAM module why the session ends. `session` is the value of
 * SBX_SESSION_ENV the PAM module put in the login's environment; anything malformed is ignored. Best effort. */
void sbx_registry_report_end(const char *session, const char *reason);

/* The environment variable that names the session's entry to its helper ("<user>-<pid>-<starttime>"). */
#define SBX_SESSION_ENV "SANDBOX_SHELL_SESSION"
