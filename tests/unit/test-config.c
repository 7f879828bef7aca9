/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config parser (buffers), the value syntax, and the loader's file order and ownership/mode checks. Every error
 * is asserted with its exact "file:line: message". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <sys/resource.h>

#include "config.h"
#include "rlimit.h"

#define F "/etc/sandbox-shell/sandbox-shell.conf"

static struct sbx_config *parse_text(const char *text)
{
        struct sbx_config *c = sbx_config_new();
        assert_non_null(c);
        assert_int_equal(sbx_config_parse_buffer(c, F, text, strlen(text)), 0);
        return c;
}

/* The config's errors are exactly these messages, in this order. */
static void expect_errors(const struct sbx_config *c, ...)
{
        va_list ap;
        size_t i = 0;
        va_start(ap, c);
        for (const char *m; (m = va_arg(ap, const char *)); i++) {
                if (i >= c->n_errors)
                        fail_msg("missing error: %s", m);
                assert_string_equal(c->errors[i].msg, m);
        }
        va_end(ap);
        for (; i < c->n_errors; i++)
                fail_msg("unexpected error: %s", c->errors[i].msg);
}

/* One line must be accepted (error-free) or give exactly one error. */
static void line_ok(const char *line)
{
        _cleanup_config_ struct sbx_config *c = parse_text(line);
        if (c->n_errors)
                fail_msg("'%s' refused: %s", line, c->errors[0].msg);
        assert_int_equal(c->n_entries, 1);
}

static void line_bad(const char *line, const char *msg)
{
        _cleanup_config_ struct sbx_config *c = parse_text(line);
        char full[600];
        (void)snprintf(full, sizeof(full), F ":1: %s", msg);
        expect_errors(c, full, NULL);
        assert_int_equal(c->errors[0].code, EINVAL);
}

static void test_syntax(void **state)
{
        _cleanup_config_ struct sbx_config *c = parse_text("# comment\n"
                                                           "\n"
                                                           "   \t\n"
                                                           "    # indented comment\n"
                                                           "sandbox YES\n"
                                                           "MEMORYMAX=1G\n"
                                                           "TasksMax = 5\n"
                                                           "CPUWeight= 6 # trailing comment\n"
                                                           "IOWeight 7\r\n"
                                                           "Environment A=\"x y\"\n"
                                                           "Environment \"B=quote \\\" backslash \\\\ end\"\n"
                                                           "Environment C=#notacomment\n"
                                                           "Hostname h");
        expect_errors(c, NULL);
        assert_int_equal(c->n_entries, 9);
        assert_int_equal(c->entries[0].key, SBX_KEY_SANDBOX);
        assert_true(c->entries[0].flag);
        assert_int_equal(c->entries[0].line, 5);
        assert_int_equal(c->entries[1].key, SBX_KEY_MEMORY_MAX);
        assert_int_equal(c->entries[1].num, 1ULL << 30);
        assert_int_equal(c->entries[2].num, 5);
        assert_int_equal(c->entries[3].num, 6);
        assert_int_equal(c->entries[4].num, 7);
        assert_string_equal(c->entries[5].args[0], "A=x y");
        assert_string_equal(c->entries[6].args[0], "B=quote \" backslash \\ end");
        assert_string_equal(c->entries[7].args[0], "C=#notacomment");
        assert_string_equal(c->entries[8].args[0], "h"); /* last line without a newline */
        assert_int_equal(c->entries[8].line, 13);
        assert_int_equal(c->entries[8].block, -1);
}

static void test_syntax_errors(void **state)
{
        line_bad("Frobnicate yes", "unknown keyword 'Frobnicate'");
        line_bad("Sandbox", "Sandbox: missing value");
        line_bad("Sandbox yes no", "Sandbox: too many values");
        line_bad("Bind /a", "Bind: missing value");
        line_bad("Bind /a /b ro extra", "Bind: too many values");
        line_bad("Tmpfs /a 1M 2M", "Tmpfs: too many values");
        line_bad("Shell \"/bin/sh", "unterminated quote");
        line_bad("Shell /bin/\x01sh", "control character in line");
        /* More tokens than a line may hold (128, the keyword included) stop the tokenizer itself. */
        char many[400] = "Hostname";
        for (int i = 0; i < 128; i++)
                strlcat(many, " a", sizeof(many));
        line_bad(many, "too many values");
        many[strlen(many) - 2] = '\0';
        line_bad(many, "Hostname: too many values");

        /* NUL bytes and over-long lines are errors, and parsing goes on after them. */
        static const char nul[] = "Sandbox yes\nShell /bin\0sh\nTasksMax 4\n";
        _cleanup_config_ struct sbx_config *c = sbx_config_new();
        assert_int_equal(sbx_config_parse_buffer(c, F, nul, sizeof(nul) - 1), 0);
        expect_errors(c, F ":2: NUL byte in line", NULL);
        assert_int_equal(c->n_entries, 2);
        assert_int_equal(c->entries[1].line, 3);

        size_t len = SBX_CONFIG_LINE_MAX + 100;
        _cleanup_free_ char *big = malloc(len + 20);
        assert_non_null(big);
        memcpy(big, "Hostname ", 9);
        memset(big + 9, 'a', len - 9);
        memcpy(big + len, "\nSandbox yes\n", 14);
        _cleanup_config_ struct sbx_config *d = sbx_config_new();
        assert_int_equal(sbx_config_parse_buffer(d, F, big, strlen(big)), 0);
        expect_errors(d, F ":1: line too long (more than 4096 bytes)", NULL);
        assert_int_equal(d->n_entries, 1);
}

static void test_every_error_reported(void **state)
{
        /* The parser keeps going: each bad line gives its own error, with its own line number, in order. */
        _cleanup_config_ struct sbx_config *c = parse_text("Sandbox maybe\nOops\nTasksMax 3\nMatch\n  CPUWeight 0\n");
        expect_errors(c, F ":1: Sandbox: invalid value 'maybe' (expected yes or no)", F ":2: unknown keyword 'Oops'",
                      F ":4: Match without criteria", F ":5: CPUWeight: invalid weight '0' (expected 1 to 10000)",
                      NULL);
}

static void test_values_good(void **state)
{
        static const char *const good[] = {
                "Sandbox yes",
                "Sandbox no",
                "Sandbox No",
                "KillOnLogout yes",
                "KillOnLogout no",
                "RootDirectory /srv/root",
                "RootDirectory /srv/%u",
                "Shell /bin/bash",
                "Shell %h/bin/sh",
                "Hostname sandbox",
                "Hostname a-b.c-d",
                "Hostname s-%u",
                "Hostname %u.%g.%U",
                "Network none",
                "Network host",
                "Network HOST",
                "Bind /a /b",
                "Bind /a /b ro",
                "Bind /a /b rw",
                "Bind /a /b RW",
                "Bind %h/x /x",
                "Bind /srv/%u %h",
                "Tmpfs /x",
                "Tmpfs /x 1M",
                "Tmpfs %h/t infinity",
                "Environment A=",
                "Environment _x1=%u",
                "Environment PATH=/bin:/usr/bin",
                "Environment X=a=b",
                "MemoryMax 1",
                "MemoryMax infinity",
                "MemoryHigh 1k",
                "MemorySwapMax 0",
                "MemorySwapMax 2T",
                "TasksMax 1",
                "TasksMax 9223372036854775807",
                "TasksMax infinity",
                "CPUQuota 1%",
                "CPUQuota 100%",
                "CPUQuota 250%",
                "CPUQuota 1000000%",
                "CPUQuota infinity",
                "CPUWeight 1",
                "CPUWeight 10000",
                "IOWeight 1",
                "IOWeight 10000",
                "CgroupRoot /sandbox-shell",
                "CgroupRoot %c",
                "CgroupRoot %c/sandbox-shell",
                "CgroupRoot /a/b/",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                line_ok(good[i]);
        line_ok("Hostname 01234567890123456789012345678901234567890123456789012345678901.a"); /* 64 */
        line_ok("Hostname 012345678901234567890123456789012345678901234567890123456789012");  /* label of 63 */
}

static void test_values_bad(void **state)
{
        line_bad("Sandbox 1", "Sandbox: invalid value '1' (expected yes or no)");
        line_bad("KillOnLogout maybe", "KillOnLogout: invalid value 'maybe' (expected yes or no)");
        line_bad("RootDirectory srv/root", "RootDirectory: 'srv/root' is not an absolute path");
        line_bad("RootDirectory /srv/../etc", "RootDirectory: '/srv/../etc' contains a '..' component");
        line_bad("RootDirectory /srv/..", "RootDirectory: '/srv/..' contains a '..' component");
        line_bad("Shell sh", "Shell: 'sh' is not an absolute path");
        line_bad("Shell %u/sh", "Shell: 'user/sh' is not an absolute path");
        line_bad("Hostname -x", "Hostname: invalid host name '-x' (letters, digits, '-' and '.', at most 64)");
        line_bad("Hostname x-", "Hostname: invalid host name 'x-' (letters, digits, '-' and '.', at most 64)");
        line_bad("Hostname a..b", "Hostname: invalid host name 'a..b' (letters, digits, '-' and '.', at most 64)");
        line_bad("Hostname a_b", "Hostname: invalid host name 'a_b' (letters, digits, '-' and '.', at most 64)");
        line_bad("Hostname 012345678901234567890123456789012345678901234567890123456789012.ab",
                 "Hostname: invalid host name '012345678901234567890123456789012345678901234567890123456789012.ab' "
                 "(letters, digits, '-' and '.', at most 64)"); /* 66 */
        line_bad("Hostname 0123456789012345678901234567890123456789012345678901234567890123",
                 "Hostname: invalid host name '0123456789012345678901234567890123456789012345678901234567890123' "
                 "(letters, digits, '-' and '.', at most 64)"); /* a label of 64 */
        line_bad("Network wifi", "Network: invalid value 'wifi' (expected none, private or host)");
        line_bad("Bind a /b", "Bind source: 'a' is not an absolute path");
        line_bad("Bind /a b", "Bind destination: 'b' is not an absolute path");
        line_bad("Bind /a/../b /b", "Bind source: '/a/../b' contains a '..' component");
        line_bad("Bind /a //", "Bind: the destination cannot be '/' (it would hide the whole root directory)");
        line_bad("Tmpfs / 1G", "Tmpfs: the destination cannot be '/' (it would hide the whole root directory)");
        line_bad("Bind /a /b rx", "Bind: invalid mode 'rx' (expected ro or rw)");
        line_bad("Tmpfs tmp", "Tmpfs: 'tmp' is not an absolute path");
        line_bad("Tmpfs /tmp 0", "Tmpfs: invalid size '0'");
        line_bad("Tmpfs /tmp big", "Tmpfs: invalid size 'big'");
        line_bad("Environment A", "Environment: 'A' is not NAME=VALUE with a valid variable name");
        line_bad("Environment =x", "Environment: '=x' is not NAME=VALUE with a valid variable name");
        line_bad("Environment 1A=x", "Environment: '1A=x' is not NAME=VALUE with a valid variable name");
        line_bad("Environment A-B=x", "Environment: 'A-B=x' is not NAME=VALUE with a valid variable name");
        line_bad("MemoryMax 0", "MemoryMax: invalid size '0'");
        line_bad("MemoryMax 12X", "MemoryMax: invalid size '12X'");
        line_bad("MemoryMax 1.5G", "MemoryMax: invalid size '1.5G'");
        line_bad("MemoryMax -1", "MemoryMax: invalid size '-1'");
        line_bad("MemoryMax +1", "MemoryMax: invalid size '+1'");
        line_bad("MemoryMax 1KB", "MemoryMax: invalid size '1KB'");
        line_bad("MemoryMax K", "MemoryMax: invalid size 'K'");
        line_bad("MemoryHigh 16777216T", "MemoryHigh: size '16777216T' out of range");
        line_bad("MemoryHigh 9223372036854775808", "MemoryHigh: size '9223372036854775808' out of range");
        line_bad("MemorySwapMax 99999999999999999999999999999999", "MemorySwapMax: size "
                                                                   "'99999999999999999999999999999999' out of range");
        line_bad("TasksMax 0", "TasksMax: invalid value '0' (expected a positive integer or infinity)");
        line_bad("TasksMax -5", "TasksMax: invalid value '-5' (expected a positive integer or infinity)");
        line_bad("TasksMax 1k", "TasksMax: invalid value '1k' (expected a positive integer or infinity)");
        line_bad("TasksMax 9223372036854775808",
                 "TasksMax: invalid value '9223372036854775808' (expected a positive integer or infinity)");
        line_bad("CPUQuota 50", "CPUQuota: invalid value '50' (expected a percentage such as 50%)");
        line_bad("CPUQuota %", "CPUQuota: invalid value '%' (expected a percentage such as 50%)");
        line_bad("CPUQuota 0%", "CPUQuota: invalid percentage '0%' (1% to 1000000%)");
        line_bad("CPUQuota 1000001%", "CPUQuota: invalid percentage '1000001%' (1% to 1000000%)");
        line_bad("CPUQuota 1.5%", "CPUQuota: invalid percentage '1.5%' (1% to 1000000%)");
        line_bad("CPUWeight 0", "CPUWeight: invalid weight '0' (expected 1 to 10000)");
        line_bad("CPUWeight 10001", "CPUWeight: invalid weight '10001' (expected 1 to 10000)");
        line_bad("IOWeight 0", "IOWeight: invalid weight '0' (expected 1 to 10000)");
        line_bad("IOWeight 10001", "IOWeight: invalid weight '10001' (expected 1 to 10000)");
        line_bad("IOWeight x", "IOWeight: invalid weight 'x' (expected 1 to 10000)");
        line_bad("CgroupRoot sandbox", "CgroupRoot: 'sandbox' is not an absolute path");
        line_bad("CgroupRoot %cx", "CgroupRoot: '%cx': %c must be followed by '/' or nothing");
        line_bad("CgroupRoot /a/%c", "CgroupRoot: '/a/%c': only a leading %c token is allowed");
        line_bad("CgroupRoot /sbx-%u", "CgroupRoot: '/sbx-%u': only a leading %c token is allowed");
        line_bad("CgroupRoot %c/../x", "CgroupRoot: '/../x' contains a '..' component");
}

static void test_sizes(void **state)
{
        static const struct {
                const char *s;
                uint64_t v;
        } ok[] = {
                {"0", 0},
                {"1", 1},
                {"4096", 4096},
                {"1k", 1024},
                {"1K", 1024},
                {"3m", 3ULL << 20},
                {"3M", 3ULL << 20},
                {"2g", 2ULL << 30},
                {"2G", 2ULL << 30},
                {"5t", 5ULL << 40},
                {"5T", 5ULL << 40},
                {"infinity", SBX_LIMIT_INFINITY},
                {"Infinity", SBX_LIMIT_INFINITY},
                {"9223372036854775807", 9223372036854775807ULL},
                {"16777215T", 16777215ULL << 40},
        };
        uint64_t v;
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                assert_int_equal(sbx_parse_size(ok[i].s, true, &v), 0);
                assert_true(v == ok[i].v);
        }
        assert_int_equal(sbx_parse_size("0", false, &v), -EINVAL);
        assert_int_equal(sbx_parse_size("16777216T", true, &v), -ERANGE);
        assert_int_equal(sbx_parse_size("18014398509481984K", true, &v), -ERANGE);
        assert_int_equal(sbx_parse_size("", true, &v), -EINVAL);
        assert_int_equal(sbx_parse_size("1P", true, &v), -EINVAL);
        assert_int_equal(sbx_parse_size(" 1", true, &v), -EINVAL);
        assert_int_equal(sbx_parse_size("0x10", true, &v), -EINVAL);

        static const struct {
                uint64_t v;
                const char *s;
        } fmt[] = {
                {0, "0"},
                {1000, "1000"},
                {1024, "1K"},
                {1536 * 1024, "1536K"},
                {512ULL << 20, "512M"},
                {1ULL << 30, "1G"},
                {3ULL << 40, "3T"},
                {1ULL << 50, "1024T"},
                {SBX_LIMIT_INFINITY, "infinity"},
        };
        char buf[32];
        for (size_t i = 0; i < ELEMENTSOF(fmt); i++) {
                sbx_format_size(fmt[i].v, buf, sizeof(buf));
                assert_string_equal(buf, fmt[i].s);
                /* what explain prints reads back as the same number */
                assert_int_equal(sbx_parse_size(buf, true, &v), 0);
                assert_true(v == fmt[i].v);
        }
}

static void test_tokens(void **state)
{
        line_bad("Shell /bin/%x", "Shell: unknown token '%x' in '/bin/%x'");
        line_bad("Bind /a %q", "Bind destination: unknown token '%q' in '%q'");
        line_bad("Hostname x%", "Hostname: '%' at the end of 'x%' (write %% for a literal %)");
        line_bad("Environment A=50%", "Environment: '%' at the end of '50%' (write %% for a literal %)");
        line_bad("Environment A=%c", "Environment: token '%c' is only valid in CgroupRoot");
        line_bad("RootDirectory /%c", "RootDirectory: token '%c' is only valid in CgroupRoot");
        line_ok("Environment A=100%%");

        char names[] = "alice", grp[] = "students", home[] = "/home/alice";
        char *groups[] = {grp, NULL};
        struct sbx_user u = {.name = names, .uid = 1001, .gid = 2000, .group = grp, .home = home, .groups = groups};
        char msg[256];
        _cleanup_free_ char *out = NULL;
        assert_int_equal(sbx_expand_tokens("%u:%U:%h:%g:%%:%%u", &u, false, &out, msg, sizeof(msg)), 0);
        assert_string_equal(out, "alice:1001:/home/alice:students:%:%u");
        free(out);
        out = NULL;
        assert_int_equal(sbx_expand_tokens("%c/x-%u", &u, true, &out, msg, sizeof(msg)), 0);
        assert_string_equal(out, "%c/x-alice");
        assert_int_equal(sbx_expand_tokens("%Z", &u, false, &out, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "unknown token '%Z' in '%Z'");
}

static void test_paths(void **state)
{
        char msg[256];
        char a[] = "//a//b///", b[] = "/", c[] = "/a/..b/c..", d[] = "/a/./b", e[] = "/a/\nb";
        assert_int_equal(sbx_path_check_normalize(a, msg, sizeof(msg)), 0);
        assert_string_equal(a, "/a/b");
        assert_int_equal(sbx_path_check_normalize(b, msg, sizeof(msg)), 0);
        assert_string_equal(b, "/");
        assert_int_equal(sbx_path_check_normalize(c, msg, sizeof(msg)), 0); /* "..b" is a name, not ".." */
        assert_int_equal(sbx_path_check_normalize(d, msg, sizeof(msg)), 0);
        assert_int_equal(sbx_path_check_normalize(e, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "path contains a control character");
}

static void test_match_syntax(void **state)
{
        _cleanup_config_ struct sbx_config *c = parse_text("TasksMax 1\n"
                                                           "Match User alice,b?b Group staff,!wheel\n"
                                                           "  TasksMax 2\n"
                                                           "match all\n"
                                                           "TasksMax 3\n");
        expect_errors(c, NULL);
        assert_int_equal(c->n_blocks, 2);
        assert_int_equal(c->blocks[0].n_criteria, 2);
        assert_int_equal(c->blocks[0].criteria[0].type, SBX_MATCH_USER);
        assert_string_equal(c->blocks[0].criteria[0].list, "alice,b?b");
        assert_int_equal(c->blocks[0].criteria[1].type, SBX_MATCH_GROUP);
        assert_string_equal(c->blocks[0].criteria[1].list, "staff,!wheel");
        assert_int_equal(c->blocks[0].line, 2);
        assert_int_equal(c->blocks[1].criteria[0].type, SBX_MATCH_ALL);
        assert_int_equal(c->entries[0].block, -1);
        assert_int_equal(c->entries[1].block, 0);
        assert_int_equal(c->entries[2].block, 1);

        line_bad("Match", "Match without criteria");
        line_bad("Match Host x", "unknown Match criterion 'Host'");
        line_bad("Match User", "Match User without a list");
        line_bad("Match User a Group", "Match Group without a list");
        line_bad("Match All User a", "Match All cannot be combined with other criteria");
        line_bad("Match User a All", "Match All cannot be combined with other criteria");
        line_bad("Match User a,,b", "Match User 'a,,b': empty pattern in list");
        line_bad("Match User a,", "Match User 'a,': empty pattern in list");
        line_bad("Match Group !", "Match Group '!': empty pattern in list");
        line_bad("Match User !root",
                 "Match User '!root': list has only negated patterns and can never match (write '*,!name')");

        /* A bad Match still opens a block: its lines are never taken for global ones. */
        _cleanup_config_ struct sbx_config *d = parse_text("Match Host x\nSandbox yes\n");
        assert_int_equal(d->n_entries, 1);
        assert_int_equal(d->entries[0].block, 0);
}

static void test_patterns(void **state)
{
        assert_true(sbx_pattern_match("alice", "alice"));
        assert_true(sbx_pattern_match("alice", "a*"));
        assert_true(sbx_pattern_match("alice", "*e"));
        assert_true(sbx_pattern_match("alice", "a?i*"));
        assert_true(sbx_pattern_match("", "*"));
        assert_true(sbx_pattern_match("abcabc", "*abc"));
        assert_false(sbx_pattern_match("alice", "alic"));
        assert_false(sbx_pattern_match("alice", "?"));
        assert_false(sbx_pattern_match("al", "al?"));
        assert_int_equal(sbx_pattern_list_match("bob", "alice,bob"), 1);
        assert_int_equal(sbx_pattern_list_match("carol", "alice,bob"), 0);
        assert_int_equal(sbx_pattern_list_match("root", "*,!root"), -1);
        assert_int_equal(sbx_pattern_list_match("root", "!root,*"), -1); /* order does not matter */
        assert_int_equal(sbx_pattern_list_match("alice", "*,!root"), 1);
        assert_int_equal(sbx_pattern_list_match("adm1", "*,!adm?"), -1);
}

static void test_same_scope_conflicts(void **state)
{
        /* Global lines form one scope across files: drop-in and main conflict at parse time. */
        _cleanup_config_ struct sbx_config *c = sbx_config_new();
        const char *a = "Bind /srv/a /data\n", *b = "Tmpfs /x\nBind /srv/b /data/\nBind /q //x\n";
        assert_int_equal(sbx_config_parse_buffer(c, "/c/sandbox-shell.conf.d/a.conf", a, strlen(a)), 0);
        assert_int_equal(sbx_config_parse_buffer(c, "/c/sandbox-shell.conf", b, strlen(b)), 0);
        expect_errors(c,
                      "/c/sandbox-shell.conf:2: duplicate Bind '/data/' conflicts with the Bind for it at "
                      "/c/sandbox-shell.conf.d/a.conf:1",
                      "/c/sandbox-shell.conf:3: conflicting Bind '//x' conflicts with the Tmpfs for it at "
                      "/c/sandbox-shell.conf:1",
                      NULL);

        _cleanup_config_ struct sbx_config *d =
                parse_text("Match User a\nTmpfs /t\nTmpfs /t 1M\nMatch User b\nBind /s /t\n");
        expect_errors(d, F ":3: duplicate Tmpfs '/t' conflicts with the Tmpfs for it at " F ":2", NULL);

        /* Different scopes: only a user both apply to has a conflict, reported by the resolution. */
        _cleanup_config_ struct sbx_config *e = parse_text("Bind /a /t\nMatch User a\nBind /b /t\n");
        expect_errors(e, NULL);
}

/* SystemCallFilter: names and !names, checked against the filter's names at parse time. */
static void test_system_call_filter(void **state)
{
        line_ok("SystemCallFilter ptrace");
        line_ok("SystemCallFilter ptrace !keyctl TIOCSTI !userns");
        line_ok("systemcallfilter = !personality");
        _cleanup_config_ struct sbx_config *c = parse_text("SystemCallFilter   ptrace\t!keyctl  \"add_key\"\n");
        expect_errors(c, NULL);
        assert_int_equal(c->entries[0].key, SBX_KEY_SYSTEM_CALL_FILTER);
        assert_string_equal(c->entries[0].args[0], "ptrace !keyctl add_key");

        line_bad("SystemCallFilter", "SystemCallFilter: missing value");
        line_bad("SystemCallFilter ptrace nosuchcall", "SystemCallFilter: unknown system call 'nosuchcall'");
        line_bad("SystemCallFilter !", "SystemCallFilter: '!' without a system call name");
        line_bad("SystemCallFilter ~keyctl",
                 "SystemCallFilter: '~keyctl': a bare name is denied; write '!keyctl' to allow it");
        line_bad("SystemCallFilter Mount", "SystemCallFilter: unknown system call 'Mount'");
        line_bad("SystemCallFilter !!keyctl", "SystemCallFilter: unknown system call '!keyctl'");
}

/* Time spans as systemd writes them, read back as explain writes them; and the session keywords' values. */
static void test_durations_and_session_values(void **state)
{
        static const struct {
                const char *text;
                uint64_t usec;
                const char *back;
        } spans[] = {
                {"90", 90000000ULL, "1min30s"},
                {"90s", 90000000ULL, "1min30s"},
                {"5min", 300000000ULL, "5min"},
                {"1h30min", 5400000000ULL, "1h30min"},
                {"2h", 7200000000ULL, "2h"},
                {"500ms", 500000ULL, "500ms"},
                {"1d", 86400000000ULL, "1d"},
                {"10sec", 10000000ULL, "10s"},
                {"3minutes", 180000000ULL, "3min"},
                {"0", 0, "0"},
                {"INFINITY", SBX_LIMIT_INFINITY, "infinity"},
                {"1w2d", 777600000000ULL, "1w2d"},
        };
        for (size_t i = 0; i < ELEMENTSOF(spans); i++) {
                uint64_t v = 1;
                char buf[64];
                assert_int_equal(sbx_parse_duration(spans[i].text, &v), 0);
                assert_true(v == spans[i].usec);
                sbx_format_duration(v, buf, sizeof(buf));
                assert_string_equal(buf, spans[i].back);
                assert_int_equal(sbx_parse_duration(buf, &v), 0);
                assert_true(v == spans[i].usec);
        }
        uint64_t v;
        static const char *const bad_spans[] = {"", "5 min", "5x", "min", "-1", "1.5s", "1x2", "99999999999999999999"};
        for (size_t i = 0; i < ELEMENTSOF(bad_spans); i++)
                assert_int_not_equal(sbx_parse_duration(bad_spans[i], &v), 0);
        line_ok("RuntimeMaxSec 3");
        line_ok("IdleTimeoutSec 10min");
        line_ok("TimeoutStopSec infinity");
        line_bad("RuntimeMaxSec soon", "RuntimeMaxSec: invalid time span 'soon' (such as 90, 90s, 5min, 1h30min or "
                                       "infinity)");
        line_ok("MaxSessions 5");
        line_bad("MaxSessions 0", "MaxSessions: invalid value '0' (expected a positive integer or infinity)");
        line_ok("SessionTasksMax 20");
        line_ok("SessionMemoryMax 256M");
        line_bad("SessionMemoryMax 0", "SessionMemoryMax: invalid size '0'");
        line_ok("Commands sftp-server scp rsync git-upload-pack");
        line_ok("Commands /usr/lib/openssh/sftp-server");
        line_bad("Commands", "Commands: missing value");
        line_bad("Commands sh;rm", "Commands: 'sh;rm' is not a program name (letters, digits and ._+-) nor an "
                                   "absolute path");
        line_bad("Commands ../bin/sh", "Commands: '../bin/sh' is not a program name (letters, digits and ._+-) nor "
                                       "an absolute path");
        line_bad("Commands /usr/../bin/sh", "Commands: '/usr/../bin/sh' contains a '..' component");
        line_bad("Commands -x", "Commands: '-x' is not a program name (letters, digits and ._+-) nor an absolute path");
}

static void test_limits(void **state)
{
        static const char *const good[] = {
                "LimitNOFILE 1024",    "LimitNOFILE 1024:4096",  "LimitNOFILE infinity", "LimitNOFILE 0",
                "LimitCORE 0",         "LimitCORE 16M:infinity", "LimitAS 4G",           "LimitFSIZE 1T",
                "LimitSTACK 8M",       "LimitDATA 1g",           "LimitRSS 100",         "LimitMEMLOCK 64K",
                "LimitMSGQUEUE 800K",  "LimitNPROC 100:200",     "LimitCPU 60:infinity", "LimitLOCKS 10",
                "LimitSIGPENDING 100", "LimitRTPRIO 0",          "LimitRTTIME 1000",     "LimitNICE 0",
                "LimitNICE 40",        "LimitNICE -20",          "LimitNICE +19",        "limitnofile 5",
                "LimitNOFILE=5:5",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                line_ok(good[i]);

        line_bad("LimitNOFILE", "LimitNOFILE: missing value");
        line_bad("LimitNOFILE 1 2", "LimitNOFILE: too many values");
        line_bad("LimitNOFILE 10:5", "LimitNOFILE: soft limit above the hard limit in '10:5'");
        line_bad("LimitNOFILE infinity:5", "LimitNOFILE: soft limit above the hard limit in 'infinity:5'");
        line_bad("LimitNOFILE 1K", "LimitNOFILE: invalid value '1K' (a number or infinity)");
        line_bad("LimitNOFILE -1", "LimitNOFILE: invalid value '-1' (a number or infinity)");
        line_bad("LimitNOFILE :5", "LimitNOFILE: invalid value ':5' (expected VALUE or SOFT:HARD)");
        line_bad("LimitNOFILE 5:", "LimitNOFILE: invalid value '5:' (expected VALUE or SOFT:HARD)");
        line_bad("LimitNOFILE 1:2:3", "LimitNOFILE: invalid value '2:3' (a number or infinity)");
        line_bad("LimitNPROC 99999999999999999999", "LimitNPROC: invalid value '99999999999999999999' (out of range)");
        line_bad("LimitCORE 1X", "LimitCORE: invalid size '1X' (a number with K, M, G or T, or infinity)");
        line_bad("LimitAS 99999999999T", "LimitAS: invalid size '99999999999T' (out of range)");
        line_bad("LimitNICE 41", "LimitNICE: invalid nice limit '41' (0 to 40, or -20 to 19 with a sign)");
        line_bad("LimitNICE -21", "LimitNICE: invalid nice limit '-21' (0 to 40, or -20 to 19 with a sign)");
        line_bad("LimitNICE +20", "LimitNICE: invalid nice limit '+20' (0 to 40, or -20 to 19 with a sign)");
        line_bad("LimitNICE infinity", "LimitNICE: 'infinity' is not a nice limit (0 to 40, or -20 to 19 with a sign)");
}

/* The values as the kernel takes them, and their text form read back. */
static void test_limit_values(void **state)
{
        static const struct {
                int key;
                const char *in, *out;
                uint64_t soft, hard;
        } cases[] = {
                {SBX_KEY_LIMIT_NOFILE, "1024", "1024", 1024, 1024},
                {SBX_KEY_LIMIT_NOFILE, "100:infinity", "100:infinity", 100, SBX_LIMIT_INFINITY},
                {SBX_KEY_LIMIT_CORE, "0", "0", 0, 0},
                {SBX_KEY_LIMIT_AS, "1536M:4G", "1536M:4G", 1536ULL << 20, 4ULL << 30},
                {SBX_KEY_LIMIT_STACK, "8192K", "8M", 8ULL << 20, 8ULL << 20},
                {SBX_KEY_LIMIT_NICE, "-5", "25", 25, 25},
                {SBX_KEY_LIMIT_NICE, "+19:-20", "1:40", 1, 40},
                {SBX_KEY_LIMIT_CPU, "INFINITY", "infinity", SBX_LIMIT_INFINITY, SBX_LIMIT_INFINITY},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct sbx_rlimit l;
                char msg[300], buf[80];
                assert_int_equal(sbx_rlimit_parse(cases[i].key, cases[i].in, &l, msg, sizeof(msg)), 0);
                assert_true(l.soft == cases[i].soft);
                assert_true(l.hard == cases[i].hard);
                sbx_rlimit_format(cases[i].key, &l, buf, sizeof(buf));
                assert_string_equal(buf, cases[i].out);
        }
        assert_int_equal(sbx_rlimit_resource(SBX_KEY_LIMIT_NOFILE), RLIMIT_NOFILE);
        assert_int_equal(sbx_rlimit_resource(SBX_KEY_LIMIT_RTTIME), RLIMIT_RTTIME);
        assert_int_equal(sbx_rlimit_resource(SBX_KEY_MEMORY_MAX), -1);
        assert_string_equal(sbx_key_name(SBX_KEY_LIMIT_SIGPENDING), "LimitSIGPENDING");
}

static void test_key_names(void **state)
{
        for (int k = 0; k < _SBX_KEY_MAX; k++) {
                assert_non_null(sbx_key_name(k));
                assert_int_equal(sbx_key_from_name(sbx_key_name(k)), k);
        }
        assert_string_equal(sbx_key_name(SBX_KEY_MEMORY_SWAP_MAX), "MemorySwapMax");
        assert_int_equal(sbx_key_from_name("cpuquota"), SBX_KEY_CPU_QUOTA);
        assert_int_equal(sbx_key_from_name("Match"), -1);
        assert_null(sbx_key_name(_SBX_KEY_MAX));
}

/* ---- the loader: order, ownership, modes ---- */

struct tree {
        char dir[64];
        char dropins[96];
};

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
        char path[256];
        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        assert_int_equal(close(fd), 0);
}

static void tree_make(struct tree *t, bool dropins)
{
        strcpy(t->dir, "/tmp/sbx-config-test.XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        assert_int_equal(chmod(t->dir, 0755), 0);
        (void)snprintf(t->dropins, sizeof(t->dropins), "%s/sandbox-shell.conf.d", t->dir);
        if (dropins)
                assert_int_equal(mkdir(t->dropins, 0755), 0);
}

static void tree_remove(struct tree *t)
{
        char cmd[200];
        (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
        assert_int_equal(system(cmd), 0);
}

/* Loads t as the current user's files (the owner check injected) and returns the config. */
static struct sbx_config *load_tree(const struct tree *t, uid_t owner, int expect)
{
        struct sbx_config_options opts = {.owner = owner};
        struct sbx_config *c = NULL;
        struct sbx_err err = {0};
        int r = sbx_config_load(t->dir, &opts, &c, &err);
        assert_non_null(c);
        if (r != expect)
                fail_msg("sbx_config_load: %d (%s), expected %d", r, err.msg, expect);
        if (r < 0)
                assert_string_equal(err.msg, c->errors[0].msg);
        return c;
}

static void test_load_order(void **state)
{
        struct tree t;
        tree_make(&t, true);
        put(t.dir, "sandbox-shell.conf", "TasksMax 1\n", 0644);
        put(t.dropins, "b.conf", "TasksMax 2\n", 0644);
        put(t.dropins, "A.conf", "TasksMax 3\n", 0644);
        put(t.dropins, "10-x.conf", "TasksMax 4\n", 0600);
        put(t.dropins, "9.conf", "TasksMax 5\n", 0444);
        put(t.dropins, "notes.txt", "garbage\n", 0644);
        put(t.dropins, "x.conf.dpkg-old", "garbage\n", 0644);
        put(t.dropins, ".hidden.conf", "garbage\n", 0644);
        put(t.dropins, ".conf", "garbage\n", 0644);
        _cleanup_config_ struct sbx_config *c = load_tree(&t, geteuid(), 0);
        /* C-locale byte order: digits, upper case, lower case; the main file last. */
        static const char *const order[] = {"sandbox-shell.conf.d/10-x.conf", "sandbox-shell.conf.d/9.conf",
                                            "sandbox-shell.conf.d/A.conf", "sandbox-shell.conf.d/b.conf",
                                            "sandbox-shell.conf"};
        static const uint64_t values[] = {4, 5, 3, 2, 1};
        assert_int_equal(c->n_files, 5);
        assert_int_equal(c->n_entries, 5);
        for (size_t i = 0; i < 5; i++) {
                char want[256];
                (void)snprintf(want, sizeof(want), "%s/%s", t.dir, order[i]);
                assert_string_equal(c->files[i], want);
                assert_int_equal(c->entries[i].file, i);
                assert_int_equal(c->entries[i].num, values[i]);
        }
        tree_remove(&t);
}

static void test_load_main_required_dropins_optional(void **state)
{
        struct tree t;
        char want[256];
        tree_make(&t, false);
        _cleanup_config_ struct sbx_config *c = load_tree(&t, geteuid(), -ENOENT);
        (void)snprintf(want, sizeof(want), "%s/sandbox-shell.conf: cannot open: No such file or directory", t.dir);
        expect_errors(c, want, NULL);
        put(t.dir, "sandbox-shell.conf", "Sandbox yes\n", 0644);
        _cleanup_config_ struct sbx_config *d = load_tree(&t, geteuid(), 0); /* no conf.d: fine */
        assert_int_equal(d->n_files, 1);
        tree_remove(&t);

        /* A missing directory is named as such; a trailing slash is not repeated in messages. */
        struct sbx_config_options opts = {.owner = geteuid()};
        struct sbx_err err = {0};
        _cleanup_config_ struct sbx_config *e = NULL;
        assert_int_equal(sbx_config_load("/nonexistent/sbx/", &opts, &e, &err), -ENOENT);
        assert_string_equal(err.msg, "/nonexistent/sbx: cannot open: No such file or directory");
}

static void test_load_refusals(void **state)
{
        struct tree t;
        char w[5][300];
        tree_make(&t, true);
        put(t.dir, "sandbox-shell.conf", "Sandbox yes\nBogus 1\n", 0664);
        put(t.dropins, "a.conf", "TasksMax 1\n", 0646);
        put(t.dropins, "b.conf", "TasksMax 2\n", 0640); /* fine */
        put(t.dir, "real.conf", "TasksMax 3\n", 0644);
        char link[200], fifo[200];
        (void)snprintf(link, sizeof(link), "%s/c.conf", t.dropins);
        assert_int_equal(symlink("../real.conf", link), 0);
        (void)snprintf(fifo, sizeof(fifo), "%s/d.conf", t.dropins);
        assert_int_equal(mkfifo(fifo, 0644), 0);

        /* Every refusal is reported, each naming its file; the acceptable file is still read. */
        _cleanup_config_ struct sbx_config *c = load_tree(&t, geteuid(), -EPERM);
        (void)snprintf(w[0], sizeof(w[0]), "%s/a.conf: refused: writable by others (mode 0646)", t.dropins);
        (void)snprintf(w[1], sizeof(w[1]), "%s/c.conf: refused: is a symbolic link", t.dropins);
        (void)snprintf(w[2], sizeof(w[2]), "%s/d.conf: refused: not a regular file", t.dropins);
        (void)snprintf(w[3], sizeof(w[3]), "%s/sandbox-shell.conf: refused: writable by group (mode 0664)", t.dir);
        expect_errors(c, w[0], w[1], w[2], w[3], NULL);
        assert_int_equal(c->errors[0].code, EPERM);
        assert_int_equal(c->n_entries, 1);
        assert_int_equal(c->entries[0].num, 2);

        /* The owner check, with the expected owner injected: everything here belongs to someone else. */
        _cleanup_config_ struct sbx_config *d = load_tree(&t, geteuid() + 1, -EPERM);
        (void)snprintf(w[0], sizeof(w[0]), "%s: refused: owned by uid %lu, must be owned by uid %lu", t.dir,
                       (unsigned long)geteuid(), (unsigned long)geteuid() + 1);
        expect_errors(d, w[0], NULL);
        tree_remove(&t);
}

static void test_load_directory_checks(void **state)
{
        struct tree t;
        char w[300];
        tree_make(&t, true);
        put(t.dir, "sandbox-shell.conf", "Sandbox yes\n", 0644);
        put(t.dropins, "a.conf", "TasksMax 1\n", 0644);

        assert_int_equal(chmod(t.dropins, 0775), 0);
        _cleanup_config_ struct sbx_config *c = load_tree(&t, geteuid(), -EPERM);
        (void)snprintf(w, sizeof(w), "%s: refused: writable by group (mode 0775)", t.dropins);
        expect_errors(c, w, NULL);
        assert_int_equal(c->n_entries, 1); /* the main file is still read and checked */

        assert_int_equal(chmod(t.dropins, 0755), 0);
        assert_int_equal(chmod(t.dir, 0757), 0);
        _cleanup_config_ struct sbx_config *d = load_tree(&t, geteuid(), -EPERM);
        (void)snprintf(w, sizeof(w), "%s: refused: writable by others (mode 0757)", t.dir);
        expect_errors(d, w, NULL);
        assert_int_equal(chmod(t.dir, 0755), 0);

        /* The config directory itself reached through a symlink is refused too. */
        char link[128];
        (void)snprintf(link, sizeof(link), "%s.link", t.dir);
        assert_int_equal(symlink(t.dir, link), 0);
        struct sbx_config_options opts = {.owner = geteuid()};
        struct sbx_err err = {0};
        _cleanup_config_ struct sbx_config *e = NULL;
        assert_int_equal(sbx_config_load(link, &opts, &e, &err), -EPERM);
        (void)snprintf(w, sizeof(w), "%s: refused: is a symbolic link", link);
        assert_string_equal(err.msg, w);
        assert_int_equal(unlink(link), 0);

        /* A syntax error in a file read from disk carries the full path and the line. */
        put(t.dropins, "a.conf", "\n\nTasksMax none\n", 0644);
        _cleanup_config_ struct sbx_config *f = load_tree(&t, geteuid(), -EINVAL);
        (void)snprintf(w, sizeof(w),
                       "%s/a.conf:3: TasksMax: invalid value 'none' (expected a positive integer or "
                       "infinity)",
                       t.dropins);
        expect_errors(f, w, NULL);
        tree_remove(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_syntax),
                cmocka_unit_test(test_syntax_errors),
                cmocka_unit_test(test_every_error_reported),
                cmocka_unit_test(test_values_good),
                cmocka_unit_test(test_values_bad),
                cmocka_unit_test(test_sizes),
                cmocka_unit_test(test_tokens),
                cmocka_unit_test(test_paths),
                cmocka_unit_test(test_match_syntax),
                cmocka_unit_test(test_patterns),
                cmocka_unit_test(test_same_scope_conflicts),
                cmocka_unit_test(test_system_call_filter),
                cmocka_unit_test(test_durations_and_session_values),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_limit_values),
                cmocka_unit_test(test_key_names),
                cmocka_unit_test(test_load_order),
                cmocka_unit_test(test_load_main_required_dropins_optional),
                cmocka_unit_test(test_load_refusals),
                cmocka_unit_test(test_load_directory_checks),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
