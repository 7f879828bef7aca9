/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the subcommands of sandbox-shellctl (sandbox-shellctl.c holds the table and main; ctl-*.c one group of
 * subcommands each). Exit status of every subcommand: 0 success, 1 failure or findings, 2 usage error. */

#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "policy.h"

#define EXIT_USAGE 2

struct ctl {
        const char *confdir;
};

/* Loads the config; on errors prints every one of them and returns -1. */
int ctl_load_config(const struct ctl *ctl, struct sbx_config **ret);

/* Prints "Usage: sandbox-shellctl NAME USAGE" (and the summary when `full`) for the subcommand NAME. */
void ctl_verb_usage(FILE *f, const char *name, bool full);

/* Runs argv[0] (an absolute path) with argv, stdin from /dev/null; its stdout (and stderr when merge_stderr) is
 * collected into *ret_out (malloc'd, NUL-terminated, owned by the caller). Returns the exit status (128+N for a
 * signal) or -errno when it could not run. */
int ctl_run(char *const argv[], bool merge_stderr, char **ret_out);

/* One passwd entry with its policy: p is NULL and error set when the policy does not resolve for this user. */
struct ctl_user {
        const char *name;
        uid_t uid;
        gid_t gid;
        const char *home;
        const char *shell; /* the passwd login shell */
        const struct sbx_user *u;
        const struct sbx_policy *p;
        const char *error;
};

/* Calls fn for every passwd entry (only the one named `only` when it is not NULL; -1 with a message when that user
 * does not exist). Stops at, and returns, fn's first non-zero result. */
int ctl_for_each_user(const struct sbx_config *c, const char *only, int (*fn)(void *data, const struct ctl_user *cu),
                      void *data);

int ctl_doctor(struct ctl *ctl, int argc, char **argv);
int ctl_list(struct ctl *ctl, int argc, char **argv);
int ctl_kill(struct ctl *ctl, int argc, char **argv);
int ctl_metrics(struct ctl *ctl, int argc, char **argv);
int ctl_mkrootfs(struct ctl *ctl, int argc, char **argv);
