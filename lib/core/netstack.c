/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network of `Network private`: the sandbox's tap device and the stack's confinement (netstack.h); the stack's
 * relay is its program, wrapper/sandbox-shell-netstack.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <ifaddrs.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
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
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"
#include "macro.h"
#include "netfilter.h"
#include "netstack.h"
#include "netstack-filter.h"

#ifndef SBX_NETSTACK_FILTER_PREBUILT
#define SBX_NETSTACK_FILTER_PREBUILT 0
#endif
#include "safepath.h"

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
        /* Persistent: the close of the stack's descriptor then leaves the device to go with the namespace, in a
         * kernel worker, instead of unregistering it there and then (an RCU barrier: tens of milliseconds at the end
         * of every session). Nobody can attach to it again: that needs CAP_NET_ADMIN over the namespace. */
        if (sbx_fault("network: make " SBX_NETSTACK_TAP " persistent") < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0)
                return sbx_err_set(err, errno, "network: make " SBX_NETSTACK_TAP " persistent");
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

/* ---- the filter ---- */

/* The host's own addresses: a connection the stack makes to one of them reaches the host's services (its sshd,
 * whatever listens on a wildcard address), so they are denied as the private ranges are. */
static int host_addresses(struct sbx_net_rule **ret, size_t *ret_n, struct sbx_err *err)
{
        struct ifaddrs *ifa = NULL;
        if (sbx_fault("network: list the host's addresses") < 0 || getifaddrs(&ifa) < 0)
                return sbx_err_set(err, errno, "network: list the host's addresses");
        size_t n = 0;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
                n++;
        struct sbx_net_rule *v = calloc(n ? n : 1, sizeof(*v));
        if (!v) {
                freeifaddrs(ifa);
                return sbx_err_set(err, ENOMEM, "network: list the host's addresses");
        }
        n = 0;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                if (!i->ifa_addr)
                        continue;
                struct sbx_net_rule r = {.family = i->ifa_addr->sa_family};
                if (r.family == AF_INET) {
                        memcpy(r.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
                        r.prefix = 32;
                } else if (r.family == AF_INET6) {
                        memcpy(r.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
                        r.prefix = 128;
                } else {
                        continue;
                }
                v[n++] = r;
        }
        freeifaddrs(ifa);
        *ret = v;
        *ret_n = n;
        return 0;
}

static struct sbx_net_rule *rules_of(const struct sbx_net_entry *e, size_t n)
{
        struct sbx_net_rule *v = calloc(n ? n : 1, sizeof(*v));
        for (size_t i = 0; v && i < n; i++)
                v[i] = e[i].rule;
        return v;
}

int sbx_netstack_ruleset(const struct sbx_policy *p, char **ret, struct sbx_err *err)
{
        _cleanup_free_ struct sbx_net_rule *host = NULL;
        size_t n_host = 0;
        int r = host_addresses(&host, &n_host, err);
        if (r < 0)
                return r;
        _cleanup_free_ struct sbx_net_rule *allow = rules_of(p->net_allow, p->n_net_allow);
        _cleanup_free_ struct sbx_net_rule *deny = rules_of(p->net_deny, p->n_net_deny);
        if (!allow || !deny)
                return sbx_err_set(err, ENOMEM, "network: the filter");
        struct sbx_net_rule dns = {.family = AF_INET, .prefix = 32};
        (void)inet_pton(AF_INET, SBX_NETSTACK_DNS, dns.addr);
        struct sbx_net_filter f = {
                .allow = allow,
                .n_allow = p->n_net_allow,
                .deny = deny,
                .n_deny = p->n_net_deny,
                .host = host,
                .n_host = n_host,
                .dns = &dns,
        };
        return sbx_net_filter_render(&f, ret, err);
}

/* ---- starting the stack ---- */

/* The stack's program, opened where only root can have put it: it runs with CAP_SYS_ADMIN until it has confined
 * itself, so a program anyone else could replace would hand them that capability. */
static int open_program(int *ret_fd, struct sbx_err *err)
{
        const char *path = SBX_NETSTACK_PATH;
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = strndup(path, (size_t)(slash - path));
        if (!dir)
                return sbx_err_set(err, ENOMEM, "network: the stack's program");
        _cleanup_close_ int dfd = -1, fd = -1;
        int r = sbx_safepath_open_trusted_dir(dir, &dfd, err);
        if (r < 0)
                return sbx_err_prefix(err, "network: the stack's program '%s' (Debian package sandbox-shell)", path);
        if (sbx_fault("network: open the stack's program '%s'", path) < 0 ||
            (fd = openat(dfd, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
                return sbx_err_set(err, errno, "network: open the stack's program '%s'", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return sbx_err_set(err, errno, "network: the stack's program '%s'", path);
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
                return sbx_err_setx(err, EPERM,
                                    "network: the stack's program '%s' must be a file owned by root and writable by "
                                    "nobody else",
                                    path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* In the forked child: descriptors 0-4 as the stack wants them, CAP_SYS_ADMIN ambient, signals as a new program
 * expects them, the exec. Returns only on failure, having written why on `ready`. */
static _noreturn_ void exec_stack(int prog, int tap, int ready, pid_t parent)
{
        struct sbx_err err = {0};
        char pid[32];
        (void)snprintf(pid, sizeof(pid), "%d", (int)parent);
        char *argv[] = {(char *)"sandbox-shell-netstack", (char *)"--parent", pid, NULL};
#if SBX_FAULT_INJECTION
        /* A test build hands its fault points on (they are the stack's steps too) and keeps stderr for the trace. */
        char *envp[3] = {NULL};
        size_t n = 0;
        static char fault[512], trace[64];
        const char *v;
        if ((v = getenv("SBX_FAULT")) && snprintf(fault, sizeof(fault), "SBX_FAULT=%s", v) < (int)sizeof(fault))
                envp[n++] = fault;
        if ((v = getenv("SBX_FAULT_TRACE")) &&
            snprintf(trace, sizeof(trace), "SBX_FAULT_TRACE=%s", v) < (int)sizeof(trace))
                envp[n++] = trace;
        bool keep_stderr = true;
#else
        char *envp[] = {NULL};
        bool keep_stderr = false;
#endif
        /* Above everything 0-5 will be, then into place. */
        int t = fcntl(tap, F_DUPFD_CLOEXEC, 10), w = fcntl(ready, F_DUPFD_CLOEXEC, 10);
        prog = fcntl(prog, F_DUPFD_CLOEXEC, 10);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (sbx_fault("network: hand the stack its descriptors") < 0 || t < 0 || w < 0 || null < 0 ||
            dup2(null, 0) < 0 || dup2(null, 1) < 0 || (!keep_stderr && dup2(null, 2) < 0) || dup2(t, 3) < 0 ||
            dup2(w, 4) < 0) {
                (void)sbx_err_set(&err, errno, "network: hand the stack its descriptors");
                goto fail;
        }
        ready = 4;
        /* The program on 5 (close-on-exec: execveat needs it only until the exec), nothing above. */
        if (sbx_fault("network: close the stack's other descriptors") < 0 || prog < 0 || dup3(prog, 5, O_CLOEXEC) < 0 ||
            close_range(6, ~0U, 0) < 0) {
                (void)sbx_err_set(&err, errno, "network: close the stack's other descriptors");
                goto fail;
        }
        sigset_t none;
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        if (sbx_fault("network: raise CAP_SYS_ADMIN for the stack") < 0 ||
            cap_set_ambient(CAP_SYS_ADMIN, CAP_SET) < 0) {
                (void)sbx_err_set(&err, errno, "network: raise CAP_SYS_ADMIN for the stack");
                goto fail;
        }
        if (sbx_fault("network: execute the stack '%s'", SBX_NETSTACK_PATH) == 0)
                (void)syscall(SYS_execveat, 5, "", argv, envp, AT_EMPTY_PATH);
        (void)sbx_err_set(&err, errno, "network: execute the stack '%s'", SBX_NETSTACK_PATH);
fail:
        (void)!write(ready, err.msg, strlen(err.msg));
        _exit(127);
}

int sbx_netstack_start(int tap, pid_t parent, pid_t *ret_pid, int *ret_ready, struct sbx_err *err)
{
        _cleanup_close_ int prog = -1;
        int r = open_program(&prog, err);
        if (r < 0)
                return r;
        int p[2];
        SBX_STEP(err, pipe2(p, O_CLOEXEC), "network: a pipe for the stack");
        _cleanup_close_ int ready = p[0], ready_w = p[1];
        pid_t pid;
        SBX_STEP(err, pid = fork(), "network: start the stack");
        if (pid == 0)
                exec_stack(prog, tap, ready_w, parent);
        *ret_pid = pid;
        *ret_ready = TAKE_FD(ready);
        return 0;
}

/* The longest a stack takes to confine itself and start relaying; past it, the login is refused. */
#define READY_TIMEOUT_MS 10000

int sbx_netstack_ready(pid_t *pid, int ready, struct sbx_err *err)
{
        _cleanup_close_ int fd = ready;
        char buf[sizeof(err->msg)];
        size_t len = 0;
        for (;;) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                int n = poll(&pfd, 1, READY_TIMEOUT_MS);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return sbx_err_set(err, n == 0 ? ETIMEDOUT : errno, "network: wait for the stack's word");
                ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0 || (len += (size_t)k) == sizeof(buf) - 1)
                        break;
        }
        buf[len] = '\0';
        if (streq(buf, "ready\n"))
                return 0;
        if (len > 0)
                return sbx_err_setx(err, EIO, "%s", buf);
        /* Nothing said: it was killed, or ended on its own before it could say why (the pipe closes only with
         * it), so it is reaped here. */
        int st = 0;
        pid_t w;
        while ((w = waitpid(*pid, &st, 0)) < 0 && errno == EINTR)
                ;
        if (w == *pid)
                *pid = 0;
        if (w > 0 && WIFSIGNALED(st))
                return sbx_err_setx(err, EIO, "network: the stack was killed by signal %d before it was ready",
                                    WTERMSIG(st));
        return sbx_err_setx(err, EIO, "network: the stack ended before it was ready");
}

/* ---- the stack's confinement ---- */

int sbx_netstack_filter_load(struct sbx_err *err)
{
#if SBX_NETSTACK_FILTER_PREBUILT
        struct sock_fprog prog = {.len = (unsigned short)ELEMENTSOF(sbx_netstack_filter_prebuilt),
                                  .filter = (struct sock_filter *)sbx_netstack_filter_prebuilt};
        SBX_STEP(err, syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog),
                 "network: load the stack's syscall filter");
        return 0;
#else
        if (sbx_fault("network: load the stack's syscall filter") < 0)
                return sbx_err_set(err, errno, "network: load the stack's syscall filter");
        return sbx_netstack_filter_compile_load(err);
#endif
}

size_t sbx_netstack_filter_prebuilt_insns(const struct sock_filter **ret)
{
#if SBX_NETSTACK_FILTER_PREBUILT
        *ret = sbx_netstack_filter_prebuilt;
        return ELEMENTSOF(sbx_netstack_filter_prebuilt);
#else
        *ret = NULL;
        return 0;
#endif
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
        if (sbx_fault("network: the stack's empty root") < 0 ||
            mount("sbx-netstack", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k") < 0 ||
            mkdir("/tmp/etc", 0755) < 0)
                return sbx_err_set(err, errno, "network: the stack's empty root");
        _cleanup_close_ int out = open("/tmp/etc/resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (sbx_fault("network: the stack's copy of /etc/resolv.conf") < 0 || out < 0 ||
            (n > 0 && write(out, conf, (size_t)n) != n))
                return sbx_err_set(err, errno ?: EIO, "network: the stack's copy of /etc/resolv.conf");
        closep(&out); /* open for writing, it would keep the root from going read-only */
        /* pivot_root(".", "."): the old root ends up on top of the new one, and goes with the detach. */
        if (sbx_fault("network: pivot into the stack's empty root") < 0 || chdir("/tmp") < 0 ||
            syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0 ||
            mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return sbx_err_set(err, errno, "network: pivot into the stack's empty root");
        cap_t none = cap_init();
        if (sbx_fault("network: drop the stack's capabilities") < 0 || !none || cap_set_proc(none) < 0 ||
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                int e = errno;
                if (none)
                        (void)cap_free(none);
                return sbx_err_set(err, e, "network: drop the stack's capabilities");
        }
        (void)cap_free(none);
        if (sbx_fault("network: no_new_privs for the stack") < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return sbx_err_set(err, errno, "network: no_new_privs for the stack");
        return sbx_netstack_filter_load(err);
}
