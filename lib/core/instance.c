/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Instance user: the record of an instance and the decisions made from it (instance.h). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup-internal.h"
#include "fault.h"
#include "instance.h"
#include "procfs.h"
#include "registry.h"
#include "safepath.h"
#include "userlock.h"

/* How long a login waits for the init that the first login's helper is making. */
#define CREATE_WAIT_USEC (10 * 1000000ULL)

static const char *const ns_names[_SBX_NS_MAX] = {
        [SBX_NS_MNT] = "mnt", [SBX_NS_PID] = "pid", [SBX_NS_NET] = "net",
        [SBX_NS_IPC] = "ipc", [SBX_NS_UTS] = "uts", [SBX_NS_CGROUP] = "cgroup",
};

const char *sbx_ns_name(int i)
{
        return i >= 0 && i < _SBX_NS_MAX ? ns_names[i] : NULL;
}

/* ---- the record ---- */

static int record_path(const char *user, char *buf, size_t size)
{
        if (!sbx_cgroup_valid_user(user) || (size_t)snprintf(buf, size, "%s/instances/%s", SBX_RUNDIR, user) >= size)
                return -EINVAL;
        return 0;
}

int sbx_instance_parse(const char *text, struct sbx_instance_record *ret)
{
        struct sbx_instance_record r = {.state = SBX_INSTANCE_NONE};
        char state[16] = "";
        int have = 0;
        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                char key[32];
                int n = 0;
                if (sscanf(l, "%31[a-z_]=%n", key, &n) != 1 || n == 0)
                        return -EINVAL;
                const char *v = l + n;
                unsigned long long a, b, c;
                int i = -1;
                for (int k = 0; k < _SBX_NS_MAX; k++)
                        if (strncmp(key, "ns_", 3) == 0 && streq(key + 3, ns_names[k]))
                                i = k;
                if (streq(key, "state") && sscanf(v, "%15[a-z]", state) == 1)
                        have |= 1;
                else if (streq(key, "creator") && sscanf(v, "%63[0-9-]", r.creator) == 1)
                        ;
                else if (streq(key, "since") && sscanf(v, "%llu", &a) == 1)
                        r.since = a;
                else if (streq(key, "pid") && sscanf(v, "%llu %llu", &a, &b) == 2 && a > 0 && a < INT32_MAX)
                        r.pid = (pid_t)a, r.starttime = b, have |= 2;
                else if (i >= 0 && sscanf(v, "%llu %llu", &b, &c) == 2)
                        r.ns[i] = (struct sbx_ns_id){b, c}, have |= 4 << i;
                else if (streq(key, "deadline") && sscanf(v, "%llu", &a) == 1)
                        r.deadline = a;
                else if (streq(key, "watcher") && sscanf(v, "%llu %llu", &a, &b) == 2 && a > 0 && a < INT32_MAX)
                        r.watcher = (pid_t)a, r.watcher_start = b;
                else if (streq(key, "born") && sscanf(v, "%llu", &a) == 1)
                        r.born = a;
                else if (streq(key, "leaf") && v[0] == '/' && strcspn(v, "\n") < sizeof(r.leaf))
                        (void)snprintf(r.leaf, sizeof(r.leaf), "%.*s", (int)strcspn(v, "\n"), v);
                else
                        return -EINVAL;
        }
        if (!(have & 1))
                return -EINVAL;
        if (streq(state, "creating") && r.creator[0])
                r.state = SBX_INSTANCE_CREATING;
        else if (streq(state, "running") && have == (1 | 2 | (((1 << _SBX_NS_MAX) - 1) << 2)))
                r.state = SBX_INSTANCE_RUNNING;
        else
                return -EINVAL;
        *ret = r;
        return 0;
}

int sbx_instance_read(const char *user, struct sbx_instance_record *ret, struct sbx_err *err)
{
        char path[256];
        *ret = (struct sbx_instance_record){.state = SBX_INSTANCE_NONE};
        if (record_path(user, path, sizeof(path)) < 0)
                return sbx_err_setx(err, EINVAL, "user name '%s' is not usable for an instance", user);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ENOENT : sbx_err_set(err, errno, "open '%s'", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return sbx_err_set(err, errno, "stat '%s'", path);
        /* Invariant: only root's word finds an instance. */
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022))
                return sbx_err_setx(err, EPERM, "'%s' is not root's alone: not believed", path);
        char buf[2048];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf) - 1)) < 0 && errno == EINTR)
                ;
        if (n < 0)
                return sbx_err_set(err, errno, "read '%s'", path);
        buf[n] = '\0';
        if (sbx_instance_parse(buf, ret) < 0)
                return sbx_err_setx(err, EINVAL, "'%s' is not an instance record", path);
        return 0;
}

int sbx_instance_write(const char *user, gid_t gid, const struct sbx_instance_record *r, struct sbx_err *err)
{
        char path[256], tmp[300];
        if (record_path(user, path, sizeof(path)) < 0)
                return sbx_err_setx(err, EINVAL, "user name '%s' is not usable for an instance", user);
        char dir[128];
        (void)snprintf(dir, sizeof(dir), "%s/instances", SBX_RUNDIR);
        if (mkdir(SBX_RUNDIR, 0711) < 0 && errno != EEXIST)
                return sbx_err_set(err, errno, "create '%s'", SBX_RUNDIR);
        if (mkdir(dir, 0711) < 0 && errno != EEXIST)
                return sbx_err_set(err, errno, "create '%s'", dir);
        struct stat st;
        if (lstat(dir, &st) < 0)
                return sbx_err_set(err, errno, "stat '%s'", dir);
        int k = sbx_safepath_check_component(&st, dir, err);
        if (k < 0)
                return k;

        char text[1024];
        size_t len = 0;
#define PUT(...) len += (size_t)snprintf(text + len, len < sizeof(text) ? sizeof(text) - len : 0, __VA_ARGS__)
        if (r->state == SBX_INSTANCE_CREATING) {
                PUT("state=creating\ncreator=%s\nsince=%" PRIu64 "\n", r->creator, r->since);
        } else {
                PUT("state=running\npid=%d %llu\n", (int)r->pid, r->starttime);
                for (int i = 0; i < _SBX_NS_MAX; i++)
                        PUT("ns_%s=%" PRIu64 " %" PRIu64 "\n", ns_names[i], r->ns[i].dev, r->ns[i].ino);
                PUT("deadline=%" PRIu64 "\n", r->deadline);
                if (r->watcher > 0)
                        PUT("watcher=%d %llu\n", (int)r->watcher, r->watcher_start);
        }
        PUT("born=%" PRIu64 "\n", r->born);
        if (r->leaf[0])
                PUT("leaf=%s\n", r->leaf);
#undef PUT
        if (len >= sizeof(text))
                return sbx_err_setx(err, EOVERFLOW, "instance record of '%s' too long", user);
        (void)snprintf(tmp, sizeof(tmp), "%s.new", path);
        (void)unlink(tmp);
        _cleanup_close_ int fd = -1;
        SBX_STEP(err, fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600),
                 "record the instance in '%s'", path);
        if (sbx_fault("record the instance in '%s'", path) < 0 || write(fd, text, len) != (ssize_t)len ||
            fchown(fd, 0, gid) < 0 || fchmod(fd, 0640) < 0 || rename(tmp, path) < 0) {
                int e = errno;
                (void)unlink(tmp);
                return sbx_err_set(err, e, "record the instance in '%s'", path);
        }
        return 0;
}

void sbx_instance_remove(const char *user)
{
        char path[256];
        if (record_path(user, path, sizeof(path)) == 0)
                (void)unlink(path);
}

int sbx_instance_ns_of(pid_t pid, struct sbx_ns_id ret[_SBX_NS_MAX])
{
        for (int i = 0; i < _SBX_NS_MAX; i++) {
                char path[64];
                struct stat st;
                (void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_names[i]);
                if (stat(path, &st) < 0)
                        return -errno;
                ret[i] = (struct sbx_ns_id){st.st_dev, st.st_ino};
        }
        return 0;
}

bool sbx_instance_alive(const struct sbx_instance_record *r)
{
        unsigned long long start;
        struct sbx_ns_id ns[_SBX_NS_MAX];
        if (r->state != SBX_INSTANCE_RUNNING || sbx_proc_starttime(r->pid, &start) < 0 || start != r->starttime ||
            sbx_instance_ns_of(r->pid, ns) < 0)
                return false;
        /* The start time again: the namespaces read were the recorded process's, not a successor's. */
        unsigned long long again;
        if (sbx_proc_starttime(r->pid, &again) < 0 || again != r->starttime)
                return false;
        return memcmp(ns, r->ns, sizeof(ns)) == 0;
}

/* ---- the PAM module's side ---- */

/* Whether `pid` of the instance's cgroup is an init a helper of ours made and that is ready: PID 1 of a PID namespace
 * whose parent is this one (NSpid has two entries, the last 1), in this user namespace, with no capability and the
 * syscall filter loaded (it drops them only once its sandbox is complete). Only a helper holding CAP_SYS_ADMIN can
 * make such a process in the cgroup: nothing in a sandbox can. */
static bool is_ready_init(pid_t pid)
{
        char path[64];
        _cleanup_free_ char *text = NULL;
        (void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        if (sbx_cg_read_all(AT_FDCWD, path, &text) < 0)
                return false;
        const char *ns = strstr(text, "\nNSpid:");
        unsigned long long a, b, c;
        int n = ns ? sscanf(ns + 7, "%llu %llu %llu", &a, &b, &c) : 0;
        if (n != 2 || b != 1 || a != (unsigned long long)pid)
                return false;
        static const char *const fields[] = {"CapEff", "CapPrm", "Seccomp", "NoNewPrivs"};
        uint64_t v[4];
        if (sbx_proc_parse_status(text, fields, v, 4) < 0 || v[0] != 0 || v[1] != 0 || v[2] != 2 || v[3] != 1)
                return false;
        struct stat mine, its;
        (void)snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
        return stat("/proc/self/ns/user", &mine) == 0 && stat(path, &its) == 0 && mine.st_ino == its.st_ino &&
               mine.st_dev == its.st_dev;
}

/* The processes of the instance's cgroup: whether `pid` is one, and the one ready init among them (0: none, -1:
 * more than one). */
static int scan_cgroup(const struct sbx_cgroup_params *cg, pid_t pid, bool *ret_member, pid_t *ret_init,
                       struct sbx_err *err)
{
        _cleanup_free_ char *procs = NULL;
        int r = sbx_cgroup_instance_procs(cg, &procs, NULL, err);
        if (r < 0)
                return r;
        *ret_member = false;
        *ret_init = 0;
        for (char *p = procs; *p;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                p = end + strspn(end, "\n");
                if (v > 0 && v == pid)
                        *ret_member = true;
                if (ret_init && v > 0 && is_ready_init((pid_t)v))
                        *ret_init = *ret_init ? -1 : (pid_t)v;
        }
        return 0;
}

pid_t sbx_instance_find_init(const char *procs)
{
        pid_t init = 0;
        for (const char *p = procs; p && *p;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                p = end + strspn(end, "\n");
                if (v > 0 && is_ready_init((pid_t)v))
                        init = init ? -1 : (pid_t)v;
        }
        return init;
}

int sbx_instance_lock_record(const char *user, struct sbx_err *err)
{
        char path[256];
        if (record_path(user, path, sizeof(path)) < 0)
                return sbx_err_setx(err, EINVAL, "user name '%s' is not usable for an instance", user);
        _cleanup_close_ int fd = -1;
        SBX_STEP(err, fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), "instance: open '%s'", path);
        int k;
        while ((k = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
                ;
        SBX_STEP(err, k, "instance: lock '%s'", path);
        return TAKE_FD(fd);
}

/* The record of an init found in the cgroup. */
static int record_init(pid_t pid, struct sbx_instance_record *r)
{
        struct sbx_instance_record n = {.state = SBX_INSTANCE_RUNNING, .pid = pid, .born = r->born};
        memcpy(n.leaf, r->leaf, sizeof(n.leaf));
        if (sbx_proc_starttime(pid, &n.starttime) < 0 || sbx_instance_ns_of(pid, n.ns) < 0)
                return -ESRCH;
        *r = n;
        return sbx_instance_alive(r) ? 0 : -ESRCH;
}

/* SIGKILL to the recorded init, through a pidfd checked against its start time: its whole PID namespace ends, wherever
 * its cgroup is. */
static void kill_init(const struct sbx_instance_record *r)
{
        if (r->state != SBX_INSTANCE_RUNNING)
                return;
        _cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, r->pid, 0);
        if (fd >= 0 && sbx_instance_alive(r))
                (void)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
}

/* The Linger process of an earlier last close, no longer needed: a login is open again, or a new one takes over. */
static void end_watcher(struct sbx_instance_record *r)
{
        unsigned long long start;
        if (r->watcher > 0 && sbx_proc_starttime(r->watcher, &start) == 0 && start == r->watcher_start)
                (void)kill(r->watcher, SIGKILL);
        r->watcher = 0;
        r->watcher_start = 0;
}

int sbx_instance_set_watcher(const char *user, gid_t gid, pid_t pid, struct sbx_err *err)
{
        struct sbx_instance_record rec;
        struct sbx_err rerr = {0};
        if (sbx_instance_read(user, &rec, &rerr) < 0 || rec.state != SBX_INSTANCE_RUNNING)
                return 0;
        end_watcher(&rec);
        rec.watcher = pid;
        if (sbx_proc_starttime(pid, &rec.watcher_start) < 0)
                return 0;
        return sbx_instance_write(user, gid, &rec, err);
}

/* The processes of the instance's cgroup that are in a sandbox (a PID namespace below this one): not the session
 * processes of other logins (sshd's, su's) that are in it too, which end with their own logins. */
static void kill_sandboxed(const struct sbx_cgroup_params *cg)
{
        _cleanup_free_ char *procs = NULL;
        struct sbx_err ignored = {0};
        if (sbx_cgroup_instance_procs(cg, &procs, NULL, &ignored) < 0)
                return;
        for (char *p = procs; *p;) {
                char *end, path[64];
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                p = end + strspn(end, "\n");
                _cleanup_free_ char *status = NULL;
                (void)snprintf(path, sizeof(path), "/proc/%ld/status", v);
                const char *ns =
                        v > 0 && sbx_cg_read_all(AT_FDCWD, path, &status) == 0 ? strstr(status, "\nNSpid:") : NULL;
                unsigned long long a, b;
                if (ns && sscanf(ns + 7, "%llu %llu", &a, &b) == 2 && a == (unsigned long long)v)
                        (void)kill((pid_t)v, SIGKILL);
        }
}

void sbx_instance_forget(const char *user)
{
        struct sbx_instance_record rec;
        struct sbx_err rerr = {0};
        if (sbx_instance_read(user, &rec, &rerr) == 0) {
                kill_init(&rec);
                end_watcher(&rec);
        }
        sbx_instance_remove(user);
}

int sbx_instance_end(const struct sbx_cgroup_params *cg, struct sbx_cgroup_usage *ret_usage, struct sbx_err *err)
{
        struct sbx_instance_record rec;
        struct sbx_err rerr = {0};
        if (sbx_instance_read(cg->user, &rec, &rerr) == 0) {
                kill_init(&rec);
                if (rec.watcher != getpid())
                        end_watcher(&rec);
        }
        int r = sbx_cgroup_instance_end(cg, ret_usage, err);
        if (r == 0)
                sbx_instance_remove(cg->user);
        return r;
}

int sbx_instance_open(const struct sbx_cgroup_params *cg, gid_t gid, const char *session,
                      enum sbx_instance_role *ret_role, struct sbx_err *err)
{
        uint64_t started = sbx_now_usec(CLOCK_BOOTTIME);
        for (;;) {
                struct sbx_instance_record rec;
                struct sbx_err rerr = {0};
                int r = sbx_instance_read(cg->user, &rec, &rerr);
                if (r < 0 && r != -ENOENT && r != -EINVAL)
                        return sbx_err_setx(err, -r, "%s", rerr.msg);
                bool member = false;
                pid_t init = 0;
                _cleanup_free_ char *leaf = NULL, *procs = NULL;
                if ((r = sbx_cgroup_instance_procs(cg, &procs, &leaf, err)) < 0)
                        return r;
                if (rec.state != SBX_INSTANCE_NONE && rec.leaf[0] && (!leaf || !streq(leaf, rec.leaf)))
                        return sbx_err_setx(err, EXDEV,
                                            "the instance of '%s' lives in the cgroup '%s', this login's CgroupRoot "
                                            "gives '%s': with Instance user, CgroupRoot must be the same for every "
                                            "login of the user (a %%c that differs between them is not)",
                                            cg->user, rec.leaf, leaf ? leaf : "(none)");
                if (rec.state != SBX_INSTANCE_NONE && (r = scan_cgroup(cg, rec.pid, &member, &init, err)) < 0)
                        return r;
                uint64_t now = sbx_now_usec(CLOCK_BOOTTIME);
                if (rec.state == SBX_INSTANCE_RUNNING) {
                        bool expired = rec.deadline && rec.deadline != SBX_LIMIT_INFINITY && now >= rec.deadline;
                        if (member && !expired && sbx_instance_alive(&rec)) {
                                rec.deadline = 0;
                                end_watcher(&rec);
                                r = sbx_instance_write(cg->user, gid, &rec, err);
                                if (r < 0)
                                        return r;
                                *ret_role = SBX_INSTANCE_JOIN;
                                return 0;
                        }
                } else if (rec.state == SBX_INSTANCE_CREATING) {
                        if (init > 0 && record_init(init, &rec) == 0) {
                                r = sbx_instance_write(cg->user, gid, &rec, err);
                                if (r < 0)
                                        return r;
                                *ret_role = SBX_INSTANCE_JOIN;
                                return 0;
                        }
                        /* The first login's helper is making the init: wait for it, without the lock. */
                        /* Timed from the record: a creator that never makes one (a login that runs no shell) holds
                         * up the first login after it only, not every one. */
                        uint64_t since = rec.since && rec.since <= now ? rec.since : started;
                        if (init == 0 && sbx_registry_alive(cg->user, rec.creator) && now - since < CREATE_WAIT_USEC) {
                                sbx_user_lock_release();
                                sbx_cg_sleep_ms(50);
                                r = sbx_user_lock_hold(cg->user, err);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                }
                /* No instance, or one that is not what root recorded (an init that died or was replaced, two inits,
                 * a creator that gave up) or whose Linger ran out: whatever is left of it ends, and this login makes
                 * a fresh one. */
                if (rec.state != SBX_INSTANCE_NONE || r == -EINVAL) {
                        /* Only what runs in a sandbox ends: other logins' session processes (sshd's, root's su) are
                         * in the cgroup too, and end with their logins, whose shells are gone now. */
                        kill_init(&rec);
                        kill_sandboxed(cg);
                        end_watcher(&rec);
                        sbx_instance_remove(cg->user);
                }
                struct sbx_instance_record n = {
                        .state = SBX_INSTANCE_CREATING, .since = now, .born = (uint64_t)time(NULL)};
                if (leaf)
                        (void)snprintf(n.leaf, sizeof(n.leaf), "%s", leaf);
                (void)strlcpy(n.creator, session, sizeof(n.creator));
                r = sbx_instance_write(cg->user, gid, &n, err);
                if (r < 0)
                        return r;
                *ret_role = SBX_INSTANCE_CREATE;
                return 0;
        }
}

int sbx_instance_make(const struct sbx_cgroup_params *cg, gid_t gid, const char *helper, const char *session,
                      struct sbx_err *err)
{
        char env[sizeof(SBX_SESSION_ENV) + 256];
        if ((size_t)snprintf(env, sizeof(env), "%s=%s-%s", SBX_SESSION_ENV, cg->user, session) >= sizeof(env))
                return sbx_err_setx(err, ENAMETOOLONG, "instance: session name too long");
        int go[2], out[2];
        SBX_STEP(err, pipe2(go, O_CLOEXEC), "instance: create a pipe");
        if (pipe2(out, O_CLOEXEC) < 0) {
                (void)close(go[0]);
                (void)close(go[1]);
                return sbx_err_set(err, errno, "instance: create a pipe");
        }
        pid_t pid = fork();
        if (pid == 0) {
                /* Nothing runs before the scope holds this process: EOF instead of the word ends it. */
                char c;
                (void)close(go[1]);
                (void)close(out[0]);
                if (read(go[0], &c, 1) != 1)
                        _exit(1);
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                struct sbx_err e = {0};
                /* Nothing of the PAM caller's (sshd's sockets and pipes) reaches the user's process. */
                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(out[1], 2) < 0 ||
                    close_range(3, ~0U, 0) < 0)
                        _exit(1);
                /* The helper gets its capabilities as at a login: the inheritable grant and its file capabilities;
                 * the process is the user's, with the user's groups, before the exec. */
                if (sbx_caps_grant_inheritable(&e) < 0) {
                        dprintf(2, "%s\n", e.msg);
                        _exit(1);
                }
                if (initgroups(cg->user, gid) < 0 || setresgid(gid, gid, gid) < 0 ||
                    setresuid(cg->uid, cg->uid, cg->uid) < 0) {
                        dprintf(2, "become '%s': %s\n", cg->user, strerror(errno));
                        _exit(1);
                }
                char *const argv[] = {(char *)"sandbox-shell", (char *)SBX_MAKE_INSTANCE_ARG, NULL};
                char *const envp[] = {env, (char *)"PATH=/usr/bin:/bin", NULL};
                execve(helper, argv, envp);
                dprintf(2, "execute '%s': %s\n", helper, strerror(errno));
                _exit(127);
        }
        int saved = errno;
        (void)close(go[0]);
        (void)close(out[1]);
        _cleanup_close_ int go_w = go[1], out_r = out[0];
        if (pid < 0)
                return sbx_err_set(err, saved, "instance: start the helper that makes the init");
        int r = sbx_cgroup_instance_place(cg, pid, err);
        if (r == 0 && write(go_w, "g", 1) != 1)
                r = sbx_err_set(err, errno, "instance: start the helper that makes the init");
        closep(&go_w);
        /* Read to the end, the first line kept: the helper must never block on a full pipe. */
        char msg[200], buf[512];
        size_t len = 0;
        for (;;) {
                ssize_t k = read(out_r, buf, sizeof(buf));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                size_t room = sizeof(msg) - 1 - len, take = (size_t)k < room ? (size_t)k : room;
                memcpy(msg + len, buf, take);
                len += take;
        }
        msg[len] = '\0';
        msg[strcspn(msg, "\n")] = '\0';
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return r;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return sbx_err_setx(err, EIO, "the helper could not make the instance's init: %s",
                                    msg[0] ? msg : "it ended without a word");
        return 0;
}

int sbx_instance_last_close(const struct sbx_cgroup_params *cg, gid_t gid, uint64_t linger, bool *ret_ended,
                            struct sbx_cgroup_usage *ret_usage, uint64_t *ret_deadline, struct sbx_err *err)
{
        *ret_ended = false;
        *ret_deadline = 0;
        sbx_cgroup_usage_unknown(ret_usage);
        struct sbx_instance_record rec;
        struct sbx_err rerr = {0};
        int r = sbx_instance_read(cg->user, &rec, &rerr);
        bool member = false;
        pid_t init = 0;
        if (r == 0 && scan_cgroup(cg, rec.pid, &member, &init, &rerr) == 0 && rec.state == SBX_INSTANCE_CREATING &&
            init > 0)
                (void)record_init(init, &rec);
        bool alive = r == 0 && rec.state == SBX_INSTANCE_RUNNING && sbx_instance_alive(&rec);
        if (linger == 0 || !alive) {
                *ret_ended = true;
                return sbx_instance_end(cg, ret_usage, err);
        }
        end_watcher(&rec);
        rec.deadline = linger == SBX_LIMIT_INFINITY ? SBX_LIMIT_INFINITY : sbx_now_usec(CLOCK_BOOTTIME) + linger;
        *ret_deadline = rec.deadline;
        return sbx_instance_write(cg->user, gid, &rec, err);
}

int sbx_instance_expire(const struct sbx_cgroup_params *cg, uint64_t deadline, bool *ret_ended,
                        struct sbx_cgroup_usage *ret_usage, struct sbx_err *err)
{
        *ret_ended = false;
        sbx_cgroup_usage_unknown(ret_usage);
        struct sbx_instance_record rec;
        struct sbx_err rerr = {0};
        if (sbx_instance_read(cg->user, &rec, &rerr) < 0 || rec.state != SBX_INSTANCE_RUNNING ||
            rec.deadline != deadline || sbx_registry_count(cg->user) > 0)
                return 0; /* joined meanwhile, ended, or made anew: not this deadline's to end */
        *ret_ended = true;
        return sbx_instance_end(cg, ret_usage, err);
}

/* ---- the helper's side ---- */

int sbx_instance_role_of(const char *user, const char *session, enum sbx_instance_role *ret_role,
                         struct sbx_instance_record *ret, struct sbx_err *err)
{
        int r = sbx_instance_read(user, ret, err);
        if (r == -ENOENT)
                return sbx_err_setx(err, ENOENT,
                                    "no instance of '%s' is recorded for this login (is pam_sandbox in the "
                                    "service's session stack?)",
                                    user);
        if (r < 0)
                return r;
        size_t ul = strlen(user);
        if (ret->state == SBX_INSTANCE_CREATING && session && strncmp(session, user, ul) == 0 && session[ul] == '-' &&
            streq(session + ul + 1, ret->creator)) {
                *ret_role = SBX_INSTANCE_CREATE;
                return 0;
        }
        if (ret->state == SBX_INSTANCE_RUNNING) {
                *ret_role = SBX_INSTANCE_JOIN;
                return 0;
        }
        return sbx_err_setx(err, EAGAIN, "the instance of '%s' is being made by another login", user);
}
