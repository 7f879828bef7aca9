/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core/policy: Match evaluation, precedence, tokens, defaults, per-user conflicts; and the whole load through
 * nss_wrapper (the program re-executes itself with libnss_wrapper preloaded and the fixtures in data/nss). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "nss-wrapper.h"

#include "config.h"
#include "policy.h"

#define MAIN "/etc/sandbox-shell/sandbox-shell.conf"
#define DROPIN "/etc/sandbox-shell/sandbox-shell.conf.d/10-a.conf"

/* A user described by hand: the core of the resolution needs no NSS. */
struct test_user {
        struct sbx_user u;
        char *groups[8];
};

static struct sbx_user *user(struct test_user *t, const char *name, uid_t uid, const char *home, ...)
{
        va_list ap;
        size_t n = 0;
        memset(t, 0, sizeof(*t));
        t->u.name = (char *)name;
        t->u.uid = uid;
        t->u.gid = uid;
        t->u.home = (char *)home;
        va_start(ap, home);
        for (const char *g; (g = va_arg(ap, const char *)) && n < 7;)
                t->groups[n++] = (char *)g;
        va_end(ap);
        t->u.group = t->groups[0] ? t->groups[0] : (char *)name;
        t->u.groups = t->groups;
        return &t->u;
}

/* Parses (path, text) pairs in order, as the loader would read drop-ins then the main file. */
static struct sbx_config *parse(const char *path, const char *text, ...)
{
        struct sbx_config *c = sbx_config_new();
        va_list ap;
        assert_non_null(c);
        va_start(ap, text);
        for (; path; path = va_arg(ap, const char *), text = path ? va_arg(ap, const char *) : NULL)
                assert_int_equal(sbx_config_parse_buffer(c, path, text, strlen(text)), 0);
        va_end(ap);
        return c;
}

static struct sbx_policy *resolve_ok(struct sbx_config *c, const struct sbx_user *u)
{
        struct sbx_policy *p = NULL;
        struct sbx_err err = {0};
        for (size_t i = 0; i < c->n_errors; i++)
                print_message("unexpected config error: %s\n", c->errors[i].msg);
        assert_int_equal(c->n_errors, 0);
        int r = sbx_policy_resolve(c, u, &p, &err);
        if (r < 0)
                print_message("resolve: %s\n", err.msg);
        assert_int_equal(r, 0);
        return p;
}

static void resolve_fails(struct sbx_config *c, const struct sbx_user *u, const char *msg)
{
        struct sbx_policy *p = NULL;
        struct sbx_err err = {0};
        assert_int_equal(sbx_policy_resolve(c, u, &p, &err), -EINVAL);
        assert_null(p);
        assert_string_equal(err.msg, msg);
}

static void assert_origin(const struct sbx_origin *o, const char *file, unsigned line)
{
        if (!file) {
                assert_null(o->file);
                return;
        }
        assert_non_null(o->file);
        assert_string_equal(o->file, file);
        assert_int_equal(o->line, line);
}

static void test_defaults(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(MAIN, "# nothing\n", NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", "alice", NULL));
        assert_string_equal(p->user, "alice");
        assert_int_equal(p->uid, 1001);
        assert_string_equal(p->group, "alice");
        assert_string_equal(p->home, "/home/alice");
        assert_false(p->sandbox);
        assert_string_equal(p->root_directory, SBX_DEFAULT_ROOT_DIRECTORY);
        assert_string_equal(p->shell, "/bin/sh");
        assert_string_equal(p->hostname, "sandbox");
        /* The session policy: no limit but the stop timeout and the warning, every session limit unset. */
        assert_true(p->runtime_max == SBX_LIMIT_UNSET && p->idle_timeout == SBX_LIMIT_UNSET);
        assert_int_equal(p->runtime_warn, 300ULL * 1000000);
        assert_int_equal(p->timeout_stop, 10ULL * 1000000);
        assert_true(p->max_sessions == SBX_LIMIT_UNSET);
        assert_null(p->commands);
        assert_true(p->session_limits.memory_max == SBX_LIMIT_UNSET && p->session_limits.tasks_max == SBX_LIMIT_UNSET);
        assert_int_equal(p->network, SBX_NETWORK_NONE);
        assert_true(p->kill_on_logout);
        assert_string_equal(p->cgroup_root, "/sandbox-shell");
        assert_true(p->limits.memory_max == SBX_LIMIT_UNSET && p->limits.memory_high == SBX_LIMIT_UNSET);
        assert_true(p->limits.memory_swap_max == SBX_LIMIT_UNSET && p->limits.tasks_max == SBX_LIMIT_UNSET);
        assert_true(p->limits.cpu_quota == SBX_LIMIT_UNSET && p->limits.cpu_weight == SBX_LIMIT_UNSET);
        assert_true(p->limits.io_weight == SBX_LIMIT_UNSET);
        for (int k = 0; k < _SBX_KEY_MAX; k++)
                assert_null(p->origin[k].file);
        assert_int_equal(p->n_binds, 1);
        assert_string_equal(p->binds[0].src, "/home/alice");
        assert_string_equal(p->binds[0].dst, "/home/alice");
        assert_true(p->binds[0].rw);
        assert_null(p->binds[0].origin.file);
        assert_int_equal(p->n_tmpfs, 2);
        assert_string_equal(p->tmpfs[0].dst, "/tmp");
        assert_int_equal(p->tmpfs[0].size, SBX_DEFAULT_TMP_SIZE);
        assert_false(p->tmpfs[0].optional);
        assert_null(p->tmpfs[0].origin.file);
        /* /var/tmp too, where the rootfs has it: no directory of a rootfs needs to be world-writable. */
        assert_string_equal(p->tmpfs[1].dst, "/var/tmp");
        assert_int_equal(p->tmpfs[1].size, SBX_DEFAULT_TMP_SIZE);
        assert_true(p->tmpfs[1].optional);
        assert_int_equal(p->n_environment, 0);
        assert_non_null(p->environment);
        assert_null(p->environment[0]);
}

static void test_every_keyword(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(MAIN,
                                                      "Sandbox yes\n"
                                                      "RootDirectory /srv/rootfs\n"
                                                      "Shell /bin/bash\n"
                                                      "Hostname box\n"
                                                      "Network host\n"
                                                      "Bind /srv/data /data\n"
                                                      "Tmpfs /var/tmp 1G\n"
                                                      "Environment EDITOR=vi\n"
                                                      "MemoryMax 512M\n"
                                                      "MemoryHigh 256m\n"
                                                      "MemorySwapMax 0\n"
                                                      "TasksMax 100\n"
                                                      "CPUQuota 150%\n"
                                                      "CPUWeight 50\n"
                                                      "IOWeight 10000\n"
                                                      "KillOnLogout no\n"
                                                      "CgroupRoot %c/sbx\n"
                                                      "SessionMemoryMax 256M\n"
                                                      "SessionMemoryHigh 128M\n"
                                                      "SessionTasksMax 20\n"
                                                      "SessionCPUQuota 50%\n"
                                                      "SessionIOWeight 300\n"
                                                      "MaxSessions 3\n"
                                                      "RuntimeMaxSec 1h30min\n"
                                                      "RuntimeWarnSec 2min\n"
                                                      "IdleTimeoutSec 600\n"
                                                      "TimeoutStopSec 500ms\n"
                                                      "Commands sftp-server /usr/bin/rsync\n",
                                                      NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_true(p->sandbox);
        assert_string_equal(p->root_directory, "/srv/rootfs");
        assert_string_equal(p->shell, "/bin/bash");
        assert_string_equal(p->hostname, "box");
        assert_int_equal(p->network, SBX_NETWORK_HOST);
        assert_int_equal(p->n_binds, 2);
        assert_string_equal(p->binds[0].src, "/srv/data");
        assert_string_equal(p->binds[0].dst, "/data");
        assert_false(p->binds[0].rw); /* ro unless rw is written */
        assert_origin(&p->binds[0].origin, MAIN, 6);
        assert_string_equal(p->binds[1].dst, "/home/alice");
        assert_int_equal(p->n_tmpfs, 2);
        assert_string_equal(p->tmpfs[0].dst, "/var/tmp");
        assert_int_equal(p->tmpfs[0].size, 1024ULL * 1024 * 1024);
        assert_origin(&p->tmpfs[0].origin, MAIN, 7);
        assert_string_equal(p->tmpfs[1].dst, "/tmp");
        assert_int_equal(p->n_environment, 1);
        assert_string_equal(p->environment[0], "EDITOR=vi");
        assert_null(p->environment[1]);
        assert_origin(&p->environment_origin[0], MAIN, 8);
        assert_int_equal(p->limits.memory_max, 512ULL << 20);
        assert_int_equal(p->limits.memory_high, 256ULL << 20);
        assert_int_equal(p->limits.memory_swap_max, 0);
        assert_int_equal(p->limits.tasks_max, 100);
        assert_int_equal(p->limits.cpu_quota, 150);
        assert_int_equal(p->limits.cpu_weight, 50);
        assert_int_equal(p->limits.io_weight, 10000);
        assert_false(p->kill_on_logout);
        assert_string_equal(p->cgroup_root, "%c/sbx");
        assert_int_equal(p->session_limits.memory_max, 256ULL << 20);
        assert_int_equal(p->session_limits.memory_high, 128ULL << 20);
        assert_int_equal(p->session_limits.tasks_max, 20);
        assert_int_equal(p->session_limits.cpu_quota, 50);
        assert_int_equal(p->session_limits.io_weight, 300);
        /* A session's limits without a keyword stay unset. */
        assert_true(p->session_limits.memory_swap_max == SBX_LIMIT_UNSET &&
                    p->session_limits.cpu_weight == SBX_LIMIT_UNSET);
        assert_int_equal(p->max_sessions, 3);
        assert_int_equal(p->runtime_max, 5400ULL * 1000000);
        assert_int_equal(p->runtime_warn, 120ULL * 1000000);
        assert_int_equal(p->idle_timeout, 600ULL * 1000000);
        assert_int_equal(p->timeout_stop, 500ULL * 1000);
        assert_non_null(p->commands);
        assert_string_equal(p->commands[0], "sftp-server");
        assert_string_equal(p->commands[1], "/usr/bin/rsync");
        assert_null(p->commands[2]);
        static const unsigned lines[_SBX_KEY_MAX] = {
                [SBX_KEY_SANDBOX] = 1,
                [SBX_KEY_ROOT_DIRECTORY] = 2,
                [SBX_KEY_SHELL] = 3,
                [SBX_KEY_HOSTNAME] = 4,
                [SBX_KEY_NETWORK] = 5,
                [SBX_KEY_MEMORY_MAX] = 9,
                [SBX_KEY_MEMORY_HIGH] = 10,
                [SBX_KEY_MEMORY_SWAP_MAX] = 11,
                [SBX_KEY_TASKS_MAX] = 12,
                [SBX_KEY_CPU_QUOTA] = 13,
                [SBX_KEY_CPU_WEIGHT] = 14,
                [SBX_KEY_IO_WEIGHT] = 15,
                [SBX_KEY_KILL_ON_LOGOUT] = 16,
                [SBX_KEY_CGROUP_ROOT] = 17,
                [SBX_KEY_SESSION_MEMORY_MAX] = 18,
                [SBX_KEY_SESSION_MEMORY_HIGH] = 19,
                [SBX_KEY_SESSION_TASKS_MAX] = 20,
                [SBX_KEY_SESSION_CPU_QUOTA] = 21,
                [SBX_KEY_SESSION_IO_WEIGHT] = 22,
                [SBX_KEY_MAX_SESSIONS] = 23,
                [SBX_KEY_RUNTIME_MAX_SEC] = 24,
                [SBX_KEY_RUNTIME_WARN_SEC] = 25,
                [SBX_KEY_IDLE_TIMEOUT_SEC] = 26,
                [SBX_KEY_TIMEOUT_STOP_SEC] = 27,
                [SBX_KEY_COMMANDS] = 28,
        };
        for (int k = 0; k < _SBX_KEY_MAX; k++)
                if (lines[k])
                        assert_origin(&p->origin[k], MAIN, lines[k]);
}

static void test_infinity_values(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c =
                parse(MAIN,
                      "MemoryMax infinity\nMemoryHigh INFINITY\nMemorySwapMax infinity\nTasksMax infinity\n"
                      "CPUQuota infinity\nTmpfs /big infinity\nTmpfs /kdefault\n",
                      NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_true(p->limits.memory_max == SBX_LIMIT_INFINITY);
        assert_true(p->limits.memory_high == SBX_LIMIT_INFINITY);
        assert_true(p->limits.memory_swap_max == SBX_LIMIT_INFINITY);
        assert_true(p->limits.tasks_max == SBX_LIMIT_INFINITY);
        /* CPUQuota infinity is "no quota": nothing is written to a fresh cgroup, but the origin says who chose it. */
        assert_true(p->limits.cpu_quota == SBX_LIMIT_UNSET);
        assert_origin(&p->origin[SBX_KEY_CPU_QUOTA], MAIN, 5);
        assert_true(p->tmpfs[0].size == SBX_LIMIT_INFINITY);
        assert_true(p->tmpfs[1].size == SBX_LIMIT_UNSET);
}

static void test_first_value_wins(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c =
                parse(MAIN, "MemoryMax 1G\nMemoryMax 2G\nHostname one\nHostname two\n", NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_int_equal(p->limits.memory_max, 1ULL << 30);
        assert_origin(&p->origin[SBX_KEY_MEMORY_MAX], MAIN, 1);
        assert_string_equal(p->hostname, "one");
        assert_origin(&p->origin[SBX_KEY_HOSTNAME], MAIN, 3);
}

static void test_dropin_overrides_main(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(DROPIN, "TasksMax 10\n", "/x/20-b.conf", "TasksMax 20\n", MAIN,
                                                      "TasksMax 30\nCPUWeight 7\n", NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_int_equal(p->limits.tasks_max, 10);
        assert_origin(&p->origin[SBX_KEY_TASKS_MAX], DROPIN, 1);
        assert_int_equal(p->limits.cpu_weight, 7);
        assert_origin(&p->origin[SBX_KEY_CPU_WEIGHT], MAIN, 2);
}

static void test_match_beats_global(void **state)
{
        struct test_user tu;
        /* The global line comes first in reading order, the Match block still wins for a user it matches. */
        _cleanup_config_ struct sbx_config *c =
                parse(DROPIN, "TasksMax 10\n", MAIN, "TasksMax 30\nMatch User alice\n  TasksMax 40\n", NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_int_equal(p->limits.tasks_max, 40);
        assert_origin(&p->origin[SBX_KEY_TASKS_MAX], MAIN, 3);
        _cleanup_policy_ struct sbx_policy *q = resolve_ok(c, user(&tu, "bob", 1002, "/home/bob", NULL));
        assert_int_equal(q->limits.tasks_max, 10);
        assert_origin(&q->origin[SBX_KEY_TASKS_MAX], DROPIN, 1);
}

static void test_earlier_match_wins(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(
                DROPIN, "Match Group students\nTasksMax 5\n", MAIN,
                "Match User alice\nTasksMax 6\nCPUWeight 9\nMatch All\nTasksMax 7\nCPUWeight 8\nIOWeight 3\n", NULL);
        _cleanup_policy_ struct sbx_policy *p =
                resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", "alice", "students", NULL));
        assert_int_equal(p->limits.tasks_max, 5);
        assert_int_equal(p->limits.cpu_weight, 9);
        assert_int_equal(p->limits.io_weight, 3);
        _cleanup_policy_ struct sbx_policy *q = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_int_equal(q->limits.tasks_max, 6);
}

static void test_match_ends_at_end_of_file(void **state)
{
        struct test_user tu;
        /* The drop-in's block ends with its file: the main file's first line is global again. */
        _cleanup_config_ struct sbx_config *c =
                parse(DROPIN, "Match User nobody\nTasksMax 5\n", MAIN, "TasksMax 6\n", NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_int_equal(p->limits.tasks_max, 6);
}

static void test_match_user_group_both(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(MAIN,
                                                      "Match User alice,bob\nCPUWeight 1\n"
                                                      "Match Group staff\nIOWeight 2\n"
                                                      "Match User carol Group students\nTasksMax 3\n",
                                                      NULL);
        _cleanup_policy_ struct sbx_policy *p;

        p = resolve_ok(c, user(&tu, "bob", 1002, "/home/bob", "bob", "staff", NULL));
        assert_int_equal(p->limits.cpu_weight, 1);
        assert_int_equal(p->limits.io_weight, 2); /* supplementary group */
        assert_true(p->limits.tasks_max == SBX_LIMIT_UNSET);
        sbx_policy_free(p);

        p = resolve_ok(c, user(&tu, "carol", 1003, "/home/carol", "carol", "students", NULL));
        assert_true(p->limits.cpu_weight == SBX_LIMIT_UNSET);
        assert_int_equal(p->limits.tasks_max, 3);
        sbx_policy_free(p);

        /* Both criteria must hold: carol outside students, and alice inside it, get neither. */
        p = resolve_ok(c, user(&tu, "carol", 1003, "/home/carol", "carol", NULL));
        assert_true(p->limits.tasks_max == SBX_LIMIT_UNSET);
        sbx_policy_free(p);
        p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", "students", NULL));
        assert_true(p->limits.tasks_max == SBX_LIMIT_UNSET);
        assert_int_equal(p->limits.cpu_weight, 1);
        sbx_policy_free(p);

        /* The primary group counts as a group. */
        p = resolve_ok(c, user(&tu, "dave", 1004, "/home/dave", "staff", NULL));
        assert_int_equal(p->limits.io_weight, 2);
        sbx_policy_free(p);
        p = NULL;
}

static uint64_t weight_for(struct sbx_config *c, const struct sbx_user *u)
{
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, u);
        return p->limits.cpu_weight;
}

static void test_match_patterns_and_negation(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(MAIN,
                                                      "Match User stu-?? \nCPUWeight 1\n"
                                                      "Match User *,!root,!adm*\nCPUWeight 2\n"
                                                      "Match Group *,!wheel\nCPUWeight 3\n"
                                                      "Match Group lab*\nCPUWeight 4\n",
                                                      NULL);
        assert_int_equal(weight_for(c, user(&tu, "stu-01", 2000, "/h", NULL)), 1);
        assert_int_equal(weight_for(c, user(&tu, "stu-001", 2000, "/h", NULL)), 2);
        assert_int_equal(weight_for(c, user(&tu, "alice", 2000, "/h", NULL)), 2);
        /* root and admin*: the User block is excluded; groups decide. */
        assert_int_equal(weight_for(c, user(&tu, "root", 0, "/root", "root", NULL)), 3);
        assert_int_equal(weight_for(c, user(&tu, "admin", 0, "/h", "wheel", "lab1", NULL)), 4);
        assert_true(weight_for(c, user(&tu, "admin", 0, "/h", "wheel", NULL)) == SBX_LIMIT_UNSET);
}

static void test_match_all(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(MAIN, "CPUWeight 5\nMatch all\nCPUWeight 6\n", NULL);
        assert_int_equal(weight_for(c, user(&tu, "anyone", 5, "/h", NULL)), 6);
}

static void test_tokens(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(MAIN,
                                                      "RootDirectory /srv/roots/%u\n"
                                                      "Shell /bin/%g-sh\n"
                                                      "Hostname %u-%U\n"
                                                      "Bind /srv/%g/%u %h/shared rw\n"
                                                      "Tmpfs %h/cache 16M\n"
                                                      "Environment GREETING=\"hi %u (%U) at %h in %g: 100%%\"\n"
                                                      "CgroupRoot %c\n",
                                                      NULL);
        _cleanup_policy_ struct sbx_policy *p =
                resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", "students", NULL));
        assert_string_equal(p->root_directory, "/srv/roots/alice");
        assert_string_equal(p->shell, "/bin/students-sh");
        assert_string_equal(p->hostname, "alice-1001");
        assert_string_equal(p->binds[0].src, "/srv/students/alice");
        assert_string_equal(p->binds[0].dst, "/home/alice/shared");
        assert_true(p->binds[0].rw);
        assert_string_equal(p->tmpfs[0].dst, "/home/alice/cache");
        assert_string_equal(p->environment[0], "GREETING=hi alice (1001) at /home/alice in students: 100%");
        assert_string_equal(p->cgroup_root, "%c");
}

static void test_tokens_per_user_errors(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(MAIN, "Hostname sbx-%u\n", NULL);
        resolve_fails(c, user(&tu, "john_doe", 1001, "/home/j", NULL),
                      MAIN ":1: Hostname: invalid host name 'sbx-john_doe' (letters, digits, '-' and '.', at most 64) "
                           "(for user john_doe)");
        _cleanup_config_ struct sbx_config *d = parse(MAIN, "Bind %h/pub /pub\n", NULL);
        resolve_fails(d, user(&tu, "x", 1001, "/home/../etc", NULL),
                      MAIN ":1: Bind: '/home/../etc/pub' contains a '..' component (for user x)");
        resolve_fails(d, user(&tu, "x", 1001, "relative/home", NULL),
                      MAIN ":1: Bind: 'relative/home/pub' is not an absolute path (for user x)");
}

static void test_home_and_tmp_defaults_yield(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(MAIN, "Bind /srv/h/%u %h/\nBind /srv/t /tmp rw\n", NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_int_equal(p->n_binds, 2); /* no implicit home bind */
        assert_string_equal(p->binds[0].dst, "/home/alice");
        assert_false(p->binds[0].rw);
        assert_int_equal(p->n_tmpfs, 1); /* /tmp is bound, no implicit tmpfs there */
        assert_string_equal(p->tmpfs[0].dst, "/var/tmp");

        _cleanup_config_ struct sbx_config *d = parse(MAIN, "Tmpfs %h 10M\nTmpfs /tmp 1G\n", NULL);
        _cleanup_policy_ struct sbx_policy *q = resolve_ok(d, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_int_equal(q->n_binds, 0);
        assert_int_equal(q->n_tmpfs, 3);
        assert_int_equal(q->tmpfs[1].size, 1ULL << 30);
        assert_origin(&q->tmpfs[1].origin, MAIN, 2);
        assert_string_equal(q->tmpfs[2].dst, "/var/tmp");
}

static void test_bad_home(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(MAIN, "Match User sbx\nSandbox yes\n", NULL);
        resolve_fails(c, user(&tu, "sbx", 5, "/", NULL),
                      "home directory '/' of user sbx cannot be bound into a sandbox");
        /* An account that is not sandboxed (a daemon with home "/") still resolves, with no home bind. */
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "daemon", 1, "/", NULL));
        assert_int_equal(p->n_binds, 0);
}

static void test_conflicts_across_scopes(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c = parse(DROPIN, "Match User alice\nBind /a /data\nTmpfs /scratch\n", MAIN,
                                                      "Bind /b /data/\nTmpfs /scratch 1M\n", NULL);
        /* Each scope alone is fine; for alice the two Binds meet. bob gets only the global ones. */
        resolve_fails(c, user(&tu, "alice", 1001, "/home/alice", NULL),
                      MAIN ":1: Bind: duplicate destination '/data' conflicts with the Bind for it at " DROPIN
                           ":2 (for user alice)");
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "bob", 1002, "/home/bob", NULL));
        assert_int_equal(p->n_binds, 2);

        _cleanup_config_ struct sbx_config *d =
                parse(MAIN, "Bind /a /home/alice/x\nMatch User alice\nTmpfs %h/x\n", NULL);
        resolve_fails(d, user(&tu, "alice", 1001, "/home/alice", NULL),
                      MAIN ":3: Tmpfs: destination '/home/alice/x' conflicts with the Bind for it at " MAIN
                           ":1 (for user alice)");
        _cleanup_config_ struct sbx_config *e = parse(MAIN, "Bind /a %h/\n", NULL);
        resolve_fails(e, user(&tu, "root", 0, "/", NULL),
                      MAIN ":1: Bind: the destination cannot be '/' (it would hide the whole root directory) (for "
                           "user root)");
}

static void test_environment_precedence(void **state)
{
        struct test_user tu;
        _cleanup_config_ struct sbx_config *c =
                parse(DROPIN, "Environment A=drop-in\n", MAIN,
                      "Environment A=main\nEnvironment B=1\nEnvironment B=2\nMatch User alice\nEnvironment B=match\n"
                      "Environment \"C=two words\"\nEnvironment D=\n",
                      NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        assert_int_equal(p->n_environment, 4);
        assert_string_equal(p->environment[0], "B=match");
        assert_origin(&p->environment_origin[0], MAIN, 5);
        assert_string_equal(p->environment[1], "C=two words");
        assert_string_equal(p->environment[2], "D=");
        assert_string_equal(p->environment[3], "A=drop-in");
        assert_origin(&p->environment_origin[3], DROPIN, 1);
        assert_null(p->environment[4]);
}

/* SystemCallFilter: per name, the first mention by precedence decides; the lists hold only what changes the default. */
static void test_system_call_filter_precedence(void **state)
{
        struct test_user tu, tb;
        _cleanup_config_ struct sbx_config *c =
                parse(DROPIN, "SystemCallFilter !bpf\n", MAIN,
                      "SystemCallFilter ptrace !keyctl bpf getppid\nMatch User alice\nSystemCallFilter keyctl !ptrace "
                      "!userns\n",
                      NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        static const char *const want[][2] = {
                {"keyctl", "y"}, {"ptrace", "n"}, {"userns", "n"}, {"bpf", "n"}, {"getppid", "y"},
        };
        static const unsigned lines[] = {3, 3, 3, 1, 1};
        assert_int_equal(p->n_syscall_rules, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                assert_string_equal(p->syscall_rules[i].name, want[i][0]);
                assert_int_equal(p->syscall_rules[i].deny, want[i][1][0] == 'y');
                assert_origin(&p->syscall_rules[i].origin, i == 3 ? DROPIN : MAIN, lines[i]);
        }
        /* keyctl is denied by default anyway: only the additions and the allowed default entries remain. */
        assert_string_equal(p->syscall_deny[0], "getppid");
        assert_null(p->syscall_deny[1]);
        assert_string_equal(p->syscall_allow[0], "userns");
        assert_string_equal(p->syscall_allow[1], "bpf");
        assert_null(p->syscall_allow[2]);

        _cleanup_policy_ struct sbx_policy *b = resolve_ok(c, user(&tb, "bob", 1002, "/home/bob", NULL));
        assert_string_equal(b->syscall_deny[0], "ptrace");
        assert_string_equal(b->syscall_deny[1], "getppid");
        assert_null(b->syscall_deny[2]);
        assert_string_equal(b->syscall_allow[0], "bpf");
        assert_string_equal(b->syscall_allow[1], "keyctl");
        assert_null(b->syscall_allow[2]);
}

static void test_limits_precedence(void **state)
{
        struct test_user tu, tb;
        _cleanup_config_ struct sbx_config *c = parse(
                MAIN, "LimitNOFILE 1024\nLimitCORE 0\nMatch User alice\nLimitNOFILE 64:128\nLimitNICE -5\n", NULL);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, user(&tu, "alice", 1001, "/home/alice", NULL));
        const struct sbx_rlimit *nofile = &p->limit_nofile;
        assert_true(nofile->soft == 64 && nofile->hard == 128);
        assert_origin(&p->origin[SBX_KEY_LIMIT_NOFILE], MAIN, 4);
        assert_true(p->limit_core.hard == 0);
        assert_true(p->limit_nice.soft == 25);
        assert_true(p->limit_as.soft == SBX_LIMIT_UNSET);
        assert_origin(&p->origin[SBX_KEY_LIMIT_AS], NULL, 0);

        _cleanup_policy_ struct sbx_policy *b = resolve_ok(c, user(&tb, "bob", 1002, "/home/bob", NULL));
        assert_true(b->limit_nofile.soft == 1024);
        assert_true(b->limit_nice.soft == SBX_LIMIT_UNSET);
        assert_int_equal(b->n_syscall_rules, 0);
        assert_null(b->syscall_deny[0]);
        assert_null(b->syscall_allow[0]);
}

static void test_invalid_config_refused_for_everyone(void **state)
{
        struct test_user tu;
        struct sbx_policy *p = NULL;
        struct sbx_err err = {0};
        /* The bad line is in a block alice does not match: the config is still refused for her. */
        _cleanup_config_ struct sbx_config *c = parse(MAIN, "Sandbox yes\nMatch User bob\nTasksMax lots\n", NULL);
        assert_int_equal(sbx_policy_resolve(c, user(&tu, "alice", 1001, "/home/alice", NULL), &p, &err), -EINVAL);
        assert_null(p);
        assert_string_equal(err.msg, MAIN ":3: TasksMax: invalid value 'lots' (expected a positive integer or "
                                          "infinity)");
}

/* ---- NSS, through nss_wrapper ---- */

static void write_file(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        assert_int_equal(close(fd), 0);
}

static void test_nss_load_and_resolve(void **state)
{
        char dir[] = "/tmp/sbx-policy-test.XXXXXX";
        char path[128];
        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0755), 0);
        (void)snprintf(path, sizeof(path), "%s/sandbox-shell.conf", dir);
        write_file(path, "Sandbox no\nMatch Group students\nSandbox yes\nHostname %u\n");

        /* The loader with the owner injected (the files belong to whoever runs the test), NSS for the user. */
        struct sbx_config_options opts = {.owner = geteuid()};
        _cleanup_config_ struct sbx_config *c = NULL;
        _cleanup_user_ struct sbx_user *u = NULL;
        struct sbx_err err = {0};
        assert_int_equal(sbx_config_load(dir, &opts, &c, &err), 0);
        assert_int_equal(sbx_user_lookup_name("carol", true, &u, &err), 0);
        _cleanup_policy_ struct sbx_policy *p = resolve_ok(c, u);
        assert_true(p->sandbox);
        assert_string_equal(p->hostname, "carol");
        assert_string_equal(p->binds[0].dst, "/srv/home/carol");

        /* The production entry points insist on root-owned files: they work when the test runs as root. */
        if (geteuid() == 0) {
                _cleanup_policy_ struct sbx_policy *q = NULL;
                assert_int_equal(sbx_policy_load_user(dir, "bob", &q, &err), 0);
                assert_false(q->sandbox);
                sbx_policy_free(q);
                q = NULL;
                assert_int_equal(sbx_policy_load(dir, 1001, &q, &err), 0);
                assert_true(q->sandbox);
                assert_string_equal(q->user, "alice");
                sbx_policy_free(q);
                q = NULL;
                assert_int_equal(sbx_policy_load_user(dir, "mallory", &q, &err), -ESRCH);
                assert_int_equal(sbx_policy_load(dir, 4242, &q, &err), -ESRCH);
                assert_null(q);
                write_file(path, "Sandbox maybe\n");
                assert_int_equal(sbx_policy_load_user(dir, "alice", &q, &err), -EINVAL);
                (void)snprintf(path, sizeof(path),
                               "%s/sandbox-shell.conf:1: Sandbox: invalid value 'maybe' "
                               "(expected yes or no)",
                               dir);
                assert_string_equal(err.msg, path);
        } else {
                /* Not root: the same files are refused by the production owner check. */
                _cleanup_policy_ struct sbx_policy *q = NULL;
                assert_int_equal(sbx_policy_load_user(dir, "alice", &q, &err), -EPERM);
        }
        (void)snprintf(path, sizeof(path), "%s/sandbox-shell.conf", dir);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

int main(int argc, char **argv)
{
        if (sbx_test_under_nss_wrapper(argv) < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_every_keyword),
                cmocka_unit_test(test_infinity_values),
                cmocka_unit_test(test_first_value_wins),
                cmocka_unit_test(test_dropin_overrides_main),
                cmocka_unit_test(test_match_beats_global),
                cmocka_unit_test(test_earlier_match_wins),
                cmocka_unit_test(test_match_ends_at_end_of_file),
                cmocka_unit_test(test_match_user_group_both),
                cmocka_unit_test(test_match_patterns_and_negation),
                cmocka_unit_test(test_match_all),
                cmocka_unit_test(test_tokens),
                cmocka_unit_test(test_tokens_per_user_errors),
                cmocka_unit_test(test_home_and_tmp_defaults_yield),
                cmocka_unit_test(test_bad_home),
                cmocka_unit_test(test_conflicts_across_scopes),
                cmocka_unit_test(test_environment_precedence),
                cmocka_unit_test(test_system_call_filter_precedence),
                cmocka_unit_test(test_limits_precedence),
                cmocka_unit_test(test_invalid_config_refused_for_everyone),
                cmocka_unit_test(test_nss_load_and_resolve),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
