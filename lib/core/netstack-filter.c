/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stack's syscall allow-list (netstack.h), as libseccomp compiles it: at build time by gen-default-filter
 * --netstack, which writes the program as C (netstack-filter.h), or, in a cross build, at the stack's start. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "macro.h"
#include "netstack.h"

/* The allow-list in a new libseccomp context; NULL with errno set on a failure. */
static scmp_filter_ctx build(void)
{
        static const int calls[] = {
                SCMP_SYS(read),         SCMP_SYS(write),          SCMP_SYS(readv),       SCMP_SYS(writev),
                SCMP_SYS(recvfrom),     SCMP_SYS(sendto),         SCMP_SYS(recvmsg),     SCMP_SYS(sendmsg),
                SCMP_SYS(poll),         SCMP_SYS(ppoll),          SCMP_SYS(close),       SCMP_SYS(restart_syscall),
                SCMP_SYS(connect),      SCMP_SYS(bind),           SCMP_SYS(getsockname), SCMP_SYS(getpeername),
                SCMP_SYS(getsockopt),   SCMP_SYS(setsockopt),     SCMP_SYS(shutdown),    SCMP_SYS(clock_gettime),
                SCMP_SYS(gettimeofday), SCMP_SYS(exit),           SCMP_SYS(exit_group),  SCMP_SYS(brk),
                SCMP_SYS(mmap),         SCMP_SYS(munmap),         SCMP_SYS(mremap),      SCMP_SYS(madvise),
                SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(futex),       SCMP_SYS(getrandom),
                SCMP_SYS(getpid),       SCMP_SYS(gettid),         SCMP_SYS(openat),      SCMP_SYS(newfstatat),
                SCMP_SYS(fstat),        SCMP_SYS(lseek),
        };
        /* Sockets of the internet families only, TCP, UDP and ping: no unix socket, no netlink, no raw packet socket,
         * no protocol the kernel would load a module for. */
        static const struct {
                int type, protocol;
        } sockets[] = {
                {SOCK_STREAM, 0},          {SOCK_STREAM, IPPROTO_TCP}, {SOCK_DGRAM, 0},
                {SOCK_DGRAM, IPPROTO_UDP}, {SOCK_DGRAM, IPPROTO_ICMP}, {SOCK_DGRAM, IPPROTO_ICMPV6},
        };
        static const int families[] = {AF_INET, AF_INET6};
        /* fcntl for the descriptor and status flags only: not F_SETOWN/F_SETSIG (a signal to any process of the
         * user), nor O_ASYNC, which would arm them. */
        static const int fcntl_reads[] = {F_GETFL, F_GETFD, F_SETFD};
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        int r = ctx ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(calls); i++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
        for (size_t f = 0; r == 0 && f < ELEMENTSOF(families); f++)
                for (size_t i = 0; r == 0 && i < ELEMENTSOF(sockets); i++)
                        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
                                             SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[f]),
                                             SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, (scmp_datum_t)sockets[i].type),
                                             SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)sockets[i].protocol));
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(fcntl_reads); i++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                                     SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_reads[i]));
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 2, SCMP_A1(SCMP_CMP_EQ, F_SETFL),
                                     SCMP_A2(SCMP_CMP_MASKED_EQ, O_ASYNC, 0));
        /* libslirp asks how much a UDP socket holds. */
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, FIONREAD));
        if (r < 0) {
                seccomp_release(ctx);
                errno = -r;
                return NULL;
        }
        return ctx;
}

int sbx_netstack_filter_export(int fd, struct sbx_err *err)
{
        scmp_filter_ctx ctx = build();
        int r = ctx ? seccomp_export_bpf(ctx, fd) : -errno;
        seccomp_release(ctx);
        return r < 0 ? sbx_err_set(err, -r, "network: compile the stack's syscall filter") : 0;
}

int sbx_netstack_filter_compile_load(struct sbx_err *err)
{
        scmp_filter_ctx ctx = build();
        int r = ctx ? seccomp_load(ctx) : -errno;
        seccomp_release(ctx);
        return r < 0 ? sbx_err_set(err, -r, "network: load the stack's syscall filter") : 0;
}
