/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-migrate DIR N: what one write to cgroup.procs costs (a process moved between cgroups, as the PAM module moves
 * the session process into its leaf at the open and back at the close), after a quiet spell and right after another.
 * DIR is a cgroup2 directory the caller may move itself into (its own cgroup); a child cgroup is made below it and
 * removed at the end. N times: 100 ms without a move, then this process moved into the child (timed: "after-quiet"),
 * then at once back into DIR (timed: "back-to-back"). Prints "migrate.after-quiet MS" and "migrate.back-to-back MS"
 * lines. Root.
 *
 * Every move takes the kernel's global cgroup_threadgroup_rwsem for writing. Unless the hierarchy is mounted with
 * favordynmods, that waits for an RCU grace period when no other move happened in the last one or two grace periods. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Moves this process into dir; the time it took in ms, or -1. */
static double move(const char *dir)
{
        char path[4200], pid[32];
        int n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
        (void)snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        double t = now_ms();
        ssize_t w = write(fd, pid, (size_t)n);
        t = now_ms() - t;
        close(fd);
        return w == n ? t : -1;
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: cg-migrate DIR N\n");
                return 2;
        }
        const char *dir = argv[1];
        int reps = atoi(argv[2]);
        char child[4200];
        (void)snprintf(child, sizeof(child), "%s/sbx-bench-migrate-%d", dir, (int)getpid());
        if (mkdir(child, 0755) < 0) {
                fprintf(stderr, "cg-migrate: mkdir %s: %s\n", child, strerror(errno));
                return 1;
        }
        int rc = 0;
        for (int i = 0; i < reps && rc == 0; i++) {
                struct timespec quiet = {0, 100 * 1000000L};
                nanosleep(&quiet, NULL);
                double in = move(child), out = move(dir);
                if (in < 0 || out < 0) {
                        fprintf(stderr, "cg-migrate: move: %s\n", strerror(errno));
                        rc = 1;
                        break;
                }
                printf("migrate.after-quiet %.3f\nmigrate.back-to-back %.3f\n", in, out);
        }
        (void)move(dir);
        if (rmdir(child) < 0) {
                fprintf(stderr, "cg-migrate: rmdir %s: %s\n", child, strerror(errno));
                rc = 1;
        }
        return rc;
}
