/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "fault.h"
#include "safepath.h"
#include "userlock.h"

/* The lock this process holds across several steps (sbx_user_lock_hold), for that user only. */
static struct {
        char user[40];
        int fd;
        pid_t pid;
} held = {.fd = -1};

/* sbx_user_lock, or with `wait` false sbx_user_trylock: -EWOULDBLOCK when another open file holds the lock. Only
 * the lock that waits is a setup step of a login (a fault point): the try is the sweep's, which gives up either way. */
static int lock_user(const char *user, bool wait, int *ret_fd, struct sbx_err *err)
{
        if (!sbx_cgroup_valid_user(user))
                return sbx_err_setx(err, EINVAL, "user name '%s' is not usable for a lock file", user);
        /* Held already: a second open file would wait on the first for ever (flock is per open file). A
         * duplicate shares the lock, and closing it leaves the lock held. */
        if (held.fd >= 0 && held.pid == getpid() && streq(held.user, user)) {
                SBX_STEP(err, *ret_fd = fcntl(held.fd, F_DUPFD_CLOEXEC, 3), "lock '%s': duplicate", user);
                return 0;
        }
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
        while ((k = flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
                ;
        if ((wait && sbx_fault("lock '%s/%s'", SBX_RUNDIR, name) < 0) || k < 0)
                return sbx_err_set(err, errno, "lock '%s/%s'", SBX_RUNDIR, name);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int sbx_user_lock(const char *user, int *ret_fd, struct sbx_err *err)
{
        return lock_user(user, true, ret_fd, err);
}

int sbx_user_trylock(const char *user, int *ret_fd, struct sbx_err *err)
{
        return lock_user(user, false, ret_fd, err);
}

int sbx_user_lock_hold(const char *user, struct sbx_err *err)
{
        if (held.fd >= 0 && held.pid == getpid())
                return sbx_err_setx(err, EBUSY, "the lock of '%s' is held already", held.user);
        int fd = -1;
        int r = sbx_user_lock(user, &fd, err);
        if (r < 0)
                return r;
        (void)strlcpy(held.user, user, sizeof(held.user));
        held.fd = fd;
        held.pid = getpid();
        return 0;
}

void sbx_user_lock_release(void)
{
        if (held.pid == getpid())
                closep(&held.fd);
        held.fd = -1;
        held.user[0] = '\0';
}
