/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core/env: the shell's argv and its clean environment. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "env.h"

static void test_argv(void **state)
{
        struct sbx_err err = {0};
        char **v = NULL;

        assert_int_equal(sbx_env_argv("/bin/bash", true, NULL, &v, &err), 0);
        assert_string_equal(v[0], "-bash");
        assert_null(v[1]);
        strv_free(v);

        assert_int_equal(sbx_env_argv("/usr/bin/zsh", false, "echo $$", &v, &err), 0);
        assert_string_equal(v[0], "zsh");
        assert_string_equal(v[1], "-c");
        assert_string_equal(v[2], "echo $$");
        assert_null(v[3]);
        strv_free(v);

        assert_int_equal(sbx_env_argv("/bin/sh", true, "id", &v, &err), 0);
        assert_string_equal(v[0], "-sh");
        strv_free(v);

        assert_int_equal(sbx_env_argv("bin/sh", false, NULL, &v, &err), -EINVAL);
        assert_int_equal(sbx_env_argv("/bin/", false, NULL, &v, &err), -EINVAL);
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
                "TERM=xterm-256color",
                "LANG=en_US.UTF-8",
                "LC_ALL=C",
                "LC_TIME=de_DE.UTF-8@euro",
                "LD_PRELOAD=/tmp/x.so",
                "HOME=/root",
                "USER=root",
                "SHELL=/bin/bash",
                "LANGUAGE=en",
                "LC_bad=C",
                "LC_CTYPE=../../etc",
                "BASH_ENV=/tmp/x",
                "IFS=x",
                "noequals",
                NULL,
        };
        struct sbx_err err = {0};
        char **env = NULL;
        assert_int_equal(sbx_env_build(&p, caller, &env, &err), 0);

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
        assert_int_equal(sbx_env_build(&p, NULL, &env, &err), 0);
        assert_string_equal(env_get(env, "PATH"), SBX_DEFAULT_PATH);
        char *bad_term[] = {"TERM=xterm;rm -rf ~", NULL};
        strv_free(env);
        assert_int_equal(sbx_env_build(&p, bad_term, &env, &err), 0);
        assert_null(env_get(env, "TERM"));
        n = 0;
        for (char **i = env; *i; i++)
                n++;
        assert_int_equal(n, 5);
        strv_free(env);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_argv),
                cmocka_unit_test(test_env),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
