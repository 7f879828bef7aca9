/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/namespace: the shell's argv and clean environment, exit codes, the /proc status signal masks. (Launching PID 1
 * needs root and file capabilities: tests/integration/test-shell-*.sh.) */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "namespace.h"

static void test_argv(void **state)
{
        struct sbx_err err = {0};
        char **v = NULL;

        assert_int_equal(sbx_ns_build_argv("/bin/bash", true, NULL, &v, &err), 0);
        assert_string_equal(v[0], "-bash");
        assert_null(v[1]);
        strv_free(v);

        assert_int_equal(sbx_ns_build_argv("/usr/bin/zsh", false, "echo $$", &v, &err), 0);
        assert_string_equal(v[0], "zsh");
        assert_string_equal(v[1], "-c");
        assert_string_equal(v[2], "echo $$");
        assert_null(v[3]);
        strv_free(v);

        assert_int_equal(sbx_ns_build_argv("/bin/sh", true, "id", &v, &err), 0);
        assert_string_equal(v[0], "-sh");
        strv_free(v);

        assert_int_equal(sbx_ns_build_argv("bin/sh", false, NULL, &v, &err), -EINVAL);
        assert_int_equal(sbx_ns_build_argv("/bin/", false, NULL, &v, &err), -EINVAL);
}

static char *env_get(char **env, const char *name)
{
        size_t n = strlen(name);
        for (char **i = env; *i; i++)
                if (strncmp(*i, name, n) == 0 && (*i)[n] == '=')
                        return *i + n + 1;
        return NULL;
}

static void test_env(void **state)
{
        char *policy_env[] = {"PATH=/opt/bin", "EDITOR=vi", NULL};
        struct sbx_policy p = {
                .user = "alice",
                .home = "/home/alice",
                .shell = "/bin/sh",
                .environment = policy_env,
                .n_environment = 2,
        };
        char *caller[] = {
                "TERM=xterm-256color", "LANG=en_US.UTF-8", "LC_ALL=C", "LC_TIME=de_DE.UTF-8@euro",
                "LD_PRELOAD=/tmp/x.so", "HOME=/root", "USER=root", "SHELL=/bin/bash", "LANGUAGE=en",
                "LC_bad=C", "LC_CTYPE=../../etc", "BASH_ENV=/tmp/x", "IFS=x", "noequals", NULL,
        };
        struct sbx_err err = {0};
        char **env = NULL;
        assert_int_equal(sbx_ns_build_env(&p, caller, &env, &err), 0);

        assert_string_equal(env_get(env, "HOME"), "/home/alice");
        assert_string_equal(env_get(env, "USER"), "alice");
        assert_string_equal(env_get(env, "LOGNAME"), "alice");
        assert_string_equal(env_get(env, "SHELL"), "/bin/sh");
        assert_string_equal(env_get(env, "PATH"), "/opt/bin"); /* the policy wins */
        assert_string_equal(env_get(env, "EDITOR"), "vi");
        assert_string_equal(env_get(env, "TERM"), "xterm-256color");
        assert_string_equal(env_get(env, "LANG"), "en_US.UTF-8");
        assert_string_equal(env_get(env, "LC_ALL"), "C");
        assert_string_equal(env_get(env, "LC_TIME"), "de_DE.UTF-8@euro");
        assert_null(env_get(env, "LD_PRELOAD"));
        assert_null(env_get(env, "LANGUAGE"));
        assert_null(env_get(env, "LC_bad"));
        assert_null(env_get(env, "LC_CTYPE"));
        assert_null(env_get(env, "BASH_ENV"));
        assert_null(env_get(env, "IFS"));
        size_t n = 0;
        for (char **i = env; *i; i++)
                n++;
        assert_int_equal(n, 10);
        strv_free(env);

        /* Without a caller environment and without policy lines: exactly the five. */
        p.environment = NULL;
        p.n_environment = 0;
        assert_int_equal(sbx_ns_build_env(&p, NULL, &env, &err), 0);
        assert_string_equal(env_get(env, "PATH"), SBX_DEFAULT_PATH);
        char *bad_term[] = {"TERM=xterm;rm -rf ~", NULL};
        strv_free(env);
        assert_int_equal(sbx_ns_build_env(&p, bad_term, &env, &err), 0);
        assert_null(env_get(env, "TERM"));
        n = 0;
        for (char **i = env; *i; i++)
                n++;
        assert_int_equal(n, 5);
        strv_free(env);
}

static void test_exit_code(void **state)
{
        assert_int_equal(sbx_ns_exit_code(0), 0);
        assert_int_equal(sbx_ns_exit_code(7 << 8), 7);
        assert_int_equal(sbx_ns_exit_code(SIGKILL), 137);
        assert_int_equal(sbx_ns_exit_code(SIGHUP), 129);
        assert_int_equal(sbx_ns_exit_code(SIGQUIT | 0x80), 131); /* core dumped */
}

static void test_sigmask(void **state)
{
        const char *status = "Name:\tsh\nSigQ:\t0/1\nSigPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n"
                             "SigIgn:\t0000000000000004\nSigCgt:\t0000000000010002\nCapInh:\t0\n";
        uint64_t m = 0;
        assert_int_equal(sbx_ns_parse_sigmask(status, "SigCgt", &m), 0);
        assert_true(m & (1ULL << (SIGINT - 1)));
        assert_true(m & (1ULL << (SIGCHLD - 1)));
        assert_false(m & (1ULL << (SIGHUP - 1)));
        assert_int_equal(sbx_ns_parse_sigmask(status, "SigIgn", &m), 0);
        assert_int_equal(m, 1ULL << (SIGQUIT - 1));
        assert_int_equal(sbx_ns_parse_sigmask(status, "SigXyz", &m), -ENOENT);
        assert_int_equal(sbx_ns_parse_sigmask("SigCgt:\tzz\n", "SigCgt", &m), -ENOENT);
        assert_int_equal(sbx_ns_parse_sigmask("", "SigCgt", &m), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_argv),
                cmocka_unit_test(test_env),
                cmocka_unit_test(test_exit_code),
                cmocka_unit_test(test_sigmask),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
