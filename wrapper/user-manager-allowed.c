/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* user-manager-allowed: the ExecCondition= of the drop-in for user@.service (etc/systemd/), which pam_systemd starts
 * for every login. The manager runs as the user on the host, with no namespace, filter or no_new_privs, and loads
 * units from ~/.config/systemd/user, which a sandboxed user can write from inside the sandbox: so a user the policy
 * sandboxes gets no manager at all. Runs as root (the drop-in's '+'), reads the policy exactly as the PAM module does.
 *
 *   user-manager-allowed [--config DIR] UID
 *
 * Exit status (systemd skips the unit for 1 to 254, without failing it): 0 the user may have a manager; 1 the policy
 * sandboxes the user; 2 the configuration is invalid (fail closed: no manager for anyone, as no login either);
 * 3 the uid is unknown or malformed; 4 a usage error. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define PROG "sandbox-shell user-manager-allowed"

int main(int argc, char **argv)
{
        const char *confdir = SBX_CONFDIR;
        int i = 1;
        if (argc == 4 && streq(argv[1], "--config") && argv[2][0] == '/') {
                confdir = argv[2];
                i = 3;
        }
        if (argc - i != 1) {
                fprintf(stderr, "usage: %s [--config DIR] UID\n", PROG);
                return 4;
        }
        const char *errstr = NULL;
        long long uid = strtonum(argv[i], 0, (long long)(uid_t)-2, &errstr);
        if (errstr || !argv[i][0] || strspn(argv[i], "0123456789") != strlen(argv[i])) {
                fprintf(stderr, "%s: '%s' is not a uid\n", PROG, argv[i]);
                return 3;
        }

        _cleanup_policy_ struct sbx_policy *p = NULL;
        struct sbx_err err = {0};
        int r = sbx_policy_load(confdir, (uid_t)uid, &p, &err);
        if (r == -ESRCH) {
                fprintf(stderr, "%s: %s: no user manager\n", PROG, err.msg);
                return 3;
        }
        if (r < 0) {
                fprintf(stderr, "%s: the sandbox configuration in %s is invalid, so no user manager starts: %s\n", PROG,
                        confdir, err.msg);
                return 2;
        }
        if (p->sandbox) {
                fprintf(stderr,
                        "%s: user '%s' (uid %lld) is sandboxed: no systemd user manager runs for it outside "
                        "the sandbox\n",
                        PROG, p->user, uid);
                return 1;
        }
        return 0;
}
