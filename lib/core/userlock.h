/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One lock per user, shared by every process of the host that sets up or tears down that user's sessions (the PAM
 * module as root): a session that opens while another closes must not see the user's cgroup removed under it (the
 * closing one removes it when it thinks it is the last). The lock files live in SBX_RUNDIR, a directory only root
 * can write, created at need. */

#include "error.h"

/* Takes the lock of `user` (a name sbx_cgroup_valid_user accepts), waiting for it. *ret_fd holds it until closed.
 * Errors: -EINVAL for a bad name, -EPERM when SBX_RUNDIR is not root's alone, or the errno of the step. */
int sbx_user_lock(const char *user, int *ret_fd, struct sbx_err *err);

/* sbx_user_lock without waiting: -EWOULDBLOCK (with a message) when another open file holds the lock now, another
 * process's or this one's. A hold of this process (sbx_user_lock_hold) for `user` is shared as with sbx_user_lock.
 * For work on another user's cgroups that the user's own open or close would do anyway (the sweep, cgroup.h): it
 * never waits, so a process that holds one user's lock can try another's without a deadlock. */
int sbx_user_trylock(const char *user, int *ret_fd, struct sbx_err *err);

/* Holds the lock of `user` in this process until sbx_user_lock_release: sbx_user_lock for the same user then
 * returns at once (a duplicate that shares it), so that steps which each take the lock can run under one hold.
 * One user at a time; a forked child does not inherit the hold (it is the parent's). */
int sbx_user_lock_hold(const char *user, struct sbx_err *err);
void sbx_user_lock_release(void);
