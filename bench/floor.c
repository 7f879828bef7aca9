/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The floor of the start-up benchmark: the least any sandbox that runs a program as PID 1 in its own rootfs can do.
 * One clone with new PID, mount, UTS and IPC namespaces; inside, every mount private, the rootfs bound over itself,
 * a fresh /proc, pivot_root into it, exec. No policy, no checks, no /dev, no capability drop: a yardstick, not a
 * sandbox. Built static so that no dynamic loading is counted.
 *
 *   floor ROOTFS PROGRAM [ARG...]      (PROGRAM is a path inside ROOTFS)
 *
 * Exit status: PROGRAM's (128+N for a signal); 125 when the floor itself fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what)
{
        fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
        return 125;
}

static int child(const char *root, char **argv)
{
        char proc[4096];
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return fail("make / private");
        if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
                return fail("bind the rootfs");
        if (snprintf(proc, sizeof(proc), "%s/proc", root) >= (int)sizeof(proc))
                return fail("rootfs path too long");
        if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return fail("mount /proc");
        if (chdir(root) < 0)
                return fail("enter the rootfs");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return fail("pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                return fail("detach the old root");
        if (chdir("/") < 0)
                return fail("chdir /");
        execv(argv[0], argv);
        return fail(argv[0]);
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: floor ROOTFS PROGRAM [ARG...]\n");
                return 125;
        }
        /* fork semantics: the child runs on a copy of this stack. */
        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD, NULL,
                                   NULL, NULL, NULL);
        if (pid < 0)
                return fail("clone");
        if (pid == 0)
                _exit(child(argv[1], argv + 2));
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return fail("waitpid");
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
