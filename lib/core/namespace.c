/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "caps.h"
#include "commands.h"
#include "config.h"
#include "fault.h"
#include "filter.h"
#include "namespace.h"
#include "netfilter.h"
#include "netstack.h"
#include "procfs.h"
#include "pty.h"
#include "rlimit.h"
#include "rootfs.h"

/* ---- status and signals ---- */

int sbx_ns_exit_code(int wstatus)
{
        if (WIFEXITED(wstatus))
                return WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128 + WTERMSIG(wstatus);
        return 1;
}

/* Whether PID 1 (pid, still our unreaped child) would act on `sig`: it has a handler or ignores it on purpose.
 * A PID 1 ignores any signal it has no handler for; the outer half then ends it as the default action would. */
static bool handles_signal(pid_t pid, int sig)
{
        static const char *const fields[] = {"SigCgt", "SigIgn"};
        uint64_t v[2];
        if (sbx_proc_status(pid, fields, v, ELEMENTSOF(v)) < 0)
                return false;
        return (v[0] | v[1]) & (UINT64_C(1) << (sig - 1));
}

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCONT};

/* ---- PID 1 ---- */

enum msg_kind {
        MSG_WARNING,
        MSG_SETUP_FAILED,
        MSG_EXEC_FAILED,
        MSG_PTY,     /* carries the master of the sandbox's pty (SCM_RIGHTS) */
        MSG_TAP,     /* Network private: carries the sandbox's tap device, for the stack */
        MSG_GO,      /* from the outer half: the stack is ready, the shell may start */
        MSG_READY,   /* Instance user: the instance's init has made the sandbox and runs as its init */
        MSG_STARTED, /* Instance user: the joiner started the shell; err.code is its PID */
};

struct msg {
        int kind;
        struct sbx_err err;
};

/* One datagram on the SOCK_SEQPACKET pair: atomic, never partial; `fd` (>= 0) travels with it. */
static int send_msg(int sock, int kind, const struct sbx_err *err, int fd)
{
        struct msg m = {.kind = kind};
        if (err)
                m.err = *err;
        struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        if (fd >= 0) {
                memset(&u, 0, sizeof(u));
                mh.msg_control = u.buf;
                mh.msg_controllen = sizeof(u.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        ssize_t n;
        while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
                ;
        return n == (ssize_t)sizeof(m) ? 0 : -1;
}

/* Receives one message; *ret_fd is the descriptor it carried or -1. Returns the size read (0 at EOF) or -1. */
static ssize_t recv_msg(int sock, struct msg *m, int *ret_fd)
{
        struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
        *ret_fd = -1;
        /* A peer that ended with a message of ours unread (PID 1 failing while MSG_GO waited for it) leaves
         * ECONNRESET pending, reported once, ahead of what it sent before: its failure is still to be read. */
        ssize_t n;
        while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == ECONNRESET)
                ;
        for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        return n;
}

static int loopback_up(struct sbx_err *err)
{
        _cleanup_close_ int s = -1;
        SBX_STEP(err, s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "network: socket for the loopback interface");
        struct ifreq ifr = {0};
        (void)strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
        SBX_STEP(err, ioctl(s, SIOCGIFFLAGS, &ifr), "network: read the flags of 'lo'");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        SBX_STEP(err, ioctl(s, SIOCSIFFLAGS, &ifr), "network: bring 'lo' up");
        return 0;
}

static void reset_signals(void)
{
        /* The exec resets every caught signal to SIG_DFL itself; an ignored one stays ignored, so those are reset
         * here: the ones /proc/self/status lists as ignored, or every signal when it cannot be read. */
        static const char *const fields[] = {"SigIgn"};
        uint64_t ignored = UINT64_MAX;
        if (sbx_proc_status(0, fields, &ignored, 1) < 0)
                ignored = UINT64_MAX;
        struct sigaction sa = {.sa_handler = SIG_DFL};
        for (int sig = 1; sig < NSIG && sig <= 64; sig++)
                if (sig != SIGKILL && sig != SIGSTOP && (ignored & (UINT64_C(1) << (sig - 1))))
                        (void)sigaction(sig, &sa, NULL);
        sigset_t none;
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Network private, first thing in the new network namespace (netstack.h): the tap device, handed at once to the
 * outer half, which starts the stack with it meanwhile, then the filter while PID 1 holds CAP_NET_ADMIN there.
 * Nothing of the user runs before the filter is in: PID 1 is the namespace's only process until its exec. */
static int network_private(const char *ruleset, int msgfd, struct sbx_err *err)
{
        _cleanup_close_ int tap = sbx_netstack_tap(err);
        if (tap < 0)
                return tap;
        SBX_STEP(err, send_msg(msgfd, MSG_TAP, NULL, tap), "network: hand the tap device to the stack");
        closep(&tap);
        return sbx_net_filter_install(ruleset, err);
}

/* The shell starts only once the outer half has done every step of its own that can fail (and, for Network private,
 * the stack relays): a login refused there is refused before anything of the user runs; the outer half kills PID 1
 * instead of saying go. `step` names the wait. */
static int wait_for_go(int msgfd, const char *step, struct sbx_err *err)
{
        struct msg m;
        int fd = -1;
        ssize_t k;
        if (sbx_fault("%s", step) < 0)
                return sbx_err_set(err, errno, "%s", step);
        while ((k = recv_msg(msgfd, &m, &fd)) < 0 && errno == EINTR)
                ;
        closep(&fd);
        if (k != (ssize_t)sizeof(m) || m.kind != MSG_GO)
                return sbx_err_setx(err, EIO, "%s: the helper did not say it is ready", step);
        return 0;
}

/* Everything up to the exec; returns only on failure. `filter` (and for Network private `ruleset`) were generated
 * before the clone. */
static int child_setup(const struct sbx_launch *l, const struct sbx_pty_caller *tty,
                       const struct sbx_filter_prog *filter, const char *ruleset, int msgfd, char **ret_program,
                       struct sbx_err *err)
{
        const struct sbx_policy *p = l->policy;
        int r;

        if (p->network == SBX_NETWORK_NONE)
                r = loopback_up(err);
        else if (p->network == SBX_NETWORK_PRIVATE)
                r = network_private(ruleset, msgfd, err);
        else
                r = 0;
        if (r < 0)
                return r;
        SBX_STEP(err, sethostname(p->hostname, strlen(p->hostname)), "set the hostname '%s'", p->hostname);

        r = sbx_rootfs_setup(p, err);
        if (r < 0)
                return r;

        if (chdir(p->home) < 0) {
                struct sbx_err w;
                (void)sbx_err_set(&w, errno, "cannot enter the home directory '%s' in the sandbox, starting in '/'",
                                  p->home);
                (void)send_msg(msgfd, MSG_WARNING, &w, -1);
        }

        /* A restricted account's program, looked up in the sandbox's own tree under the trust rule (commands.h). */
        if (l->command_entry) {
                r = sbx_commands_resolve(l->command_entry, l->command_requested, ret_program, err);
                if (r < 0)
                        return r;
        }

        /* Invariant: nothing in the sandbox holds a descriptor of the caller's terminal: it gets a pty of its own,
         * which the outer half relays (pty.h). */
        if (tty->active) {
                _cleanup_close_ int master = -1;
                r = sbx_pty_open_inside(tty, &master, err);
                if (r < 0)
                        return r;
                SBX_STEP(err, send_msg(msgfd, MSG_PTY, NULL, master), "terminal: hand the sandbox's pty to the relay");
        } else {
                /* No terminal on 0-2, yet the caller's session may have one (su from root's terminal with its
                 * descriptors redirected): a session of its own, so that /dev/tty names nothing of the caller. */
                SBX_STEP(err, setsid(), "terminal: start a new session for the sandbox");
        }

        /* Invariant: the shell holds no capability in any set (read back by sbx_caps_drop_all) and cannot gain any
         * (no_new_privs, and every mount is nosuid). */
        r = sbx_caps_drop_all(true, err);
        if (r < 0)
                return sbx_err_prefix(err, "drop capabilities");
        if (sbx_fault("set no_new_privs") < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return sbx_err_set(err, errno, "set no_new_privs");

        r = wait_for_go(msgfd,
                        p->network == SBX_NETWORK_PRIVATE ? "network: wait for the stack" : "wait for the helper", err);
        if (r < 0)
                return r;

        reset_signals();
        /* Invariant: no descriptor of the outside survives but 0, 1, 2 (msgfd is O_CLOEXEC, gone at the exec). */
        SBX_STEP(err, msgfd > 3 ? close_range(3, (unsigned)msgfd - 1, 0) : 0,
                 "close inherited descriptors below the message pipe");
        SBX_STEP(err, close_range((unsigned)msgfd + 1, ~0U, 0), "close inherited descriptors above the message pipe");

        /* The policy's Limit* lines; a hard limit can only go down here (no CAP_SYS_RESOURCE). */
        r = sbx_rlimit_apply(p, err);
        if (r < 0)
                return sbx_err_prefix(err, "set resource limits");

        /* Invariant: the syscall filter is the last thing before the exec, so nothing of the setup above is limited
         * by it, and the exec'd shell and every descendant run under it (no_new_privs is set, so it cannot be
         * lifted). Loading is one system call: nothing is allocated after the limits are in force. */
        r = sbx_filter_load(filter, err);
        if (r < 0)
                return r;
        return 0;
}

static _noreturn_ void child_main(const struct sbx_launch *l, const struct sbx_pty_caller *tty,
                                  const struct sbx_filter_prog *filter, const char *ruleset, int msgfd, int deathfd)
{
        struct sbx_err err = {0};
        char *program = NULL;

        /* PID 1 must not outlive the helper; and if the helper died before this was armed, stop now. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                _exit(1);
        struct pollfd pfd = {.fd = deathfd, .events = POLLIN};
        if (poll(&pfd, 1, 0) != 0)
                _exit(1); /* EOF: the write end (held by the helper alone) is closed */
        (void)close(deathfd);

        if (child_setup(l, tty, filter, ruleset, msgfd, &program, &err) < 0) {
                (void)send_msg(msgfd, MSG_SETUP_FAILED, &err, -1);
                _exit(1);
        }
        const char *path = program ? program : l->policy->shell;
        const char *what = program ? "program" : "shell";
        if (sbx_fault("execute the %s '%s' in the sandbox", what, path) == 0)
                execve(path, l->argv, l->envp);
        (void)sbx_err_set(&err, errno, "execute the %s '%s' in the sandbox", what, path);
        (void)send_msg(msgfd, MSG_EXEC_FAILED, &err, -1);
        _exit(127);
}

/* ---- Instance user: the init, and the joiner (instance.h) ---- */

/* The init's life once its sandbox is made: it reaps whatever the instance's processes leave to it and ignores every
 * signal (nothing inside can end it: the kernel keeps SIGKILL and SIGSTOP of an init from its own namespace). The
 * instance ends from outside, when root kills its cgroup. */
static _noreturn_ void init_loop(void)
{
        sigset_t all;
        sigfillset(&all);
        (void)sigprocmask(SIG_SETMASK, &all, NULL);
        for (;;) {
                siginfo_t si;
                if (sigwaitinfo(&all, &si) == SIGCHLD)
                        while (waitpid(-1, NULL, WNOHANG) > 0)
                                ;
        }
}

/* The instance's PID 1: the sandbox as a login's PID 1 makes it, then nothing of the caller (stdio on the sandbox's
 * /dev/null, a session of its own), no capability, the filter; then it says it is ready and stays the init. */
static int init_setup(const struct sbx_launch *l, const struct sbx_filter_prog *filter, int msgfd, struct sbx_err *err)
{
        const struct sbx_policy *p = l->policy;
        int r = p->network == SBX_NETWORK_NONE ? loopback_up(err) : 0;
        if (r < 0)
                return r;
        SBX_STEP(err, sethostname(p->hostname, strlen(p->hostname)), "set the hostname '%s'", p->hostname);
        r = sbx_rootfs_setup(p, err);
        if (r < 0)
                return r;
        SBX_STEP(err, chdir("/"), "instance: enter '/'");
        /* Invariant: nothing in the sandbox keeps the caller's terminal (the first login's), not even its init. */
        _cleanup_close_ int null = -1;
        SBX_STEP(err, null = open("/dev/null", O_RDWR | O_CLOEXEC), "instance: open /dev/null");
        for (int fd = 0; fd <= 2; fd++)
                SBX_STEP(err, dup2(null, fd), "instance: put /dev/null on descriptor %d", fd);
        closep(&null);
        SBX_STEP(err, setsid(), "instance: start a session of its own");
        r = sbx_caps_drop_all(true, err);
        if (r < 0)
                return sbx_err_prefix(err, "drop capabilities");
        SBX_STEP(err, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs");
        /* It stays not dumpable: its memory is the first login's helper's (the caller's environment among it), and
         * no process of the instance may read it or its /proc files. A joiner enters it with CAP_SYS_PTRACE. */
        SBX_STEP(err, msgfd > 3 ? close_range(3, (unsigned)msgfd - 1, 0) : 0, "close inherited descriptors");
        SBX_STEP(err, close_range((unsigned)msgfd + 1, ~0U, 0), "close inherited descriptors");
        return sbx_filter_load(filter, err);
}

static _noreturn_ void init_main(const struct sbx_launch *l, const struct sbx_filter_prog *filter, int msgfd)
{
        struct sbx_err err = {0};
        /* No PDEATHSIG: the instance outlives the login that made it. */
        (void)prctl(PR_SET_NAME, "sandbox-init", 0, 0, 0);
        if (sbx_caps_drop_join(&err) < 0 || init_setup(l, filter, msgfd, &err) < 0) {
                (void)send_msg(msgfd, MSG_SETUP_FAILED, &err, -1);
                _exit(1);
        }
        (void)send_msg(msgfd, MSG_READY, NULL, -1);
        (void)close(msgfd);
        init_loop();
}

static int ns_flags(const struct sbx_policy *p)
{
        return CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP |
               (p->network != SBX_NETWORK_HOST ? CLONE_NEWNET : 0);
}

/* After setns: this process's namespaces are the recorded ones (its own PID namespace does not change: the one its
 * children get does). `procfd` is the host's /proc, opened before. */
static int check_joined(const struct sbx_policy *p, int procfd, const struct sbx_ns_id *expect, struct sbx_err *err)
{
        for (int i = 0; i < _SBX_NS_MAX; i++) {
                if (i == SBX_NS_NET && p->network == SBX_NETWORK_HOST)
                        continue;
                char path[64];
                struct stat st;
                (void)snprintf(path, sizeof(path), "self/ns/%s", i == SBX_NS_PID ? "pid_for_children" : sbx_ns_name(i));
                SBX_STEP(err, fstatat(procfd, path, &st, 0), "instance: read /proc/%s", path);
                if (st.st_dev != expect[i].dev || st.st_ino != expect[i].ino)
                        return sbx_err_setx(err, ESTALE, "instance: the %s namespace joined is not the instance's",
                                            sbx_ns_name(i));
        }
        return 0;
}

/* The joiner: a child of the outer half that enters every namespace of the instance at once, does there what needs
 * its capabilities (the sandbox's pty), drops them and every other privilege, and starts the shell as the outer
 * half's child (CLONE_PARENT) in the instance's PID namespace. It is itself in none of the instance's PID namespace:
 * nothing inside can see, signal or trace it while it holds a capability. */
static int joiner_setup(const struct sbx_launch *l, const struct sbx_pty_caller *tty, int pidfd, int procfd,
                        const struct sbx_ns_id *expect, int msgfd, int deathfd, int *ret_slave, char **ret_program,
                        struct sbx_err *err)
{
        const struct sbx_policy *p = l->policy;
        if (sbx_fault("instance: enter the instance's namespaces") < 0 || setns(pidfd, ns_flags(p)) < 0)
                return sbx_err_set(err, errno, "instance: enter the instance's namespaces");
        int r = expect ? check_joined(p, procfd, expect, err) : 0;
        if (r < 0)
                return r;
        if (l->command_entry) {
                r = sbx_commands_resolve(l->command_entry, l->command_requested, ret_program, err);
                if (r < 0)
                        return r;
        }
        if (tty->active) {
                _cleanup_close_ int master = -1;
                r = sbx_pty_open_pair(tty, &master, ret_slave, err);
                if (r < 0)
                        return r;
                SBX_STEP(err, send_msg(msgfd, MSG_PTY, NULL, master), "terminal: hand the sandbox's pty to the relay");
        }
        r = sbx_caps_drop_all(true, err);
        if (r < 0)
                return sbx_err_prefix(err, "drop capabilities");
        if (sbx_fault("set no_new_privs") < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return sbx_err_set(err, errno, "set no_new_privs");
        /* Unprivileged now: the home is entered as the user. */
        if (chdir(p->home) < 0) {
                struct sbx_err w;
                (void)sbx_err_set(&w, errno, "cannot enter the home directory '%s' in the sandbox, starting in '/'",
                                  p->home);
                (void)send_msg(msgfd, MSG_WARNING, &w, -1);
                SBX_STEP(err, chdir("/"), "instance: enter '/'");
        }
        /* Invariant: no descriptor of the outside survives but 0, 1, 2 (and, for the shell, the pty's slave and the
         * end of the helper's exit pipe; all three are O_CLOEXEC). */
        int keep[3] = {msgfd, *ret_slave, deathfd};
        for (int i = 0; i < 3; i++)
                for (int j = i + 1; j < 3; j++)
                        if (keep[j] < keep[i]) {
                                int t = keep[i];
                                keep[i] = keep[j];
                                keep[j] = t;
                        }
        unsigned lo = 3;
        for (int i = 0; i < 3; i++) {
                if (keep[i] < 0)
                        continue;
                SBX_STEP(err, (unsigned)keep[i] > lo ? close_range(lo, (unsigned)keep[i] - 1, 0) : 0,
                         "close inherited descriptors");
                lo = (unsigned)keep[i] + 1;
        }
        SBX_STEP(err, close_range(lo, ~0U, 0), "close inherited descriptors");
        r = sbx_rlimit_apply(p, err);
        if (r < 0)
                return sbx_err_prefix(err, "set resource limits");
        return 0;
}

static _noreturn_ void joiner_main(const struct sbx_launch *l, const struct sbx_pty_caller *tty,
                                   const struct sbx_filter_prog *filter, int pidfd, int procfd,
                                   const struct sbx_ns_id *expect, int msgfd, int deathfd)
{
        struct sbx_err err = {0};
        char *program = NULL;
        int slave = -1;
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                _exit(1);
        struct pollfd pfd = {.fd = deathfd, .events = POLLIN};
        if (poll(&pfd, 1, 0) != 0)
                _exit(1);
        if (joiner_setup(l, tty, pidfd, procfd, expect, msgfd, deathfd, &slave, &program, &err) < 0) {
                (void)send_msg(msgfd, MSG_SETUP_FAILED, &err, -1);
                _exit(1);
        }
        /* The shell, the outer half's child in the instance's PID namespace: fork semantics (no new stack). */
        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, NULL, NULL, NULL, 0);
        if (pid < 0) {
                (void)sbx_err_set(&err, errno, "instance: start the shell");
                (void)send_msg(msgfd, MSG_SETUP_FAILED, &err, -1);
                _exit(1);
        }
        if (pid == 0) {
                /* The shell must not outlive the helper (its parent, outside its PID namespace): and if the helper
                 * died before this was armed, stop now (EOF on the pipe whose write end only the helper holds). */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || poll(&pfd, 1, 0) != 0)
                        _exit(1);
                (void)close(deathfd);
                /* A session of its own in every case: with the pty as its terminal, or (no terminal on 0-2) none,
                 * so that /dev/tty names nothing of the caller's. */
                int r = tty->active ? sbx_pty_attach(tty, slave, &err)
                                    : (setsid() < 0 ? sbx_err_set(&err, errno, "terminal: start a new session") : 0);
                if (r == 0) {
                        closep(&slave);
                        r = wait_for_go(msgfd, "instance: wait for the helper", &err);
                }
                if (r == 0) {
                        reset_signals();
                        /* Invariant: the filter is the last thing before the exec. */
                        r = sbx_filter_load(filter, &err);
                }
                if (r < 0) {
                        (void)send_msg(msgfd, MSG_SETUP_FAILED, &err, -1);
                        _exit(1);
                }
                const char *path = program ? program : l->policy->shell;
                const char *what = program ? "program" : "shell";
                if (sbx_fault("execute the %s '%s' in the sandbox", what, path) == 0)
                        execve(path, l->argv, l->envp);
                (void)sbx_err_set(&err, errno, "execute the %s '%s' in the sandbox", what, path);
                (void)send_msg(msgfd, MSG_EXEC_FAILED, &err, -1);
                _exit(127);
        }
        struct sbx_err started = {.code = pid};
        (void)send_msg(msgfd, MSG_STARTED, &started, -1);
        _exit(0);
}

/* Reads what the instance's processes send up to `until` (MSG_READY, MSG_STARTED): warnings to the caller, the pty
 * to *ret_master; a failure, or an end without it, is returned. */
static int instance_wait(const struct sbx_launch *l, int msg_r, int until, int *ret_master, int *ret_code,
                         struct sbx_err *err)
{
        for (;;) {
                struct msg m;
                int fd = -1;
                ssize_t k;
                while ((k = recv_msg(msg_r, &m, &fd)) < 0 && errno == EINTR)
                        ;
                if (k != (ssize_t)sizeof(m)) {
                        closep(&fd);
                        return sbx_err_setx(err, EIO, "instance: %s ended without a word",
                                            until == MSG_READY ? "the instance's init" : "the joiner");
                }
                m.err.msg[sizeof(m.err.msg) - 1] = '\0';
                if (m.kind == MSG_PTY && fd >= 0 && ret_master && *ret_master < 0) {
                        *ret_master = TAKE_FD(fd);
                        continue;
                }
                closep(&fd);
                if (m.kind == MSG_WARNING) {
                        if (l->warn)
                                l->warn(m.err.msg, l->userdata);
                        continue;
                }
                if (m.kind == until) {
                        if (ret_code)
                                *ret_code = m.err.code;
                        return 0;
                }
                *err = m.err;
                return -(err->code ? err->code : EINVAL);
        }
}

static void kill_reap(pid_t pid)
{
        if (pid <= 0)
                return;
        (void)kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

/* The init this login joins: made now (CREATE: its pidfd from the clone), or the recorded one (JOIN: its pidfd, and
 * its start time and namespaces checked again once the pidfd pins it). */
static int instance_target(const struct sbx_launch *l, const struct sbx_filter_prog *filter, int *ret_pidfd,
                           struct sbx_ns_id *ret_ns, pid_t *ret_init, bool *ret_joined, struct sbx_err *err)
{
        *ret_init = 0;
        *ret_joined = l->role == SBX_INSTANCE_JOIN;
        if (l->role == SBX_INSTANCE_JOIN) {
                const struct sbx_instance_record *rec = l->instance;
                int fd = (int)syscall(SYS_pidfd_open, rec->pid, 0);
                if (fd < 0)
                        return sbx_err_set(err, errno, "instance: the init (PID %d) is gone", (int)rec->pid);
                /* The pidfd pins what it names: its start time now says whether that is the recorded init. Its
                 * namespaces (not readable here: it is not dumpable) are checked once joined (check_joined). */
                unsigned long long start;
                if (sbx_proc_starttime(rec->pid, &start) < 0 || start != rec->starttime) {
                        (void)close(fd);
                        return sbx_err_setx(err, ESTALE, "instance: the init (PID %d) is not the recorded one",
                                            (int)rec->pid);
                }
                memcpy(ret_ns, rec->ns, sizeof(rec->ns));
                *ret_pidfd = fd;
                return 0;
        }
        /* CREATE: the record names this login's session as the one that makes the init; another channel of the same
         * session (a multiplexed ssh connection) may have made it already: one at a time, and the later ones join
         * what the first made, found in the instance's cgroup (this process's own, where root put the session). */
        _cleanup_close_ int lock = sbx_instance_lock_record(l->policy->user, err);
        if (lock < 0)
                return lock;
        _cleanup_free_ char *procs = NULL;
        int r = sbx_cgroup_self_procs(&procs, err);
        if (r < 0)
                return r;
        pid_t found = sbx_instance_find_init(procs);
        if (found < 0)
                return sbx_err_setx(err, EEXIST, "instance: more than one init in the instance's cgroup");
        if (found > 0) {
                struct sbx_instance_record rec = {.state = SBX_INSTANCE_RUNNING, .pid = found};
                int fd = (int)syscall(SYS_pidfd_open, found, 0);
                if (fd < 0)
                        return sbx_err_set(err, errno, "instance: the init (PID %d) is gone", (int)found);
                if (sbx_proc_starttime(found, &rec.starttime) < 0 || sbx_instance_ns_of(found, rec.ns) < 0 ||
                    !sbx_instance_alive(&rec)) {
                        (void)close(fd);
                        return sbx_err_setx(err, ESTALE, "instance: the init (PID %d) went away", (int)found);
                }
                memcpy(ret_ns, rec.ns, sizeof(rec.ns));
                *ret_pidfd = fd;
                *ret_joined = true;
                return 0;
        }
        int msgpair[2];
        SBX_STEP(err, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, msgpair),
                 "create a socket pair for the sandbox's messages");
        _cleanup_close_ int msg_r = msgpair[0], msg_w = msgpair[1];
        int pidfd = -1;
        struct clone_args args = {
                .flags = (uint64_t)ns_flags(l->policy) | CLONE_PIDFD,
                .pidfd = (uint64_t)(uintptr_t)&pidfd,
                .exit_signal = SIGCHLD,
        };
        pid_t pid;
        SBX_STEP(err, pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args)),
                 "create the instance's namespaces (clone)");
        if (pid == 0) {
                (void)close(msg_r);
                init_main(l, filter, msg_w);
        }
        closep(&msg_w);
        /* Our own child, named by the pidfd of its clone: nothing to check it against (ret_ns stays unset). */
        r = instance_wait(l, msg_r, MSG_READY, NULL, NULL, err);
        if (r < 0) {
                (void)close(pidfd);
                kill_reap(pid);
                return r;
        }
        *ret_pidfd = pidfd;
        *ret_init = pid;
        return 0;
}

/* Instance user: the init (made or found), then the joiner, which starts the shell; *ret_shell is the shell, our
 * child, and *ret_master the sandbox's pty (-1: none). */
static int instance_start(const struct sbx_launch *l, const struct sbx_pty_caller *tty,
                          const struct sbx_filter_prog *filter, int msg_r, int msg_w, int death_r, int death_w,
                          pid_t *ret_shell, int *ret_master, struct sbx_err *err)
{
        _cleanup_close_ int pidfd = -1, procfd = -1;
        struct sbx_ns_id expect[_SBX_NS_MAX];
        pid_t init;
        bool joined;
        int r = instance_target(l, filter, &pidfd, expect, &init, &joined, err);
        if (r < 0)
                return r;
        const struct sbx_ns_id *check = joined ? expect : NULL;
        SBX_STEP(err, procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC), "open /proc");
        pid_t joiner;
        SBX_STEP(err, joiner = fork(), "instance: start the joiner");
        if (joiner == 0) {
                (void)close(msg_r);
                (void)close(death_w);
                joiner_main(l, tty, filter, pidfd, procfd, check, msg_w, death_r);
        }
        (void)close(msg_w);
        /* The join's capabilities are the joiner's alone. */
        r = sbx_caps_drop_join(err);
        if (r < 0) {
                kill_reap(joiner);
                return r;
        }
        int code = 0;
        r = instance_wait(l, msg_r, MSG_STARTED, ret_master, &code, err);
        int st;
        while (waitpid(joiner, &st, 0) < 0 && errno == EINTR)
                ;
        if (r < 0) {
                closep(ret_master);
                return r;
        }
        *ret_shell = (pid_t)code;
        return 0;
}

/* ---- the outer half ---- */

struct outer {
        pid_t pid;
        pid_t stack; /* Network private: the stack, our child until the end (0: none, or reaped) */
        int status;
        bool reaped;
        int escalated; /* the signal PID 1 was killed for, 0 if none */
};

/* A terminating signal that PID 1 got (from us or from its terminal) and has no handler for: it is ended as the
 * signal's default action would end any other process. */
static void escalate(struct outer *o, int sig)
{
        if (!o->reaped && sig != SIGCONT && !handles_signal(o->pid, sig)) {
                (void)kill(o->pid, SIGKILL);
                if (!o->escalated)
                        o->escalated = sig;
        }
}

static void forward(struct outer *o, int sig)
{
        if (o->reaped)
                return;
        (void)kill(o->pid, sig);
        escalate(o, sig);
}

static void reap(struct outer *o)
{
        int st;
        pid_t r;
        while ((r = waitpid(o->pid, &st, WNOHANG)) < 0 && errno == EINTR)
                ;
        if (r == o->pid) {
                o->status = st;
                o->reaped = true;
        }
}

/* The stack goes with the session, ended and reaped (it is our child until then, so its PID is not reused). */
static void end_stack(struct outer *o)
{
        if (o->stack <= 0)
                return;
        (void)kill(o->stack, SIGKILL);
        while (waitpid(o->stack, NULL, 0) < 0 && errno == EINTR)
                ;
        o->stack = 0;
}

/* The failure path: PID 1 (and with it its whole namespace) is killed and reaped before the helper reports. */
static void kill_and_wait(struct outer *o)
{
        end_stack(o);
        (void)kill(o->pid, SIGKILL);
        while (!o->reaped && waitpid(o->pid, &o->status, 0) < 0 && errno == EINTR)
                ;
        o->reaped = true;
}

static pid_t clone_pid1(const struct sbx_launch *l, struct sbx_err *err)
{
        struct clone_args args = {
                .flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP |
                         (l->policy->network != SBX_NETWORK_HOST ? CLONE_NEWNET : 0),
                .exit_signal = SIGCHLD,
        };
        /* fork semantics (no new stack): the child continues on a copy of this stack, like fork. */
        pid_t pid;
        SBX_STEP(err, pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args)), "create the sandbox's namespaces (clone)");
        return pid;
}

/* Network private: PID 1's first message, the tap device (or its failure), and the stack started with it. */
static int start_stack(struct outer *o, int msg_r, int *ret_ready, struct sbx_err *err)
{
        struct msg m;
        _cleanup_close_ int tap = -1;
        ssize_t k;
        while ((k = recv_msg(msg_r, &m, &tap)) < 0 && errno == EINTR)
                ;
        if (k == (ssize_t)sizeof(m) && (m.kind == MSG_SETUP_FAILED || m.kind == MSG_EXEC_FAILED)) {
                m.err.msg[sizeof(m.err.msg) - 1] = '\0';
                *err = m.err;
                return -(err->code ? err->code : EINVAL);
        }
        if (k != (ssize_t)sizeof(m) || m.kind != MSG_TAP || tap < 0)
                return sbx_err_setx(err, EIO, "network: the sandbox sent no tap device");
        return sbx_netstack_start(tap, getpid(), &o->stack, ret_ready, err);
}

/* ---- the session's time limits (namespace.h) ---- */

#define NEVER UINT64_MAX

struct timers {
        uint64_t warn_at, end_at; /* RuntimeWarnSec, RuntimeMaxSec (CLOCK_BOOTTIME usec); NEVER: none */
        bool warned;
        uint64_t idle, idle_margin; /* IdleTimeoutSec and how long before it the warning comes; idle 0: none */
        uint64_t idle_warned_for;   /* the last input the idle warning was given for, 0: none */
        const char *ending;         /* why the session is being ended, NULL while it is not */
        uint64_t kill_at;           /* SIGKILL to PID 1; NEVER: not (yet) */
};

static bool limit_set(uint64_t v)
{
        return v != SBX_LIMIT_UNSET && v != SBX_LIMIT_INFINITY;
}

static void timers_init(struct timers *t, const struct sbx_policy *p, const struct sbx_pty_caller *tty)
{
        uint64_t now = sbx_now_usec(CLOCK_BOOTTIME);
        *t = (struct timers){.warn_at = NEVER, .end_at = NEVER, .kill_at = NEVER};
        if (limit_set(p->runtime_max)) {
                t->end_at = now + p->runtime_max;
                if (limit_set(p->runtime_warn) && p->runtime_warn > 0)
                        t->warn_at = p->runtime_warn >= p->runtime_max ? now : t->end_at - p->runtime_warn;
        }
        /* Only input counts, so only a session with an input terminal can be idle. */
        if (limit_set(p->idle_timeout) && tty->active && tty->in_fd >= 0) {
                t->idle = p->idle_timeout;
                uint64_t half = p->idle_timeout / 2;
                t->idle_margin = limit_set(p->runtime_warn) ? (p->runtime_warn < half ? p->runtime_warn : half) : 0;
        }
}

/* A span for a line on the terminal, in whole seconds, at least 1s. */
static void format_span(uint64_t usec, char *buf, size_t size)
{
        usec = (usec + 500000) / 1000000 * 1000000;
        sbx_format_duration(usec ? usec : 1000000, buf, size);
}

/* A line for the caller: through the relay once it runs, else through the launch's warning callback. When the
 * caller has a terminal whose relay has not started yet, false: the line waits for it. */
static bool say(const struct sbx_launch *l, const struct outer *o, struct sbx_relay *relay, const char *fmt, ...)
        _printf_(4, 5);
static bool say(const struct sbx_launch *l, const struct outer *o, struct sbx_relay *relay, const char *fmt, ...)
{
        if (relay->c->active && !relay->started && !o->reaped)
                return false;
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        char line[600];
        (void)snprintf(line, sizeof(line), "warning: %s", msg);
        if (!sbx_relay_notice(relay, line) && l->warn)
                l->warn(msg, l->userdata);
        return true;
}

/* The same ending for both limits: the reason to the caller (the PAM module's usage line), a line, SIGHUP to PID 1
 * (ended at once when it has no handler for it), SIGCONT for a stopped one, SIGKILL TimeoutStopSec later. */
static void begin_ending(const struct sbx_launch *l, struct outer *o, struct sbx_relay *relay, struct timers *t,
                         const char *reason, uint64_t now)
{
        t->ending = reason;
        if (l->ending)
                l->ending(reason, l->userdata);
        char span[64];
        if (streq(reason, "idle")) {
                format_span(t->idle, span, sizeof(span));
                (void)say(l, o, relay, "no input for %s (IdleTimeoutSec): the session ends now", span);
        } else {
                format_span(l->policy->runtime_max, span, sizeof(span));
                (void)say(l, o, relay, "the session has run for %s (RuntimeMaxSec): it ends now", span);
        }
        forward(o, SIGHUP);
        if (!o->reaped)
                (void)kill(o->pid, SIGCONT);
        if (limit_set(l->policy->timeout_stop))
                t->kill_at = now + l->policy->timeout_stop;
}

/* Acts on what is due; returns the poll timeout until the next thing that is (ms, -1: nothing). */
static int timers_tick(const struct sbx_launch *l, struct outer *o, struct sbx_relay *relay, struct timers *t)
{
        uint64_t now = sbx_now_usec(CLOCK_BOOTTIME), next = NEVER;
        char span[64], left[64];
        if (o->reaped)
                return -1;
        if (t->ending) {
                if (now >= t->kill_at) {
                        (void)kill(o->pid, SIGKILL);
                        t->kill_at = NEVER;
                }
                next = t->kill_at;
        } else {
                if (!t->warned && now >= t->warn_at) {
                        format_span(t->end_at - now, left, sizeof(left));
                        format_span(l->policy->runtime_max, span, sizeof(span));
                        t->warned = say(l, o, relay, "this session ends in %s (RuntimeMaxSec %s)", left, span);
                }
                if (!t->warned && t->warn_at != NEVER && now < t->warn_at)
                        next = t->warn_at;
                if (now >= t->end_at) {
                        begin_ending(l, o, relay, t, "runtime-max", now);
                        return t->kill_at == NEVER ? -1 : (int)((t->kill_at - now + 999) / 1000);
                }
                next = t->end_at < next ? t->end_at : next;
                if (t->idle && relay->started) {
                        uint64_t idle_end = relay->last_input + t->idle;
                        uint64_t idle_warn = idle_end - t->idle_margin;
                        if (now >= idle_end) {
                                begin_ending(l, o, relay, t, "idle", now);
                                return t->kill_at == NEVER ? -1 : (int)((t->kill_at - now + 999) / 1000);
                        }
                        if (t->idle_margin && now >= idle_warn && t->idle_warned_for != relay->last_input) {
                                format_span(now - relay->last_input, span, sizeof(span));
                                format_span(idle_end - now, left, sizeof(left));
                                (void)say(l, o, relay,
                                          "no input for %s: this session ends in %s unless a key is "
                                          "pressed (IdleTimeoutSec)",
                                          span, left);
                                t->idle_warned_for = relay->last_input;
                        }
                        uint64_t due = t->idle_margin && t->idle_warned_for != relay->last_input ? idle_warn : idle_end;
                        next = due < next ? due : next;
                }
        }
        if (next == NEVER)
                return -1;
        uint64_t ms = next > now ? (next - now + 999) / 1000 : 0;
        return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The outer half's wait: PID 1's messages (and the pty it hands over), the forwarded signals, the relay. Returns
 * 0 once PID 1 is reaped and everything it sent is read; on a failure of its own it kills PID 1 and returns < 0. */
static int outer_wait(const struct sbx_launch *l, struct outer *o, int *msg_r, int sfd, struct sbx_relay *relay,
                      struct msg *failure, bool *failed, struct sbx_err *err)
{
        struct timers t;
        timers_init(&t, l->policy, relay->c);
        while (!o->reaped || *msg_r >= 0) {
                struct pollfd pfd[5] = {
                        {.fd = *msg_r, .events = POLLIN},
                        {.fd = o->reaped ? -1 : sfd, .events = POLLIN},
                };
                int timeout = timers_tick(l, o, relay, &t); /* first: a line it adds is flushed by this poll */
                size_t n = 2 + sbx_relay_pollfds(relay, pfd + 2);
                if (poll(pfd, n, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        int r = sbx_err_set(err, errno, "wait for the sandbox");
                        kill_and_wait(o);
                        return r;
                }
                if (pfd[0].revents) {
                        struct msg m;
                        int fd = -1;
                        ssize_t k = recv_msg(*msg_r, &m, &fd);
                        if (k == (ssize_t)sizeof(m)) {
                                m.err.msg[sizeof(m.err.msg) - 1] = '\0';
                                if (m.kind == MSG_PTY && fd >= 0 && relay->master < 0) {
                                        int r = sbx_relay_start(relay, TAKE_FD(fd), o->pid, err);
                                        if (r < 0) {
                                                kill_and_wait(o);
                                                return r;
                                        }
                                } else if (m.kind == MSG_WARNING) {
                                        if (l->warn)
                                                l->warn(m.err.msg, l->userdata);
                                } else if (m.kind != MSG_PTY) {
                                        *failure = m;
                                        *failed = true;
                                }
                        } else if (k >= 0 || errno != EINTR) {
                                (void)close(TAKE_FD(*msg_r));
                        }
                        closep(&fd);
                }
                if (pfd[1].revents) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                                if (si.ssi_signo == SIGCHLD)
                                        reap(o);
                                else if (si.ssi_signo == SIGWINCH)
                                        sbx_relay_winch(relay);
                                else
                                        forward(o, (int)si.ssi_signo);
                        }
                }
                /* The caller's terminal hung up: as a SIGHUP from it would. ^C or ^\ typed for PID 1: the kernel
                 * sent it the signal already. */
                int sig = sbx_relay_handle(relay, pfd + 2, n - 2);
                if (sig == SIGHUP)
                        forward(o, SIGHUP);
                else if (sig)
                        escalate(o, sig);
        }
        return 0;
}

static int build_filter(const struct sbx_launch *l, struct sbx_filter_prog **ret, struct sbx_err *err)
{
        struct sbx_filter_spec spec = {
                .add = (const char *const *)l->policy->syscall_deny,
                .remove = (const char *const *)l->policy->syscall_allow,
        };
        int r = sbx_filter_build(&spec, ret, err);
        return r < 0 ? sbx_err_prefix(err, "SystemCallFilter") : 0;
}

int sbx_ns_instance_make(const struct sbx_launch *l, struct sbx_err *err)
{
        _cleanup_filter_prog_ struct sbx_filter_prog *filter = NULL;
        int r = build_filter(l, &filter, err);
        if (r < 0)
                return r;
        if (l->role != SBX_INSTANCE_CREATE)
                return sbx_err_setx(err, EPERM,
                                    "instance: the record does not name this login as the one that makes "
                                    "the instance");
        _cleanup_close_ int pidfd = -1;
        struct sbx_ns_id ns[_SBX_NS_MAX];
        pid_t init;
        bool joined;
        /* The init stays when this process ends: it is nobody's child then but the host's reaper's. */
        return instance_target(l, filter, &pidfd, ns, &init, &joined, err);
}

int sbx_ns_launch(const struct sbx_launch *l, int *ret_exit, enum sbx_launch_failure *ret_failure, struct sbx_err *err)
{
        *ret_exit = 1;
        if (ret_failure)
                *ret_failure = SBX_LAUNCH_SETUP_FAILED;

        /* The syscall filter is generated here, before any namespace exists: a bad SystemCallFilter entry refuses
         * the login with nothing to undo, and PID 1 only has to load it. */
        _cleanup_filter_prog_ struct sbx_filter_prog *filter = NULL;
        int fr = build_filter(l, &filter, err);
        if (fr < 0)
                return fr;
        /* The capabilities of a join are for a join only. */
        if (!l->joined && (fr = sbx_caps_drop_join(err)) < 0)
                return fr;

        /* Network private: the filter is rendered here too, in the host's network namespace (it denies the host's own
         * addresses); PID 1 only installs it. */
        _cleanup_free_ char *ruleset = NULL;
        if (l->policy->network == SBX_NETWORK_PRIVATE) {
                int nr = sbx_netstack_ruleset(l->policy, &ruleset, err);
                if (nr < 0)
                        return nr;
        }

        /* Forwarded signals, SIGWINCH (for the relay) and SIGCHLD arrive through a signalfd: blocked from before the
         * clone, so none is lost, and reset to SIG_DFL (an inherited SIG_IGN would discard them; an ignored SIGCHLD
         * would auto-reap). */
        sigset_t mask, old;
        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
                sigaddset(&mask, forwarded[i]);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGWINCH);
        SBX_STEP(err, sigprocmask(SIG_BLOCK, &mask, &old), "block signals");
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        for (int sig = 1; sig < NSIG; sig++)
                if (sigismember(&mask, sig) == 1)
                        (void)sigaction(sig, &dfl, NULL);

        int msgpair[2], deathpipe[2];
        SBX_STEP(err, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, msgpair),
                 "create a socket pair for the sandbox's messages");
        _cleanup_close_ int msg_r = msgpair[0], msg_w = msgpair[1];
        SBX_STEP(err, pipe2(deathpipe, O_CLOEXEC), "create a pipe for the helper's exit");
        _cleanup_close_ int death_r = deathpipe[0], death_w = deathpipe[1];

        /* The caller's terminal, if any: PID 1 gives the sandbox a pty of its own instead (pty.h). */
        struct sbx_pty_caller tty;
        sbx_pty_probe(&tty);

        pid_t pid = 0;
        _cleanup_close_ int master = -1;
        if (l->joined) {
                /* Instance user: the shell joins the instance instead of being its PID 1. */
                int r = instance_start(l, &tty, filter, msg_r, TAKE_FD(msg_w), death_r, death_w, &pid, &master, err);
                if (r < 0) {
                        (void)sigprocmask(SIG_SETMASK, &old, NULL);
                        return r;
                }
        } else {
                pid = clone_pid1(l, err);
                if (pid < 0)
                        return pid;
                if (pid == 0) {
                        (void)close(msg_r);
                        (void)close(death_w);
                        child_main(l, &tty, filter, ruleset, msg_w, death_r);
                }
                (void)close(TAKE_FD(msg_w));
        }
        (void)close(TAKE_FD(death_r));
        struct outer o = {.pid = pid};

        /* Network private: the stack is started with the tap device PID 1 made, while the helper's capabilities are
         * still there for its ambient set (netstack.h); nothing else happens before the drop. */
        _cleanup_close_ int ready = -1;
        int r = 0;
        if (l->policy->network == SBX_NETWORK_PRIVATE) {
                r = start_stack(&o, msg_r, &ready, err);
                if (r < 0) {
                        kill_and_wait(&o);
                        return r;
                }
        }

        /* Invariant: the outer half keeps no capability once PID 1 exists (and the stack, if any, is started); it only
         * waits, forwards and relays. */
        r = sbx_caps_drop_all(false, err);
        if (r < 0) {
                kill_and_wait(&o);
                return sbx_err_prefix(err, "drop the capabilities of the outer half");
        }

        /* The shell starts when the stack relays; a stack that cannot start refuses the login. */
        if (ready >= 0) {
                r = sbx_netstack_ready(&o.stack, TAKE_FD(ready), err);
                if (r < 0) {
                        kill_and_wait(&o);
                        return r;
                }
        }

        /* Job control is the shell's business: the outer half must not stop when it is in a background group. */
        struct sigaction ign = {.sa_handler = SIG_IGN};
        (void)sigaction(SIGTSTP, &ign, NULL);
        (void)sigaction(SIGTTIN, &ign, NULL);
        (void)sigaction(SIGTTOU, &ign, NULL);

        _cleanup_close_ int sfd = sbx_fault("signalfd") < 0 ? -1 : signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0) {
                r = sbx_err_set(err, errno, "signalfd");
                kill_and_wait(&o);
                return r;
        }
        /* Every step of the outer half that can refuse the login is done: the shell may start. */
        (void)send_msg(msg_r, MSG_GO, NULL, -1); /* a PID 1 gone meanwhile: its message follows */

        struct sbx_relay relay;
        sbx_relay_init(&relay, &tty);
        if (master >= 0) {
                r = sbx_relay_start(&relay, TAKE_FD(master), o.pid, err);
                if (r < 0) {
                        kill_and_wait(&o);
                        sbx_relay_done(&relay);
                        return r;
                }
        }
        struct msg failure = {.kind = MSG_WARNING};
        bool failed = false;
        r = outer_wait(l, &o, &msg_r, sfd, &relay, &failure, &failed, err);
        /* The sandbox is gone: so is its network. */
        end_stack(&o);
        /* The caller's terminal as it was, whatever happened. */
        sbx_relay_done(&relay);
        (void)sigprocmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return r;

        if (failed) {
                *err = failure.err;
                bool exec = failure.kind == MSG_EXEC_FAILED;
                *ret_exit = exec ? 127 : 1;
                if (ret_failure)
                        *ret_failure = exec ? SBX_LAUNCH_EXEC_FAILED : SBX_LAUNCH_SETUP_FAILED;
                return -(err->code ? err->code : EINVAL);
        }
        if (o.escalated && WIFSIGNALED(o.status) && WTERMSIG(o.status) == SIGKILL)
                *ret_exit = 128 + o.escalated;
        else
                *ret_exit = sbx_ns_exit_code(o.status);
        return 0;
}
