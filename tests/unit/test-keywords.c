/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core/keywords: the one keyword table, and what must hold of it: unique names, each row consistent with its
 * kind (a cgroup limit names its controller, a Limit* its resource), every default a valid value of its kind, and the
 * man page documenting exactly the table's keywords. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "config.h"
#include "keywords.h"
#include "policy.h"
#include "rlimit.h"

static void test_names(void **state)
{
        for (int k = 0; k < _SBX_KEY_MAX; k++) {
                const char *name = sbx_key_name(k);
                assert_non_null(name);
                assert_int_equal(sbx_key_from_name(name), k);
                /* Case-insensitive, as sshd's keywords. */
                char upper[64];
                size_t n = strlen(name);
                assert_true(n < sizeof(upper));
                for (size_t i = 0; i <= n; i++)
                        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
                assert_int_equal(sbx_key_from_name(upper), k);
                for (int j = k + 1; j < _SBX_KEY_MAX; j++)
                        assert_int_not_equal(strcasecmp(name, sbx_key_name(j)), 0);
        }
        assert_null(sbx_key_name(_SBX_KEY_MAX));
        assert_null(sbx_keyword(-1));
        assert_int_equal(sbx_key_from_name("NoSuchKeyword"), -1);
}

static void test_rows(void **state)
{
        for (int k = 0; k < _SBX_KEY_MAX; k++) {
                const struct sbx_keyword *kw = sbx_keyword(k);
                /* A cgroup limit is a number and names the controller it needs; a Limit* names its resource. */
                if (kw->place == SBX_PLACE_LIMIT || kw->place == SBX_PLACE_SESSION) {
                        assert_true(sbx_kind_is_number(kw->kind));
                        assert_int_not_equal(kw->arg, 0);
                }
                if (sbx_kind_is_rlimit(kw->kind)) {
                        assert_int_equal(kw->place, SBX_PLACE_POLICY);
                        assert_int_equal(sbx_rlimit_resource(k), kw->arg);
                        assert_true(kw->arg >= 0 && kw->arg < RLIM_NLIMITS);
                }
                bool list = kw->kind == SBX_KIND_BIND || kw->kind == SBX_KIND_TMPFS ||
                            kw->kind == SBX_KIND_ENVIRONMENT || kw->kind == SBX_KIND_SYSCALLS ||
                            kw->kind == SBX_KIND_NETRULES;
                assert_int_equal(list, kw->place == SBX_PLACE_LIST);
                /* Every default is a valid value of its kind. */
                if (kw->dflt) {
                        char msg[300];
                        char *v[1] = {(char *)kw->dflt};
                        assert_int_equal(sbx_kind_parse(k, v, 1, NULL, NULL, msg, sizeof(msg)), 0);
                }
        }
        /* The controllers come from the table: a set limit needs its own, nothing set needs none. */
        struct sbx_cgroup_limits l;
        sbx_cgroup_limits_unset(&l);
        assert_int_equal(sbx_cgroup_limits_controllers(&l), 0);
        l.tasks_max = 5;
        l.io_weight = SBX_LIMIT_INFINITY;
        assert_int_equal(sbx_cgroup_limits_controllers(&l), SBX_CG_PIDS | SBX_CG_IO);
        assert_string_equal(sbx_cgroup_limits_keyword(&l, SBX_PLACE_LIMIT, SBX_CG_IO), "IOWeight");
        assert_string_equal(sbx_cgroup_limits_keyword(&l, SBX_PLACE_SESSION, SBX_CG_IO), "SessionIOWeight");
        assert_null(sbx_cgroup_limits_keyword(&l, SBX_PLACE_LIMIT, SBX_CG_MEMORY));
        /* The names of a limit member, by place; a member without a session keyword keeps the user's. */
        assert_string_equal(SBX_LIMIT_NAME(SBX_PLACE_LIMIT, tasks_max), "TasksMax");
        assert_string_equal(SBX_LIMIT_NAME(SBX_PLACE_SESSION, tasks_max), "SessionTasksMax");
        assert_string_equal(SBX_LIMIT_NAME(SBX_PLACE_SESSION, cpu_weight), "CPUWeight");
}

/* The KEYWORDS section of sandbox-shell.conf(5): every keyword of the table has its entry (".It Cm Name"), and every
 * entry of that list names a keyword of the table. */
static void test_man_page(void **state)
{
        FILE *f = fopen(SBX_TEST_SRCDIR "/../../man/sandbox-shell.conf.5", "re");
        assert_non_null(f);
        char line[1024];
        bool in = false, seen[_SBX_KEY_MAX] = {0};
        unsigned entries = 0;
        while (fgets(line, sizeof(line), f)) {
                if (strncmp(line, ".Sh ", 4) == 0)
                        in = strncmp(line, ".Sh KEYWORDS", 12) == 0;
                char name[128];
                /* Keywords start with a capital; lower-case entries are the system call names of a nested list. */
                if (!in || sscanf(line, ".It Cm %127s", name) != 1 || name[0] < 'A' || name[0] > 'Z')
                        continue;
                int k = sbx_key_from_name(name);
                if (k < 0)
                        fail_msg("sandbox-shell.conf(5) documents '%s', which is no keyword", name);
                seen[k] = true;
                entries++;
        }
        (void)fclose(f);
        for (int k = 0; k < _SBX_KEY_MAX; k++)
                if (!seen[k])
                        fail_msg("sandbox-shell.conf(5) has no entry for %s", sbx_key_name(k));
        assert_int_equal(entries, _SBX_KEY_MAX);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_rows),
                cmocka_unit_test(test_man_page),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
