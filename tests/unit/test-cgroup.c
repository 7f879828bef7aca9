/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure parts of the cgroup code: user names as path components, CgroupRoot expansion, layout detection from
 * mountinfo text, the v1 weight mappings and refusals, the names of session leaves and the stale-leaf rule; for the systemd backend the unit names, the keyword -> property mapping, the
 * read-back comparison, which scope counts as the login's own and the backend detection. The cgroupfs work itself is
 * tested as root (tests/integration, tests/uml), the systemd backend in a systemd guest (tests/uml). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgroup-internal.h"
#include "cgroup-systemd.h"
#include "cgroup.h"
#include "config.h"
#include "policy.h"
#include "procfs.h"

static void test_valid_user(void **state)
{
        assert_true(sbx_cgroup_valid_user("alice"));
        assert_true(sbx_cgroup_valid_user("a.b-c_d9"));
        assert_false(sbx_cgroup_valid_user(""));
        assert_false(sbx_cgroup_valid_user(NULL));
        assert_false(sbx_cgroup_valid_user("."));
        assert_false(sbx_cgroup_valid_user(".."));
        assert_false(sbx_cgroup_valid_user(".hidden"));
        assert_false(sbx_cgroup_valid_user("-x"));
        assert_false(sbx_cgroup_valid_user("a/b"));
        assert_false(sbx_cgroup_valid_user("a b"));
        assert_false(sbx_cgroup_valid_user("caf\xc3\xa9"));
        assert_false(sbx_cgroup_valid_user("abcdefghijabcdefghijabcdefghijabc")); /* 33 */
        assert_true(sbx_cgroup_valid_user("abcdefghijabcdefghijabcdefghijab"));   /* 32 */
}

static void expand_ok(const char *spec, const char *self, const char *want)
{
        char *got = NULL;
        struct sbx_err err = {0};
        assert_int_equal(sbx_cgroup_expand_root(spec, self, &got, &err), 0);
        assert_string_equal(got, want);
        free(got);
}

static void expand_bad(const char *spec, const char *self)
{
        char *got = NULL;
        struct sbx_err err = {0};
        assert_int_equal(sbx_cgroup_expand_root(spec, self, &got, &err), -EINVAL);
        assert_null(got);
        assert_non_null(strstr(err.msg, "CgroupRoot"));
}

static void test_expand_root(void **state)
{
        expand_ok("/sandbox-shell", "/whatever", "/sandbox-shell");
        expand_ok("%c/sandbox-shell", "/", "/sandbox-shell");
        expand_ok("%c/sandbox-shell", "/a/b", "/a/b/sandbox-shell");
        expand_ok("%c", "/a/b", "/a/b");
        expand_ok("%c", "/", "/");
        expand_ok("//x//y/", "/", "/x/y");
        expand_ok("/100%%", "/", "/100%");
        expand_bad("sandbox-shell", "/");
        expand_bad("/a/../b", "/");
        expand_bad("/a/./b", "/");
        expand_bad("/x/%c", "/a");
        expand_bad("/%u", "/a");
        expand_bad("%c/..", "/a");
}

static const char hybrid[] = "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                             "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
                             "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
                             "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
                             "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:5 - cgroup2 cgroup2 rw\n";
static const char pure_v2[] = "25 22 0:23 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
static const char pure_v1[] = "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                              "32 30 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
/* Only a name=systemd v1 mount next to cgroup2: no v1 controller, so the controllers are all v2's. */
static const char v2_named[] = "25 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                               "26 22 0:24 / /run/x rw - cgroup cgroup rw,name=systemd\n";

static void test_detect_layout(void **state)
{
        enum sbx_cgroup_layout l;
        struct sbx_err err = {0};
        assert_int_equal(sbx_cgroup_detect_layout(hybrid, &l, &err), 0);
        assert_int_equal(l, SBX_CGROUP_HYBRID);
        assert_int_equal(sbx_cgroup_detect_layout(pure_v2, &l, &err), 0);
        assert_int_equal(l, SBX_CGROUP_V2);
        assert_int_equal(sbx_cgroup_detect_layout(pure_v1, &l, &err), 0);
        assert_int_equal(l, SBX_CGROUP_V1);
        assert_int_equal(sbx_cgroup_detect_layout(v2_named, &l, &err), 0);
        assert_int_equal(l, SBX_CGROUP_V2);
        assert_int_equal(sbx_cgroup_detect_layout("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n", &l, &err), -ENOENT);
        assert_int_equal(sbx_cgroup_detect_layout("", &l, &err), -ENOENT);
        assert_int_equal(sbx_cgroup_detect_layout("garbage without fields\n- -\n", &l, &err), -ENOENT);
}

static void test_weights(void **state)
{
        assert_int_equal(sbx_cgroup_weight_to_shares(100), 1024);
        assert_int_equal(sbx_cgroup_weight_to_shares(50), 512);
        assert_int_equal(sbx_cgroup_weight_to_shares(1), 10);
        assert_int_equal(sbx_cgroup_weight_to_shares(10000), 102400);
        assert_int_equal(sbx_cgroup_weight_to_blkio(100), 500);
        assert_int_equal(sbx_cgroup_weight_to_blkio(1), 10);
        assert_int_equal(sbx_cgroup_weight_to_blkio(10000), 1000);
}

/* session-PID-START as cgroup-fs.c makes it, and nothing else: the rest of a user's cgroup is never a session. */
static void test_parse_leaf(void **state)
{
        int pid = 0;
        unsigned long long start = 0;
        assert_true(sbx_cg_parse_leaf("session-4242-18446744073709551615", &pid, &start));
        assert_int_equal(pid, 4242);
        assert_true(start == 18446744073709551615ULL);
        assert_true(sbx_cg_parse_leaf("session-1-0", &pid, &start));
        assert_int_equal(pid, 1);
        assert_true(start == 0);
        assert_false(sbx_cg_parse_leaf("session-4242-1234x", &pid, &start));
        assert_false(sbx_cg_parse_leaf("session-4242-1234/", &pid, &start));
        assert_false(sbx_cg_parse_leaf("session-4242", &pid, &start));
        assert_false(sbx_cg_parse_leaf("session-4242-", &pid, &start));
        assert_false(sbx_cg_parse_leaf("session--", &pid, &start));
        assert_false(sbx_cg_parse_leaf("cgroup.procs", &pid, &start));
        assert_false(sbx_cg_parse_leaf("memory.max", &pid, &start));
        assert_false(sbx_cg_parse_leaf("", &pid, &start));
}

/* A fake user cgroup: a directory per leaf, each with the cgroup.procs text given (NULL: none). */
static void fake_leaf(int dirfd, const char *name, const char *procs)
{
        assert_int_equal(mkdirat(dirfd, name, 0755), 0);
        if (!procs)
                return;
        char file[640];
        (void)snprintf(file, sizeof(file), "%s/cgroup.procs", name);
        int fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, procs, strlen(procs)), (ssize_t)strlen(procs));
        (void)close(fd);
}

/* The stale-leaf rule the open's cleanup and the sweep share, on a fake user cgroup: a leaf whose PID runs with its
 * start time is alive; the same PID with another start time (the PID reused) is stale, and then what its
 * cgroup.procs lists decides: nothing (removable), processes of ours (left unless killed), a process of another PID
 * namespace listed as 0 (never judged). The instance's leaf, other names and an unreadable cgroup.procs are not
 * session leaves. A symbolic link in a leaf's place is not followed. */
static void test_leaf_state(void **state)
{
        char dir[] = "/tmp/sbx-unit-leaf.XXXXXX", name[64];
        assert_non_null(mkdtemp(dir));
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        unsigned long long start;
        assert_int_equal(sbx_proc_starttime(getpid(), &start), 0);
        struct {
                char name[64];
                const char *procs;
                enum sbx_cg_leaf want;
                unsigned n;
        } c[] = {
                {"", "", SBX_CG_LEAF_ALIVE, 0},
                {"", "", SBX_CG_LEAF_STALE, 0},
                {"", "4242\n4243\n", SBX_CG_LEAF_BUSY, 2},
                {"", "0\n", SBX_CG_LEAF_FOREIGN, 1},
                {"", NULL, SBX_CG_LEAF_OTHER, 0},
                {SBX_CGROUP_INSTANCE_LEAF, "", SBX_CG_LEAF_OTHER, 0},
                {"session-12-34-x", "", SBX_CG_LEAF_OTHER, 0},
        };
        (void)snprintf(c[0].name, sizeof(c[0].name), "session-%d-%llu", (int)getpid(), start);
        (void)snprintf(c[1].name, sizeof(c[1].name), "session-%d-%llu", (int)getpid(), start + 1);
        (void)snprintf(c[2].name, sizeof(c[2].name), "session-%d-%llu", (int)getpid(), start + 2);
        (void)snprintf(c[3].name, sizeof(c[3].name), "session-%d-%llu", (int)getpid(), start + 3);
        (void)snprintf(c[4].name, sizeof(c[4].name), "session-%d-%llu", (int)getpid(), start + 4);
        for (size_t i = 0; i < ELEMENTSOF(c); i++)
                fake_leaf(fd, c[i].name, c[i].procs);
        for (size_t i = 0; i < ELEMENTSOF(c); i++) {
                unsigned n = 99;
                assert_int_equal(sbx_cg_leaf_state(fd, c[i].name, &n), c[i].want);
                assert_int_equal(n, c[i].n);
        }
        assert_int_equal(sbx_cg_leaf_state(fd, "session-1-1", NULL), SBX_CG_LEAF_OTHER); /* no such leaf */
        (void)snprintf(name, sizeof(name), "session-%d-%llu", (int)getpid(), start + 5);
        assert_int_equal(symlinkat(c[1].name, fd, name), 0);
        assert_int_equal(sbx_cg_leaf_state(fd, name, NULL), SBX_CG_LEAF_OTHER);
        assert_null(sbx_cg_opendir(fd, name));
        DIR *d = sbx_cg_opendir(fd, c[1].name);
        assert_non_null(d);
        (void)closedir(d);

        (void)unlinkat(fd, name, 0);
        for (size_t i = 0; i < ELEMENTSOF(c); i++) {
                char file[640];
                (void)snprintf(file, sizeof(file), "%s/cgroup.procs", c[i].name);
                (void)unlinkat(fd, file, 0);
                assert_int_equal(unlinkat(fd, c[i].name, AT_REMOVEDIR), 0);
        }
        (void)close(fd);
        assert_int_equal(rmdir(dir), 0);
}

/* The wait for an empty cgroup reads cgroup.events (here a fake file, which poll never wakes for POLLPRI): "populated
 * 0" is empty at once, "populated 1" is not within the time given, a file without the key or of another shape is
 * an error; a directory without cgroup.events (cgroup v1) has nothing to open. */
static void test_wait_empty(void **state)
{
        char dir[] = "/tmp/sbx-unit-events.XXXXXX";
        assert_non_null(mkdtemp(dir));
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(sbx_cg_events_open(fd), -ENOENT);
        struct {
                const char *text;
                int want;
        } c[] = {
                {"populated 0\nfrozen 0\n", 1}, {"populated 1\nfrozen 0\n", 0}, {"frozen 0\npopulated 0\n", 1},
                {"frozen 0\n", -EINVAL},        {"unpopulated 0\n", -EINVAL},
        };
        for (size_t i = 0; i < ELEMENTSOF(c); i++) {
                int w = openat(fd, "cgroup.events", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                assert_true(w >= 0);
                assert_int_equal(write(w, c[i].text, strlen(c[i].text)), (ssize_t)strlen(c[i].text));
                (void)close(w);
                int ev = sbx_cg_events_open(fd);
                assert_true(ev >= 0);
                assert_int_equal(sbx_cg_wait_empty(ev, 20), c[i].want);
                (void)close(ev);
        }
        assert_int_equal(unlinkat(fd, "cgroup.events", 0), 0);
        (void)close(fd);
        assert_int_equal(rmdir(dir), 0);
}

/* The refusal of cgroup v1's apply_limits, with its message. */
static void assert_v1_refuses(const struct sbx_cgroup_hier *h, int fd, const char *dir,
                              const struct sbx_cgroup_limits *l, enum sbx_place place, const char *want)
{
        struct sbx_err err = {0};
        assert_int_equal(sbx_cgroup_v1_ops.apply_limits(h, fd, dir, l, place, &err), -EOPNOTSUPP);
        assert_string_equal(err.msg, want);
}

/* cgroup v1's own refusals name the keyword of the place: a session's limit its Session keyword. A directory that is
 * no cgroup stands for a v1 hierarchy that lacks the files: no swap accounting, no CFQ/BFQ weight. */
static void test_v1_refusals(void **state)
{
        char dir[] = "/tmp/sbx-unit-v1.XXXXXX", want[512], file[sizeof(dir) + 32];
        assert_non_null(mkdtemp(dir));
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        struct sbx_cgroup_hier h = {.ops = &sbx_cgroup_v1_ops, .ctrl = SBX_CG_IO, .user_fd = -1, .leaf_fd = -1};
        struct sbx_cgroup_limits l = {SBX_LIMIT_UNSET, SBX_LIMIT_UNSET, SBX_LIMIT_UNSET, SBX_LIMIT_UNSET,
                                      SBX_LIMIT_UNSET, SBX_LIMIT_UNSET, SBX_LIMIT_UNSET};

        l.io_weight = 300;
        (void)snprintf(want, sizeof(want),
                       "SessionIOWeight cannot be applied: cgroup controller 'blkio' has neither blkio.weight nor "
                       "blkio.bfq.weight in '%s' (no CFQ/BFQ I/O scheduler)",
                       dir);
        assert_v1_refuses(&h, fd, dir, &l, SBX_PLACE_SESSION, want);
        assert_v1_refuses(&h, fd, dir, &l, SBX_PLACE_LIMIT, want + strlen("Session"));

        l.io_weight = SBX_LIMIT_UNSET;
        l.memory_swap_max = 1ULL << 20;
        h.ctrl = SBX_CG_MEMORY;
        (void)snprintf(want, sizeof(want),
                       "MemorySwapMax cannot be applied: cgroup controller 'memory' has no swap accounting "
                       "(memory.memsw.limit_in_bytes) in '%s'",
                       dir);
        assert_v1_refuses(&h, fd, dir, &l, SBX_PLACE_LIMIT, want);
        (void)snprintf(file, sizeof(file), "%s/memory.memsw.limit_in_bytes", dir);
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        (void)fclose(f);
        assert_v1_refuses(&h, fd, dir, &l, SBX_PLACE_LIMIT,
                          "MemorySwapMax cannot be applied on cgroup v1 without a finite MemoryMax "
                          "(memory.memsw.limit_in_bytes limits memory and swap together)");

        (void)unlink(file);
        (void)close(fd);
        (void)rmdir(dir);
}

static void test_sd_names(void **state)
{
        char buf[64];
        assert_int_equal(sbx_sd_slice_name(1000, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "user-1000.slice");
        assert_int_equal(sbx_sd_slice_name(0, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "user-0.slice");
        assert_int_equal(sbx_sd_slice_name(4294967294u, buf, 10), -ENAMETOOLONG);

        assert_int_equal(sbx_sd_scope_name("alice", 1234, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "sandbox-shell-alice-1234.scope");
        assert_int_equal(sbx_sd_scope_name("a.b-c_d", 7, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "sandbox-shell-a.b-c_d-7.scope");
        /* Names systemd would read as a template instance, an escape or a path are refused. */
        assert_int_equal(sbx_sd_scope_name("a@b", 7, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(sbx_sd_scope_name("a\\\\x2d", 7, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(sbx_sd_scope_name("../x", 7, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(sbx_sd_scope_name("", 7, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(sbx_sd_scope_name("alice", 0, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(sbx_sd_scope_name("alice", 1234, buf, 20), -ENAMETOOLONG);
}

static const struct sbx_sd_prop *find_prop(const struct sbx_sd_prop *p, size_t n, const char *keyword)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(p[i].keyword, keyword) == 0)
                        return &p[i];
        static const struct sbx_sd_prop none = {.keyword = "", .property = "", .file = ""};
        fail_msg("no property for %s", keyword);
        return &none;
}

static void test_sd_properties(void **state)
{
        struct sbx_sd_prop p[SBX_SD_MAX_PROPS];
        const struct sbx_sd_prop *q;
        struct sbx_cgroup_limits l = {SBX_LIMIT_UNSET, SBX_LIMIT_UNSET, SBX_LIMIT_UNSET, SBX_LIMIT_UNSET,
                                      SBX_LIMIT_UNSET, SBX_LIMIT_UNSET, SBX_LIMIT_UNSET};
        assert_int_equal(sbx_sd_properties(&l, SBX_PLACE_LIMIT, p), 0); /* nothing set: nothing sent */

        l = (struct sbx_cgroup_limits){.memory_max = 100ULL << 20,
                                       .memory_high = SBX_LIMIT_INFINITY,
                                       .memory_swap_max = 0,
                                       .tasks_max = 64,
                                       .cpu_quota = 50,
                                       .cpu_weight = 20,
                                       .io_weight = 300};
        size_t n = sbx_sd_properties(&l, SBX_PLACE_LIMIT, p);
        assert_int_equal(n, 7);

        q = find_prop(p, n, "MemoryMax");
        assert_string_equal(q->property, "MemoryMax");
        assert_string_equal(q->file, "memory.max");
        assert_true(q->value == 104857600ULL);
        assert_string_equal(q->expect, "104857600");
        assert_true(q->bytes);

        /* infinity is systemd's UINT64_MAX and the kernel's "max" */
        q = find_prop(p, n, "MemoryHigh");
        assert_true(q->value == UINT64_MAX);
        assert_string_equal(q->expect, "max");
        assert_string_equal(q->file, "memory.high");

        q = find_prop(p, n, "MemorySwapMax");
        assert_true(q->value == 0);
        assert_string_equal(q->file, "memory.swap.max");
        assert_string_equal(q->expect, "0");

        q = find_prop(p, n, "TasksMax");
        assert_string_equal(q->file, "pids.max");
        assert_true(q->value == 64);
        assert_false(q->bytes);

        /* 50% of one CPU: 500 ms per second for systemd, 50 ms per 100 ms period in cpu.max */
        q = find_prop(p, n, "CPUQuota");
        assert_string_equal(q->property, "CPUQuotaPerSecUSec");
        assert_true(q->value == 500000);
        assert_string_equal(q->file, "cpu.max");
        assert_string_equal(q->expect, "50000 100000");

        q = find_prop(p, n, "CPUWeight");
        assert_string_equal(q->file, "cpu.weight");
        assert_string_equal(q->expect, "20");

        q = find_prop(p, n, "IOWeight");
        assert_string_equal(q->file, "io.weight");
        assert_string_equal(q->expect, "default 300");
        assert_true(q->value == 300);

        /* Only what is set, infinity included. */
        l = (struct sbx_cgroup_limits){SBX_LIMIT_UNSET, SBX_LIMIT_UNSET, SBX_LIMIT_UNSET, SBX_LIMIT_INFINITY, 200,
                                       SBX_LIMIT_UNSET, SBX_LIMIT_UNSET};
        n = sbx_sd_properties(&l, SBX_PLACE_LIMIT, p);
        assert_int_equal(n, 2);
        assert_string_equal(p[0].keyword, "TasksMax");
        assert_string_equal(p[0].expect, "max");
        assert_string_equal(p[1].keyword, "CPUQuota");
        assert_true(p[1].value == 2000000);
        assert_string_equal(p[1].expect, "200000 100000");

        /* A session's limits go on its scope as the same properties, named by the session keywords. */
        n = sbx_sd_properties(&l, SBX_PLACE_SESSION, p);
        assert_int_equal(n, 2);
        assert_string_equal(p[0].keyword, "SessionTasksMax");
        assert_string_equal(p[0].property, "TasksMax");
        assert_string_equal(p[1].keyword, "SessionCPUQuota");
        assert_string_equal(p[1].property, "CPUQuotaPerSecUSec");
}

static void test_sd_value_matches(void **state)
{
        struct sbx_sd_prop p[SBX_SD_MAX_PROPS];
        struct sbx_cgroup_limits l = {.memory_max = 1000000,
                                      .memory_high = SBX_LIMIT_UNSET,
                                      .memory_swap_max = SBX_LIMIT_UNSET,
                                      .tasks_max = 64,
                                      .cpu_quota = SBX_LIMIT_UNSET,
                                      .cpu_weight = SBX_LIMIT_UNSET,
                                      .io_weight = 50};
        size_t n = sbx_sd_properties(&l, SBX_PLACE_LIMIT, p);
        assert_int_equal(n, 3);
        const struct sbx_sd_prop *mem = &p[0], *tasks = &p[1], *io = &p[2];

        assert_true(sbx_sd_value_matches(tasks, "64\n", 4096));
        assert_true(sbx_sd_value_matches(tasks, "64", 4096));
        assert_false(sbx_sd_value_matches(tasks, "640\n", 4096));
        assert_false(sbx_sd_value_matches(tasks, "6\n", 4096));
        assert_false(sbx_sd_value_matches(tasks, "max\n", 4096));
        assert_false(sbx_sd_value_matches(tasks, "", 4096));

        /* The kernel keeps pages: 1000000 bytes read back as 999424 with 4 KiB pages, and nothing else passes. */
        assert_true(sbx_sd_value_matches(mem, "1000000\n", 4096));
        assert_true(sbx_sd_value_matches(mem, "999424\n", 4096));
        assert_false(sbx_sd_value_matches(mem, "995328\n", 4096));
        assert_false(sbx_sd_value_matches(mem, "1003520\n", 4096));
        assert_false(sbx_sd_value_matches(mem, "max\n", 4096));
        assert_false(sbx_sd_value_matches(mem, "999424junk\n", 4096));

        /* io.weight: the default line first, per-device lines after it. */
        assert_true(sbx_sd_value_matches(io, "default 50\n8:0 100\n", 4096));
        assert_false(sbx_sd_value_matches(io, "default 100\n", 4096));
        assert_false(sbx_sd_value_matches(io, "default 500\n", 4096));
}

static void test_sd_scope_is_own(void **state)
{
        /* logind's scope of this user's login */
        assert_true(sbx_sd_scope_is_own("session-3.scope", "user-1000.slice", 0, 1000, 1000));
        /* su from root's session: root's scope, never ours to limit */
        assert_false(sbx_sd_scope_is_own("session-1.scope", "user-0.slice", 0, 0, 1000));
        /* a scope in the user's slice whose owner is someone else (as logind reports it) */
        assert_false(sbx_sd_scope_is_own("session-3.scope", "user-1000.slice", 0, 0, 1000));
        /* no pam_systemd: sshd's service */
        assert_false(sbx_sd_scope_is_own("ssh.service", "system.slice", -ENXIO, 0, 1000));
        assert_false(sbx_sd_scope_is_own("user@1000.service", "user-1000.slice", 0, 1000, 1000));
        assert_false(sbx_sd_scope_is_own("session-3.scope", "user-1000.slice", -ENODATA, 1000, 1000));
        assert_false(sbx_sd_scope_is_own(".scope", "user-1000.slice", 0, 1000, 1000));
        assert_false(sbx_sd_scope_is_own(NULL, "user-1000.slice", 0, 1000, 1000));
        assert_false(sbx_sd_scope_is_own("session-3.scope", NULL, 0, 1000, 1000));
        assert_false(sbx_sd_scope_is_own("session-3.scope", "user-10000.slice", 0, 1000, 1000));
}

static void test_sd_detect(void **state)
{
        char dir[] = "/tmp/sbx-unit-sd.XXXXXX";
        assert_non_null(mkdtemp(dir));
        /* This machine boots no systemd and /sys/fs/cgroup is not cgroup2 here: cgroupfs, whatever the marker. */
        assert_int_equal(sbx_sd_detect_at("/nonexistent/run/systemd/system", "/sys/fs/cgroup"),
                         SBX_CGROUP_BACKEND_CGROUPFS);
        assert_int_equal(sbx_sd_detect_at(dir, "/proc"), SBX_CGROUP_BACKEND_CGROUPFS);
        assert_int_equal(sbx_sd_detect_at(dir, "/nonexistent"), SBX_CGROUP_BACKEND_CGROUPFS);
        /* A cgroup2 mount and the marker directory: systemd. /sys/fs/cgroup/unified (hybrid) or /sys/fs/cgroup
         * (pure v2) serves as the cgroup2 mount where this machine has one. */
        const char *v2 = NULL;
        struct statfs fs;
        if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == 0x63677270)
                v2 = "/sys/fs/cgroup";
        else if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == 0x63677270)
                v2 = "/sys/fs/cgroup/unified";
        if (v2) {
                assert_int_equal(sbx_sd_detect_at(dir, v2), SBX_CGROUP_BACKEND_SYSTEMD);
                assert_int_equal(sbx_sd_detect_at("/nonexistent", v2), SBX_CGROUP_BACKEND_CGROUPFS);
        }
        /* The marker must be a directory. */
        char file[sizeof(dir) + 8];
        (void)snprintf(file, sizeof(file), "%s/f", dir);
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        (void)fclose(f);
        if (v2)
                assert_int_equal(sbx_sd_detect_at(file, v2), SBX_CGROUP_BACKEND_CGROUPFS);
        (void)unlink(file);
        (void)rmdir(dir);
}

/* CgroupBackend: parsed strictly, resolved like any keyword (first value wins, a matching block beats a global one). */
static enum sbx_cgroup_backend backend_for(const char *text, const char *name)
{
        char *groups[] = {(char *)name, NULL};
        struct sbx_user u = {.name = (char *)name,
                             .uid = 1001,
                             .gid = 1001,
                             .group = (char *)name,
                             .home = (char *)"/home/x",
                             .groups = groups};
        struct sbx_config *c = sbx_config_new();
        struct sbx_policy *p = NULL;
        struct sbx_err err = {0};
        assert_non_null(c);
        assert_int_equal(sbx_config_parse_buffer(c, "/etc/sandbox-shell/sandbox-shell.conf", text, strlen(text)), 0);
        assert_int_equal(c->n_errors, 0);
        assert_int_equal(sbx_policy_resolve(c, &u, &p, &err), 0);
        enum sbx_cgroup_backend b = p->cgroup_backend;
        sbx_policy_free(p);
        sbx_config_free(c);
        return b;
}

static void test_backend_keyword(void **state)
{
        assert_int_equal(backend_for("# nothing\n", "alice"), SBX_CGROUP_BACKEND_AUTO);
        assert_int_equal(backend_for("CgroupBackend systemd\n", "alice"), SBX_CGROUP_BACKEND_SYSTEMD);
        assert_int_equal(backend_for("CgroupBackend cgroupfs\n", "alice"), SBX_CGROUP_BACKEND_CGROUPFS);
        assert_int_equal(backend_for("cgroupbackend AUTO\n", "alice"), SBX_CGROUP_BACKEND_AUTO);
        const char *blocks = "CgroupBackend cgroupfs\nMatch User bob\n    CgroupBackend systemd\n";
        assert_int_equal(backend_for(blocks, "bob"), SBX_CGROUP_BACKEND_SYSTEMD);
        assert_int_equal(backend_for(blocks, "alice"), SBX_CGROUP_BACKEND_CGROUPFS);

        struct sbx_config *c = sbx_config_new();
        const char *bad = "CgroupBackend\nCgroupBackend cgroup\n";
        assert_int_equal(sbx_config_parse_buffer(c, "/x.conf", bad, strlen(bad)), 0);
        assert_int_equal(c->n_errors, 2);
        assert_string_equal(c->errors[0].msg, "/x.conf:1: CgroupBackend: missing value");
        assert_string_equal(c->errors[1].msg,
                            "/x.conf:2: CgroupBackend: invalid value 'cgroup' (expected auto, systemd or cgroupfs)");
        sbx_config_free(c);
        assert_string_equal(sbx_cgroup_backend_name(SBX_CGROUP_BACKEND_SYSTEMD), "systemd");
        assert_string_equal(sbx_cgroup_backend_name(SBX_CGROUP_BACKEND_CGROUPFS), "cgroupfs");
}

/* Without libsystemd, a session that needs the systemd backend is refused with the reason, and nothing is made. */
#if !HAVE_SYSTEMD
static void test_backend_without_systemd(void **state)
{
        struct sbx_cgroup_limits l = {.memory_max = SBX_LIMIT_UNSET,
                                      .memory_high = SBX_LIMIT_UNSET,
                                      .memory_swap_max = SBX_LIMIT_UNSET,
                                      .tasks_max = 10,
                                      .cpu_quota = SBX_LIMIT_UNSET,
                                      .cpu_weight = SBX_LIMIT_UNSET,
                                      .io_weight = SBX_LIMIT_UNSET};
        struct sbx_cgroup_params p = {.backend = SBX_CGROUP_BACKEND_SYSTEMD,
                                      .cgroup_root = "/sandbox-shell",
                                      .user = "alice",
                                      .uid = 1001,
                                      .limits = &l,
                                      .pid = getpid()};
        struct sbx_cgroup_session *s = NULL;
        struct sbx_err err = {0};
        assert_int_equal(sbx_cgroup_session_start(&p, &s, &err), -EOPNOTSUPP);
        assert_null(s);
        assert_string_equal(err.msg, "this host runs systemd, but sandbox-shell was built without systemd support");
}
#endif

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_user),
                cmocka_unit_test(test_expand_root),
                cmocka_unit_test(test_detect_layout),
                cmocka_unit_test(test_weights),
                cmocka_unit_test(test_parse_leaf),
                cmocka_unit_test(test_leaf_state),
                cmocka_unit_test(test_wait_empty),
                cmocka_unit_test(test_v1_refusals),
                cmocka_unit_test(test_sd_names),
                cmocka_unit_test(test_sd_properties),
                cmocka_unit_test(test_sd_value_matches),
                cmocka_unit_test(test_sd_scope_is_own),
                cmocka_unit_test(test_sd_detect),
                cmocka_unit_test(test_backend_keyword),
#if !HAVE_SYSTEMD
                cmocka_unit_test(test_backend_without_systemd),
#endif
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
