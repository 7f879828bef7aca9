/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parsers of doctor: sshd -T output, PAM service files (with @include and include/substack), the controllers
 * from a mountinfo text, postfix's main.cf, exim's routers, the ExecCondition of systemd drop-ins, /etc/shells, and
 * the audits built on them that read files (sshrc, the user manager's drop-ins, what Network private needs). No root
 * needed: everything is a buffer or a file in a temporary directory. */
#define _GNU_SOURCE
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

#include "doctor.h"

static const char sshd_good[] = "port 22\nusepam yes\ndisableforwarding yes\nallowtcpforwarding yes\n"
                                "x11forwarding yes\npermittunnel no\npermituserrc no\npermituserenvironment no\n"
                                "forcecommand eval x\nsubsystem sftp internal-sftp\n";

static bool has(const struct sbx_findings *f, const char *needle)
{
        for (size_t i = 0; i < f->n; i++)
                if (strstr(f->v[i].problem, needle) && f->v[i].fix[0])
                        return true;
        return false;
}

static void test_sshd_good(void **state)
{
        struct sbx_findings f = {0};
        assert_int_equal(sbx_doctor_sshd("u", sshd_good, &f, NULL), 0);
        assert_int_equal(f.n, 0);
}

static void test_sshd_each_bypass(void **state)
{
        static const struct {
                const char *from, *to, *finding;
        } cases[] = {
                {"disableforwarding yes", "disableforwarding no", "allowtcpforwarding is 'yes'"},
                {"usepam yes", "usepam no", "UsePAM is 'no'"},
                {"permittunnel no", "permittunnel point-to-point", "PermitTunnel is 'point-to-point'"},
                {"permituserrc no", "permituserrc yes", "PermitUserRC is 'yes'"},
                {"permituserenvironment no", "permituserenvironment LANG", "PermitUserEnvironment is 'LANG'"},
                {"forcecommand eval x", "forcecommand none", "the subsystem 'sftp internal-sftp' runs inside sshd"},
                {"forcecommand eval x", "forcecommand internal-sftp -R", "ForceCommand is 'internal-sftp -R'"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char text[1024];
                const char *at = strstr(sshd_good, cases[i].from);
                assert_non_null(at);
                (void)snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - sshd_good), sshd_good, cases[i].to,
                               at + strlen(cases[i].from));
                struct sbx_findings f = {0};
                assert_int_equal(sbx_doctor_sshd("u", text, &f, NULL), 0);
                if (!has(&f, cases[i].finding))
                        fail_msg("case %zu: no finding '%s' in:\n%s", i, cases[i].finding, text);
                sbx_findings_done(&f);
        }
}

static void test_sshd_no_output(void **state)
{
        struct sbx_findings f = {0};
        struct sbx_err err = {0};
        assert_int_equal(sbx_doctor_sshd("u", "garbage\n", &f, &err), -EINVAL);
}

static char dir[64];

static void write_file(const char *name, const char *text)
{
        char path[128];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static size_t pam_findings(const char *service_text, struct sbx_findings *f)
{
        char path[128];
        write_file("svc", service_text);
        (void)snprintf(path, sizeof(path), "%s/svc", dir);
        assert_int_equal(sbx_doctor_pam(path, f, NULL), 0);
        return f->n;
}

static void test_pam(void **state)
{
        struct sbx_findings f = {0};
        write_file("common-auth", "auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\n");
        write_file("sandbox", "session required /lib/security/pam_sandbox.so debug\n");
        assert_int_equal(pam_findings("@include common-auth\nauth optional pam_sandbox.so # setcred\n"
                                      "account optional pam_sandbox.so\nsession include sandbox\n",
                                      &f),
                         0);
        assert_int_equal(pam_findings("@include common-auth\naccount optional pam_sandbox.so\n"
                                      "-session required pam_sandbox.so\n",
                                      &f),
                         1);
        assert_true(has(&f, "no auth line for pam_sandbox.so"));
        sbx_findings_done(&f);
        assert_int_equal(pam_findings("auth optional pam_sandbox.so\n# session required pam_sandbox.so\n", &f), 1);
        assert_true(has(&f, "no session line for pam_sandbox.so"));
        sbx_findings_done(&f);
        assert_int_equal(pam_findings("auth optional pam_sandbox.so\naccount optional pam_sandbox.so\n"
                                      "session sufficient pam_sandbox.so\n",
                                      &f),
                         1);
        assert_true(has(&f, "the control 'sufficient'"));
        sbx_findings_done(&f);
        assert_int_equal(pam_findings("auth optional pam_sandbox.so\nauth optional pam_cap.so\n"
                                      "account optional pam_sandbox.so\nsession required pam_sandbox.so\n",
                                      &f),
                         1);
        assert_true(has(&f, "pam_cap.so comes after"));
        sbx_findings_done(&f);
        /* pam_systemd must run first (Debian's common-session holds it): placed before it, pam_sandbox is reported, with
         * the line of pam_systemd inside the included file; placed after it, nothing is. */
        write_file("common-session", "session required pam_unix.so\nsession optional pam_systemd.so\n");
        assert_int_equal(pam_findings("auth optional pam_sandbox.so\naccount optional pam_sandbox.so\n"
                                      "@include common-session\nsession required pam_sandbox.so\n",
                                      &f),
                         0);
        assert_int_equal(pam_findings("auth optional pam_sandbox.so\naccount optional pam_sandbox.so\n"
                                      "session required pam_sandbox.so\n@include common-session\n",
                                      &f),
                         1);
        assert_true(has(&f, "common-session:2: pam_systemd.so's session line comes after pam_sandbox.so's"));
        assert_true(has(&f, "svc:3)"));
        sbx_findings_done(&f);
        /* The account line hands pam_systemd RuntimeMaxSec: without it, it is reported (with one, above, not). */
        assert_int_equal(pam_findings("auth optional pam_sandbox.so\n@include common-session\n"
                                      "session required pam_sandbox.so\n",
                                      &f),
                         1);
        assert_true(has(&f, "no account line for pam_sandbox.so"));
        sbx_findings_done(&f);
        /* Only lines of the include's type count: a session line reached through "auth include" does not. */
        assert_int_equal(pam_findings("auth optional pam_sandbox.so\nauth include sandbox\n", &f), 1);
        assert_true(has(&f, "no session line"));
        sbx_findings_done(&f);
        char path[128];
        (void)snprintf(path, sizeof(path), "%s/none", dir);
        assert_int_equal(sbx_doctor_pam(path, &f, NULL), -ENOENT);
}

static void test_cgroup(void **state)
{
        static const char hybrid[] = "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
                                     "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
                                     "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
        struct sbx_policy p = {.user = (char *)"u"};
        sbx_cgroup_limits_unset(&p.limits);
        sbx_cgroup_limits_unset(&p.session_limits);
        p.limits.tasks_max = 10;
        p.limits.cpu_weight = 50;
        struct sbx_findings f = {0};
        assert_int_equal(sbx_doctor_cgroup(hybrid, &p, &f, NULL), 0);
        assert_int_equal(f.n, 0);
        p.limits.memory_high = SBX_LIMIT_INFINITY; /* `infinity` is still written: it needs the controller */
        p.limits.io_weight = 100;
        assert_int_equal(sbx_doctor_cgroup(hybrid, &p, &f, NULL), 0);
        assert_int_equal(f.n, 2);
        assert_true(has(&f, "controller 'memory'"));
        assert_true(has(&f, "controller 'blkio'"));
        sbx_findings_done(&f);
        assert_int_equal(sbx_doctor_cgroup("1 0 0:1 / / rw - ext4 /dev/sda rw\n", &p, &f, NULL), 0);
        assert_true(has(&f, "no cgroup filesystem is mounted"));
        sbx_findings_done(&f);
}

static const char *const two_users[] = {"alice", "bob", NULL};
static const uid_t two_uids[] = {3001, 3002};
static const struct sbx_doctor_users users_all = {.names = two_users, .uids = two_uids, .n = 2, .all = true};

static void test_postfix_value(void **state)
{
        static const char cf[] = "# allow_mail_to_commands = files\n"
                                 "myhostname = box\n"
                                 "allow_mail_to_commands_x = no\n"
                                 "allow_mail_to_commands=alias\n"
                                 "mydestination = $myhostname,\n"
                                 "# a comment inside the continuation\n"
                                 "\n"
                                 "    localhost  \n"
                                 "\tlocalhost.localdomain\n"
                                 "mailbox_command =\n"
                                 "allow_mail_to_commands = alias, forward  \r\n";
        char v[256];
        assert_string_equal(sbx_doctor_postfix_value(cf, "myhostname", v, sizeof(v)), "box");
        /* The last setting wins; blanks at the ends go. */
        assert_string_equal(sbx_doctor_postfix_value(cf, "allow_mail_to_commands", v, sizeof(v)), "alias, forward");
        assert_string_equal(sbx_doctor_postfix_value(cf, "mydestination", v, sizeof(v)),
                            "$myhostname, localhost localhost.localdomain");
        assert_string_equal(sbx_doctor_postfix_value(cf, "mailbox_command", v, sizeof(v)), "");
        assert_null(sbx_doctor_postfix_value(cf, "forward_path", v, sizeof(v)));
        assert_null(sbx_doctor_postfix_value(cf, "allow_mail_to", v, sizeof(v)));
}

static void test_postfix(void **state)
{
        static const struct {
                const char *cf, *finding; /* finding NULL: none */
        } cases[] = {
                {"myhostname = box\n", "allow_mail_to_commands is not set (postfix's default is 'alias, forward')"},
                {"allow_mail_to_commands = alias\n", NULL},
                {"allow_mail_to_commands =\n", NULL},
                {"allow_mail_to_commands = alias,forward\n", "allow_mail_to_commands is 'alias,forward'"},
                {"allow_mail_to_commands = alias\n  forward\n", "allow_mail_to_commands is 'alias forward'"},
                {"allow_mail_to_commands = $local_commands\n", "allow_mail_to_commands is '$local_commands'"},
                {"allow_mail_to_commands = alias\nmailbox_command = /usr/bin/procmail\n",
                 "mailbox_command is '/usr/bin/procmail': local(8) runs it for every message"},
                {"allow_mail_to_commands = alias\nmailbox_command =\n", NULL},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct sbx_findings f = {0};
                assert_int_equal(sbx_doctor_postfix("main.cf", cases[i].cf, &users_all, &f, NULL), 0);
                if (cases[i].finding ? !has(&f, cases[i].finding) || f.n != 1 : f.n != 0)
                        fail_msg("case %zu: expected %s, got %zu findings (%s)", i,
                                 cases[i].finding ? cases[i].finding : "none", f.n, f.n ? f.v[0].problem : "");
                if (f.n && !has(&f, "for every sandboxed user"))
                        fail_msg("case %zu: the users are not named: %s", i, f.v[0].problem);
                sbx_findings_done(&f);
        }
        /* doctor USER: named, not "every". */
        struct sbx_doctor_users one = {.names = two_users, .uids = two_uids, .n = 1};
        struct sbx_findings f = {0};
        assert_int_equal(sbx_doctor_postfix("main.cf", "", &one, &f, NULL), 0);
        assert_true(has(&f, "for the sandboxed user 'alice'"));
        sbx_findings_done(&f);
}

/* Debian's userforward and procmail routers, in brief; %s: extra options of userforward, %s: procmail's program. */
static const char exim_fmt[] =
        "MAILER=procmail_pipe\n"
        "begin routers\n"
        "system_aliases:\n  driver = redirect\n  data = ${lookup{$local_part}lsearch{/etc/aliases}}\n"
        "userforward:\n"
        "  driver = redirect\n"
        "  check_local_user\n"
        "  file = $home/.forward\n"
        "  require_files = $local_part_data:$home/.forward\n"
        "  allow_filter\n"
        "%s"
        "procmail:\n"
        "  driver = accept\n"
        "  check_local_user\n"
        "  transport = MAILER\n"
        "  require_files = ${local_part_data}:\\\n"
        "      ${if exists{/etc/procmailrc}{/etc/procmailrc}{${home}/.procmailrc}}:\\\n"
        "      +%s\n"
        "begin transports\n"
        "procmail_pipe:\n  driver = pipe\n  command = \"/usr/bin/procmail\"\n";

static size_t exim_findings(const char *extra, const char *program, struct sbx_findings *f)
{
        char text[4096];
        (void)snprintf(text, sizeof(text), exim_fmt, extra, program);
        sbx_findings_done(f);
        assert_int_equal(sbx_doctor_exim("exim4.conf", text, &users_all, f, NULL), 0);
        return f->n;
}

static void test_exim(void **state)
{
        struct sbx_findings f = {0};
        assert_int_equal(exim_findings("", "/nonexistent/procmail", &f), 1);
        assert_true(has(&f, "the router 'userforward' runs the commands of \"|command\" lines in a user's .forward "
                            "and ${run} and ${dlfunc} in a user's Exim filter: "));
        assert_true(has(&f, "for every sandboxed user"));
        assert_false(has(&f, "'procmail'")); /* its program is missing: never run */
        assert_false(has(&f, "'system_aliases'"));
        assert_int_equal(exim_findings("  forbid_pipe\n  forbid_filter_run\n  forbid_filter_dlfunc\n",
                                       "/nonexistent/procmail", &f),
                         0);
        assert_int_equal(exim_findings("  forbid_pipe = true\n  no_allow_filter\n", "/nonexistent/procmail", &f), 0);
        assert_int_equal(
                exim_findings("  forbid_pipe\n  no_forbid_pipe\n  not_allow_filter\n", "/nonexistent/procmail", &f), 1);
        assert_true(has(&f, "runs the commands of \"|command\" lines in a user's .forward: "));
        /* procmail installed: the pipe transport, found through the macro. */
        assert_int_equal(exim_findings("  forbid_pipe\n  forbid_filter_run\n  forbid_filter_dlfunc\n", "/bin/sh", &f),
                         1);
        assert_true(has(&f, "the router 'procmail' delivers through the pipe transport 'procmail_pipe'"));
        /* A literal local_parts list: the first match decides; a list ending in a negation lets the rest through. */
        assert_int_equal(exim_findings("  local_parts = ! alice : ! root\n", "/nonexistent/procmail", &f), 1);
        assert_true(has(&f, "for the sandboxed user 'bob'"));
        assert_int_equal(exim_findings("  local_parts = carol : dave\n", "/nonexistent/procmail", &f), 0);
        assert_int_equal(exim_findings("  local_parts = bob : ! alice\n", "/nonexistent/procmail", &f), 1);
        assert_true(has(&f, "for the sandboxed user 'bob'"));
        assert_int_equal(exim_findings("  local_parts = alice:bob\n", "/nonexistent/procmail", &f), 1);
        assert_true(has(&f, "for every sandboxed user"));
        assert_int_equal(exim_findings("  local_parts = ! bob : alice\n", "/nonexistent/procmail", &f), 1);
        assert_true(has(&f, "for the sandboxed user 'alice'"));
        /* Not literal, or a condition: cannot tell, so every user. */
        assert_int_equal(exim_findings("  local_parts = lsearch;/etc/forwarders\n", "/nonexistent/procmail", &f), 1);
        assert_true(has(&f, "for every sandboxed user"));
        assert_int_equal(exim_findings("  local_parts = ! alice : ! bob\n  condition = ${if eq{1}{1}}\n",
                                       "/nonexistent/procmail", &f),
                         1);
        assert_true(has(&f, "for every sandboxed user"));
        sbx_findings_done(&f);
        /* Without check_local_user nothing runs as the user. */
        assert_int_equal(
                sbx_doctor_exim("x", "begin routers\nr:\n  driver = redirect\n  file = /x\n", &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 0);
}

static void test_unit_exec_condition(void **state)
{
        static const struct {
                const char *before, *text, *after;
        } cases[] = {
                {"", "[Service]\nExecCondition=+/usr/libexec/sandbox-shell/user-manager-allowed %i\n",
                 "/usr/libexec/sandbox-shell/user-manager-allowed"},
                {"", "[Service]\n  ExecCondition = !!-@/opt/x/user-manager-allowed argv0 %i\n",
                 "/opt/x/user-manager-allowed"},
                {"", "[Service]\nExecCondition=+\"/opt/with space/user-manager-allowed\" %i\n",
                 "/opt/with space/user-manager-allowed"},
                {"", "[Service]\nExecCondition=+/usr/libexec/sandbox-shell/\\\n  user-manager-allowed %i\n", ""},
                {"", "[Service]\nExecCondition=\\\n# a comment\n  +/usr/lib/x/user-manager-allowed %i\n",
                 "/usr/lib/x/user-manager-allowed"},
                /* systemd wants the path right after the prefixes: "+ /path" is no command. */
                {"", "[Service]\nExecCondition=+ /usr/lib/x/user-manager-allowed %i\n", ""},
                {"", "[Unit]\nExecCondition=+/usr/lib/x/user-manager-allowed %i\n", ""},
                {"", "[Service]\n#ExecCondition=+/usr/lib/x/user-manager-allowed %i\n", ""},
                {"", "[Service]\n;ExecCondition=+/usr/lib/x/user-manager-allowed %i\n", ""},
                {"", "[Service]\nExecCondition=/usr/lib/x/user-manager-allowed-not %i\n", ""},
                {"", "[Service]\nExecConditionX=/usr/lib/x/user-manager-allowed %i\n", ""},
                {"/a/user-manager-allowed", "[Service]\nExecCondition=/bin/true\n", "/a/user-manager-allowed"},
                {"/a/user-manager-allowed", "[Service]\nExecCondition=\n", ""},
                {"/a/user-manager-allowed", "[Service]\nExecCondition=  \n", ""},
                {"/a/user-manager-allowed", "[Service]\nExecCondition=\nExecCondition=+/b/user-manager-allowed\n",
                 "/b/user-manager-allowed"},
                {"/a/user-manager-allowed", "[Unit]\nExecCondition=\n[Install]\n", "/a/user-manager-allowed"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char program[256];
                (void)strcpy(program, cases[i].before);
                sbx_doctor_unit_exec_condition(cases[i].text, program, sizeof(program));
                if (!streq(program, cases[i].after))
                        fail_msg("case %zu: expected '%s', got '%s'", i, cases[i].after, program);
        }
}

static void test_shells(void **state)
{
        static const char shells[] = "# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/bash\n"
                                     "  /bin/sandbox-shell  \n#/usr/bin/sandbox-shell\n/usr/bin/sandbox-shell\n"
                                     "/usr/local/bin/sandbox-shell\n";
        char line[256];
        const char *p = sbx_doctor_shells_find(shells, "/usr/bin/sandbox-shell", NULL, line, sizeof(line));
        assert_non_null(p);
        assert_string_equal(line, "/bin/sandbox-shell"); /* the usrmerge alias */
        p = sbx_doctor_shells_find(p, "/usr/bin/sandbox-shell", NULL, line, sizeof(line));
        assert_non_null(p);
        assert_string_equal(line, "/usr/bin/sandbox-shell");
        assert_null(sbx_doctor_shells_find(p, "/usr/bin/sandbox-shell", NULL, line, sizeof(line)));
        /* The other way round, and /sbin alike. */
        assert_non_null(sbx_doctor_shells_find("/usr/bin/x\n", "/bin/x", NULL, line, sizeof(line)));
        assert_non_null(sbx_doctor_shells_find("/sbin/x\n", "/usr/sbin/x", NULL, line, sizeof(line)));
        assert_null(
                sbx_doctor_shells_find("/usr/local/bin/x\n/bin/xx\n/bin/x/\n", "/usr/bin/x", NULL, line, sizeof(line)));
        assert_null(sbx_doctor_shells_find("/bin/sh\n", "/opt/bin/sandbox-shell", NULL, line, sizeof(line)));
        /* The same file under another name, with its stat(). */
        char helper[128], link[128], text[300];
        (void)snprintf(helper, sizeof(helper), "%s/helper", dir);
        (void)snprintf(link, sizeof(link), "%s/link", dir);
        write_file("helper", "");
        assert_int_equal(symlink(helper, link), 0);
        struct stat st;
        assert_int_equal(stat(helper, &st), 0);
        (void)snprintf(text, sizeof(text), "/bin/sh\n%s\n", link);
        assert_null(sbx_doctor_shells_find(text, helper, NULL, line, sizeof(line)));
        assert_non_null(sbx_doctor_shells_find(text, helper, &st, line, sizeof(line)));
        assert_string_equal(line, link);
        /* The audit on the file: one finding naming every line, the fix removing them all. */
        struct sbx_findings f = {0};
        char path[128];
        (void)snprintf(text, sizeof(text), "/bin/sh\n%s\n%s\n", helper, link);
        write_file("shells", text);
        (void)snprintf(path, sizeof(path), "%s/shells", dir);
        assert_int_equal(sbx_doctor_shells(path, helper, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        char fix[300];
        (void)snprintf(fix, sizeof(fix), "remove-shell %s %s", helper, link);
        assert_string_equal(f.v[0].fix, fix);
        sbx_findings_done(&f);
        (void)snprintf(path, sizeof(path), "%s/no-shells", dir);
        assert_int_equal(sbx_doctor_shells(path, helper, &f, NULL), 0);
        assert_int_equal(f.n, 0);
}

static void test_sshrc(void **state)
{
        char sshrc[128], pam[128];
        (void)snprintf(sshrc, sizeof(sshrc), "%s/sshrc", dir);
        (void)snprintf(pam, sizeof(pam), "%s/sshd-env", dir);
        struct sbx_findings f = {0};
        write_file("sshd-env", "session required pam_env.so user_readenv=1 envfile=/etc/default/locale\n");
        assert_int_equal(sbx_doctor_sshrc(sshrc, pam, "yes", &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 0); /* no sshrc, nothing runs */
        write_file("sshrc", "true\n");
        assert_int_equal(sbx_doctor_sshrc(sshrc, pam, "no", &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "sshd-env:1 reads the user's environment (pam_env.so user_readenv=1)"));
        sbx_findings_done(&f);
        /* The last user_readenv counts, and only pam_env's. */
        write_file("sshd-env", "session required pam_env.so user_readenv=1 user_readenv=0\n"
                               "session required pam_other.so user_readenv=1\n"
                               "auth required pam_env.so user_readenv=10\n");
        assert_int_equal(sbx_doctor_sshrc(sshrc, pam, NULL, &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 0);
        assert_int_equal(sbx_doctor_sshrc(sshrc, pam, "LANG,LC_*", &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "PermitUserEnvironment is 'LANG,LC_*'"));
        sbx_findings_done(&f);
        write_file("sshd-env", "auth optional pam_env.so readenv=1 user_readenv=1\n");
        assert_int_equal(sbx_doctor_sshrc(sshrc, pam, "no", &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        sbx_findings_done(&f);
        (void)unlink(sshrc);
}

/* dir/NAME as a directory. */
static void make_dir(const char *name)
{
        char path[128];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_int_equal(mkdir(path, 0755), 0);
}

static void test_user_manager(void **state)
{
        char etc[128], lib[128];
        (void)snprintf(etc, sizeof(etc), "%s/etc", dir);
        (void)snprintf(lib, sizeof(lib), "%s/lib", dir);
        const char *const dirs[] = {etc, lib, NULL};
        make_dir("etc");
        make_dir("lib");
        struct sbx_findings f = {0};
        assert_int_equal(sbx_doctor_user_manager(dirs, &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 0); /* no systemd */
        write_file("lib/user@.service", "[Service]\nExecStart=/lib/systemd/systemd --user\n");
        assert_int_equal(sbx_doctor_user_manager(dirs, &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "no drop-in of user@.service has an ExecCondition= that runs user-manager-allowed: every "
                            "login of every sandboxed user starts systemd --user"));
        sbx_findings_done(&f);
        /* Ours, in the lower directory, naming a program in this world-writable /tmp: found, and not trusted. */
        char text[256], path[128];
        (void)snprintf(text, sizeof(text), "[Service]\nExecCondition=+%s/user-manager-allowed %%i\n", dir);
        make_dir("lib/user@.service.d");
        write_file("lib/user@.service.d/sandbox-shell.conf", text);
        write_file("user-manager-allowed", "");
        (void)snprintf(path, sizeof(path), "%s/user-manager-allowed", dir);
        assert_int_equal(chmod(path, 0755), 0);
        assert_int_equal(sbx_doctor_user_manager(dirs, &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "sandbox-shell.conf) lies where others than root can change it"));
        sbx_findings_done(&f);
        /* Replaced by the same name from the directory of higher priority. */
        make_dir("etc/user@.service.d");
        write_file("etc/user@.service.d/sandbox-shell.conf", "[Service]\nEnvironment=A=1\n");
        assert_int_equal(sbx_doctor_user_manager(dirs, &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "lib/user@.service.d/sandbox-shell.conf, which has the ExecCondition, is replaced by"));
        sbx_findings_done(&f);
        /* The same name from the lower directory does not replace the higher one. */
        write_file("etc/user@.service.d/sandbox-shell.conf", text);
        write_file("lib/user@.service.d/sandbox-shell.conf", "[Service]\nExecCondition=\n");
        assert_int_equal(sbx_doctor_user_manager(dirs, &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "etc/user@.service.d/sandbox-shell.conf) lies where"));
        sbx_findings_done(&f);
        /* The top-level service.d applies too, by name order among all of them. */
        make_dir("lib/service.d");
        write_file("lib/service.d/zz.conf", "[Service]\nExecCondition=\n");
        assert_int_equal(sbx_doctor_user_manager(dirs, &users_all, &f, NULL), 0);
        assert_true(has(&f, "lib/service.d/zz.conf empties the ExecCondition= list after"));
        sbx_findings_done(&f);
        (void)snprintf(path, sizeof(path), "%s/lib/service.d/zz.conf", dir);
        assert_int_equal(rename(path, strcat(strcpy(text, dir), "/lib/service.d/00.conf")), 0);
        assert_int_equal(sbx_doctor_user_manager(dirs, &users_all, &f, NULL), 0);
        assert_false(has(&f, "empties"));
        sbx_findings_done(&f);
        /* Masked: no user manager at all. */
        (void)snprintf(path, sizeof(path), "%s/etc/user@.service", dir);
        assert_int_equal(symlink("/dev/null", path), 0);
        assert_int_equal(sbx_doctor_user_manager(dirs, &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 0);
        char cmd[256];
        (void)snprintf(cmd, sizeof(cmd), "cd '%s' && rm -rf etc lib user-manager-allowed", dir);
        assert_int_equal(system(cmd), 0);
}

static void test_network(void **state)
{
        struct sbx_origin at = {.file = (char *)"/etc/sandbox-shell/sandbox-shell.conf", .line = 7};
        struct sbx_findings f = {0};
        assert_int_equal(sbx_doctor_network(SBX_NETWORK_NONE, &at, &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 0);
        struct sbx_doctor_users two = {.names = two_users, .uids = two_uids, .n = 2};
        assert_int_equal(sbx_doctor_network(SBX_NETWORK_HOST, &at, &two, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "/etc/sandbox-shell/sandbox-shell.conf:7: Network host for the sandboxed users 'alice', "
                            "'bob': "));
        assert_true(has(&f, "the host's loopback services"));
        assert_true(has(&f, "abstract unix sockets"));
        assert_true(has(&f, "every port the other Network host sandboxes listen on"));
        assert_true(has(&f, "the LAN and the cloud metadata endpoints"));
        assert_string_equal(f.v[0].fix, "set \"Network none\" for them (the default): the sandbox then has a loopback "
                                        "of its own and nothing else");
        sbx_findings_done(&f);
}

/* Network private: what can be checked without root (a tun device that is missing or something else, a stack
 * program that is missing or in a directory others can write, a library that cannot be loaded, the rootfs's
 * resolv.conf), with the host's own programs and libraries as the positive controls. */
static void test_net_private(void **state)
{
        struct sbx_findings f = {0};
        struct sbx_doctor_users one = {.names = two_users, .uids = two_uids, .n = 1};
        char path[256];
        (void)snprintf(path, sizeof(path), "%s/tun", dir);
        assert_int_equal(sbx_doctor_tun(path, &users_all, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "/tun does not exist: the Network private sessions of every sandboxed user cannot make "
                            "their tap device"));
        sbx_findings_done(&f);
        write_file("tun", "");
        assert_int_equal(sbx_doctor_tun(path, &one, &f, NULL), 0);
        assert_true(has(&f, "/tun is not the tun device (character device 10:200) but a regular file: the Network "
                            "private sessions of the sandboxed user 'alice' cannot"));
        sbx_findings_done(&f);
        assert_int_equal(sbx_doctor_tun("/dev/null", &one, &f, NULL), 0);
        assert_true(has(&f, "/dev/null is not the tun device (character device 10:200) but another character device"));
        sbx_findings_done(&f);

        assert_int_equal(sbx_doctor_netstack("/nonexistent/sandbox-shell/netstack", &one, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "the stack program '/nonexistent/sandbox-shell/netstack' of Network private is missing: "
                            "the Network private logins of the sandboxed user 'alice' are refused"));
        sbx_findings_done(&f);
        /* The test's directory is below /tmp, which everyone can write. */
        (void)snprintf(path, sizeof(path), "%s/netstack", dir);
        write_file("netstack", "");
        assert_int_equal(sbx_doctor_netstack(path, &one, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "is not on a chain of directories only root can change (unsafe permissions on '/tmp'"));
        sbx_findings_done(&f);
        /* A root-owned program of the host's, with the libraries it names loaded: no finding. */
        const char *host_prog = access("/usr/bin/true", X_OK) == 0 ? "/usr/bin/true" : "/bin/true";
        assert_int_equal(sbx_doctor_netstack(host_prog, &one, &f, NULL), 0);
        assert_int_equal(f.n, 0);

        assert_int_equal(sbx_doctor_nftables("libsbx-test-none.so.1", &one, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "libsbx-test-none.so.1 cannot be loaded (libsbx-test-none.so.1: cannot open shared "
                            "object file"));
        assert_string_equal(f.v[0].fix, "install libnftables1 (apt-get install libnftables1)");
        sbx_findings_done(&f);
        assert_int_equal(sbx_doctor_nftables("libc.so.6", &one, &f, NULL), 0);
        assert_int_equal(f.n, 0);

        /* The rootfs's /etc/resolv.conf: missing, a link (also to a file that exists), a directory, then a file. */
        char root[256];
        (void)snprintf(root, sizeof(root), "%s/root", dir);
        assert_int_equal(sbx_doctor_resolv_conf(root, &one, &f, NULL), 0);
        assert_int_equal(f.n, 0); /* no rootfs: the rootfs audit says so */
        make_dir("root");
        make_dir("root/etc");
        assert_int_equal(sbx_doctor_resolv_conf(root, &one, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, "/root' of the sandboxed user 'alice' has no /etc/resolv.conf: their Network private "
                            "logins are refused"));
        sbx_findings_done(&f);
        write_file("root/etc/resolv.conf.real", "");
        (void)snprintf(path, sizeof(path), "%s/root/etc/resolv.conf", dir);
        assert_int_equal(symlink("resolv.conf.real", path), 0);
        assert_int_equal(sbx_doctor_resolv_conf(root, &one, &f, NULL), 0);
        assert_int_equal(f.n, 1);
        assert_true(has(&f, ": /etc/resolv.conf is a symbolic link, or below one: their Network private logins"));
        sbx_findings_done(&f);
        assert_int_equal(unlink(path), 0);
        make_dir("root/etc/resolv.conf");
        assert_int_equal(sbx_doctor_resolv_conf(root, &one, &f, NULL), 0);
        assert_true(has(&f, ": /etc/resolv.conf is a directory: "));
        sbx_findings_done(&f);
        assert_int_equal(rmdir(path), 0);
        write_file("root/etc/resolv.conf", "");
        assert_int_equal(sbx_doctor_resolv_conf(root, &one, &f, NULL), 0);
        assert_int_equal(f.n, 0);
}

static int setup(void **state)
{
        (void)strcpy(dir, "/tmp/sbx-doctor.XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];
        (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sshd_good),
                cmocka_unit_test(test_sshd_each_bypass),
                cmocka_unit_test(test_sshd_no_output),
                cmocka_unit_test(test_pam),
                cmocka_unit_test(test_cgroup),
                cmocka_unit_test(test_postfix_value),
                cmocka_unit_test(test_postfix),
                cmocka_unit_test(test_exim),
                cmocka_unit_test(test_unit_exec_condition),
                cmocka_unit_test(test_shells),
                cmocka_unit_test(test_sshrc),
                cmocka_unit_test(test_user_manager),
                cmocka_unit_test(test_network),
                cmocka_unit_test(test_net_private),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
