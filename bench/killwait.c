/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Times a teardown: sends SIGNAL to TARGET, then prints, for each WATCH process, the microseconds from the signal to
 * its exit, in the order they exit. The processes are watched through pidfds (they need not be children), opened
 * before the signal is sent; at most 30 s.
 *
 *   killwait SIGNAL TARGET WATCH...
 *
 * Exit status: 0 when every WATCH process exited in time, 1 otherwise, 2 for usage or system errors. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
        if (argc < 4 || argc - 3 > 64) {
                fprintf(stderr, "usage: killwait SIGNAL TARGET WATCH... (at most 64)\n");
                return 2;
        }
        int sig = atoi(argv[1]), n = argc - 3;
        pid_t target = (pid_t)atoi(argv[2]);
        struct pollfd pfd[64];
        for (int i = 0; i < n; i++) {
                pfd[i].fd = (int)syscall(SYS_pidfd_open, (pid_t)atoi(argv[i + 3]), 0);
                pfd[i].events = POLLIN;
                if (pfd[i].fd < 0) {
                        perror("pidfd_open");
                        return 2;
                }
        }
        long long t0 = now_us();
        if (kill(target, sig) < 0) {
                perror("kill");
                return 2;
        }
        int left = n;
        while (left > 0 && now_us() - t0 < 30000000) {
                if (poll(pfd, (nfds_t)n, 1000) < 0)
                        return 2;
                long long t = now_us();
                for (int i = 0; i < n; i++)
                        if (pfd[i].fd >= 0 && pfd[i].revents) {
                                printf("%s %lld\n", argv[i + 3], t - t0);
                                close(pfd[i].fd);
                                pfd[i].fd = -1;
                                left--;
                        }
        }
        return left == 0 ? 0 : 1;
}
