/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* placeholder until the pam_sandbox issue lands: refuses every session, so nothing is ever left unsandboxed. */
#define PAM_SM_SESSION
#include <security/pam_modules.h>

int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return PAM_SESSION_ERR;
}

int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return PAM_SESSION_ERR;
}
