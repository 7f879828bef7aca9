/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup.h"
#include "fault.h"
#include "keywords.h"
#include "procfs.h"
#include "registry.h"
#include "safepath.h"
#include "userlock.h"

/* mkdir of a directory only root can change (or use it when it is one already); *ret_fd: O_PATH of it. */
static int root_dir(int parent, const char *name, mode_t mode, const char *path, int *ret_fd, struct sbx_err *err)
{
        if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
                return sbx_err_set(err, errno, "create '%s'", path);
        int fd = openat(parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;
                if (fd >= 0)
                        (void)close(fd);
                return sbx_err_set(err, e, "open '%s'", path);
        }
        int r = sbx_safepath_check_component(&st, path, err);
        if (r < 0) {
                (void)close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/* SBX_RUNDIR/<sub>, made at need, root's alone. */
static int run_subdir(const char *sub, mode_t mode, int *ret_fd, struct sbx_err *err)
{
        char path[256];
        (void)snprintf(path, sizeof(path), "%s/%s", SBX_RUNDIR, sub);
        if (mkdir(SBX_RUNDIR, 0711) < 0 && errno != EEXIST)
                return sbx_err_set(err, errno, "create '%s'", SBX_RUNDIR);
        _cleanup_close_ int run = -1;
        int r = root_dir(AT_FDCWD, SBX_RUNDIR, 0711, SBX_RUNDIR, &run, err);
        if (r < 0)
                return r;
        /* Users reach their end socket through it (0711: nothing in it can be listed); a directory made 0700 by
         * an older version is opened up to that. Its own files are root's, 0600. */
        if (chmod(SBX_RUNDIR, 0711) < 0)
                return sbx_err_set(err, errno, "chmod '%s'", SBX_RUNDIR);
        return root_dir(run, sub, mode, path, ret_fd, err);
}

static bool entry_alive(const char *name)
{
        int pid;
        unsigned long long start, now;
        char tail;
        if (sscanf(name, "%d-%llu%c", &pid, &start, &tail) != 2 || pid <= 0)
                return false;
        return sbx_proc_starttime(pid, &now) == 0 && now == start;
}

/* Counts the live entries of the user's directory; removes the others (and their end sockets). */
static unsigned count_live(int dir, int end_dir, const char *user)
{
        int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        DIR *d = fdopendir(fd);
        if (!d) {
                (void)close(fd);
                return 0;
        }
        unsigned n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (entry_alive(de->d_name)) {
                        n++;
                        continue;
                }
                (void)unlinkat(dirfd(d), de->d_name, 0);
                char sock[sizeof(de->d_name) + 64];
                if (end_dir >= 0 && (size_t)snprintf(sock, sizeof(sock), "%s-%s", user, de->d_name) < sizeof(sock))
                        (void)unlinkat(end_dir, sock, 0);
        }
        (void)closedir(d);
        return n;
}

/* The end socket: bound by root, then given to the user, so that only the user (and root) can send to it. */
static int make_end_socket(int end_dir, struct sbx_registry_entry *e, uid_t uid, struct sbx_err *err)
{
        char name[160];
        (void)snprintf(name, sizeof(name), "%s-%s", e->user, e->id);
        if ((size_t)snprintf(e->end_path, sizeof(e->end_path), "%s/end/%s", SBX_RUNDIR, name) >= sizeof(e->end_path))
                return sbx_err_setx(err, ENAMETOOLONG, "end socket for '%s' too long", e->user);
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        (void)strlcpy(a.sun_path, e->end_path, sizeof(a.sun_path));
        (void)unlinkat(end_dir, name, 0);
        _cleanup_close_ int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (sbx_fault("create the end socket in '%s/end'", SBX_RUNDIR) < 0 || s < 0 ||
            bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || fchownat(end_dir, name, uid, 0, AT_SYMLINK_NOFOLLOW) < 0 ||
            fchmodat(end_dir, name, 0600, 0) < 0) {
                int e2 = errno;
                (void)unlinkat(end_dir, name, 0);
                return sbx_err_set(err, e2, "create the end socket in '%s/end'", SBX_RUNDIR);
        }
        e->end_fd = TAKE_FD(s);
        return 0;
}

int sbx_registry_enter(const char *user, uid_t uid, pid_t pid, uint64_t max, unsigned *ret_open,
                       struct sbx_registry_entry *ret, struct sbx_err *err)
{
        struct sbx_registry_entry e = {.end_fd = -1};
        unsigned long long start;
        *ret_open = 0;
        if (!sbx_cgroup_valid_user(user))
                return sbx_err_setx(err, EINVAL, "user name '%s' is not usable for the session registry", user);
        int r = sbx_proc_starttime(pid, &start);
        if (r < 0)
                return sbx_err_set(err, -r, "read /proc/%d/stat", (int)pid);
        (void)strlcpy(e.user, user, sizeof(e.user));
        (void)snprintf(e.id, sizeof(e.id), "%d-%llu", (int)pid, start);

        /* Counted and recorded under the user's lock: 20 logins at once against MaxSessions 5 give 5 sessions. */
        _cleanup_close_ int lock = -1, sessions = -1, dir = -1, end_dir = -1;
        if ((r = sbx_user_lock(user, &lock, err)) < 0 || (r = run_subdir("sessions", 0700, &sessions, err)) < 0 ||
            (r = run_subdir("end", 0711, &end_dir, err)) < 0)
                return r;
        char path[256];
        (void)snprintf(path, sizeof(path), "%s/sessions/%s", SBX_RUNDIR, user);
        if ((r = root_dir(sessions, user, 0700, path, &dir, err)) < 0)
                return r;
        unsigned open = count_live(dir, end_dir, user);
        *ret_open = open;
        if (max != SBX_LIMIT_UNSET && max != SBX_LIMIT_INFINITY && open >= max)
                return sbx_err_setx(err, EUSERS, "'%s' has %u session%s open, as many as MaxSessions allows (%llu)",
                                    user, open, open == 1 ? "" : "s", (unsigned long long)max);
        int fd;
        SBX_STEP(err, fd = openat(dir, e.id, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600),
                 "record the session in '%s'", path);
        (void)close(fd);
        r = make_end_socket(end_dir, &e, uid, err);
        if (r < 0) {
                (void)unlinkat(dir, e.id, 0);
                return r;
        }
        *ret = e;
        return 0;
}

unsigned sbx_registry_count(const char *user)
{
        if (!sbx_cgroup_valid_user(user))
                return 0;
        _cleanup_close_ int lock = -1, sessions = -1, dir = -1, end_dir = -1;
        struct sbx_err ignored = {0};
        if (sbx_user_lock(user, &lock, &ignored) < 0 || run_subdir("sessions", 0700, &sessions, &ignored) < 0 ||
            run_subdir("end", 0711, &end_dir, &ignored) < 0)
                return 0;
        dir = openat(sessions, user, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return dir < 0 ? 0 : count_live(dir, end_dir, user);
}

bool sbx_registry_alive(const char *user, const char *id)
{
        char path[256];
        if (!sbx_cgroup_valid_user(user) || strchr(id, '/') || id[0] == '.' ||
            (size_t)snprintf(path, sizeof(path), "%s/sessions/%s/%s", SBX_RUNDIR, user, id) >= sizeof(path))
                return false;
        return access(path, F_OK) == 0 && entry_alive(id);
}

void sbx_registry_end_reason(struct sbx_registry_entry *e, char *buf, size_t size)
{
        buf[0] = '\0';
        if (e->end_fd < 0)
                return;
        /* The last word counts: the helper says it once, at the end. */
        char msg[32];
        ssize_t n;
        while ((n = recv(e->end_fd, msg, sizeof(msg) - 1, MSG_DONTWAIT)) > 0) {
                msg[n] = '\0';
                if (streq(msg, "runtime-max") || streq(msg, "idle"))
                        (void)strlcpy(buf, msg, size);
        }
}

void sbx_registry_leave(struct sbx_registry_entry *e)
{
        if (!e->id[0])
                return;
        _cleanup_close_ int lock = -1;
        (void)sbx_user_lock(e->user, &lock, NULL);
        char path[256];
        (void)snprintf(path, sizeof(path), "%s/sessions/%s/%s", SBX_RUNDIR, e->user, e->id);
        (void)unlink(path);
        if (e->end_path[0])
                (void)unlink(e->end_path);
        closep(&e->end_fd);
        e->end_fd = -1;
        e->id[0] = '\0';
}

void sbx_registry_report_end(const char *session, const char *reason)
{
        /* The value comes from the login's environment: only a name of the expected shape is used. */
        if (!session || !*session || strlen(session) > 100 ||
            strspn(session, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(session) ||
            session[0] == '.' || session[0] == '-')
                return;
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/end/%s", SBX_RUNDIR, session) >= sizeof(a.sun_path))
                return;
        _cleanup_close_ int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s >= 0)
                (void)sendto(s, reason, strlen(reason), MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&a, sizeof(a));
}
