/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The audits behind `sandbox-shellctl doctor`: each looks at one part of an installation (a PAM service file, the
 * helper's file capabilities, a rootfs, the cgroup controllers, sshd's effective configuration) and adds a finding
 * for every problem, each with what to do about it. The checks only read; the ctl prints the findings.
 *
 * Every check returns 0 when it could look (whatever it found), or -errno when it could not look at all (then err
 * says why, and the ctl reports that as a finding of its own). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "policy.h"

struct sbx_finding {
        char *problem; /* "…/pam.d/sshd: no session line for pam_sandbox.so" */
        char *fix;     /* what the administrator does about it */
};

struct sbx_findings {
        struct sbx_finding *v;
        size_t n;
};

/* Appends a finding. Returns 0 or -ENOMEM. */
int sbx_findings_add(struct sbx_findings *f, const char *fix, const char *fmt, ...) _printf_(3, 4);
void sbx_findings_done(struct sbx_findings *f);

/* PAM service file `path` (e.g. /etc/pam.d/sshd), with "@include FILE" and the include/substack controls followed
 * relative to its directory: needs a session line for pam_sandbox.so whose control is required or requisite (an
 * optional one would let a login through that failed to set up the session), and an auth line for it (the setcred
 * re-grant) with no pam_cap.so auth line after it, and no pam_systemd.so session line after pam_sandbox.so's (logind
 * must have made the session's scope first). -ENOENT when the file does not exist. */
int sbx_doctor_pam(const char *path, struct sbx_findings *f, struct sbx_err *err);

/* The helper binary: a regular file, root-owned, not writable by group or others, neither setuid nor setgid, whose
 * file capabilities are exactly `caps` (a comma-separated list such as SBX_HELPER_CAPS) in the effective and
 * inheritable sets with nothing permitted. -ENOENT when it does not exist (also added as a finding). */
int sbx_doctor_helper(const char *path, const char *caps, struct sbx_findings *f, struct sbx_err *err);

/* The rootfs `root`: every component of its path root-owned and not group/world-writable; inside it no setuid or
 * setgid file, no device node, nothing world-writable but symbolic links (a sticky directory included), the mount
 * points the sandbox needs (/proc, /dev, /tmp) present as real directories. A problem inside the tree is reported for its first few
 * files and then counted. Filesystems mounted below root are not descended into. */
int sbx_doctor_rootfs(const char *root, struct sbx_findings *f, struct sbx_err *err);

/* The policy's Shell inside `root`, resolved as the sandbox will (symbolic links followed, but never out of root): an
 * executable regular file. */
int sbx_doctor_shell(const char *root, const char *shell, struct sbx_findings *f, struct sbx_err *err);

/* The cgroup controllers the policy's limits need, against the hierarchies mounted as `mountinfo` (the text of
 * /proc/self/mountinfo) describes: on pure cgroup v2 they must be listed in the root's cgroup.controllers, on v1 and
 * hybrid hosts a v1 hierarchy must be mounted for each (the layout lib/cgroup.c uses for sessions). */
int sbx_doctor_cgroup(const char *mountinfo, const struct sbx_policy *p, struct sbx_findings *f,
                      struct sbx_err *err);

/* The output of `sshd -T -C user=USER,...` for a sandboxed user: no forwarding of any kind (unless DisableForwarding
 * is on), no tunnel, no PermitUserRC, no PermitUserEnvironment, UsePAM on, no internal-sftp subsystem without a
 * ForceCommand, no ForceCommand internal-sftp. */
int sbx_doctor_sshd(const char *user, const char *text, struct sbx_findings *f, struct sbx_err *err);

/* The value of `key` in `sshd -T` output (lowercase keys, one "key value" per line), copied into buf; NULL when
 * absent. A key that repeats (subsystem) is picked by `nth`. */
const char *sbx_doctor_sshd_value(const char *text, const char *key, size_t nth, char *buf, size_t size);
