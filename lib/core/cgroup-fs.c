/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroupfs manager (cgroup.h): cgroups of our own, for hosts where systemd does not own the tree. Which
 * hierarchies a session uses, the walk down each of them, stale-leaf cleanup, the limits, attach, teardown and
 * rollback. The control files of each cgroup version are written by cgroup-v1.c and cgroup-v2.c behind struct
 * sbx_cgroup_ops; the kernel interfaces are read by cgroup-utils.c. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup-internal.h"
#include "fault.h"
#include "procfs.h"
#include "userlock.h"

struct fs_session {
        char *user;
        bool shared;               /* the leaf is the instance's (Instance user), not this session's alone */
        struct sbx_cgroup_hier *h; /* the tracking hierarchy first */
        size_t n;
};

/* Opens, below dirfd, the relative path `rel` one component at a time (O_NOFOLLOW on each), creating missing
 * components when `h` is given: then each creation is recorded for the rollback, and h->ops->enable runs on every
 * directory before descending (so the controllers reach the child). `base` is dirfd's path, for messages. */
static int walk(struct sbx_cgroup_hier *h, int dirfd, const char *base, const char *rel, int *ret_fd,
                struct sbx_err *err)
{
        char path[4096];
        _cleanup_close_ int fd = -1;
        (void)strlcpy(path, base, sizeof(path));
        /* What exists already is opened in one call when no level on the way needs its controllers enabled (v1,
         * or nothing to enable): all of rel when nothing is to be created, else all but its last component, the
         * user's cgroup, which an open often makes. Where that part is missing too, the walk below does it all. */
        if (!h || !h->ctrl || h->ops == &sbx_cgroup_v1_ops) {
                const char *last = h ? strrchr(rel, '/') : NULL;
                size_t plen = last ? (size_t)(last - rel) : h ? 0 : strlen(rel);
                char prefix[4096];
                if (plen < sizeof(prefix) && strlen(base) + plen < sizeof(path)) {
                        memcpy(prefix, rel, plen);
                        prefix[plen] = '\0';
                        int pfd = sbx_cg_open_beneath(dirfd, prefix);
                        if (pfd >= 0) {
                                fd = pfd;
                                (void)strlcat(path, prefix, sizeof(path));
                                rel += plen;
                        }
                }
        }
        if (fd < 0 && (fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return sbx_err_set(err, errno, "open '%s'", base);
        _cleanup_free_ char *copy = strdup(rel);
        if (!copy)
                return sbx_err_set(err, ENOMEM, "open '%s'", base);
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (h && h->ctrl) {
                        int r = h->ops->enable(h, fd, path, err);
                        if (r < 0)
                                return r;
                }
                (void)strlcat(path, "/", sizeof(path));
                if (strlcat(path, c, sizeof(path)) >= sizeof(path))
                        return sbx_err_setx(err, ENAMETOOLONG, "cgroup path '%s' too long", path);
                int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0 && errno == ENOENT && h) {
                        if (sbx_fault("create cgroup '%s'", path) == 0 && mkdirat(fd, c, 0755) == 0) {
                                char **v = realloc(h->created, (h->n_created + 1) * sizeof(*v));
                                if (!v)
                                        return sbx_err_set(err, ENOMEM, "cgroup path");
                                h->created = v;
                                v[h->n_created] = strdup(path);
                                if (!v[h->n_created])
                                        return sbx_err_set(err, ENOMEM, "cgroup path");
                                h->n_created++;
                        } else if (errno != EEXIST)
                                return sbx_err_set(err, errno, "create cgroup '%s'", path);
                        next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (next < 0)
                        return sbx_err_set(err, errno, "open cgroup '%s'", path);
                closep(&fd);
                fd = next;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Removes the stale leaves below one hierarchy's user cgroup: session-PID-START whose process is gone
 * (sbx_cg_leaf_state). A leaf that holds a process of another PID namespace is not ours to judge and stays. */
static void clean_stale(const struct sbx_cgroup_hier *h, bool kill)
{
        _cleanup_closedir_ DIR *d = sbx_cg_opendir(h->user_fd, ".");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_type != DT_DIR)
                        continue;
                enum sbx_cg_leaf state = sbx_cg_leaf_state(dirfd(d), de->d_name, NULL);
                if (state != SBX_CG_LEAF_STALE && !(state == SBX_CG_LEAF_BUSY && kill))
                        continue;
                _cleanup_close_ int leaf = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (leaf < 0 || (state == SBX_CG_LEAF_BUSY && h->ops->kill(h, leaf, de->d_name, NULL) < 0))
                        continue;
                (void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
        }
}

static int move_to(int mount_fd, const char *mount, const char *rel, pid_t pid, struct sbx_err *err)
{
        char spid[32];
        _cleanup_close_ int fd = -1;
        int r = walk(NULL, mount_fd, mount, rel, &fd, err);
        if (r < 0)
                return r;
        (void)snprintf(spid, sizeof(spid), "%d", (int)pid);
        return sbx_cg_write(fd, mount, "cgroup.procs", spid, err);
}

/* Tears the leaf down in every hierarchy (or only moves the process out, when kill is false), then the user cgroups
 * when empty, then (rollback) the directories this open created. Returns the first error. */
static int teardown(struct fs_session *s, pid_t pid, bool kill, bool rollback, unsigned *ret_left, struct sbx_err *err)
{
        int first = 0;
        struct sbx_err e = {0};
        unsigned left = 0;

        for (size_t i = 0; i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                if (!h->attached)
                        continue;
                _cleanup_close_ int mfd = open(h->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
                int r = mfd < 0 ? sbx_err_set(&e, errno, "open '%s'", h->mount)
                                : move_to(mfd, h->mount, h->orig, pid, &e);
                if (r < 0 && first == 0) {
                        first = sbx_err_prefix(&e, "move the session process back");
                        if (err)
                                *err = e;
                }
                h->attached = r < 0;
        }
        /* Without kill the leaf stays for its processes; an empty one goes all the same. A shared leaf (the
         * instance's) is killed only when the instance ends, never by the rollback of one login's open. */
        if (s->shared && rollback)
                kill = false;
        if (!kill && s->n > 0 && s->h[0].leaf_fd >= 0 && sbx_cg_signal_procs(s->h[0].leaf_fd, 0, 0, &left, NULL) == 0 &&
            left == 0)
                kill = true;
        for (size_t i = 0; i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                if (h->leaf_fd < 0 || !kill)
                        continue;
                const char *name = strrchr(h->leaf_path, '/') + 1;
                int r = h->ops->kill(h, h->leaf_fd, h->leaf_path, &e);
                /* Removed already, so empty: a sweep (sbx_cgroup_sweep) whose /proc does not show this process
                 * took the leaf for stale once the process had moved out. */
                if (r < 0 && faccessat(h->user_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
                        r = 0;
                if (r == 0) {
                        r = sbx_cg_remove(h->user_fd, name);
                        if (r < 0)
                                (void)sbx_err_set(&e, -r, "remove cgroup '%s'", h->leaf_path);
                }
                if (r < 0 && first == 0) {
                        first = r;
                        if (err)
                                *err = e;
                }
        }
        /* The user cgroup goes with its last session; EBUSY means another session is still in it. Under the user's
         * lock (taken already when this is the rollback of an open), so that no session is opening in it now. */
        _cleanup_close_ int lock = -1;
        if (!rollback && s->user)
                (void)sbx_user_lock(s->user, &lock, NULL);
        for (size_t i = 0; i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                if (h->user_path)
                        (void)rmdir(h->user_path);
                for (size_t j = h->n_created; rollback && j > 0; j--)
                        (void)rmdir(h->created[j - 1]);
        }
        if (ret_left)
                *ret_left = left;
        return first;
}

static void fs_session_free(struct fs_session *s)
{
        if (!s)
                return;
        free(s->user);
        for (size_t i = 0; i < s->n; i++)
                sbx_cg_hier_done(&s->h[i]);
        free(s->h);
        free(s);
}

static void fs_session_freep(struct fs_session **s)
{
        fs_session_free(*s);
}

static int open_hier(struct sbx_cgroup_hier *h, const struct sbx_cg_mount *m, const char *cgroup_root, const char *user,
                     const char *cg_path, const char *cg_text, bool create, struct sbx_err *err)
{
        _cleanup_free_ char *base = NULL;
        char rel[4096];
        int r = sbx_cg_own(cg_text, m, cg_path, &h->orig, err);
        if (r < 0)
                return r;
        r = sbx_cgroup_expand_root(cgroup_root, h->orig[0] ? h->orig : "/", &base, err);
        if (r < 0)
                return r;
        if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", streq(base, "/") ? "" : base, user) >= sizeof(rel) ||
            asprintf(&h->user_path, "%s%s", h->mount, rel) < 0)
                return sbx_err_setx(err, ENAMETOOLONG, "cgroup path for '%s' too long", user);
        _cleanup_close_ int mfd = open(h->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (mfd < 0)
                return sbx_err_set(err, errno, "open '%s'", h->mount);
        r = walk(create ? h : NULL, mfd, h->mount, rel, &h->user_fd, err);
        /* ... and the controllers down into the leaves. */
        if (r == 0 && create && h->ctrl)
                r = h->ops->enable(h, h->user_fd, h->user_path, err);
        return r;
}

/* The hierarchies of the user's sessions and, in each, the user's cgroup: made when `create`, else opened where it
 * exists (user_fd -1 where it does not). */
static int fs_locate(struct sbx_cgroup_session *cs, struct fs_session *s, const struct sbx_cgroup_params *p,
                     bool create, struct sbx_err *err)
{
        struct sbx_cg_mounts ms = {0};
        bool any;
        int r = sbx_cg_mounts_read(&ms, err);
        if (r < 0)
                return r;
        cs->layout = sbx_cg_mounts_layout(&ms, &any);
        if (!any)
                r = sbx_err_setx(err, ENOENT, "no cgroup filesystem is mounted");
        if (r == 0)
                r = sbx_cg_hierarchies(&ms, cs->layout, p->limits, p->session_limits, 0, false, &s->h, &s->n, err);
        char cg_path[64];
        _cleanup_free_ char *cg_text = NULL;
        (void)snprintf(cg_path, sizeof(cg_path), "/proc/%d/cgroup", (int)p->pid);
        if (r == 0 && (r = sbx_cg_read_all(AT_FDCWD, cg_path, &cg_text)) < 0)
                r = sbx_err_set(err, -r, "read '%s'", cg_path);
        for (size_t i = 0; r == 0 && i < s->n; i++) {
                r = open_hier(&s->h[i], sbx_cg_mount_at(&ms, s->h[i].mount), p->cgroup_root, p->user, cg_path, cg_text,
                              create, err);
                if (r == -ENOENT && !create)
                        r = 0;
        }
        sbx_cg_mounts_done(&ms);
        return r;
}

/* The leaf's name: session-<id>, or the instance's. */
static void leaf_name(const struct sbx_cgroup_session *cs, const struct sbx_cgroup_params *p, char *buf, size_t size)
{
        if (p->instance)
                (void)snprintf(buf, size, "%s", SBX_CGROUP_INSTANCE_LEAF);
        else
                (void)snprintf(buf, size, "session-%s", cs->id);
}

/* Everything of the open after the lock: the hierarchies, the user's cgroup with its limits, the leaf, the attach. */
static int fs_setup(struct sbx_cgroup_session *cs, struct fs_session *s, const struct sbx_cgroup_params *p,
                    struct sbx_err *err)
{
        int r = fs_locate(cs, s, p, true, err);

        /* A user directory this open just made (walk's last creation) holds no leaf, stale or not. */
        for (size_t i = 0; r == 0 && i < s->n; i++) {
                const struct sbx_cgroup_hier *h = &s->h[i];
                if (h->n_created == 0 || !streq(h->created[h->n_created - 1], h->user_path))
                        clean_stale(h, p->kill_stale);
        }
        for (size_t i = 0; r == 0 && i < s->n; i++)
                r = s->h[i].ops->apply_limits(&s->h[i], s->h[i].user_fd, s->h[i].user_path, p->limits, SBX_PLACE_LIMIT,
                                              err);
        for (size_t i = 0; r == 0 && i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                char name[300];
                leaf_name(cs, p, name, sizeof(name));
                if (asprintf(&h->leaf_path, "%s/%s", h->user_path, name) < 0) {
                        h->leaf_path = NULL;
                        r = sbx_err_set(err, ENOMEM, "cgroup path");
                } else if (sbx_fault("create cgroup '%s'", h->leaf_path) < 0 ||
                           (mkdirat(h->user_fd, name, 0755) < 0 && !(p->instance && errno == EEXIST)))
                        r = sbx_err_set(err, errno, "create cgroup '%s'", h->leaf_path);
                else if ((h->leaf_fd = openat(h->user_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
                        r = sbx_err_set(err, errno, "open cgroup '%s'", h->leaf_path);
                /* The session's own limits go on its leaf, below the user's (v2 enabled the controllers down to it). */
                else if (p->session_limits)
                        r = h->ops->apply_limits(h, h->leaf_fd, h->leaf_path, p->session_limits, SBX_PLACE_SESSION,
                                                 err);
        }
        for (size_t i = 0; r == 0 && i < s->n; i++) {
                char spid[32];
                (void)snprintf(spid, sizeof(spid), "%d", (int)p->pid);
                r = sbx_cg_setup_write(s->h[i].leaf_fd, s->h[i].leaf_path, "cgroup.procs", spid, err);
                s->h[i].attached = r == 0;
        }
        return r;
}

static int fs_open(struct sbx_cgroup_session *cs, const struct sbx_cgroup_params *p, struct sbx_err *err)
{
        _cleanup_(fs_session_freep) struct fs_session *s = calloc(1, sizeof(*s));
        unsigned long long start;
        if (!s)
                return sbx_err_set(err, ENOMEM, "cgroup session");
        /* Invariant: the user name becomes a directory name; it cannot be "..", hold a '/' or be a control file. */
        if (!sbx_cgroup_valid_user(p->user))
                return sbx_err_setx(err, EINVAL, "user name '%s' is not usable as a cgroup name", p->user);
        /* Held until the leaf holds the session process: a session of the same user closing meanwhile would
         * otherwise remove the user's cgroup under this one (it goes when the closing one sees no other leaf), and
         * so would the sweep of any user's close (sbx_cgroup_sweep), which works on a user only with the lock. */
        _cleanup_close_ int lock = -1;
        int r = sbx_user_lock(p->user, &lock, err);
        if (r < 0)
                return r;
        if (!(s->user = strdup(p->user)))
                return sbx_err_set(err, ENOMEM, "cgroup session");
        s->shared = p->instance;
        r = sbx_proc_starttime(p->pid, &start);
        if (r < 0)
                return sbx_err_set(err, -r, "read /proc/%d/stat", (int)p->pid);
        (void)snprintf(cs->id, sizeof(cs->id), "%d-%llu", (int)p->pid, start);
        r = fs_setup(cs, s, p, err);
        if (r < 0) {
                struct sbx_err ignored = {0};
                (void)teardown(s, p->pid, true, true, NULL, &ignored);
                return r;
        }
        cs->impl = TAKE_PTR(s);
        return 0;
}

static void fs_usage(const struct sbx_cgroup_session *cs, struct sbx_cgroup_usage *u, struct sbx_cgroup_usage *user)
{
        const struct fs_session *s = cs->impl;
        for (size_t i = 0; i < s->n; i++) {
                if (s->h[i].leaf_fd >= 0)
                        s->h[i].ops->read_usage(&s->h[i], s->h[i].leaf_fd, u);
                if (user && s->h[i].user_fd >= 0)
                        s->h[i].ops->read_usage(&s->h[i], s->h[i].user_fd, user);
        }
}

static int fs_close(struct sbx_cgroup_session *cs, pid_t pid, bool kill, unsigned *ret_left, struct sbx_err *err)
{
        return teardown(cs->impl, pid, kill, false, ret_left, err);
}

static const char *fs_leaf(const struct sbx_cgroup_session *cs)
{
        const struct fs_session *s = cs->impl;
        return s->n > 0 && s->h[0].leaf_path ? s->h[0].leaf_path : "";
}

static void fs_free(struct sbx_cgroup_session *cs)
{
        fs_session_free(cs->impl);
}

/* ---- the instance's leaf, without a session (cgroup.h) ---- */

/* The hierarchies with the instance's leaf opened where it exists (leaf_fd -1 where not). */
static int instance_locate(struct sbx_cgroup_session *cs, struct fs_session *s, const struct sbx_cgroup_params *p,
                           struct sbx_err *err)
{
        if (!sbx_cgroup_valid_user(p->user))
                return sbx_err_setx(err, EINVAL, "user name '%s' is not usable as a cgroup name", p->user);
        int r = fs_locate(cs, s, p, false, err);
        for (size_t i = 0; r == 0 && i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                if (!h->user_path)
                        continue;
                if (asprintf(&h->leaf_path, "%s/%s", h->user_path, SBX_CGROUP_INSTANCE_LEAF) < 0) {
                        h->leaf_path = NULL;
                        return sbx_err_set(err, ENOMEM, "cgroup path");
                }
                if (h->user_fd < 0)
                        continue;
                h->leaf_fd =
                        openat(h->user_fd, SBX_CGROUP_INSTANCE_LEAF, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        return r;
}

int sbx_cgroup_fs_instance_procs(const struct sbx_cgroup_params *p, char **ret, char **ret_leaf, struct sbx_err *err)
{
        struct sbx_cgroup_session cs = {0};
        _cleanup_(fs_session_freep) struct fs_session *s = calloc(1, sizeof(*s));
        if (!s)
                return sbx_err_set(err, ENOMEM, "cgroup session");
        *ret = NULL;
        int r = instance_locate(&cs, s, p, err);
        if (r < 0)
                return r;
        if (ret_leaf) {
                *ret_leaf = NULL;
                if (s->n > 0 && s->h[0].leaf_path && !(*ret_leaf = strdup(s->h[0].leaf_path)))
                        return sbx_err_set(err, ENOMEM, "cgroup session");
        }
        if (s->n == 0 || s->h[0].leaf_fd < 0) {
                *ret = strdup("");
                return *ret ? 0 : sbx_err_set(err, ENOMEM, "cgroup session");
        }
        r = sbx_cg_read_all(s->h[0].leaf_fd, "cgroup.procs", ret);
        return r < 0 ? sbx_err_set(err, -r, "read '%s/cgroup.procs'", s->h[0].leaf_path) : 0;
}

int sbx_cgroup_self_procs(char **ret, struct sbx_err *err)
{
        struct sbx_cg_mounts ms = {0};
        struct sbx_cgroup_hier *h = NULL;
        size_t n = 0;
        bool any;
        _cleanup_free_ char *text = NULL, *own = NULL;
        *ret = NULL;
        int r = sbx_cg_mounts_read(&ms, err);
        if (r < 0)
                return r;
        enum sbx_cgroup_layout layout = sbx_cg_mounts_layout(&ms, &any);
        r = any ? sbx_cg_hierarchies(&ms, layout, NULL, NULL, 0, true, &h, &n, err)
                : sbx_err_setx(err, ENOENT, "no cgroup filesystem is mounted");
        if (r == 0 && n == 0)
                r = sbx_err_setx(err, ENOENT, "no cgroup hierarchy tracks processes");
        if (r == 0 && (r = sbx_cg_read_all(AT_FDCWD, "/proc/self/cgroup", &text)) < 0)
                r = sbx_err_set(err, -r, "read /proc/self/cgroup");
        if (r == 0)
                r = sbx_cg_own(text, sbx_cg_mount_at(&ms, h[0].mount), "/proc/self/cgroup", &own, err);
        char path[4096];
        if (r == 0 && (size_t)snprintf(path, sizeof(path), "%s%s/cgroup.procs", h[0].mount, own) >= sizeof(path))
                r = sbx_err_setx(err, ENAMETOOLONG, "cgroup path too long");
        if (r == 0 && (r = sbx_cg_read_all(AT_FDCWD, path, ret)) < 0)
                r = sbx_err_set(err, -r, "read '%s'", path);
        for (size_t i = 0; i < n; i++)
                sbx_cg_hier_done(&h[i]);
        free(h);
        sbx_cg_mounts_done(&ms);
        return r;
}

int sbx_cgroup_fs_instance_end(const struct sbx_cgroup_params *p, struct sbx_cgroup_usage *ret_usage,
                               struct sbx_err *err)
{
        struct sbx_cgroup_session cs = {0};
        _cleanup_(fs_session_freep) struct fs_session *s = calloc(1, sizeof(*s));
        if (ret_usage)
                sbx_cgroup_usage_unknown(ret_usage);
        if (!s)
                return sbx_err_set(err, ENOMEM, "cgroup session");
        int r = instance_locate(&cs, s, p, err);
        if (r < 0)
                return r;
        for (size_t i = 0; ret_usage && i < s->n; i++)
                if (s->h[i].leaf_fd >= 0)
                        s->h[i].ops->read_usage(&s->h[i], s->h[i].leaf_fd, ret_usage);
        int first = 0;
        for (size_t i = 0; i < s->n; i++) {
                struct sbx_cgroup_hier *h = &s->h[i];
                if (h->leaf_fd < 0)
                        continue;
                struct sbx_err e = {0};
                int k = h->ops->kill(h, h->leaf_fd, h->leaf_path, &e);
                if (k == 0 && (k = sbx_cg_remove(h->user_fd, SBX_CGROUP_INSTANCE_LEAF)) < 0)
                        (void)sbx_err_set(&e, -k, "remove cgroup '%s'", h->leaf_path);
                if (k < 0 && first == 0) {
                        first = k;
                        if (err)
                                *err = e;
                }
                (void)rmdir(h->user_path); /* EBUSY: a session of the user is still open */
        }
        return first;
}

/* ---- the sweep of every user's stale leaves (cgroup.h) ---- */

/* The lock-free look: the user's cgroup in the tracking hierarchy holds a stale leaf that is empty. */
static bool has_stale(int user_fd)
{
        _cleanup_closedir_ DIR *d = sbx_cg_opendir(user_fd, ".");
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (de->d_type == DT_DIR && sbx_cg_leaf_state(dirfd(d), de->d_name, NULL) == SBX_CG_LEAF_STALE)
                        return true;
        return false;
}

/* rmdir of base/user/leaf, or of base/user when leaf is NULL; true when it is gone (or never was). Only an empty
 * cgroup can be removed: the kernel refuses one that holds a process or a child cgroup (EBUSY). */
static bool remove_below(int base, const char *user, const char *leaf)
{
        if (base < 0)
                return true;
        if (!leaf)
                return unlinkat(base, user, AT_REMOVEDIR) == 0 || errno == ENOENT;
        _cleanup_close_ int ufd = openat(base, user, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (ufd < 0)
                return errno == ENOENT;
        return unlinkat(ufd, leaf, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

/* Under the user's lock: its stale empty leaves (judged again now) in every hierarchy, the tracking one (base[0])
 * last, so that a leaf another hierarchy still holds is found by the next sweep; then the user's cgroup in each where
 * nothing is left in it (a live session's leaf, a stale one still holding processes, the instance's keep it). */
static void reap_user(const int *base, size_t n, const char *user, struct sbx_cgroup_swept *st)
{
        _cleanup_closedir_ DIR *d = sbx_cg_opendir(base[0], user);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_type != DT_DIR || sbx_cg_leaf_state(dirfd(d), de->d_name, NULL) != SBX_CG_LEAF_STALE)
                        continue;
                bool others = true;
                for (size_t i = 1; i < n; i++)
                        others = remove_below(base[i], user, de->d_name) && others;
                if (others && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == 0)
                        st->leaves++;
        }
        bool others = true;
        for (size_t i = 1; i < n; i++)
                others = remove_below(base[i], user, NULL) && others;
        if (others && unlinkat(base[0], user, AT_REMOVEDIR) == 0)
                st->users++;
}

/* base[i]: <mount><CgroupRoot> of hierarchy i, opened (-1 where it does not exist). */
static int open_bases(const struct sbx_cgroup_hier *h, size_t n, const char *cgroup_root, int *base,
                      struct sbx_err *err)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *rel = NULL;
                int r = sbx_cgroup_expand_root(cgroup_root, h[i].orig[0] ? h[i].orig : "/", &rel, err);
                if (r < 0)
                        return r;
                _cleanup_close_ int mfd = open(h[i].mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
                base[i] = mfd < 0 ? -1 : sbx_cg_open_beneath(mfd, rel);
                if (base[i] < 0)
                        base[i] = -1;
        }
        return 0;
}

int sbx_cgroup_sweep(const char *cgroup_root, struct sbx_cgroup_swept *ret, struct sbx_err *err)
{
        struct sbx_cgroup_hier *h = NULL;
        size_t n = 0;
        *ret = (struct sbx_cgroup_swept){0};
        int r = sbx_cg_hierarchies_all(&h, &n, err);
        if (r < 0)
                return r;
        _cleanup_free_ int *base = calloc(n ? n : 1, sizeof(*base));
        for (size_t i = 0; base && i < n; i++)
                base[i] = -1;
        r = base ? open_bases(h, n, cgroup_root, base, err) : sbx_err_set(err, ENOMEM, "cgroup sweep");
        /* The users are read in the tracking hierarchy (every process of a session is there), without a lock: a
         * user with nothing stale costs a readdir and one /proc/PID/stat per leaf, and nothing else is touched. */
        _cleanup_closedir_ DIR *d = r == 0 && n > 0 && base[0] >= 0 ? sbx_cg_opendir(base[0], ".") : NULL;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_type != DT_DIR || !sbx_cgroup_valid_user(de->d_name))
                        continue;
                _cleanup_close_ int ufd = openat(base[0], de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (ufd < 0 || !has_stale(ufd))
                        continue;
                /* Invariant: the sweep never waits on a lock. An open of the user holds it from before it makes
                 * the user's cgroup until the leaf holds its process (fs_open), a close while it removes the
                 * user's cgroup: busy, that open or close cleans up itself (the open's clean_stale, the close's own
                 * sweep). Not waiting is also what keeps a caller that holds another user's lock from a deadlock. */
                _cleanup_close_ int lock = -1;
                int k = sbx_user_trylock(de->d_name, &lock, NULL);
                if (k == -EWOULDBLOCK)
                        ret->busy++;
                if (k < 0)
                        continue;
                reap_user(base, n, de->d_name, ret);
        }
        for (size_t i = 0; i < n; i++) {
                if (base)
                        closep(&base[i]);
                sbx_cg_hier_done(&h[i]);
        }
        free(h);
        return r;
}

const struct sbx_cgroup_manager sbx_cgroup_fs_manager = {
        .backend = SBX_CGROUP_BACKEND_CGROUPFS,
        .open = fs_open,
        .usage = fs_usage,
        .close = fs_close,
        .leaf = fs_leaf,
        .free = fs_free,
};
