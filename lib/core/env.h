/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the helper starts the shell with: its argv and its environment. The environment is built from the policy and
 * filtered from the caller's: the helper runs like a setuid program, and only values that cannot change what the
 * sandbox does pass (a terminal name, locale names, where an ssh login came from). */

#include <stdbool.h>

#include "error.h"
#include "policy.h"

/* The shell's argv: argv[0] is the shell's basename, prefixed with '-' for a login shell; `command` (may be NULL)
 * adds "-c", command. *ret is a new NULL-terminated vector the caller frees with strv_free. Errors: -EINVAL when
 * `shell` is not an absolute path, -ENOMEM. */
int sbx_env_argv(const char *shell, bool login, const char *command, char ***ret, struct sbx_err *err);

/* The clean environment for the shell: HOME USER LOGNAME SHELL from the policy, PATH (SBX_DEFAULT_PATH), TERM from
 * `caller_env` when it is a plain terminal name, LANG and LC_* from `caller_env` when their values look like locale
 * names, then the policy's Environment lines, which replace any of the above. Nothing else of the caller passes.
 * *ret is a new NULL-terminated vector the caller frees with strv_free. Errors: -ENOMEM. */
int sbx_env_build(const struct sbx_policy *p, char *const *caller_env, char ***ret, struct sbx_err *err);

#define SBX_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
