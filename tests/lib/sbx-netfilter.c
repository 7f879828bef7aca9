/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The filter of `Network private` at work (tests/integration/test-netfilter.sh):
 *
 *   sbx-netfilter install [--allow R | --deny R | --host R | --dns ADDR]...
 *                             render the ruleset of lib/core/netfilter.c and add it to this network namespace
 *   sbx-netfilter listen PORT...   serve each TCP port on every address: "HELLO-PORT" to each connection, and
 *                             "accepted PORT from ADDR" on stdout for each (until killed)
 *   sbx-netfilter tap NETNS CMD...   make the sandbox's tap device in the network namespace NETNS (a path) as the
 *                             helper does (lib/core/netstack.c), then exec CMD here with the device as descriptor 3
 *   sbx-netfilter dns NAME ADDR    answer A queries for NAME with ADDR, on UDP port 53 of ADDR, and refuse
 *                             (NXDOMAIN) any other name (until killed)
 *   sbx-netfilter resolve NAME     look NAME up as any program would (getaddrinfo, IPv4): "NAME: ADDR" or "NAME: <error>"
 *   sbx-netfilter connect ADDR PORT [DEVICE]
 *                             one TCP connection (from a socket bound to DEVICE, SO_BINDTODEVICE, when given) (2 s at most): prints "ADDR:PORT: ok LINE" or "ADDR:PORT: <strerror>",
 *                             exit 0 either way, so that the test asserts what the kernel answered
 *   sbx-netfilter listen-abstract NAME / connect-abstract NAME
 *                             the same over an abstract unix socket "@NAME"
 *   sbx-netfilter udp-echo ADDR PORT
 *                             send every datagram to ADDR:PORT back, from there (until killed)
 *   sbx-netfilter udp ADDR PORT    one datagram "ping" and its answer (2 s at most): "ADDR:PORT/udp: ok ping" or why not
 *   sbx-netfilter udp-log PORT [GROUP]
 *                             print "got DATA from ADDR" for every datagram to PORT on any address (and to the
 *                             multicast GROUP, joined on every interface) (until killed)
 *   sbx-netfilter send-udp ADDR PORT DATA [DEVICE [TTL]]
 *                             one datagram, from a socket bound to DEVICE ("-": none) with the multicast TTL;
 *                             prints "sent" or why not
 *   sbx-netfilter sink PORT        accept TCP connections and read them to the end (until killed)
 *   sbx-netfilter send ADDR PORT MIB
 *                             write MIB MiB to ADDR:PORT and print "MIB MiB in SECONDS s" (the benchmark) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <net/if.h>
#include <time.h>
#include <unistd.h>

#include "netfilter.h"
#include "netstack.h"

#define MAX_RULES 32

static int install(int argc, char **argv)
{
        struct sbx_net_rule allow[MAX_RULES], deny[MAX_RULES], host[MAX_RULES], dns;
        struct sbx_net_filter f = {.allow = allow, .deny = deny, .host = host};
        struct sbx_err err = {0};
        for (int i = 2; i + 1 < argc; i += 2) {
                struct sbx_net_rule *r = NULL;
                if (!strcmp(argv[i], "--allow") && f.n_allow < MAX_RULES)
                        r = &allow[f.n_allow++];
                else if (!strcmp(argv[i], "--deny") && f.n_deny < MAX_RULES)
                        r = &deny[f.n_deny++];
                else if (!strcmp(argv[i], "--host") && f.n_host < MAX_RULES)
                        r = &host[f.n_host++];
                else if (!strcmp(argv[i], "--dns"))
                        r = &dns, f.dns = &dns;
                else {
                        fprintf(stderr, "sbx-netfilter: unknown argument '%s'\n", argv[i]);
                        return 1;
                }
                if (sbx_net_rule_parse(argv[i + 1], r, &err) < 0) {
                        fprintf(stderr, "sbx-netfilter: %s\n", err.msg);
                        return 1;
                }
        }
        char *text = NULL;
        if (sbx_net_filter_render(&f, &text, &err) < 0 || sbx_net_filter_install(text, &err) < 0) {
                fprintf(stderr, "sbx-netfilter: %s\n", err.msg);
                free(text);
                return 1;
        }
        free(text);
        return 0;
}

static int listen_ports(int argc, char **argv)
{
        struct pollfd p[16];
        int ports[16], n = 0;
        for (int i = 2; i < argc && n < 16; i++, n++) {
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[i]))};
                int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
                    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
                        fprintf(stderr, "sbx-netfilter: listen on %s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                p[n] = (struct pollfd){.fd = s, .events = POLLIN};
                ports[n] = atoi(argv[i]);
        }
        printf("listening\n");
        fflush(stdout);
        for (;;) {
                if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
                        return 1;
                for (int i = 0; i < n; i++) {
                        if (!(p[i].revents & POLLIN))
                                continue;
                        struct sockaddr_in from;
                        socklen_t fl = sizeof(from);
                        int c = accept4(p[i].fd, (struct sockaddr *)&from, &fl, SOCK_CLOEXEC);
                        if (c < 0)
                                continue;
                        char who[INET_ADDRSTRLEN] = "?";
                        (void)inet_ntop(AF_INET, &from.sin_addr, who, sizeof(who));
                        printf("accepted %d from %s\n", ports[i], who);
                        fflush(stdout);
                        dprintf(c, "HELLO-%d\n", ports[i]);
                        close(c);
                }
        }
}

/* SO_BINDTODEVICE, which an unprivileged socket may set: the route's choice of interface is skipped. */
static int bind_device(int s, const char *dev)
{
        if (!dev || !strcmp(dev, "-"))
                return 0;
        if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0) {
                fprintf(stderr, "sbx-netfilter: bind to %s: %s\n", dev, strerror(errno));
                return -1;
        }
        return 0;
}

static int connect_once(const char *addr, const char *port, const char *dev)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
        if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
                fprintf(stderr, "sbx-netfilter: '%s' is not an IPv4 address\n", addr);
                return 1;
        }
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s < 0 || bind_device(s, dev) < 0)
                return 1;
        int r = connect(s, (struct sockaddr *)&a, sizeof(a));
        if (r < 0 && errno == EINPROGRESS) {
                struct pollfd p = {.fd = s, .events = POLLOUT};
                int e = 0;
                socklen_t len = sizeof(e);
                r = poll(&p, 1, 2000);
                if (r == 0)
                        errno = ETIMEDOUT, r = -1;
                else if (r > 0 && getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e)
                        errno = e, r = -1;
                else if (r > 0)
                        r = 0;
        }
        char line[64] = "";
        if (r == 0) {
                struct pollfd p = {.fd = s, .events = POLLIN};
                ssize_t n = poll(&p, 1, 2000) > 0 ? read(s, line, sizeof(line) - 1) : -1;
                line[n > 0 ? n : 0] = '\0';
                line[strcspn(line, "\n")] = '\0';
        }
        printf("%s:%s: %s%s%s\n", addr, port, r == 0 ? "ok" : strerror(errno), r == 0 ? " " : "", line);
        close(s);
        return 0;
}

static int dns(const char *name, const char *addr)
{
        struct in_addr a;
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        /* Bound to ADDR: a reply must come from the address the query went to. */
        if (inet_pton(AF_INET, addr, &a) != 1 || (sa.sin_addr = a, s < 0) ||
            bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                fprintf(stderr, "sbx-netfilter: dns on port 53: %s\n", strerror(errno));
                return 1;
        }
        printf("listening\n");
        fflush(stdout);
        for (;;) {
                uint8_t q[512];
                struct sockaddr_in from;
                socklen_t fl = sizeof(from);
                ssize_t n = recvfrom(s, q, sizeof(q) - 16, 0, (struct sockaddr *)&from, &fl);
                if (n < 17)
                        continue;
                /* The question's name, as dotted text. */
                char qname[256] = "";
                size_t i = 12, len = 0;
                while (i < (size_t)n && q[i] && q[i] < 64 && i + q[i] < (size_t)n && len + q[i] + 2 < sizeof(qname)) {
                        if (len)
                                qname[len++] = '.';
                        memcpy(qname + len, q + i + 1, q[i]);
                        len += q[i];
                        i += (size_t)q[i] + 1;
                }
                qname[len] = '\0';
                if (i + 5 > (size_t)n)
                        continue;
                size_t end = i + 5; /* the name's 0, QTYPE, QCLASS */
                bool is_a = q[i + 1] == 0 && q[i + 2] == 1;
                q[2] = 0x84 | (q[2] & 0x01);                  /* a response, authoritative, RD as asked */
                q[3] = strcasecmp(qname, name) ? 0x83 : 0x80; /* RA; NXDOMAIN for another name */
                q[6] = 0;
                q[7] = !strcasecmp(qname, name) && is_a ? 1 : 0;
                q[8] = q[9] = q[10] = q[11] = 0;
                size_t out = end;
                if (q[7]) {
                        const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
                        memcpy(q + out, rr, sizeof(rr));
                        memcpy(q + out + sizeof(rr), &a, 4);
                        out += sizeof(rr) + 4;
                }
                (void)sendto(s, q, out, 0, (struct sockaddr *)&from, fl);
        }
}

static int resolve(const char *name)
{
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
        int r = getaddrinfo(name, NULL, &hints, &res);
        char addr[INET_ADDRSTRLEN] = "";
        if (r == 0)
                (void)inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, addr, sizeof(addr));
        printf("%s: %s\n", name, r == 0 ? addr : gai_strerror(r));
        if (res)
                freeaddrinfo(res);
        return 0;
}

static int udp_log(const char *port, const char *group)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
        int one = 1, s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
                fprintf(stderr, "sbx-netfilter: udp on %s: %s\n", port, strerror(errno));
                return 1;
        }
        if (group) {
                /* On every interface that is up and has multicast. */
                struct if_nameindex *ifs = if_nameindex();
                int joined = 0;
                for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
                        struct ip_mreqn m = {.imr_ifindex = (int)i->if_index};
                        if (inet_pton(AF_INET, group, &m.imr_multiaddr) == 1 &&
                            setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) == 0)
                                joined++;
                }
                if (ifs)
                        if_freenameindex(ifs);
                if (!joined) {
                        fprintf(stderr, "sbx-netfilter: join %s: %s\n", group, strerror(errno));
                        return 1;
                }
        }
        printf("listening\n");
        fflush(stdout);
        for (;;) {
                char buf[256], who[INET_ADDRSTRLEN] = "?";
                struct sockaddr_in from;
                socklen_t fl = sizeof(from);
                ssize_t n = recvfrom(s, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
                if (n <= 0)
                        continue;
                buf[n] = '\0';
                (void)inet_ntop(AF_INET, &from.sin_addr, who, sizeof(who));
                printf("got %s from %s\n", buf, who);
                fflush(stdout);
        }
}

static int send_udp(int argc, char **argv)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
        int ttl = argc > 6 ? atoi(argv[6]) : 1;
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1 || s < 0 || bind_device(s, argc > 5 ? argv[5] : NULL) < 0)
                return 1;
        int r = setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
        if (r == 0)
                r = (int)sendto(s, argv[4], strlen(argv[4]), 0, (struct sockaddr *)&a, sizeof(a));
        printf("%s\n", r >= 0 ? "sent" : strerror(errno));
        return 0;
}

static socklen_t abstract_addr(const char *name, struct sockaddr_un *a)
{
        *a = (struct sockaddr_un){.sun_family = AF_UNIX};
        size_t n = strnlen(name, sizeof(a->sun_path) - 2);
        memcpy(a->sun_path + 1, name, n);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int listen_abstract(const char *name)
{
        struct sockaddr_un a;
        socklen_t len = abstract_addr(name, &a);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || bind(s, (struct sockaddr *)&a, len) < 0 || listen(s, 16) < 0) {
                fprintf(stderr, "sbx-netfilter: listen on @%s: %s\n", name, strerror(errno));
                return 1;
        }
        printf("listening\n");
        fflush(stdout);
        for (;;) {
                int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue;
                dprintf(c, "HELLO-%s\n", name);
                close(c);
        }
}

static int connect_abstract(const char *name)
{
        struct sockaddr_un a;
        socklen_t len = abstract_addr(name, &a);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        char line[64] = "";
        int r = s < 0 ? -1 : connect(s, (struct sockaddr *)&a, len);
        if (r == 0) {
                ssize_t n = read(s, line, sizeof(line) - 1);
                line[n > 0 ? n : 0] = '\0';
                line[strcspn(line, "\n")] = '\0';
        }
        printf("@%s: %s%s%s\n", name, r == 0 ? "ok" : strerror(errno), r == 0 ? " " : "", line);
        return 0;
}

static int udp_echo(const char *addr, const char *port)
{
        /* Bound to ADDR: an answer must come from the address the datagram went to. */
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (inet_pton(AF_INET, addr, &a.sin_addr) != 1 || s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
                fprintf(stderr, "sbx-netfilter: udp on %s: %s\n", port, strerror(errno));
                return 1;
        }
        printf("listening\n");
        fflush(stdout);
        for (;;) {
                char buf[512];
                struct sockaddr_in from;
                socklen_t fl = sizeof(from);
                ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
                if (n > 0)
                        (void)sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
        }
}

static int udp_once(const char *addr, const char *port)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
        if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
                return 1;
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        char buf[64] = "";
        ssize_t n = -1;
        if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0 && send(s, "ping", 4, 0) == 4) {
                struct pollfd p = {.fd = s, .events = POLLIN};
                int r = poll(&p, 1, 2000);
                if (r == 0)
                        errno = ETIMEDOUT;
                else if (r > 0)
                        n = recv(s, buf, sizeof(buf) - 1, 0);
        }
        if (n > 0)
                buf[n] = '\0';
        printf("%s:%s/udp: %s%s%s\n", addr, port, n > 0 ? "ok" : strerror(errno), n > 0 ? " " : "", n > 0 ? buf : "");
        return 0;
}

static int sink(const char *port)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
        int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
                fprintf(stderr, "sbx-netfilter: sink on %s: %s\n", port, strerror(errno));
                return 1;
        }
        printf("listening\n");
        fflush(stdout);
        static char buf[1 << 17];
        for (;;) {
                int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue;
                while (read(c, buf, sizeof(buf)) > 0)
                        ;
                close(c);
        }
}

static int send_bulk(const char *addr, const char *port, const char *mib)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
        long n = atol(mib);
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (inet_pton(AF_INET, addr, &a.sin_addr) != 1 || n <= 0 || s < 0 ||
            connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
                fprintf(stderr, "sbx-netfilter: send to %s:%s: %s\n", addr, port, strerror(errno));
                return 1;
        }
        static char buf[1 << 16];
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (long left = n << 20; left > 0;) {
                ssize_t w = write(s, buf, left < (long)sizeof(buf) ? (size_t)left : sizeof(buf));
                if (w <= 0) {
                        fprintf(stderr, "sbx-netfilter: send: %s\n", strerror(errno));
                        return 1;
                }
                left -= w;
        }
        /* Until the sink has read it all: our end is read to its EOF. */
        shutdown(s, SHUT_WR);
        while (read(s, buf, sizeof(buf)) > 0)
                ;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%ld MiB in %.3f s\n", n, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        close(s);
        return 0;
}

static int tap(char **argv)
{
        struct sbx_err err = {0};
        int here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), there = open(argv[2], O_RDONLY | O_CLOEXEC);
        if (here < 0 || there < 0 || setns(there, CLONE_NEWNET) < 0) {
                fprintf(stderr, "sbx-netfilter: enter %s: %s\n", argv[2], strerror(errno));
                return 1;
        }
        int fd = sbx_netstack_tap(&err);
        if (fd < 0) {
                fprintf(stderr, "sbx-netfilter: %s\n", err.msg);
                return 1;
        }
        if (setns(here, CLONE_NEWNET) < 0 || dup2(fd, 3) < 0) {
                fprintf(stderr, "sbx-netfilter: back to the first namespace: %s\n", strerror(errno));
                return 1;
        }
        (void)fcntl(3, F_SETFL, O_NONBLOCK);
        execvp(argv[3], argv + 3);
        fprintf(stderr, "sbx-netfilter: exec %s: %s\n", argv[3], strerror(errno));
        return 1;
}

int main(int argc, char **argv)
{
        if (argc == 4 && !strcmp(argv[1], "dns"))
                return dns(argv[2], argv[3]);
        if (argc == 3 && !strcmp(argv[1], "resolve"))
                return resolve(argv[2]);
        if (argc >= 4 && !strcmp(argv[1], "tap"))
                return tap(argv);
        if (argc >= 2 && !strcmp(argv[1], "install"))
                return install(argc, argv);
        if (argc >= 3 && !strcmp(argv[1], "listen"))
                return listen_ports(argc, argv);
        if ((argc == 4 || argc == 5) && !strcmp(argv[1], "connect"))
                return connect_once(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
        if ((argc == 3 || argc == 4) && !strcmp(argv[1], "udp-log"))
                return udp_log(argv[2], argc == 4 ? argv[3] : NULL);
        if (argc >= 5 && argc <= 7 && !strcmp(argv[1], "send-udp"))
                return send_udp(argc, argv);
        if (argc == 3 && !strcmp(argv[1], "listen-abstract"))
                return listen_abstract(argv[2]);
        if (argc == 3 && !strcmp(argv[1], "connect-abstract"))
                return connect_abstract(argv[2]);
        if (argc == 4 && !strcmp(argv[1], "udp-echo"))
                return udp_echo(argv[2], argv[3]);
        if (argc == 4 && !strcmp(argv[1], "udp"))
                return udp_once(argv[2], argv[3]);
        if (argc == 3 && !strcmp(argv[1], "sink"))
                return sink(argv[2]);
        if (argc == 5 && !strcmp(argv[1], "send"))
                return send_bulk(argv[2], argv[3], argv[4]);
        fprintf(stderr, "usage: sbx-netfilter install [--allow R|--deny R|--host R|--dns A]... | listen PORT... | "
                        "connect ADDR PORT [DEVICE] | udp-log PORT [GROUP] | send-udp ADDR PORT DATA [DEVICE [TTL]] | "
                        "listen-abstract NAME | connect-abstract NAME | udp-echo ADDR PORT | udp ADDR PORT | "
                        "sink PORT | send ADDR PORT MIB\n");
        return 1;
}
