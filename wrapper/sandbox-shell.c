/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
/* sandbox-shell: the login shell of sandboxed accounts. It carries file capabilities +ei and so holds them only when
 * a pam_sandbox session granted them; it runs the policy's shell as PID 1 in an isolated rootfs (lib/namespace.c,
 * lib/rootfs.c) and exits with its status. Treated like a setuid program: identity from getuid() only, policy from the
 * root-owned config only; the arguments choose only between a login, an interactive shell and `-c COMMAND`. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "caps.h"
#include "commands.h"
#include "env.h"
#include "namespace.h"
#include "policy.h"
#include "registry.h"

extern char **environ;

#define PROG "sandbox-shell"

/* The one line a refused login prints. */
static int refuse(const char *fmt, ...) _printf_(1, 2);
static int refuse(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs(PROG ": refusing login: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        return 1;
}

static void warn(const char *msg, void *userdata)
{
        fprintf(stderr, PROG ": warning: %s\n", msg);
}

/* The session's PAM module puts the reason in its usage line (end=). */
static void ending(const char *reason, void *userdata)
{
        sbx_registry_report_end(userdata, reason);
}

/* A restricted account (Commands): the request, split without a shell, must name one of the programs; *ret_argv is
 * what PID 1 executes and *ret_entry the program's entry. Prints the refusal (one line, naming what is allowed). */
static int restricted_request(const struct sbx_policy *p, const char *command, char ***ret_argv, const char **ret_entry)
{
        struct sbx_err err = {0};
        char allowed[1024];
        sbx_commands_list(p->commands, allowed, sizeof(allowed));
        /* sshd runs the login shell with -c and the client's command; with a ForceCommand of its own the client's
         * command is in SSH_ORIGINAL_COMMAND. Without either there is nothing to run: no interactive shell here. */
        const char *request = command ? command : getenv("SSH_ORIGINAL_COMMAND");
        if (!request)
                return refuse("there is no interactive shell; this account may run only: %s", allowed);
        _cleanup_strv_free_ char **argv = NULL;
        if (sbx_commands_split(request, &argv, &err) < 0 ||
            sbx_commands_match(p->commands, argv, ret_entry, &err) < 0) {
                if (err.code == ENOMEM)
                        return refuse("%s", err.msg);
                return refuse("%s; this account may run only: %s (one program and its arguments, without a shell)",
                              err.msg, allowed);
        }
        *ret_argv = TAKE_PTR(argv);
        return 0;
}

int main(int argc, char **argv)
{
        struct sbx_err err = {0};

        /* Invariant: while any capability is held, nobody may ptrace this process or read its memory. The kernel
         * already makes a file-capability exec non-dumpable; say it explicitly all the same. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return refuse("%s", "cannot make the process non-dumpable");

        _cleanup_free_ char *missing = NULL;
        if (sbx_caps_missing_permitted(&missing, &err) < 0)
                return refuse("%s", err.msg);
        if (missing[0] != '\0') {
                return refuse("missing capabilities %s: this shell must be started through a pam_sandbox session "
                              "(or a module after pam_sandbox cleared the grant)",
                              missing);
        }

        /* Until the launch, nothing needs a privilege: the config parser and NSS run with an empty effective set, so
         * a fault in them cannot use one. The permitted set stays, for the launch. */
        if (sbx_caps_effective(false, &err) < 0)
                return refuse("%s", err.msg);

        /* The only accepted forms: "sandbox-shell" (argv[0] "-..." for a login shell) and "sandbox-shell -c CMD",
         * as login, su and sshd run a shell. */
        const char *command = NULL;
        bool login = argv[0] && argv[0][0] == '-';
        /* And SBX_MAKE_INSTANCE_ARG, the PAM module's own start of an instance's init (instance.h): no shell. It
         * gives nothing a login would not: the record must name this login's session as the one that makes it. */
        bool make = argc == 2 && streq(argv[1], SBX_MAKE_INSTANCE_ARG);
        if (argc == 3 && streq(argv[1], "-c"))
                command = argv[2];
        else if (argc > 1 && !make)
                return refuse("unsupported arguments starting at '%s' (only none, or -c COMMAND)", argv[1]);

        if (getuid() != geteuid() || getgid() != getegid())
                return refuse("%s", "real and effective ids differ (this program must not be set-id)");

        _cleanup_policy_ struct sbx_policy *policy = NULL;
        if (sbx_policy_load(SBX_CONFDIR, getuid(), &policy, &err) < 0)
                return refuse("%s", err.msg);
        if (!policy->sandbox)
                return refuse("user '%s' is not sandboxed by the policy (Sandbox no)", policy->user);

        if (make) {
                struct sbx_instance_record rec;
                struct sbx_launch launch = {.policy = policy, .joined = true, .instance = &rec};
                if (policy->instance != SBX_INSTANCE_USER)
                        return refuse("%s", "this user's policy has no instance (Instance session)");
                if (sbx_instance_role_of(policy->user, getenv(SBX_SESSION_ENV), &launch.role, &rec, &err) < 0 ||
                    sbx_caps_effective(true, &err) < 0 || sbx_ns_instance_make(&launch, &err) < 0)
                        return refuse("%s", err.msg);
                return 0;
        }

        _cleanup_strv_free_ char **shell_argv = NULL;
        _cleanup_strv_free_ char **shell_env = NULL;
        const char *entry = NULL;
        if (policy->commands) {
                if (restricted_request(policy, command, &shell_argv, &entry) != 0)
                        return 1;
        } else if (sbx_env_argv(policy->shell, login, command, &shell_argv, &err) < 0)
                return refuse("%s", err.msg);
        if (sbx_env_build(policy, environ, &shell_env, &err) < 0)
                return refuse("%s", err.msg);

        /* Read before the launch: the value names this session's entry in the PAM module's registry. */
        const char *session = getenv(SBX_SESSION_ENV);
        struct sbx_launch launch = {
                .policy = policy,
                .argv = shell_argv,
                .envp = shell_env,
                .warn = warn,
                .command_entry = entry,
                .command_requested = entry ? shell_argv[0] : NULL,
                .ending = ending,
                .userdata = (void *)session,
        };
        /* Instance user: what this login does (make the instance or join it) comes from root's record only. */
        struct sbx_instance_record instance;
        if (policy->instance == SBX_INSTANCE_USER) {
                launch.joined = true;
                launch.instance = &instance;
                if (sbx_instance_role_of(policy->user, session, &launch.role, &instance, &err) < 0)
                        return refuse("%s", err.msg);
        }
        int status = 1;
        /* Invariant: effective capabilities again only for the clone and the mounts of PID 1; the outer half drops
         * every set once PID 1 runs (sbx_ns_launch). */
        if (sbx_caps_effective(true, &err) < 0)
                return refuse("%s", err.msg);
        enum sbx_launch_failure failure;
        if (sbx_ns_launch(&launch, &status, &failure, &err) < 0) {
                /* A shell that cannot run is reported as a shell reports a command it cannot run; anything before it
                 * refuses the login. */
                if (failure == SBX_LAUNCH_EXEC_FAILED)
                        fprintf(stderr, PROG ": %s\n", err.msg);
                else
                        (void)refuse("%s", err.msg);
        }
        /* Nothing is left to release that the kernel does not take back at exit: skip the libraries' destructors
         * (the outer half waits through a whole session only to end here). */
        (void)fflush(stdout);
        (void)fflush(stderr);
        _exit(status);
}
