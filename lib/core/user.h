/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* NSS lookups of the user a login is for. */

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* The user as policy resolution sees it. sbx_policy_resolve takes this explicit description, so it is unit-testable;
 * sbx_user_lookup_* fill it from NSS (getpwnam_r/getpwuid_r, getgrouplist + getgrgid_r, so LDAP/SSSD groups count). */
struct sbx_user {
        char *name;
        uid_t uid;
        gid_t gid;
        char *group; /* primary group name (the number when the group has no name) */
        char *home;
        char *shell;   /* the passwd login shell ("" when the entry has none) */
        char **groups; /* NULL-terminated names of every group the user is in, the primary one included; NULL when
                        * not looked up (sbx_policy_load* does so only for a config with a Match Group) */
};

/* Looks the user up by name or uid. `groups`: also the supplementary groups (getgrouplist and a name for each, the
 * costliest NSS work of a login; only a Match Group reads them). -ESRCH when there is no such user, other -errno
 * from NSS. *ret: free with sbx_user_free. */
int sbx_user_lookup_name(const char *name, bool groups, struct sbx_user **ret, struct sbx_err *err);
int sbx_user_lookup_uid(uid_t uid, bool groups, struct sbx_user **ret, struct sbx_err *err);
void sbx_user_free(struct sbx_user *u);

static inline void sbx_user_freep(struct sbx_user **u)
{
        sbx_user_free(*u);
}
#define _cleanup_user_ _cleanup_(sbx_user_freep)
