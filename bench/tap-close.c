/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tap-close N: what closing the last descriptor of a tap device costs, as the stack of Network private does when it
 * ends: N times each, alternating, in a network namespace of its own, a tap device made and brought up as
 * lib/core/netstack.c does (sbx_netstack_tap), then the close() timed; once as it is made there, once with
 * TUNSETPERSIST set first (the device is then left to the namespace's teardown, in a kernel worker). Prints
 * "tap-close.plain MS" and "tap-close.persist MS" lines. Root. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int up(int s, const char *name)
{
        struct ifreq ifr = {0};
        strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                return -1;
        ifr.ifr_flags |= IFF_UP;
        return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/* In a child: a namespace, the device, the close timed; its time (ms) on `out`. */
static int one(int persist, int out)
{
        if (unshare(CLONE_NEWNET) < 0)
                return perror("tap-close: unshare"), 1;
        int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
        strcpy(ifr.ifr_name, "tap0");
        if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0)
                return perror("tap-close: tap device"), 1;
        if (persist && ioctl(fd, TUNSETPERSIST, 1) < 0)
                return perror("tap-close: TUNSETPERSIST"), 1;
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq a = {.ifr_mtu = 16384};
        strcpy(a.ifr_name, "tap0");
        struct sockaddr_in *in = (struct sockaddr_in *)&a.ifr_addr;
        if (s < 0 || up(s, "lo") < 0 || ioctl(s, SIOCSIFMTU, &a) < 0)
                return perror("tap-close: configure"), 1;
        *in = (struct sockaddr_in){.sin_family = AF_INET};
        inet_pton(AF_INET, "10.0.2.100", &in->sin_addr);
        if (ioctl(s, SIOCSIFADDR, &a) < 0 || up(s, "tap0") < 0)
                return perror("tap-close: configure"), 1;
        close(s);
        double t0 = now_ms();
        close(fd);
        double t1 = now_ms();
        dprintf(out, "%.3f", t1 - t0);
        return 0;
}

int main(int argc, char **argv)
{
        int n = argc == 2 ? atoi(argv[1]) : 0;
        if (n <= 0) {
                fprintf(stderr, "usage: tap-close N\n");
                return 2;
        }
        for (int i = 0; i < 2 * n; i++) {
                int persist = i % 2, p[2];
                if (pipe2(p, O_CLOEXEC) < 0)
                        return perror("tap-close: pipe"), 1;
                pid_t pid = fork();
                if (pid < 0)
                        return perror("tap-close: fork"), 1;
                if (pid == 0) {
                        close(p[0]);
                        _exit(one(persist, p[1]));
                }
                close(p[1]);
                char buf[64] = {0};
                ssize_t k = read(p[0], buf, sizeof(buf) - 1);
                close(p[0]);
                int st = 0;
                waitpid(pid, &st, 0);
                if (k <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        return 1;
                printf("tap-close.%s %s\n", persist ? "persist" : "plain", buf);
        }
        return 0;
}
