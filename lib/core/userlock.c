/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "fault.h"
#include "safepath.h"
#include "userlock.h"

int sbx_user_lock(const char *user, int *ret_fd, struct sbx_err *err)
{
        if (!sbx_cgroup_valid_user(user))
                return sbx_err_setx(err, EINVAL, "user name '%s' is not usable for a lock file", user);
        if (mkdir(SBX_RUNDIR, 0711) < 0 && errno != EEXIST)
                return sbx_err_set(err, errno, "create '%s'", SBX_RUNDIR);
        _cleanup_close_ int dir = open(SBX_RUNDIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (dir < 0 || fstat(dir, &st) < 0)
                return sbx_err_set(err, errno, "open '%s'", SBX_RUNDIR);
        /* Invariant: nobody but root can take, break or fake the lock. */
        int r = sbx_safepath_check_component(&st, SBX_RUNDIR, err);
        if (r < 0)
                return r;
        char name[64];
        (void)snprintf(name, sizeof(name), "user-%s.lock", user);
        _cleanup_close_ int fd = -1;
        SBX_STEP(err, fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600), "open the lock '%s/%s'",
                 SBX_RUNDIR, name);
        int k;
        while ((k = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
                ;
        if (sbx_fault("lock '%s/%s'", SBX_RUNDIR, name) < 0 || k < 0)
                return sbx_err_set(err, errno, "lock '%s/%s'", SBX_RUNDIR, name);
        *ret_fd = TAKE_FD(fd);
        return 0;
}
