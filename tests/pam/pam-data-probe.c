/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A PAM module for the pam suite only: its account hook writes the PAM data named by name=KEY (a string another
 * module of the stack left, as pam_systemd would read it) to the file out=PATH, or "(none)" when there is none. Only a
 * module can read PAM data (libpam refuses the application), hence a module. */
#include <stdio.h>
#include <string.h>

#define PAM_SM_ACCOUNT
#include <security/pam_modules.h>

int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        const char *name = NULL, *out = NULL;
        for (int i = 0; i < argc; i++) {
                if (strncmp(argv[i], "name=", 5) == 0)
                        name = argv[i] + 5;
                else if (strncmp(argv[i], "out=", 4) == 0)
                        out = argv[i] + 4;
        }
        if (!name || !out)
                return PAM_SERVICE_ERR;
        const void *v = NULL;
        int r = pam_get_data(pamh, name, &v);
        FILE *f = fopen(out, "we");
        if (!f)
                return PAM_SYSTEM_ERR;
        (void)fputs(r == PAM_SUCCESS && v ? (const char *)v : "(none)", f);
        return fclose(f) == 0 ? PAM_SUCCESS : PAM_SYSTEM_ERR;
}
