/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pam_sandbox's return codes through the real libpam (pam_start_confdir with service files written here), and the
 * module's exact codes by calling its pam_sm_* entry points with a real PAM handle. No root needed: the cases that
 * need a root-owned config (the loader's rule) skip when not root. None of these cases touches a cgroup: they all end
 * before (bad arguments, bad config, unknown user, a user not sandboxed). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "../unit/sbx-test.h"

#include <security/pam_appl.h>

typedef int (*pam_sm_fn)(pam_handle_t *, int, int, const char **);

static char tmp[64];
static char pamdir[128];
static char confdir[128];

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        *resp = calloc((size_t)n, sizeof(**resp));
        return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, 0644), 0);
}

/* A service "NAME" whose session (and auth) stack is only pam_sandbox with ARGS. */
static void service(const char *name, const char *args)
{
        char path[256], text[1024];
        snprintf(path, sizeof(path), "%s/%s", pamdir, name);
        snprintf(text, sizeof(text), "auth required %s %s\nsession required %s %s\n", SBX_PAM_MODULE, args,
                 SBX_PAM_MODULE, args);
        write_file(path, text);
}

static void config(const char *text)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/sandbox-shell.conf", confdir);
        write_file(path, text);
}

static int setup(void **state)
{
        snprintf(tmp, sizeof(tmp), "/tmp/sbx-pam-test.XXXXXX");
        if (!mkdtemp(tmp))
                return -1;
        (void)chmod(tmp, 0755);
        snprintf(pamdir, sizeof(pamdir), "%s/pam.d", tmp);
        snprintf(confdir, sizeof(confdir), "%s/conf", tmp);
        if (mkdir(pamdir, 0755) < 0 || mkdir(confdir, 0755) < 0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        return system(cmd) == 0 ? 0 : -1;
}

static pam_handle_t *start(const char *svc, const char *user)
{
        struct pam_conv c = {conv, NULL};
        pam_handle_t *pamh = NULL;
        assert_int_equal(pam_start_confdir(svc, user, &c, pamdir, &pamh), PAM_SUCCESS);
        return pamh;
}

/* The module's own entry point, resolved from the built .so. */
static pam_sm_fn module_fn(void *dl, const char *name)
{
        pam_sm_fn f = (pam_sm_fn)dlsym(dl, name);
        assert_non_null(f);
        return f;
}

static void test_unknown_argument(void **state)
{
        service("badarg", "frobnicate");
        pam_handle_t *pamh = start("badarg", "root");
        assert_int_equal(pam_open_session(pamh, 0), PAM_SERVICE_ERR);
        assert_int_equal(pam_close_session(pamh, 0), PAM_SERVICE_ERR);
        assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SERVICE_ERR);
        pam_end(pamh, PAM_SUCCESS);

        /* conf= wants an absolute directory. */
        service("relconf", "conf=relative/dir");
        pamh = start("relconf", "root");
        assert_int_equal(pam_open_session(pamh, 0), PAM_SERVICE_ERR);
        pam_end(pamh, PAM_SUCCESS);
}

static void test_missing_config(void **state)
{
        char args[256];
        snprintf(args, sizeof(args), "conf=%s/nonexistent", tmp);
        service("noconf", args);
        pam_handle_t *pamh = start("noconf", "root");
        assert_int_equal(pam_open_session(pamh, 0), PAM_SERVICE_ERR);
        pam_end(pamh, PAM_SUCCESS);
}

static bool need_root(void)
{
        /* The config loader only reads root-owned files (docs/ARCHITECTURE.md, "Invariants"); files made by another user are refused. */
        return geteuid() == 0;
}

static void test_bad_config(void **state)
{
        if (!need_root())
                sbx_skip("needs root: the config loader reads only root-owned files");
        char args[256];
        snprintf(args, sizeof(args), "conf=%s", confdir);
        service("badconf", args);
        config("Sandbox yes\nNoSuchKeyword 1\n");
        pam_handle_t *pamh = start("badconf", "root");
        assert_int_equal(pam_open_session(pamh, 0), PAM_SERVICE_ERR);
        pam_end(pamh, PAM_SUCCESS);
}

static void test_not_sandboxed_is_ignored(void **state)
{
        if (!need_root())
                sbx_skip("needs root: the config loader reads only root-owned files");
        char args[256];
        snprintf(args, sizeof(args), "conf=%s", confdir);
        const char *argv[] = {args};
        service("plain", args);
        config("Sandbox no\nMatch User nobody-else-here\n    Sandbox yes\n");

        void *dl = dlopen(SBX_PAM_MODULE, RTLD_NOW | RTLD_LOCAL);
        assert_non_null(dl);
        pam_handle_t *pamh = start("plain", "root");
        assert_int_equal(module_fn(dl, "pam_sm_open_session")(pamh, 0, 1, argv), PAM_IGNORE);
        assert_int_equal(module_fn(dl, "pam_sm_setcred")(pamh, PAM_ESTABLISH_CRED, 1, argv), PAM_IGNORE);
        assert_int_equal(module_fn(dl, "pam_sm_close_session")(pamh, 0, 1, argv), PAM_IGNORE);
        assert_int_equal(module_fn(dl, "pam_sm_authenticate")(pamh, 0, 1, argv), PAM_IGNORE);
        assert_int_equal(module_fn(dl, "pam_sm_acct_mgmt")(pamh, 0, 1, argv), PAM_IGNORE);
        pam_end(pamh, PAM_SUCCESS);

        /* Through the stack, a session stack whose only module ignores the user fails (libpam's rule); it is
         * the administrator's stack that adds pam_permit or others. What matters here: no success claimed. */
        pamh = start("plain", "root");
        assert_int_not_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
        pam_end(pamh, PAM_SUCCESS);
        dlclose(dl);
}

static void test_unknown_user(void **state)
{
        if (!need_root())
                sbx_skip("needs root: the config loader reads only root-owned files");
        char args[256];
        snprintf(args, sizeof(args), "conf=%s", confdir);
        service("unknown", args);
        config("Sandbox yes\n");
        pam_handle_t *pamh = start("unknown", "no-such-user-sbx");
        assert_int_equal(pam_open_session(pamh, 0), PAM_USER_UNKNOWN);
        pam_end(pamh, PAM_SUCCESS);
}

static void test_close_without_open(void **state)
{
        if (!need_root())
                sbx_skip("needs root: the config loader reads only root-owned files");
        char args[256];
        snprintf(args, sizeof(args), "conf=%s", confdir);
        const char *argv[] = {args};
        config("Sandbox yes\n");
        service("closeonly", args);
        void *dl = dlopen(SBX_PAM_MODULE, RTLD_NOW | RTLD_LOCAL);
        assert_non_null(dl);
        pam_handle_t *pamh = start("closeonly", "root");
        /* No session of this module in the handle: nothing to tear down, nothing to re-grant. */
        assert_int_equal(module_fn(dl, "pam_sm_close_session")(pamh, 0, 1, argv), PAM_IGNORE);
        assert_int_equal(module_fn(dl, "pam_sm_setcred")(pamh, PAM_ESTABLISH_CRED, 1, argv), PAM_IGNORE);
        pam_end(pamh, PAM_SUCCESS);
        dlclose(dl);
}

/* The account phase hands pam_systemd RuntimeMaxSec's backstop (RuntimeMaxSec + TimeoutStopSec + 5 s) as PAM data,
 * only for a sandboxed user who has it, and decides nothing (PAM_IGNORE: the stack's result is the next module's).
 * The next module of the stack reads the data as pam_systemd does (pam-data-probe.c). */
static void test_account_runtime_max(void **state)
{
        if (!need_root())
                sbx_skip("needs root: the config loader reads only root-owned files");
        char path[256], text[1024], out[256], got[64];
        snprintf(out, sizeof(out), "%s/probe.out", tmp);
        snprintf(path, sizeof(path), "%s/account", pamdir);
        snprintf(text, sizeof(text),
                 "account optional %s conf=%s\naccount required %s name=systemd.runtime_max_sec out=%s\n",
                 SBX_PAM_MODULE, confdir, SBX_PAM_DATA_PROBE, out);
        write_file(path, text);
        const struct {
                const char *conf, *want;
        } cases[] = {
                {"Sandbox yes\nRuntimeMaxSec 1min\n", "75000000us"},
                {"Sandbox yes\nRuntimeMaxSec 2h\nTimeoutStopSec 1s\n", "7206000000us"},
                {"Sandbox yes\n", "(none)"},
                {"Sandbox no\nRuntimeMaxSec 1min\n", "(none)"},
                {"Sandbox yes\nNoSuchKeyword 1\n", "(none)"}, /* the session line refuses it, saying why */
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                config(cases[i].conf);
                (void)unlink(out);
                pam_handle_t *pamh = start("account", "root");
                assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
                pam_end(pamh, PAM_SUCCESS);
                FILE *f = fopen(out, "re");
                assert_non_null(f);
                got[0] = '\0';
                assert_non_null(fgets(got, sizeof(got), f));
                fclose(f);
                assert_string_equal(got, cases[i].want);
        }
}

static void test_only_pam_sm_exported(void **state)
{
        void *dl = dlopen(SBX_PAM_MODULE, RTLD_NOW | RTLD_LOCAL);
        assert_non_null(dl);
        const char *exported[] = {"pam_sm_open_session", "pam_sm_close_session", "pam_sm_setcred",
                                  "pam_sm_authenticate", "pam_sm_acct_mgmt"};
        for (size_t i = 0; i < sizeof(exported) / sizeof(exported[0]); i++)
                assert_non_null(dlsym(dl, exported[i]));
        /* lib/ is linked in statically and must stay hidden (version script): a few of its functions. */
        const char *hidden[] = {"sbx_cgroup_session_start",
                                "sbx_policy_load_user",
                                "sbx_caps_grant_inheritable",
                                "sbx_err_set",
                                "sbx_cg_write",
                                "parse_args",
                                "pam_sm_chauthtok"};
        for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
                void *sym = dlsym(dl, hidden[i]);
                /* dlsym on the handle also finds libpam's symbols; only ours would resolve inside the module. */
                Dl_info info;
                if (sym && dladdr(sym, &info) && info.dli_fname)
                        assert_null(strstr(info.dli_fname, "pam_sandbox"));
        }
        dlclose(dl);

        /* And the dynamic symbol table says the same: every defined symbol is one of the five pam_sm_* functions,
         * and all five are there. nm must run and succeed: a missing or failing nm, or a line that is not a symbol,
         * is a failure, not an empty table. */
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s' 2>&1", SBX_PAM_MODULE);
        FILE *nm = popen(cmd, "re");
        assert_non_null(nm);
        char line[512], output[4096] = "";
        bool seen[sizeof(exported) / sizeof(exported[0])] = {false};
        bool other = false, unparsed = false;
        while (fgets(line, sizeof(line), nm)) {
                char addr[64], type[8], name[256];
                if (strlen(output) + strlen(line) < sizeof(output))
                        strcat(output, line);
                if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3 || strlen(type) != 1) {
                        unparsed = true;
                        continue;
                }
                size_t i = 0;
                while (i < sizeof(exported) / sizeof(exported[0]) && strcmp(name, exported[i]) != 0)
                        i++;
                if (i < sizeof(exported) / sizeof(exported[0]) && strcmp(type, "T") == 0)
                        seen[i] = true;
                else
                        other = true;
        }
        int status = pclose(nm);
        if (status != 0)
                fail_msg("'%s' failed (wait status %d): %s", cmd, status, output);
        if (unparsed)
                fail_msg("nm -D printed lines that are not symbols:\n%s", output);
        if (other)
                fail_msg("pam_sandbox.so exports symbols other than the pam_sm_* functions:\n%s", output);
        for (size_t i = 0; i < sizeof(exported) / sizeof(exported[0]); i++)
                if (!seen[i])
                        fail_msg("pam_sandbox.so does not export the function %s:\n%s", exported[i], output);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unknown_argument),    cmocka_unit_test(test_missing_config),
                cmocka_unit_test(test_bad_config),          cmocka_unit_test(test_not_sandboxed_is_ignored),
                cmocka_unit_test(test_unknown_user),        cmocka_unit_test(test_close_without_open),
                cmocka_unit_test(test_account_runtime_max), cmocka_unit_test(test_only_pam_sm_exported),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
