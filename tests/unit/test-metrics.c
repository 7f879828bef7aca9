/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus exposition of `sandbox-shellctl metrics` from a session list made by hand (escaping, unknown
 * figures and unset limits left out, exact decimals, one header per family, an instance's logins) and the atomic
 * write of the textfile in a temporary directory. No root needed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics.h"

static char *render_label(const char *s)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        assert_non_null(f);
        sbx_metrics_put_label_value(f, s);
        assert_int_equal(fclose(f), 0);
        return out;
}

static void test_label_escaping(void **state)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                {"alice", "alice"},
                {"", ""},
                {"a\\b", "a\\\\b"},
                {"say \"hi\"", "say \\\"hi\\\""},
                {"two\nlines", "two\\nlines"},
                {"\\\"\n", "\\\\\\\"\\n"},
                /* Only those three: a tab or a UTF-8 name goes as it is. */
                {"t\tb\xc3\xa9", "t\tb\xc3\xa9"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *got = render_label(cases[i].in);
                assert_string_equal(got, cases[i].out);
                free(got);
        }
}

static char *render(const struct sbx_session_list *l, const struct sbx_metrics_user *u, size_t n)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        assert_non_null(f);
        assert_int_equal(sbx_metrics_render(f, l, u, n), 0);
        assert_int_equal(fclose(f), 0);
        return out;
}

static struct sbx_cgroup_limits unset_limits(void)
{
        return (struct sbx_cgroup_limits){
                .memory_max = SBX_LIMIT_UNSET,
                .memory_high = SBX_LIMIT_UNSET,
                .memory_swap_max = SBX_LIMIT_UNSET,
                .tasks_max = SBX_LIMIT_UNSET,
                .cpu_quota = SBX_LIMIT_UNSET,
                .cpu_weight = SBX_LIMIT_UNSET,
                .io_weight = SBX_LIMIT_UNSET,
        };
}

static void test_render(void **state)
{
        struct sbx_session_info v[4] = {0};
        /* alice: two sessions, the second without a peak (v1 without max_usage_in_bytes, say), and one whose
         * session process is gone (listed, but not a login); bob: an instance with three logins. */
        (void)strlcpy(v[0].user, "alice", sizeof(v[0].user));
        (void)strlcpy(v[0].id, "100-5", sizeof(v[0].id));
        v[0].alive = true;
        v[0].since = 1700000000;
        v[0].usage = (struct sbx_cgroup_usage){.memory_now = 31457280,
                                               .memory_peak = 41943040,
                                               .cpu_usec = 1500001,
                                               .oom_kills = 0,
                                               .tasks_max_hits = 2,
                                               .tasks = 4};
        v[1] = v[0];
        (void)strlcpy(v[1].id, "200-6", sizeof(v[1].id));
        sbx_cgroup_usage_unknown(&v[1].usage);
        v[1].usage.memory_now = 4096;
        v[1].usage.cpu_usec = 70;
        v[1].since = 0;
        v[2] = v[1];
        (void)strlcpy(v[2].id, "300-7", sizeof(v[2].id));
        v[2].alive = false;
        (void)strlcpy(v[3].user, "bob", sizeof(v[3].user));
        (void)strlcpy(v[3].id, "instance", sizeof(v[3].id));
        v[3].instance = true;
        v[3].alive = true;
        v[3].logins = 3;
        sbx_cgroup_usage_unknown(&v[3].usage);
        v[3].usage.tasks = 9;
        struct sbx_session_list l = {v, 4};

        struct sbx_cgroup_limits lim = unset_limits(), slim = unset_limits();
        lim.memory_max = 512ULL << 20;
        lim.tasks_max = SBX_LIMIT_INFINITY; /* infinity: no sample */
        lim.cpu_quota = 150;
        slim.cpu_quota = 5;
        struct sbx_metrics_user users[] = {
                {.user = "alice", .limits = &lim, .session_limits = &slim, .max_sessions = 4},
                /* bob's policy did not resolve: only the figures */
                {.user = "bob", .max_sessions = SBX_LIMIT_UNSET},
        };

        char *got = render(&l, users, 2);
        static const char want[] =
                "# HELP sandbox_shell_memory_bytes Memory the session's cgroup uses now (memory.current; v1 "
                "memory.usage_in_bytes).\n"
                "# TYPE sandbox_shell_memory_bytes gauge\n"
                "sandbox_shell_memory_bytes{user=\"alice\",session=\"100-5\"} 31457280\n"
                "sandbox_shell_memory_bytes{user=\"alice\",session=\"200-6\"} 4096\n"
                "sandbox_shell_memory_bytes{user=\"alice\",session=\"300-7\"} 4096\n"
                "# HELP sandbox_shell_memory_peak_bytes Most memory the session's cgroup has used (memory.peak; v1 "
                "memory.max_usage_in_bytes).\n"
                "# TYPE sandbox_shell_memory_peak_bytes gauge\n"
                "sandbox_shell_memory_peak_bytes{user=\"alice\",session=\"100-5\"} 41943040\n"
                "# HELP sandbox_shell_cpu_seconds_total CPU time used by the session's processes.\n"
                "# TYPE sandbox_shell_cpu_seconds_total counter\n"
                "sandbox_shell_cpu_seconds_total{user=\"alice\",session=\"100-5\"} 1.500001\n"
                "sandbox_shell_cpu_seconds_total{user=\"alice\",session=\"200-6\"} 0.000070\n"
                "sandbox_shell_cpu_seconds_total{user=\"alice\",session=\"300-7\"} 0.000070\n"
                "# HELP sandbox_shell_tasks Processes and threads in the session's cgroup (pids.current).\n"
                "# TYPE sandbox_shell_tasks gauge\n"
                "sandbox_shell_tasks{user=\"alice\",session=\"100-5\"} 4\n"
                "sandbox_shell_tasks{user=\"bob\",session=\"instance\"} 9\n"
                "# HELP sandbox_shell_oom_kills_total Processes of the session killed for lack of memory.\n"
                "# TYPE sandbox_shell_oom_kills_total counter\n"
                "sandbox_shell_oom_kills_total{user=\"alice\",session=\"100-5\"} 0\n"
                "# HELP sandbox_shell_tasks_max_hits_total Forks of the session refused by a TasksMax limit.\n"
                "# TYPE sandbox_shell_tasks_max_hits_total counter\n"
                "sandbox_shell_tasks_max_hits_total{user=\"alice\",session=\"100-5\"} 2\n"
                "# HELP sandbox_shell_session_start_time_seconds When the session process (an instance: its init) "
                "started, in seconds since the epoch.\n"
                "# TYPE sandbox_shell_session_start_time_seconds gauge\n"
                "sandbox_shell_session_start_time_seconds{user=\"alice\",session=\"100-5\"} 1700000000\n"
                "# HELP sandbox_shell_sessions Logins of the user open now (an instance counts each of its logins).\n"
                "# TYPE sandbox_shell_sessions gauge\n"
                "sandbox_shell_sessions{user=\"alice\"} 2\n"
                "sandbox_shell_sessions{user=\"bob\"} 3\n"
                "# HELP sandbox_shell_sessions_max MaxSessions of the user's policy.\n"
                "# TYPE sandbox_shell_sessions_max gauge\n"
                "sandbox_shell_sessions_max{user=\"alice\"} 4\n"
                "# HELP sandbox_shell_memory_max_bytes MemoryMax of the user's policy: all its sessions together.\n"
                "# TYPE sandbox_shell_memory_max_bytes gauge\n"
                "sandbox_shell_memory_max_bytes{user=\"alice\"} 536870912\n"
                "# HELP sandbox_shell_cpu_max_ratio CPUQuota of the user's policy in CPUs (1.5 = 150%): all its "
                "sessions together.\n"
                "# TYPE sandbox_shell_cpu_max_ratio gauge\n"
                "sandbox_shell_cpu_max_ratio{user=\"alice\"} 1.50\n"
                "# HELP sandbox_shell_session_cpu_max_ratio SessionCPUQuota of the user's policy in CPUs (1.5 = "
                "150%): each session.\n"
                "# TYPE sandbox_shell_session_cpu_max_ratio gauge\n"
                "sandbox_shell_session_cpu_max_ratio{user=\"alice\"} 0.05\n";
        assert_string_equal(got, want);
        free(got);
}

static void test_render_escapes_labels(void **state)
{
        struct sbx_session_info v = {.alive = true};
        (void)strlcpy(v.user, "a\"b", sizeof(v.user));
        (void)strlcpy(v.id, "x\\y\nz", sizeof(v.id));
        sbx_cgroup_usage_unknown(&v.usage);
        v.usage.tasks = 1;
        struct sbx_session_list l = {&v, 1};
        char *got = render(&l, NULL, 0);
        assert_non_null(strstr(got, "\nsandbox_shell_tasks{user=\"a\\\"b\",session=\"x\\\\y\\nz\"} 1\n"));
        assert_non_null(strstr(got, "\nsandbox_shell_sessions{user=\"a\\\"b\"} 1\n"));
        free(got);
}

static void test_render_empty(void **state)
{
        struct sbx_session_list l = {0};
        char *got = render(&l, NULL, 0);
        /* No family without a sample: an empty file is a valid exposition. */
        assert_string_equal(got, "");
        free(got);
}

/* ---- the textfile ---- */

static char dir[64];

static int setup_dir(void **state)
{
        (void)snprintf(dir, sizeof(dir), "/tmp/sbx-test-metrics.XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
        char cmd[128];
        (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

/* The names in dir, sorted, space-separated. */
static void entries(char *buf, size_t size)
{
        struct dirent **list;
        int n = scandir(dir, &list, NULL, alphasort);
        assert_true(n >= 0);
        buf[0] = '\0';
        for (int i = 0; i < n; i++) {
                if (strcmp(list[i]->d_name, ".") != 0 && strcmp(list[i]->d_name, "..") != 0) {
                        if (buf[0])
                                (void)strlcat(buf, " ", size);
                        (void)strlcat(buf, list[i]->d_name, size);
                }
                free(list[i]);
        }
        free(list);
}

static void slurp(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        ssize_t n = read(fd, buf, size - 1);
        assert_true(n >= 0);
        buf[n] = '\0';
        (void)close(fd);
}

static void test_textfile_write_and_replace(void **state)
{
        char path[128], buf[256], names[256];
        struct sbx_err err = {0};
        struct stat st;
        (void)snprintf(path, sizeof(path), "%s/sandbox_shell.prom", dir);
        /* The mode is 0644 whatever the umask: node_exporter reads the file as another user. */
        mode_t old = umask(077);
        assert_int_equal(sbx_metrics_write_textfile(path, "a 1\n", 4, &err), 0);
        (void)umask(old);
        slurp(path, buf, sizeof(buf));
        assert_string_equal(buf, "a 1\n");
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        entries(names, sizeof(names));
        assert_string_equal(names, "sandbox_shell.prom");

        /* A second run replaces the file: a new inode, never the old one rewritten in place. */
        ino_t ino = st.st_ino;
        assert_int_equal(sbx_metrics_write_textfile(path, "b 2\n", 4, &err), 0);
        slurp(path, buf, sizeof(buf));
        assert_string_equal(buf, "b 2\n");
        assert_int_equal(stat(path, &st), 0);
        assert_true(st.st_ino != ino);
        entries(names, sizeof(names));
        assert_string_equal(names, "sandbox_shell.prom");
}

static void test_textfile_symlink_replaced(void **state)
{
        char path[128], target[128], buf[64], names[256];
        struct sbx_err err = {0};
        struct stat st;
        (void)snprintf(path, sizeof(path), "%s/m.prom", dir);
        (void)snprintf(target, sizeof(target), "%s/elsewhere", dir);
        assert_int_equal(symlink("elsewhere", path), 0);
        assert_int_equal(sbx_metrics_write_textfile(path, "c 3\n", 4, &err), 0);
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(lstat(target, &st), -1);
        slurp(path, buf, sizeof(buf));
        assert_string_equal(buf, "c 3\n");
        entries(names, sizeof(names));
        assert_string_equal(names, "m.prom");
}

static void test_textfile_errors(void **state)
{
        char path[128], names[256];
        struct sbx_err err = {0};
        (void)snprintf(path, sizeof(path), "%s/missing/sandbox_shell.prom", dir);
        assert_int_equal(sbx_metrics_write_textfile(path, "a 1\n", 4, &err), -ENOENT);
        assert_non_null(strstr(err.msg, path));
        assert_non_null(strstr(err.msg, "No such file or directory"));

        /* The rename fails (a directory holds the name): the new file goes again, the directory stays. */
        (void)snprintf(path, sizeof(path), "%s/taken.prom", dir);
        assert_int_equal(mkdir(path, 0755), 0);
        err = (struct sbx_err){0};
        assert_int_equal(sbx_metrics_write_textfile(path, "a 1\n", 4, &err), -EISDIR);
        assert_non_null(strstr(err.msg, path));
        entries(names, sizeof(names));
        assert_string_equal(names, "taken.prom");

        err = (struct sbx_err){0};
        (void)snprintf(path, sizeof(path), "%s/", dir);
        assert_int_equal(sbx_metrics_write_textfile(path, "a 1\n", 4, &err), -EINVAL);
        assert_non_null(strstr(err.msg, path));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_label_escaping),
                cmocka_unit_test(test_render),
                cmocka_unit_test(test_render_escapes_labels),
                cmocka_unit_test(test_render_empty),
                cmocka_unit_test_setup_teardown(test_textfile_write_and_replace, setup_dir, teardown_dir),
                cmocka_unit_test_setup_teardown(test_textfile_symlink_replaced, setup_dir, teardown_dir),
                cmocka_unit_test_setup_teardown(test_textfile_errors, setup_dir, teardown_dir),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
