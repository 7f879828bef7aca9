/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test syslog sink: binds a datagram socket at SOCKET (the test's private /dev/log) and appends every message it
 * receives, one line each, to FILE, flushed at once so a test can read it while the listener runs.
 *
 *   sbx-syslog-listen SOCKET FILE
 *
 * Runs until killed. The socket is created mode 0666 (a program that dropped privileges can log too). Prints "ready"
 * on stdout once bound, so the test can wait for it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: %s SOCKET FILE\n", argv[0]);
                return 1;
        }
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "socket path too long\n");
                return 1;
        }
        strcpy(sa.sun_path, argv[1]);
        FILE *out = fopen(argv[2], "ae");
        if (!out) {
                perror(argv[2]);
                return 1;
        }
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                perror("socket");
                return 1;
        }
        (void)unlink(argv[1]);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                perror(argv[1]);
                return 1;
        }
        (void)chmod(argv[1], 0666);
        printf("ready\n");
        fflush(stdout);
        for (;;) {
                char buf[8192];
                ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("recv");
                        return 1;
                }
                while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
                        n--;
                buf[n] = '\0';
                fprintf(out, "%s\n", buf);
                fflush(out);
        }
}
