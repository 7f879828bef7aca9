/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boundary.h"
#include "cgroup-systemd.h"
#include "safepath.h"

int sbx_boundary_login_shell(const struct sbx_policy *p, const char *helper, struct sbx_err *err)
{
        struct sbx_err why = {0};
        struct stat h, s;
        if (stat(helper, &h) < 0)
                (void)sbx_err_set(&why, errno, "the helper '%s'", helper);
        else if (sbx_safepath_resolve_trusted(p->login_shell, &s, &why) == 0 &&
                 (s.st_dev != h.st_dev || s.st_ino != h.st_ino))
                (void)sbx_err_setx(&why, EPERM, "it is another file");
        if (!why.code)
                return 0;
        return sbx_err_setx(err, EPERM,
                            "the login shell of '%s' is '%s', not the sandbox helper '%s' (%s; the "
                            "administrator must run: usermod -s %s %s)",
                            p->user, p->login_shell, helper, why.msg, helper, p->user);
}

int sbx_boundary_user_manager(const struct sbx_policy *p, struct sbx_err *err)
{
        if (!sbx_sd_booted())
                return 0;
        char path[512];
        struct stat st;
        (void)snprintf(path, sizeof(path), "%s/%s", SBX_LINGER_DIR, p->user);
        if (lstat(path, &st) == 0)
                return sbx_err_setx(err, EPERM,
                                    "'%s' lingers (%s exists): its systemd user manager runs outside the "
                                    "sandbox between logins (the administrator must run: loginctl disable-linger %s)",
                                    p->user, path, p->user);
        char unit[64], state[64];
        (void)snprintf(unit, sizeof(unit), "user@%u.service", (unsigned)p->uid);
        int r = sbx_sd_unit_active_state(unit, state, sizeof(state), err);
        if (r < 0)
                return sbx_err_prefix(err, "check the systemd user manager of '%s'", p->user);
        if (streq(state, "inactive") || streq(state, "failed"))
                return 0;
        return sbx_err_setx(err, EPERM,
                            "the systemd user manager of '%s' (%s) is %s outside the sandbox: it would run "
                            "units from the home on the host (the administrator must install the drop-in "
                            "%s/user@.service.d/sandbox-shell.conf, run systemctl daemon-reload and systemctl stop "
                            "%s; see pam_sandbox(8))",
                            p->user, unit, state, SBX_SYSTEMD_UNIT_DIR, unit);
}
