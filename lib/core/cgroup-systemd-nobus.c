/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The D-Bus half of the systemd backend (cgroup-systemd-bus.c) where it is not linked: a build without libsystemd,
 * where a systemd host refuses the login rather than get cgroups systemd would fight over; and the helper, which
 * never talks to systemd (every D-Bus call is a step of pam_sandbox or of sandbox-shellctl), so that a login's
 * start maps no libsystemd and none of the five libraries it brings. A call that reaches one of these in the
 * helper is refused with its reason, never done another way. */
#include <errno.h>

#include "cgroup-systemd.h"
#include "error.h"

#if SBX_SD_NOBUS_HELPER
#define WHY "the login shell does not talk to systemd (a step of pam_sandbox)"
#else
#define WHY "this host runs systemd, but sandbox-shell was built without systemd support"
#endif

int sbx_sd_session_open(const struct sbx_cgroup_params *p, struct sbx_sd_session **ret, struct sbx_err *err)
{
        (void)p;
        (void)ret;
        return sbx_err_setx(err, EOPNOTSUPP, "%s", WHY);
}

int sbx_sd_unit_active_state(const char *unit, char *buf, size_t size, struct sbx_err *err)
{
        (void)buf;
        (void)size;
        return sbx_err_setx(err, EOPNOTSUPP, "cannot ask systemd about '%s': %s", unit, WHY);
}

int sbx_sd_instance_place(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err)
{
        (void)p;
        (void)pid;
        return sbx_err_setx(err, EOPNOTSUPP, "%s", WHY);
}

int sbx_sd_instance_attach(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err)
{
        return sbx_sd_instance_place(p, pid, err);
}
