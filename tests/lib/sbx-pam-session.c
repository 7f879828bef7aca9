/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test driver: opens a PAM session through the real libpam, runs a command inside it, closes it.
 *
 *   sbx-pam-session [--setcred] [--clear-inheritable] [--no-close] [--pam-env] PAMDIR SERVICE USER [CMD ARG...]
 *
 * PAMDIR holds the service file (pam_start_confdir). The command runs as a child, as root, inheriting the session's
 * cgroup and capability grant; SBX_SESSION_PID in its environment is this process. Messages the module sends the user
 * (pam_error) are printed on stderr as "pam message: ...". --setcred calls pam_setcred(PAM_ESTABLISH_CRED) after
 * open_session (as sshd does); --clear-inheritable empties the inheritable set before that (as pam_cap may).
 * --no-close exits without closing (a killed sshd). --pam-env puts the PAM environment (pam_getenvlist) into the
 * command's, as sshd, su and login do: pam_sandbox's SANDBOX_SHELL_SESSION, by which the helper finds its session.
 * Exit status: the command's (128+N for a signal), 0 without a command; 2 when open_session fails, 3 when
 * close_session fails, 4 for setcred, 1 for usage errors. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        struct pam_response *r = calloc((size_t)n, sizeof(*r));
        if (!r)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++)
                if (msg[i]->msg_style == PAM_ERROR_MSG || msg[i]->msg_style == PAM_TEXT_INFO)
                        fprintf(stderr, "pam message: %s\n", msg[i]->msg);
        *resp = r;
        return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
        bool setcred = false, clear_inh = false, no_close = false, pam_env = false;
        int i = 1;
        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (strcmp(argv[i], "--setcred") == 0)
                        setcred = true;
                else if (strcmp(argv[i], "--clear-inheritable") == 0)
                        clear_inh = true;
                else if (strcmp(argv[i], "--no-close") == 0)
                        no_close = true;
                else if (strcmp(argv[i], "--pam-env") == 0)
                        pam_env = true;
                else {
                        fprintf(stderr, "unknown option %s\n", argv[i]);
                        return 1;
                }
        }
        if (argc - i < 3) {
                fprintf(stderr,
                        "usage: %s [--setcred] [--clear-inheritable] [--no-close] [--pam-env] PAMDIR SERVICE USER "
                        "[CMD...]\n",
                        argv[0]);
                return 1;
        }
        const char *dir = argv[i], *service = argv[i + 1], *user = argv[i + 2];
        char **cmd = argv + i + 3;

        struct pam_conv c = {conv, NULL};
        pam_handle_t *pamh = NULL;
        int r = pam_start_confdir(service, user, &c, dir, &pamh);
        if (r != PAM_SUCCESS) {
                fprintf(stderr, "pam_start_confdir: %s\n", pam_strerror(pamh, r));
                return 1;
        }
        r = pam_open_session(pamh, 0);
        fprintf(stderr, "open_session: %s (%d)\n", pam_strerror(pamh, r), r);
        if (r != PAM_SUCCESS) {
                pam_end(pamh, r);
                return 2;
        }
        if (clear_inh) {
                cap_t caps = cap_get_proc();
                if (!caps || cap_clear_flag(caps, CAP_INHERITABLE) < 0 || cap_set_proc(caps) < 0)
                        perror("clear inheritable");
                cap_free(caps);
        }
        if (setcred) {
                r = pam_setcred(pamh, PAM_ESTABLISH_CRED);
                fprintf(stderr, "setcred: %s (%d)\n", pam_strerror(pamh, r), r);
                if (r != PAM_SUCCESS && r != PAM_IGNORE) {
                        pam_end(pamh, r);
                        return 4;
                }
        }

        int status = 0;
        if (*cmd) {
                char spid[32];
                snprintf(spid, sizeof(spid), "%d", (int)getpid());
                setenv("SBX_SESSION_PID", spid, 1);
                char **env = pam_env ? pam_getenvlist(pamh) : NULL;
                for (size_t k = 0; env && env[k]; k++)
                        putenv(env[k]); /* the strings stay the environment's */
                fflush(NULL);
                pid_t pid = fork();
                if (pid < 0) {
                        perror("fork");
                        return 1;
                }
                if (pid == 0) {
                        execvp(cmd[0], cmd);
                        perror(cmd[0]);
                        _exit(127);
                }
                int st;
                while (waitpid(pid, &st, 0) < 0)
                        ;
                status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        if (no_close)
                _exit(status); /* as a killed sshd: no close_session, no pam_end */

        r = pam_close_session(pamh, 0);
        fprintf(stderr, "close_session: %s (%d)\n", pam_strerror(pamh, r), r);
        pam_end(pamh, r);
        if (r != PAM_SUCCESS)
                return 3;
        return status;
}
