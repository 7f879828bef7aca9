/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core/netfilter: the rules of `Network private`, their canonical text and the nftables ruleset. The ruleset at
 * work in a network namespace is tests/integration/test-netfilter.sh. Also the stack's syscall allow-list
 * (lib/core/netstack-filter.c): the program the build compiled is what libseccomp makes of the list, and it holds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "netfilter.h"
#include "netstack.h"

/* Parses TEXT and checks its canonical form. */
static void round_trip(const char *text, const char *want)
{
        struct sbx_net_rule r;
        struct sbx_err err = {0};
        char buf[128];
        if (sbx_net_rule_parse(text, &r, &err) != 0)
                fail_msg("'%s' refused: %s", text, err.msg);
        sbx_net_rule_format(&r, buf, sizeof(buf));
        assert_string_equal(buf, want);
}

static void refused(const char *text, const char *msg_part)
{
        struct sbx_net_rule r;
        struct sbx_err err = {0};
        assert_int_equal(sbx_net_rule_parse(text, &r, &err), -EINVAL);
        if (!strstr(err.msg, msg_part))
                fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, msg_part);
        if (text[0] && !strstr(err.msg, text))
                fail_msg("'%s': message '%s' does not name it", text, err.msg);
}

static void test_parse(void **state)
{
        round_trip("10.1.2.3", "10.1.2.3");
        round_trip("10.1.2.3/32", "10.1.2.3");
        round_trip("10.0.0.0/8", "10.0.0.0/8");
        round_trip("10.1.2.3:7", "10.1.2.3:7");
        round_trip("192.168.0.0/16:8000-8080", "192.168.0.0/16:8000-8080");
        round_trip("0.0.0.0/0", "0.0.0.0/0");
        round_trip("fc00::/7", "fc00::/7");
        round_trip("2001:db8::1", "2001:db8::1");
        round_trip("[2001:db8::1]:443", "[2001:db8::1]:443");
        round_trip("[2001:db8::/32]:1-1024", "[2001:db8::/32]:1-1024");
        round_trip("::/0", "::/0");

        refused("10.1.2.3/8", "the network is 10.0.0.0/8");
        refused("fc00::1/7", "the network is fc00::/7");
        refused("10.1.2.3/33", "prefix '/33'");
        refused("10.1.2/24", "not an IPv4 address");
        refused("10.1.2.3:0", "port '0'");
        refused("10.1.2.3:65536", "port '65536'");
        refused("10.1.2.3:9-7", "ends before it starts");
        refused("10.1.2.3:http", "port 'http'");
        refused("10.1.2.3:", "port ''");
        refused("[2001:db8::1]:", "[ADDRESS[/PREFIX]]:PORT");
        refused("2001:db8::zz", "not an IPv6 address");
        refused("", "not an address rule");
        refused("host.example", "not an IPv4 address");
}

static void test_render(void **state)
{
        struct sbx_net_rule allow[1], deny[1], host[2], dns;
        struct sbx_err err = {0};
        assert_int_equal(sbx_net_rule_parse("10.1.2.3:7", &allow[0], &err), 0);
        assert_int_equal(sbx_net_rule_parse("[2001:db8::/32]:1-1024", &deny[0], &err), 0);
        assert_int_equal(sbx_net_rule_parse("198.51.100.7", &host[0], &err), 0);
        assert_int_equal(sbx_net_rule_parse("2001:db8:1::7", &host[1], &err), 0);
        assert_int_equal(sbx_net_rule_parse("10.0.2.3", &dns, &err), 0);
        const struct sbx_net_filter f = {
                .allow = allow, .n_allow = 1, .deny = deny, .n_deny = 1, .host = host, .n_host = 2, .dns = &dns};
        char *text = NULL;
        assert_int_equal(sbx_net_filter_render(&f, &text, &err), 0);
        assert_string_equal(text, "table inet sandbox_shell {\n"
                                  "\tchain output {\n"
                                  "\t\ttype filter hook output priority filter; policy accept;\n"
                                  "\t\toifname \"lo\" accept\n"
                                  "\t\tip daddr 0.0.0.0/8 reject with icmpx admin-prohibited\n"
                                  "\t\tip daddr 127.0.0.0/8 reject with icmpx admin-prohibited\n"
                                  "\t\tip daddr 224.0.0.0/4 reject with icmpx admin-prohibited\n"
                                  "\t\tip daddr 240.0.0.0/4 reject with icmpx admin-prohibited\n"
                                  "\t\tip6 daddr ::/128 reject with icmpx admin-prohibited\n"
                                  "\t\tip6 daddr ::1/128 reject with icmpx admin-prohibited\n"
                                  "\t\tip6 daddr ff00::/8 reject with icmpx admin-prohibited\n"
                                  "\t\tip6 daddr ::ffff:0.0.0.0/96 reject with icmpx admin-prohibited\n"
                                  "\t\tip daddr 198.51.100.7/32 reject with icmpx admin-prohibited\n"
                                  "\t\tip6 daddr 2001:db8:1::7/128 reject with icmpx admin-prohibited\n"
                                  "\t\tip daddr 10.0.2.3/32 meta l4proto { tcp, udp } th dport 53 accept\n"
                                  "\t\tip daddr 10.1.2.3/32 meta l4proto { tcp, udp } th dport 7 accept\n"
                                  "\t\tip6 daddr 2001:db8::/32 meta l4proto { tcp, udp } th dport 1-1024 reject with "
                                  "icmpx admin-prohibited\n"
                                  "\t\tip daddr 169.254.0.0/16 reject with icmpx admin-prohibited\n"
                                  "\t\tip daddr 10.0.0.0/8 reject with icmpx admin-prohibited\n"
                                  "\t\tip daddr 172.16.0.0/12 reject with icmpx admin-prohibited\n"
                                  "\t\tip daddr 192.168.0.0/16 reject with icmpx admin-prohibited\n"
                                  "\t\tip daddr 100.64.0.0/10 reject with icmpx admin-prohibited\n"
                                  "\t\tip6 daddr fe80::/10 reject with icmpx admin-prohibited\n"
                                  "\t\tip6 daddr fc00::/7 reject with icmpx admin-prohibited\n"
                                  "\t}\n"
                                  "\tchain input {\n"
                                  "\t\ttype filter hook input priority filter; policy drop;\n"
                                  "\t\tiifname \"lo\" accept\n"
                                  "\t\tct state established,related accept\n"
                                  "\t}\n"
                                  "}\n");
        free(text);
}

/* EPERM from a probe the filter refuses. */
static bool denied(long r)
{
        return r < 0 && errno == EPERM;
}

/* In a child under the allow-list as the stack loads it: 0 when what the stack needs is allowed (an AF_INET stream
 * socket, fcntl F_GETFL and F_SETFL without O_ASYNC, ioctl FIONREAD: the positive controls) and the rest is refused
 * with EPERM (AF_UNIX and AF_NETLINK sockets, a raw socket, fcntl F_SETOWN and O_ASYNC, another ioctl, getuid), else
 * the number of the probe that went wrong. */
static int child_under_filter(void)
{
        struct sbx_err err = {0};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sbx_netstack_filter_load(&err) < 0)
                return 90;
        int fd = socket(AF_INET, SOCK_STREAM, 0), n = 0, fl;
        if (fd < 0)
                return 1;
        if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || ioctl(fd, FIONREAD, &n) < 0)
                return 2;
        if (!denied(socket(AF_UNIX, SOCK_STREAM, 0)) || !denied(socket(AF_NETLINK, SOCK_RAW, 0)) ||
            !denied(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)))
                return 3;
        if (!denied(fcntl(fd, F_SETOWN, getpid())) || !denied(fcntl(fd, F_SETFL, fl | O_ASYNC)) ||
            !denied(ioctl(fd, FIONBIO, &n)))
                return 4;
        if (!denied(syscall(SYS_getuid)))
                return 5;
        (void)close(fd);
        return 0;
}

static void test_netstack_filter_prebuilt(void **state)
{
        const struct sock_filter *insns = NULL;
        size_t n = sbx_netstack_filter_prebuilt_insns(&insns);
        assert_true(n > 0 && insns);
        struct sbx_err err = {0};
        int fd = memfd_create("test-netstack-filter", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(sbx_netstack_filter_export(fd, &err), 0);
        static char compiled[BPF_MAXINSNS * sizeof(struct sock_filter)];
        ssize_t got = pread(fd, compiled, sizeof(compiled), 0);
        (void)close(fd);
        assert_int_equal(got, (ssize_t)(n * sizeof(struct sock_filter)));
        assert_memory_equal(insns, compiled, (size_t)got);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                /* exit_group itself: _exit is a no-return call, before which a sanitizer's runtime asks for
                 * sigaltstack, which the list refuses. */
                (void)syscall(SYS_exit_group, child_under_filter());
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_render),
                cmocka_unit_test(test_netstack_filter_prebuilt),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
