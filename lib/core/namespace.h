/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* PID 1: the helper clones the user's shell into new PID, mount, UTS, IPC and cgroup namespaces (and a new network
 * namespace for `Network none`), builds the rootfs there (rootfs.h), drops every capability, sets the policy's resource
 * limits (rlimit.h), loads the syscall filter (filter.h, generated before the clone) and execs the shell. The
 * outer half drops its own capabilities as soon as PID 1 exists, forwards the session's signals to it and returns
 * the shell's status. */

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "instance.h"
#include "policy.h"

struct sbx_launch {
        const struct sbx_policy *policy;
        char **argv; /* for execve of policy->shell (sbx_env_argv), NULL-terminated */
        char **envp; /* the shell's whole environment (sbx_env_build), NULL-terminated */
        /* Called in the outer half for a warning PID 1 sent (e.g. the home directory could not be entered); may be
         * NULL. lib/ never prints: the caller decides. */
        void (*warn)(const char *msg, void *userdata);
        /* A restricted account (Commands, commands.h): the entry the request matched and the request's first word.
         * PID 1 finds the program in the rootfs (sbx_commands_resolve) and executes it with argv instead of the
         * shell. NULL: the policy's shell. */
        const char *command_entry;
        const char *command_requested;
        /* Called in the outer half, once, when it ends the session for the policy's RuntimeMaxSec ("runtime-max") or
         * IdleTimeoutSec ("idle"), before PID 1 gets SIGHUP; may be NULL. */
        void (*ending)(const char *reason, void *userdata);
        void *userdata;
        /* Instance user (instance.h): this login makes the instance's init and joins it (CREATE), or joins the init
         * the record names (JOIN, `instance` is the record). The shell then runs in the instance, not as PID 1. */
        bool joined;
        enum sbx_instance_role role;
        const struct sbx_instance_record *instance;
};

/* What went wrong when sbx_ns_launch returns < 0. */
enum sbx_launch_failure {
        SBX_LAUNCH_SETUP_FAILED, /* the sandbox could not be made: the login is refused; exit status 1 */
        SBX_LAUNCH_EXEC_FAILED,  /* the sandbox was made, but the shell could not be executed in it; exit status 127,
                                  * as a shell gives for a command it cannot run */
};

/* Runs the shell as PID 1 and waits for it. The session's time limits act here, in the outer half, where nothing in
 * the sandbox can reach: RuntimeMaxSec after the start and IdleTimeoutSec without a byte of input from the caller's
 * terminal (sessions with one only) end the session: a warning line first (RuntimeWarnSec before the end; for the
 * idle timeout at the smaller of RuntimeWarnSec and half the timeout), then a line saying why, SIGHUP to PID 1 (a
 * terminating signal it has no handler for ends it at once, as below) and, TimeoutStopSec later, SIGKILL, which
 * ends every process of the namespace, stopped ones included. Lines go to the caller's terminal through the relay
 * when there is one, else to `warn`. Must be called holding the helper's capabilities (effective), single
 * threaded. While it runs, SIGHUP SIGTERM SIGINT SIGQUIT SIGCONT sent to the caller are forwarded to PID 1; a
 * terminating one that PID 1 has no handler for (PID 1 would ignore it) kills PID 1 instead, as it would kill any
 * other process. SIGTSTP SIGTTIN SIGTTOU are ignored by the outer half so that it never stops behind the shell.
 * Returns 0 when the shell ran: *ret_exit is its exit status, or 128+N when signal N ended it. Returns < 0 when
 * anything before the shell failed: err names the step and the object, *ret_failure (may be NULL) says which kind
 * of failure it was and *ret_exit is the status for it. No path of this function runs a shell outside the
 * sandbox. */
int sbx_ns_launch(const struct sbx_launch *l, int *ret_exit, enum sbx_launch_failure *ret_failure, struct sbx_err *err);

/* Instance user, systemd backend: makes the instance's init (l->role SBX_INSTANCE_CREATE) and returns once it is
 * ready, leaving it running; started by the PAM module's open in the instance's scope (sbx_instance_make). */
int sbx_ns_instance_make(const struct sbx_launch *l, struct sbx_err *err);

/* The helper's exit code for a wait status: the exit status, or 128+N for death by signal N. */
int sbx_ns_exit_code(int wstatus);
