/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Capability handling through libcap. The helper's capability list is SBX_HELPER_CAPS (from meson, the one list that
 * setcap at install uses too). */

#include <stdbool.h>

#include "error.h"

/* Raises the calling process's inheritable set to exactly the helper's capabilities (PAM session open, as root).
 * Never touches the ambient set. Errors: -EPERM when a capability is not in the permitted set. */
int sbx_caps_grant_inheritable(struct sbx_err *err);

/* Removes the helper's capabilities from the inheritable set again (PAM close; a failed open). */
int sbx_caps_revoke_inheritable(struct sbx_err *err);

/* True when the helper's capabilities are all in the inheritable set of this process (setcred: is the grant there?). */
bool sbx_caps_inheritable_granted(void);

/* The helper at start: *ret_missing is set to a malloc'd, comma-separated list of the helper's capabilities missing from
 * the permitted set ("" when none; caller frees). Error only for libcap failures (-ENOMEM). */
int sbx_caps_missing_permitted(char **ret_missing, struct sbx_err *err);

/* Raises (on) or lowers (off) the effective set to the permitted one, leaving the permitted set alone. The helper lowers
 * it while it parses the config and asks NSS (code that needs no privilege), and raises it only for the launch. */
int sbx_caps_effective(bool on, struct sbx_err *err);

/* Gives up CAP_SYS_PTRACE and CAP_SYS_CHROOT (every set but bounding): they are the helper's only to enter an instance
 * (setns on the init's pidfd, into its mount namespace); every process of a launch but the joiner drops them first. */
int sbx_caps_drop_join(struct sbx_err *err);

/* Empties every capability set: bounding (needs CAP_SETPCAP, so first), ambient, inheritable, permitted, effective;
 * then reads them back and fails with -EPERM naming the set if any capability is left. Used inside PID 1 just before the
 * exec, and by the outer half once PID 1 runs (there the bounding set is left alone: dropping it needs nothing later). */
int sbx_caps_drop_all(bool bounding, struct sbx_err *err);

/* Verifies that no capability remains in the effective, permitted, inheritable and ambient sets (and, when bounding is
 * true, in the bounding set). -EPERM with the set named otherwise. */
int sbx_caps_verify_none(bool bounding, struct sbx_err *err);
