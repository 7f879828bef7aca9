/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The boundary around the sandbox: what the host would run for a sandboxed user outside it because of a login. The
 * PAM module refuses a session when one of these holds (every program that runs as a sandboxed user because of a
 * login runs inside the sandbox, or the login is refused). Each check fills err with the one line the user (and the
 * log) gets, naming the fix. */

#include "error.h"
#include "policy.h"

/* The passwd login shell of p->user must be the helper `helper` (its very file, reached only through directories
 * and links root alone can change: sbx_safepath_resolve_trusted). Errors: -EPERM with the reason and the fix. */
int sbx_boundary_login_shell(const struct sbx_policy *p, const char *helper, struct sbx_err *err);

/* On a host where systemd is the init: p->user must not linger (logind's /var/lib/systemd/linger/USER: its manager
 * then runs between logins), and no systemd user manager (user@UID.service) of it may be running: it runs as the
 * user on the host and loads units from ~/.config/systemd/user, which the sandbox can write. The drop-in of
 * etc/systemd/ keeps the manager from starting; this catches a host without it. A host without systemd passes.
 * Errors: -EPERM with the reason and the fix, or the errno of asking systemd (a session is refused when systemd
 * cannot say). */
int sbx_boundary_user_manager(const struct sbx_policy *p, struct sbx_err *err);

/* Where logind records a lingering user. */
#define SBX_LINGER_DIR "/var/lib/systemd/linger"
