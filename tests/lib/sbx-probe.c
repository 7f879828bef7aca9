/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test program copied into the test rootfs (static: the busybox rootfs has no libc) and run by the sandboxed user.
 * Each command makes one attempt and prints "NAME: ok" or "NAME: <strerror>", exit 0 either way (1 for a usage or
 * setup error), so a test asserts exactly what the kernel or the filter answered.
 *
 *   sbx-probe tiocsti     push a character into the input of a terminal (a new pty made the controlling terminal
 *                         of a new session, so only the filter or dev.tty.legacy_tiocsti=0 can refuse it)
 *   sbx-probe tioclinux   the TIOCLINUX ioctl on that pty
 *   sbx-probe keyctl      read the id of the session keyring (keyctl(KEYCTL_GET_KEYRING_ID))
 *   sbx-probe userns      unshare(CLONE_NEWUSER)
 *   sbx-probe nofile N    open /dev/null until N descriptors are open (fd N-1) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_SESSION_KEYRING -3

static int report(const char *name, long r)
{
        printf("%s: %s\n", name, r < 0 ? strerror(errno) : "ok");
        return 0;
}

/* In a child: a new session whose controlling terminal is a new pty, then the ioctl on it. */
static int on_pty(const char *name, unsigned long req)
{
        int m = posix_openpt(O_RDWR | O_NOCTTY);
        if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
                perror("sbx-probe: pty");
                return 1;
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                if (setsid() < 0)
                        _exit(1);
                int s = open(ptsname(m), O_RDWR); /* without O_NOCTTY: the session's controlling terminal */
                if (s < 0)
                        _exit(1);
                char c = 'x';
                int arg = 0;
                long r = req == TIOCSTI ? ioctl(s, TIOCSTI, &c) : ioctl(s, TIOCLINUX, &arg);
                report(name, r);
                fflush(stdout);
                _exit(0);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "sbx-probe: %s: setup failed\n", name);
                return 1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        if (argc >= 2 && strcmp(argv[1], "tiocsti") == 0)
                return on_pty("TIOCSTI", TIOCSTI);
        if (argc >= 2 && strcmp(argv[1], "tioclinux") == 0)
                return on_pty("TIOCLINUX", TIOCLINUX);
        if (argc >= 2 && strcmp(argv[1], "keyctl") == 0)
                return report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
        if (argc >= 2 && strcmp(argv[1], "userns") == 0)
                return report("userns", unshare(CLONE_NEWUSER));
        if (argc >= 3 && strcmp(argv[1], "nofile") == 0) {
                int n = atoi(argv[2]), fd = -1;
                while ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd < n - 1)
                        ;
                return report("nofile", fd);
        }
        fprintf(stderr, "usage: sbx-probe tiocsti|tioclinux|keyctl|userns|nofile N\n");
        return 1;
}
