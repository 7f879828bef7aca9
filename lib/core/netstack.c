/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network of `Network private`: the sandbox's tap device and the stack's confinement (netstack.h); the stack's
 * relay is its program, wrapper/sandbox-shell-netstack.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault.h"
#include "macro.h"
#include "netstack.h"

/* ---- the sandbox's side ---- */

static int if_ioctl(int s, unsigned long req, struct ifreq *ifr, const char *what, struct sbx_err *err)
{
        if (sbx_fault("network: %s", what) < 0 || ioctl(s, req, ifr) < 0)
                return sbx_err_set(err, errno, "network: %s", what);
        return 0;
}

static void set_addr(struct sockaddr *sa, const char *addr)
{
        struct sockaddr_in *in = (struct sockaddr_in *)sa;
        *in = (struct sockaddr_in){.sin_family = AF_INET};
        (void)inet_pton(AF_INET, addr, &in->sin_addr);
}

static int up(int s, const char *name, struct sbx_err *err)
{
        struct ifreq ifr = {0};
        char what[64];
        (void)strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
        (void)snprintf(what, sizeof(what), "bring %s up", name);
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                return sbx_err_set(err, errno, "network: %s", what);
        ifr.ifr_flags |= IFF_UP;
        return if_ioctl(s, SIOCSIFFLAGS, &ifr, what, err);
}

int sbx_netstack_tap(struct sbx_err *err)
{
        _cleanup_close_ int fd = -1, s = -1;
        struct ifreq ifr = {0};
        if (sbx_fault("network: open /dev/net/tun") < 0 || (fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0)
                return sbx_err_set(err, errno, "network: open /dev/net/tun");
        (void)strlcpy(ifr.ifr_name, SBX_NETSTACK_TAP, sizeof(ifr.ifr_name));
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        int r = if_ioctl(fd, TUNSETIFF, &ifr, "make the tap device " SBX_NETSTACK_TAP, err);
        if (r < 0)
                return r;
        if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
                return sbx_err_set(err, errno, "network: socket");
        if ((r = up(s, "lo", err)) < 0)
                return r;
        ifr = (struct ifreq){.ifr_mtu = SBX_NETSTACK_MTU};
        (void)strlcpy(ifr.ifr_name, SBX_NETSTACK_TAP, sizeof(ifr.ifr_name));
        if ((r = if_ioctl(s, SIOCSIFMTU, &ifr, "set the MTU of " SBX_NETSTACK_TAP, err)) < 0)
                return r;
        set_addr(&ifr.ifr_addr, SBX_NETSTACK_ADDRESS);
        if ((r = if_ioctl(s, SIOCSIFADDR, &ifr, "address " SBX_NETSTACK_TAP, err)) < 0)
                return r;
        set_addr(&ifr.ifr_netmask, "255.255.255.0");
        if ((r = if_ioctl(s, SIOCSIFNETMASK, &ifr, "netmask of " SBX_NETSTACK_TAP, err)) < 0)
                return r;
        if ((r = up(s, SBX_NETSTACK_TAP, err)) < 0)
                return r;
        struct rtentry rt = {.rt_flags = RTF_UP | RTF_GATEWAY, .rt_dev = (char *)SBX_NETSTACK_TAP};
        set_addr(&rt.rt_dst, "0.0.0.0");
        set_addr(&rt.rt_genmask, "0.0.0.0");
        set_addr(&rt.rt_gateway, SBX_NETSTACK_GATEWAY);
        if (sbx_fault("network: default route") < 0 || ioctl(s, SIOCADDRT, &rt) < 0)
                return sbx_err_set(err, errno, "network: default route via " SBX_NETSTACK_GATEWAY);
        if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
                return sbx_err_set(err, errno, "network: tap device non-blocking");
        return TAKE_FD(fd);
}

/* ---- the stack's confinement ---- */

static int allow_list(struct sbx_err *err)
{
        static const int calls[] = {
                SCMP_SYS(read),         SCMP_SYS(write),          SCMP_SYS(readv),           SCMP_SYS(writev),
                SCMP_SYS(recvfrom),     SCMP_SYS(sendto),         SCMP_SYS(recvmsg),         SCMP_SYS(sendmsg),
                SCMP_SYS(poll),         SCMP_SYS(ppoll),          SCMP_SYS(close),           SCMP_SYS(fcntl),
                SCMP_SYS(connect),      SCMP_SYS(bind),           SCMP_SYS(getsockname),     SCMP_SYS(getpeername),
                SCMP_SYS(getsockopt),   SCMP_SYS(setsockopt),     SCMP_SYS(shutdown),        SCMP_SYS(clock_gettime),
                SCMP_SYS(gettimeofday), SCMP_SYS(exit),           SCMP_SYS(exit_group),      SCMP_SYS(brk),
                SCMP_SYS(mmap),         SCMP_SYS(munmap),         SCMP_SYS(mremap),          SCMP_SYS(madvise),
                SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(futex),           SCMP_SYS(getrandom),
                SCMP_SYS(getpid),       SCMP_SYS(gettid),         SCMP_SYS(openat),          SCMP_SYS(newfstatat),
                SCMP_SYS(fstat),        SCMP_SYS(lseek),          SCMP_SYS(restart_syscall),
        };
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        int r = ctx ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(calls); i++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
        /* Sockets of the internet families only: no unix socket, no netlink, no raw packet socket. */
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_INET));
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_INET6));
        /* libslirp asks how much a UDP socket holds. */
        if (r == 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, FIONREAD));
        if (r == 0 && sbx_fault("network: load the stack's syscall filter") < 0)
                r = -EPERM;
        if (r == 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        return r < 0 ? sbx_err_set(err, -r, "network: load the stack's syscall filter") : 0;
}

int sbx_netstack_confine(struct sbx_err *err)
{
        char conf[16384];
        ssize_t n = 0;
        _cleanup_close_ int in = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
        if (in >= 0 && (n = read(in, conf, sizeof(conf))) < 0)
                n = 0;
        /* The empty root: a small tmpfs over /tmp of a mount namespace of its own, pivoted into. */
        if (sbx_fault("network: the stack's mount namespace") < 0 || unshare(CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return sbx_err_set(err, errno, "network: the stack's mount namespace");
        if (mount("sbx-netstack", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k") < 0 ||
            mkdir("/tmp/etc", 0755) < 0)
                return sbx_err_set(err, errno, "network: the stack's empty root");
        _cleanup_close_ int out = open("/tmp/etc/resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (out < 0 || (n > 0 && write(out, conf, (size_t)n) != n))
                return sbx_err_set(err, errno ?: EIO, "network: the stack's copy of /etc/resolv.conf");
        closep(&out); /* open for writing, it would keep the root from going read-only */
        /* pivot_root(".", "."): the old root ends up on top of the new one, and goes with the detach. */
        if (chdir("/tmp") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
            chdir("/") < 0 || mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
                return sbx_err_set(err, errno, "network: pivot into the stack's empty root");
        cap_t none = cap_init();
        if (!none || cap_set_proc(none) < 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                int e = errno;
                if (none)
                        (void)cap_free(none);
                return sbx_err_set(err, e, "network: drop the stack's capabilities");
        }
        (void)cap_free(none);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return sbx_err_set(err, errno, "network: no_new_privs for the stack");
        return allow_list(err);
}
