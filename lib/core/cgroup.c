/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The front of the cgroup code (cgroup.h): names and value mappings, layout detection, and the sessions, each given
 * to one manager (cgroup-internal.h: cgroupfs in cgroup-fs.c, systemd in cgroup-systemd.c) and reached through its
 * table only. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup-internal.h"
#include "cgroup-systemd.h"

/* ---- pure helpers ---- */

bool sbx_cgroup_valid_user(const char *user)
{
        size_t n = user ? strlen(user) : 0;
        if (n == 0 || n > 32 || user[0] == '-' || user[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isascii((unsigned char)user[i]) ||
                    !(isalnum((unsigned char)user[i]) || user[i] == '_' || user[i] == '.' || user[i] == '-'))
                        return false;
        return true;
}

int sbx_cgroup_expand_root(const char *spec, const char *self, char **ret, struct sbx_err *err)
{
        char raw[4096] = "";
        size_t len = 0;
        for (const char *p = spec; *p; p++) {
                const char *piece;
                char one[2] = {*p, '\0'};
                if (*p == '%') {
                        if (p[1] == 'c' && p == spec)
                                piece = self;
                        else if (p[1] == '%')
                                piece = "%";
                        else
                                return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': only a leading %%c is allowed",
                                                    spec);
                        p++;
                } else
                        piece = one;
                len = strlcat(raw, piece, sizeof(raw));
                if (len >= sizeof(raw))
                        return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': too long", spec);
        }
        if (raw[0] != '/')
                return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': not an absolute path", spec);

        /* Normalise: one '/' between components, none at the end; "." and ".." never (a cgroup path is taken
         * literally, so "a/../b" would mean what the admin did not write). */
        char out[4096] = "";
        size_t o = 0;
        char *save = NULL;
        for (char *c = strtok_r(raw, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, ".") || streq(c, ".."))
                        return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': '.' and '..' are not allowed", spec);
                out[o] = '/';
                out[o + 1] = '\0';
                o = strlcat(out, c, sizeof(out));
                if (o >= sizeof(out) - 1)
                        return sbx_err_setx(err, EINVAL, "CgroupRoot '%s': too long", spec);
        }
        *ret = strdup(o ? out : "/");
        if (!*ret)
                return sbx_err_set(err, ENOMEM, "CgroupRoot");
        return 0;
}

uint64_t sbx_cgroup_weight_to_shares(uint64_t weight)
{
        uint64_t s = weight * 1024 / 100;
        return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

uint64_t sbx_cgroup_weight_to_blkio(uint64_t weight)
{
        uint64_t s = weight * 500 / 100;
        return s < 10 ? 10 : s > 1000 ? 1000 : s;
}

const char *sbx_cgroup_layout_name(enum sbx_cgroup_layout l)
{
        return l == SBX_CGROUP_V2 ? "unified (cgroup v2)" : l == SBX_CGROUP_HYBRID ? "hybrid" : "legacy (cgroup v1)";
}

int sbx_cgroup_detect_layout(const char *mountinfo, enum sbx_cgroup_layout *ret, struct sbx_err *err)
{
        struct sbx_cg_mounts ms = {0};
        int r = sbx_cg_mounts_parse(mountinfo, &ms, err);
        bool any = false;
        if (r == 0)
                *ret = sbx_cg_mounts_layout(&ms, &any);
        sbx_cg_mounts_done(&ms);
        if (r == 0 && !any)
                return sbx_err_setx(err, ENOENT, "no cgroup filesystem is mounted");
        return r;
}

void sbx_cgroup_usage_unknown(struct sbx_cgroup_usage *u)
{
        *u = (struct sbx_cgroup_usage){
                .memory_now = SBX_CGROUP_UNKNOWN,
                .memory_peak = SBX_CGROUP_UNKNOWN,
                .cpu_usec = SBX_CGROUP_UNKNOWN,
                .oom_kills = SBX_CGROUP_UNKNOWN,
                .tasks_max_hits = SBX_CGROUP_UNKNOWN,
                .tasks = SBX_CGROUP_UNKNOWN,
        };
}

/* ---- sessions ---- */

enum sbx_cgroup_backend sbx_cgroup_backend_detect(void)
{
        return sbx_sd_detect_at("/run/systemd/system", SBX_SD_CGROUP_MOUNT);
}

const char *sbx_cgroup_backend_name(enum sbx_cgroup_backend b)
{
        return b == SBX_CGROUP_BACKEND_SYSTEMD ? "systemd" : b == SBX_CGROUP_BACKEND_CGROUPFS ? "cgroupfs" : "auto";
}

int sbx_cgroup_session_start(const struct sbx_cgroup_params *p, struct sbx_cgroup_session **ret, struct sbx_err *err)
{
        enum sbx_cgroup_backend b = p->backend == SBX_CGROUP_BACKEND_AUTO ? sbx_cgroup_backend_detect() : p->backend;
        struct sbx_cgroup_session *s = calloc(1, sizeof(*s));
        if (!s)
                return sbx_err_set(err, ENOMEM, "cgroup session");
        s->m = b == SBX_CGROUP_BACKEND_SYSTEMD ? &sbx_cgroup_systemd_manager : &sbx_cgroup_fs_manager;
        (void)clock_gettime(CLOCK_MONOTONIC, &s->started);
        int r = s->m->open(s, p, err);
        if (r < 0) {
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

const char *sbx_cgroup_session_id(const struct sbx_cgroup_session *s)
{
        return s->id;
}

enum sbx_cgroup_layout sbx_cgroup_session_layout(const struct sbx_cgroup_session *s)
{
        return s->layout;
}

enum sbx_cgroup_backend sbx_cgroup_session_backend(const struct sbx_cgroup_session *s)
{
        return s->m->backend;
}

const char *sbx_cgroup_session_leaf(const struct sbx_cgroup_session *s)
{
        return s->m->leaf(s);
}

struct timespec sbx_cgroup_session_started(const struct sbx_cgroup_session *s)
{
        return s->started;
}

void sbx_cgroup_session_usage(const struct sbx_cgroup_session *s, struct sbx_cgroup_usage *ret,
                              struct sbx_cgroup_usage *ret_user)
{
        sbx_cgroup_usage_unknown(ret);
        if (ret_user)
                sbx_cgroup_usage_unknown(ret_user);
        s->m->usage(s, ret, ret_user);
}

int sbx_cgroup_session_close(struct sbx_cgroup_session *s, pid_t pid, bool kill, unsigned *ret_left,
                             struct sbx_err *err)
{
        return s->m->close(s, pid, kill, ret_left, err);
}

void sbx_cgroup_session_free(struct sbx_cgroup_session *s)
{
        if (!s)
                return;
        s->m->free(s);
        free(s);
}

/* ---- Instance user ---- */

enum sbx_cgroup_backend sbx_cgroup_backend_of(const struct sbx_cgroup_params *p)
{
        return p->backend == SBX_CGROUP_BACKEND_AUTO ? sbx_cgroup_backend_detect() : p->backend;
}

int sbx_cgroup_instance_procs(const struct sbx_cgroup_params *p, char **ret, char **ret_leaf, struct sbx_err *err)
{
        if (sbx_cgroup_backend_of(p) == SBX_CGROUP_BACKEND_SYSTEMD)
                return sbx_sd_instance_procs(p, ret, ret_leaf, err);
        return sbx_cgroup_fs_instance_procs(p, ret, ret_leaf, err);
}

int sbx_cgroup_instance_end(const struct sbx_cgroup_params *p, struct sbx_cgroup_usage *ret_usage, struct sbx_err *err)
{
        if (sbx_cgroup_backend_of(p) == SBX_CGROUP_BACKEND_SYSTEMD)
                return sbx_sd_instance_end(p, ret_usage, err);
        return sbx_cgroup_fs_instance_end(p, ret_usage, err);
}

int sbx_cgroup_instance_place(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err)
{
        if (sbx_cgroup_backend_of(p) == SBX_CGROUP_BACKEND_SYSTEMD)
                return sbx_sd_instance_place(p, pid, err);
        return sbx_err_setx(err, EOPNOTSUPP, "the cgroupfs backend's instance lives in the first login's leaf");
}

int sbx_cgroup_instance_attach(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err)
{
        return sbx_cgroup_backend_of(p) == SBX_CGROUP_BACKEND_SYSTEMD ? sbx_sd_instance_attach(p, pid, err) : 0;
}
