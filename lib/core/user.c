/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The user as NSS knows it (user.h): passwd entry, primary group, supplementary groups. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "user.h"

void sbx_user_free(struct sbx_user *u)
{
        if (!u)
                return;
        free(u->name);
        free(u->group);
        free(u->home);
        free(u->shell);
        strv_free(u->groups);
        free(u);
}

static size_t nss_bufsize(int name)
{
        long n = sysconf(name);
        return n > 0 ? (size_t)n : 16384;
}

/* getgrgid_r with a growing buffer; *ret NULL when the group has no entry. */
static int group_name(gid_t gid, char **ret)
{
        size_t size = nss_bufsize(_SC_GETGR_R_SIZE_MAX);
        for (;;) {
                _cleanup_free_ char *buf = malloc(size);
                struct group gr, *res = NULL;
                if (!buf)
                        return -ENOMEM;
                int r = getgrgid_r(gid, &gr, buf, size, &res);
                if (r == ERANGE && size < 1024 * 1024) {
                        size *= 2;
                        continue;
                }
                if (r != 0)
                        return -r;
                *ret = NULL;
                if (res && !(*ret = strdup(gr.gr_name)))
                        return -ENOMEM;
                return 0;
        }
}

/* `groups`: also resolve the supplementary groups (getgrouplist and a name for each gid, the costliest NSS work of
 * a login); only a Match Group criterion reads them. */
static int user_from_passwd(const struct passwd *pw, bool groups, struct sbx_user **ret, struct sbx_err *err)
{
        _cleanup_user_ struct sbx_user *u = calloc(1, sizeof(*u));
        if (!u || !(u->name = strdup(pw->pw_name)) || !(u->home = strdup(pw->pw_dir)) ||
            !(u->shell = strdup(pw->pw_shell ? pw->pw_shell : "")))
                return sbx_err_set(err, ENOMEM, "looking up user");
        u->uid = pw->pw_uid;
        u->gid = pw->pw_gid;
        int r = group_name(u->gid, &u->group);
        if (r < 0)
                return sbx_err_set(err, r, "looking up group %lu of user '%s'", (unsigned long)u->gid, u->name);
        if (!u->group && asprintf(&u->group, "%lu", (unsigned long)u->gid) < 0)
                return sbx_err_set(err, ENOMEM, "looking up user");

        if (!groups) {
                *ret = TAKE_PTR(u);
                return 0;
        }
        /* Supplementary groups as NSS knows them (files, LDAP, SSSD): getgrouplist, growing the list as told. */
        int ng = 64;
        _cleanup_free_ gid_t *gids = NULL;
        for (;;) {
                gid_t *n = reallocarray(gids, (size_t)ng, sizeof(gid_t));
                if (!n)
                        return sbx_err_set(err, ENOMEM, "looking up groups");
                gids = n;
                int want = ng;
                if (getgrouplist(u->name, u->gid, gids, &want) >= 0) {
                        ng = want;
                        break;
                }
                if (want <= ng || want > 65536 * 16)
                        return sbx_err_setx(err, EIO, "looking up the groups of user '%s' failed", u->name);
                ng = want;
        }
        if (!(u->groups = calloc((size_t)ng + 1, sizeof(char *))))
                return sbx_err_set(err, ENOMEM, "looking up groups");
        size_t k = 0;
        for (int i = 0; i < ng; i++) {
                char *name = NULL;
                if ((r = group_name(gids[i], &name)) < 0)
                        return sbx_err_set(err, r, "looking up group %lu", (unsigned long)gids[i]);
                if (name) /* a gid without a name cannot match a Group pattern */
                        u->groups[k++] = name;
        }
        *ret = TAKE_PTR(u);
        return 0;
}

static int user_lookup(const char *name, uid_t uid, bool groups, struct sbx_user **ret, struct sbx_err *err)
{
        size_t size = nss_bufsize(_SC_GETPW_R_SIZE_MAX);
        for (;;) {
                _cleanup_free_ char *buf = malloc(size);
                struct passwd pw, *res = NULL;
                if (!buf)
                        return sbx_err_set(err, ENOMEM, "looking up user");
                int r = name ? getpwnam_r(name, &pw, buf, size, &res) : getpwuid_r(uid, &pw, buf, size, &res);
                if (r == ERANGE && size < 1024 * 1024) {
                        size *= 2;
                        continue;
                }
                /* "not found" is reported as 0 with no result, or as one of these by some NSS modules. */
                if (r == 0 && !res)
                        r = ESRCH;
                if (r == ENOENT || r == ESRCH || r == EBADF || r == EPERM)
                        return name ? sbx_err_setx(err, ESRCH, "unknown user '%s'", name)
                                    : sbx_err_setx(err, ESRCH, "unknown uid %lu", (unsigned long)uid);
                if (r != 0)
                        return name ? sbx_err_set(err, r, "looking up user '%s'", name)
                                    : sbx_err_set(err, r, "looking up uid %lu", (unsigned long)uid);
                return user_from_passwd(&pw, groups, ret, err);
        }
}

int sbx_user_lookup_name(const char *name, bool groups, struct sbx_user **ret, struct sbx_err *err)
{
        return user_lookup(name, 0, groups, ret, err);
}

int sbx_user_lookup_uid(uid_t uid, bool groups, struct sbx_user **ret, struct sbx_err *err)
{
        return user_lookup(NULL, uid, groups, ret, err);
}
