/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test stand-in for a pam_sandbox session: as root, raises the inheritable set to the helper's capabilities (as the
 * PAM module does; --no-grant clears it instead), becomes USER (groups, gid, uid: the change of uid clears the
 * permitted and effective sets, the inheritable set stays) and execs PROGRAM, which then holds the capabilities only
 * through its own file capabilities (P' = P(inh) & F(inh)).
 *
 *   sbx-launch [--no-grant] [--argv0 NAME] USER PROGRAM [ARG...] */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"

int main(int argc, char **argv)
{
        struct sbx_err err = {0};
        bool grant = true;
        const char *argv0 = NULL;
        int i = 1;

        for (; i < argc && argv[i][0] == '-'; i++) {
                if (streq(argv[i], "--no-grant"))
                        grant = false;
                else if (streq(argv[i], "--argv0") && i + 1 < argc)
                        argv0 = argv[++i];
                else
                        break;
        }
        if (argc - i < 2) {
                fprintf(stderr, "usage: sbx-launch [--no-grant] [--argv0 NAME] USER PROGRAM [ARG...]\n");
                return 2;
        }
        const char *user = argv[i], *prog = argv[i + 1];
        struct passwd *pw = getpwnam(user);
        if (!pw) {
                fprintf(stderr, "sbx-launch: unknown user '%s'\n", user);
                return 2;
        }
        if ((grant ? sbx_caps_grant_inheritable(&err) : sbx_caps_revoke_inheritable(&err)) < 0) {
                fprintf(stderr, "sbx-launch: %s\n", err.msg);
                return 2;
        }
        if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
                perror("sbx-launch: become the user");
                return 2;
        }
        if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || sbx_caps_inheritable_granted() != grant) {
                fprintf(stderr, "sbx-launch: unexpected credentials after the change of user\n");
                return 2;
        }
        argv[i + 1] = (char *)(argv0 ? argv0 : prog);
        execv(prog, argv + i + 1);
        perror("sbx-launch: exec");
        return 2;
}
