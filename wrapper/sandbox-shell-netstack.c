/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shell-netstack: the user-mode network stack of a `Network private` session (lib/core/netstack.h). The
 * helper's outer half starts it as the user (sbx_netstack_start), with CAP_SYS_ADMIN in its ambient set, the
 * sandbox's tap device as descriptor 3, a pipe to the helper as 4 and the helper's PID as --parent. It confines
 * itself (sbx_netstack_confine) before it reads a packet, says "ready" on the pipe (or why it cannot start, in the
 * words of the step that failed) and relays between the tap and the host through libslirp until the helper is
 * gone. Not for running by hand. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "fault.h"
#include "macro.h"
#include "netstack.h"

#define TAP_FD 3
#define READY_FD 4

/* Whether "ready" was said (and READY_FD closed: the number may be a socket's now). */
static bool said_ready;

struct timer {
        SlirpTimerCb cb;
        void *cb_opaque;
        int64_t expire_ms; /* -1: not armed */
        struct timer *next;
};

struct relay {
        int tap;
        struct pollfd *pfd;
        size_t n, size;
        struct timer *timers;
        bool oom;
};

static int64_t now_ms(void)
{
        struct timespec ts;
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ssize_t cb_send(const void *buf, size_t len, void *opaque)
{
        struct relay *r = opaque;
        return write(r->tap, buf, len);
}

static void cb_guest_error(const char *msg, void *opaque)
{
}

static int64_t cb_clock(void *opaque)
{
        struct timespec ts;
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
        struct relay *r = opaque;
        struct timer *t = calloc(1, sizeof(*t));
        if (!t) {
                r->oom = true;
                return NULL;
        }
        *t = (struct timer){.cb = cb, .cb_opaque = cb_opaque, .expire_ms = -1, .next = r->timers};
        r->timers = t;
        return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
        struct relay *r = opaque;
        for (struct timer **p = &r->timers; *p; p = &(*p)->next)
                if (*p == timer) {
                        *p = (*p)->next;
                        free(timer);
                        return;
                }
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
        if (timer)
                ((struct timer *)timer)->expire_ms = expire_ms;
}

static void cb_poll_fd(int fd, void *opaque)
{
}

static void cb_notify(void *opaque)
{
}

static short to_poll(int e)
{
        return (short)(((e & SLIRP_POLL_IN) ? POLLIN : 0) | ((e & SLIRP_POLL_OUT) ? POLLOUT : 0) |
                       ((e & SLIRP_POLL_PRI) ? POLLPRI : 0));
}

static int cb_add_poll(int fd, int events, void *opaque)
{
        struct relay *r = opaque;
        if (r->n == r->size) {
                size_t size = r->size ? r->size * 2 : 64;
                struct pollfd *v = realloc(r->pfd, size * sizeof(*v));
                if (!v) {
                        r->oom = true;
                        return -1;
                }
                r->pfd = v;
                r->size = size;
        }
        r->pfd[r->n] = (struct pollfd){.fd = fd, .events = to_poll(events)};
        return (int)r->n++;
}

static int cb_revents(int idx, void *opaque)
{
        struct relay *r = opaque;
        if (idx < 0 || (size_t)idx >= r->n)
                return 0;
        short e = r->pfd[idx].revents;
        return ((e & POLLIN) ? SLIRP_POLL_IN : 0) | ((e & POLLOUT) ? SLIRP_POLL_OUT : 0) |
               ((e & POLLPRI) ? SLIRP_POLL_PRI : 0) | ((e & POLLERR) ? SLIRP_POLL_ERR : 0) |
               ((e & POLLHUP) ? SLIRP_POLL_HUP : 0);
}

/* The second wall behind the filter in the sandbox's namespace (netfilter.h, SBX_NET_NEVER): a frame to "this
 * network", loopback, multicast or the reserved and broadcast range is never handed to libslirp, which would send
 * it to the host's loopback or out on the host's network; nor is anything but IPv4 and ARP. */
static bool frame_refused(const uint8_t *f, ssize_t len)
{
        if (len < 14)
                return true;
        uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
        if (type == 0x0806)
                return false; /* ARP */
        if (type != 0x0800 || len < 14 + 20)
                return true;
        uint8_t first = f[14 + 16]; /* the destination's first byte */
        return first == 0 || first == 127 || first >= 224;
}

static int run(int fd, struct sbx_err *err)
{
        static const SlirpCb cb = {
                .send_packet = cb_send,
                .guest_error = cb_guest_error,
                .clock_get_ns = cb_clock,
                .timer_new = cb_timer_new,
                .timer_free = cb_timer_free,
                .timer_mod = cb_timer_mod,
                .register_poll_fd = cb_poll_fd,
                .unregister_poll_fd = cb_poll_fd,
                .notify = cb_notify,
        };
        SlirpConfig cfg = {
                .version = 4,
                .in_enabled = true,
                .if_mtu = SBX_NETSTACK_MTU,
                .if_mru = SBX_NETSTACK_MTU,
                /* The gateway is not the host's loopback: nothing of the host is reachable through it. */
                .disable_host_loopback = true,
                /* The sandbox's address is static: no DHCP server for it to talk to. */
                .disable_dhcp = true,
        };
        (void)inet_pton(AF_INET, SBX_NETSTACK_NETWORK, &cfg.vnetwork);
        (void)inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
        (void)inet_pton(AF_INET, SBX_NETSTACK_GATEWAY, &cfg.vhost);
        (void)inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
        (void)inet_pton(AF_INET, SBX_NETSTACK_DNS, &cfg.vnameserver);
        struct relay r = {.tap = fd};
        Slirp *slirp = sbx_fault("network: start libslirp") < 0 ? NULL : (errno = 0, slirp_new(&cfg, &cb, &r));
        if (!slirp)
                return sbx_err_set(err, errno ?: ENOMEM, "network: start libslirp");
        /* The word the helper waits for: from here on the sandbox's packets are relayed. */
        static const char ready[] = "ready\n";
        if (sbx_fault("network: tell the helper the stack is ready") < 0 ||
            write(READY_FD, ready, sizeof(ready) - 1) != (ssize_t)sizeof(ready) - 1 || close(READY_FD) < 0) {
                slirp_cleanup(slirp);
                return sbx_err_set(err, errno, "network: tell the helper the stack is ready");
        }
        said_ready = true;
        /* Room for the largest frame a tap device carries whatever its MTU (65535 and an Ethernet header with a VLAN
         * tag): a read returns a frame's whole length even when it copied less, so a frame longer than the buffer
         * is dropped, never handed on with what follows the buffer. */
        static uint8_t frame[65535 + 18];
        int ret = 0;
        for (;;) {
                uint32_t timeout = UINT32_MAX;
                r.n = 0;
                if (cb_add_poll(fd, SLIRP_POLL_IN, &r) < 0)
                        break;
                slirp_pollfds_fill(slirp, &timeout, cb_add_poll, &r);
                int64_t now = now_ms();
                for (struct timer *t = r.timers; t; t = t->next)
                        if (t->expire_ms >= 0) {
                                int64_t left = t->expire_ms > now ? t->expire_ms - now : 0;
                                if ((uint64_t)left < timeout)
                                        timeout = (uint32_t)left;
                        }
                if (r.oom) {
                        ret = sbx_err_set(err, ENOMEM, "network: the stack");
                        break;
                }
                int n = poll(r.pfd, (nfds_t)r.n, timeout == UINT32_MAX ? -1 : (int)timeout);
                if (n < 0 && errno != EINTR) {
                        ret = sbx_err_set(err, errno, "network: poll");
                        break;
                }
                short tap = n > 0 ? r.pfd[0].revents : 0;
                slirp_pollfds_poll(slirp, n < 0, cb_revents, &r);
                if (tap & POLLIN) {
                        ssize_t len;
                        while ((len = read(fd, frame, sizeof(frame))) > 0)
                                if ((size_t)len <= sizeof(frame) && !frame_refused(frame, len))
                                        slirp_input(slirp, frame, (int)len);
                        if (len < 0 && errno != EAGAIN && errno != EINTR)
                                break; /* the device is gone with the sandbox's namespace */
                } else if (tap & (POLLERR | POLLHUP | POLLNVAL))
                        break;
                /* One expired timer at a time: its callback may free or arm timers. */
                for (bool fired = true; fired;) {
                        fired = false;
                        now = now_ms();
                        for (struct timer *t = r.timers; t; t = t->next)
                                if (t->expire_ms >= 0 && t->expire_ms <= now) {
                                        t->expire_ms = -1;
                                        t->cb(t->cb_opaque);
                                        fired = true;
                                        break;
                                }
                }
        }
        slirp_cleanup(slirp);
        while (r.timers) {
                struct timer *t = r.timers;
                r.timers = t->next;
                free(t);
        }
        free(r.pfd);
        return ret;
}

int main(int argc, char **argv)
{
        struct sbx_err err = {0};
        char *end = NULL;
        long parent = argc == 3 && !strcmp(argv[1], "--parent") ? strtol(argv[2], &end, 10) : 0;
        if (parent <= 0 || !end || *end || fcntl(TAP_FD, F_GETFD) < 0 || fcntl(READY_FD, F_GETFD) < 0) {
                fprintf(stderr, "sandbox-shell-netstack: started by sandbox-shell only (--parent PID, the tap device "
                                "on fd 3, the helper's pipe on fd 4)\n");
                return 2;
        }
        /* Not to be traced or read while it holds CAP_SYS_ADMIN (the kernel refuses a tracer without it anyway). */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        /* The session's end: the outer half is gone, so is the stack (and if it is gone already, at once). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != (pid_t)parent) {
                (void)sbx_err_setx(&err, ESRCH, "network: the session that started the stack is gone");
                (void)!write(READY_FD, err.msg, strlen(err.msg));
                return 1;
        }
        /* For the fault tests: a stack that dies before it says a word (a test build only, as every point). */
        if (sbx_fault("network: the stack is killed at start") < 0)
                (void)raise(SIGKILL);
        if (sbx_netstack_confine(&err) < 0 || run(TAP_FD, &err) < 0) {
                /* Before "ready", the helper reads this and refuses the login; after it, nobody waits for it. */
                if (!said_ready)
                        (void)!write(READY_FD, err.msg, strlen(err.msg));
                return 1;
        }
        return 0;
}
