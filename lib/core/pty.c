/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sandbox's own terminal (pty.h): opened by PID 1 in the sandbox's devpts, relayed by the outer half. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "pty.h"

void sbx_pty_probe(struct sbx_pty_caller *ret)
{
        *ret = (struct sbx_pty_caller){.in_fd = -1, .out_fd = -1};
        for (int fd = 0; fd <= 2; fd++)
                if (isatty(fd))
                        ret->tty_fds |= 1u << fd;
        if (!ret->tty_fds)
                return;
        ret->active = true;
        if (ret->tty_fds & 1u)
                ret->in_fd = 0;
        ret->out_fd = (ret->tty_fds & 2u) ? 1 : (ret->tty_fds & 4u) ? 2 : 0;
        int ref = ret->in_fd >= 0 ? ret->in_fd : ret->out_fd;
        ret->have_termios = tcgetattr(ref, &ret->termios) == 0;
        if (ioctl(ref, TIOCGWINSZ, &ret->ws) < 0)
                ret->ws = (struct winsize){0};
}

int sbx_pty_open_pair(const struct sbx_pty_caller *c, int *ret_master, int *ret_slave, struct sbx_err *err)
{
        /* The new root is in place: /dev/pts is the devpts instance this namespace mounted, and nothing but PID 1
         * runs in the sandbox yet, or (joining an instance) nothing in it can change its mounts, so the path is
         * ours. */
        _cleanup_close_ int master = -1, slave = -1;
        SBX_STEP(err, master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC),
                 "terminal: open the sandbox's pty (/dev/pts/ptmx)");
        SBX_STEP(err, unlockpt(master), "terminal: unlock the sandbox's pty");
        /* The slave through the master itself: no lookup of a name in /dev/pts. */
        SBX_STEP(err, slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC),
                 "terminal: open the slave of the sandbox's pty");
        /* The caller's settings (erase character, UTF-8, ...) and window size, as `script` and `su --pty` do. */
        SBX_STEP(err, c->have_termios ? tcsetattr(slave, TCSANOW, &c->termios) : 0,
                 "terminal: give the sandbox's pty the caller's settings");
        SBX_STEP(err, (c->ws.ws_row || c->ws.ws_col) ? ioctl(slave, TIOCSWINSZ, &c->ws) : 0,
                 "terminal: give the sandbox's pty the caller's window size");
        *ret_master = TAKE_FD(master);
        *ret_slave = TAKE_FD(slave);
        return 0;
}

int sbx_pty_attach(const struct sbx_pty_caller *c, int slave, struct sbx_err *err)
{
        /* A session of its own whose controlling terminal is the pty: job control, ^C and hang-up act there. */
        SBX_STEP(err, setsid(), "terminal: start a new session for the sandbox");
        SBX_STEP(err, ioctl(slave, TIOCSCTTY, 0), "terminal: make the sandbox's pty its controlling terminal");
        for (int fd = 0; fd <= 2; fd++)
                if (c->tty_fds & (1u << fd))
                        SBX_STEP(err, dup2(slave, fd), "terminal: put the sandbox's pty on descriptor %d", fd);
        return 0;
}

int sbx_pty_open_inside(const struct sbx_pty_caller *c, int *ret_master, struct sbx_err *err)
{
        _cleanup_close_ int master = -1, slave = -1;
        int r = sbx_pty_open_pair(c, &master, &slave, err);
        if (r < 0)
                return r;
        r = sbx_pty_attach(c, slave, err);
        if (r < 0)
                return r;
        *ret_master = TAKE_FD(master);
        return 0;
}

/* ---- the relay ---- */

void sbx_relay_init(struct sbx_relay *r, const struct sbx_pty_caller *c)
{
        memset(r, 0, sizeof(*r));
        r->c = c;
        r->master = -1;
        r->peer = -1;
        r->in_flags = r->out_flags = -1;
}

int sbx_relay_start(struct sbx_relay *r, int master, pid_t pid1, struct sbx_err *err)
{
        const struct sbx_pty_caller *c = r->c;
        r->master = master;
        r->pid1 = pid1;
        /* A slave held here keeps the master from reporting a hang-up while the sandbox has no descriptor of its
         * terminal open for a moment (a shell that closes and reopens it): poll would spin on it otherwise. */
        SBX_STEP(err, r->peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC),
                 "terminal: open a slave of the sandbox's pty for the relay");
        int fl;
        SBX_STEP(err, (fl = fcntl(master, F_GETFL)) < 0 ? -1 : fcntl(master, F_SETFL, fl | O_NONBLOCK),
                 "terminal: make the sandbox's pty non-blocking");
        /* Raw mode: every key reaches the sandbox's terminal as it was typed, which does the line editing, echo and
         * signals itself. */
        if (c->in_fd >= 0) {
                if (sbx_fault("terminal: put the caller's terminal in raw mode") < 0 ||
                    tcgetattr(c->in_fd, &r->saved) < 0)
                        return sbx_err_set(err, errno, "terminal: put the caller's terminal in raw mode");
                struct termios raw = r->saved;
                cfmakeraw(&raw);
                if (tcsetattr(c->in_fd, TCSADRAIN, &raw) < 0)
                        return sbx_err_set(err, errno, "terminal: put the caller's terminal in raw mode");
                r->raw = true;
        }
        /* Non-blocking, so a stalled terminal never keeps the outer half from forwarding signals; the flags are
         * those of descriptions shared with the caller, and are put back at the end. Both are read first: the two
         * descriptors are often one description. */
        int in_flags = c->in_fd >= 0 ? fcntl(c->in_fd, F_GETFL) : -1;
        int out_flags = fcntl(c->out_fd, F_GETFL);
        if (sbx_fault("terminal: make the caller's terminal non-blocking") < 0 || out_flags < 0 ||
            (c->in_fd >= 0 && in_flags < 0))
                return sbx_err_set(err, errno, "terminal: make the caller's terminal non-blocking");
        r->in_flags = in_flags;
        r->out_flags = out_flags;
        if ((c->in_fd >= 0 && fcntl(c->in_fd, F_SETFL, in_flags | O_NONBLOCK) < 0) ||
            fcntl(c->out_fd, F_SETFL, out_flags | O_NONBLOCK) < 0)
                return sbx_err_set(err, errno, "terminal: make the caller's terminal non-blocking");
        r->started = true;
        r->last_input = sbx_now_usec(CLOCK_BOOTTIME);
        return 0;
}

enum {
        PFD_IN,
        PFD_MASTER,
        PFD_OUT,
        _PFD_MAX
};

size_t sbx_relay_pollfds(const struct sbx_relay *r, struct pollfd *pfd)
{
        for (size_t i = 0; i < _PFD_MAX; i++)
                pfd[i] = (struct pollfd){.fd = -1};
        if (r->master < 0)
                return _PFD_MAX;
        /* One buffer each way: read a side only when what it gave last time is written out. */
        if (r->c->in_fd >= 0 && !r->in_eof && r->tm_len == 0)
                pfd[PFD_IN] = (struct pollfd){.fd = r->c->in_fd, .events = POLLIN};
        short ev = (r->tc_len == 0 ? POLLIN : 0) | (r->tm_len > 0 ? POLLOUT : 0);
        if (ev)
                pfd[PFD_MASTER] = (struct pollfd){.fd = r->master, .events = ev};
        if (r->tc_len > 0)
                pfd[PFD_OUT] = (struct pollfd){.fd = r->c->out_fd, .events = POLLOUT};
        return _PFD_MAX;
}

static bool again(ssize_t n)
{
        return n < 0 && (errno == EAGAIN || errno == EINTR);
}

/* Writes what is pending for the caller; on an error the caller's terminal is gone and output is dropped. */
static void flush_to_caller(struct sbx_relay *r)
{
        while (r->tc_off < r->tc_len && !r->out_err) {
                ssize_t n = write(r->c->out_fd, r->to_caller + r->tc_off, r->tc_len - r->tc_off);
                if (again(n))
                        return;
                if (n <= 0)
                        r->out_err = true;
                else
                        r->tc_off += (size_t)n;
        }
        r->tc_len = r->tc_off = 0;
}

static void read_master(struct sbx_relay *r)
{
        ssize_t n = read(r->master, r->to_caller, sizeof(r->to_caller));
        if (n > 0) {
                r->tc_len = (size_t)n;
                r->tc_off = 0;
                flush_to_caller(r);
        }
}

/* The signal the sandbox's terminal sends for what was typed (^C, ^\) when its foreground process group is PID
 * 1's, else 0. */
static int typed_signal(const struct sbx_relay *r, const char *buf, size_t n)
{
        struct termios t;
        if (tcgetattr(r->master, &t) < 0 || !(t.c_lflag & ISIG))
                return 0;
        int sig = 0;
        for (size_t i = 0; i < n && !sig; i++) {
                unsigned char ch = (unsigned char)buf[i];
                if (t.c_cc[VINTR] != _POSIX_VDISABLE && ch == t.c_cc[VINTR])
                        sig = SIGINT;
                else if (t.c_cc[VQUIT] != _POSIX_VDISABLE && ch == t.c_cc[VQUIT])
                        sig = SIGQUIT;
        }
        pid_t fg = sig ? tcgetpgrp(r->master) : 0;
        return sig && fg > 0 && fg == r->pid1 ? sig : 0;
}

int sbx_relay_handle(struct sbx_relay *r, const struct pollfd *pfd, size_t n)
{
        int ret = 0;
        bool typed = false;
        if (n < _PFD_MAX || r->master < 0)
                return 0;
        if (pfd[PFD_IN].fd >= 0 && pfd[PFD_IN].revents) {
                ssize_t k = read(r->c->in_fd, r->to_master, sizeof(r->to_master));
                if (k > 0) {
                        r->last_input = sbx_now_usec(CLOCK_BOOTTIME);
                        r->tm_len = (size_t)k;
                        r->tm_off = 0;
                        typed = true;
                        ret = typed_signal(r, r->to_master, (size_t)k);
                } else if (!again(k)) {
                        /* EOF or EIO on a terminal in raw mode: it hung up. */
                        r->in_eof = true;
                        ret = SIGHUP;
                }
        }
        /* What was just typed is written at once (the master is non-blocking: what it does not take waits for
         * POLLOUT), not after one more poll: a keystroke costs one wake-up of the relay each way. */
        if (r->tm_len > 0 && (typed || (pfd[PFD_MASTER].fd >= 0 && (pfd[PFD_MASTER].revents & POLLOUT)))) {
                ssize_t k = write(r->master, r->to_master + r->tm_off, r->tm_len - r->tm_off);
                if (k > 0)
                        r->tm_off += (size_t)k;
                if ((k < 0 && !again(k)) || r->tm_off >= r->tm_len)
                        r->tm_len = r->tm_off = 0;
        }
        if (pfd[PFD_MASTER].fd >= 0 && (pfd[PFD_MASTER].revents & (POLLIN | POLLHUP | POLLERR)) && r->tc_len == 0)
                read_master(r);
        if (pfd[PFD_OUT].fd >= 0 && pfd[PFD_OUT].revents)
                flush_to_caller(r);
        return ret;
}

bool sbx_relay_notice(struct sbx_relay *r, const char *msg)
{
        if (!r->started)
                return false;
        if (r->tc_off > 0) {
                memmove(r->to_caller, r->to_caller + r->tc_off, r->tc_len - r->tc_off);
                r->tc_len -= r->tc_off;
                r->tc_off = 0;
        }
        size_t room = sizeof(r->to_caller) - r->tc_len;
        int n = room > 1 ? snprintf(r->to_caller + r->tc_len, room, "\r\nsandbox-shell: %s\r\n", msg) : 0;
        if (n > 0)
                r->tc_len += (size_t)n < room ? (size_t)n : room - 1;
        flush_to_caller(r);
        return true;
}

void sbx_relay_winch(struct sbx_relay *r)
{
        struct winsize ws;
        int fd = r->c->in_fd >= 0 ? r->c->in_fd : r->c->out_fd;
        if (r->master >= 0 && fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0)
                (void)ioctl(r->master, TIOCSWINSZ, &ws);
}

void sbx_relay_done(struct sbx_relay *r)
{
        const struct sbx_pty_caller *c = r->c;
        if (r->started) {
                /* The last output of the session: what the master holds now. A slave still open somewhere else (a
                 * descriptor passed out of the sandbox) is not waited for; a terminal that does not take the output
                 * within two seconds does not hold up the end of the session either. */
                long end = sbx_now_ms() + 2000;
                while (!r->out_err && sbx_now_ms() < end) {
                        if (r->tc_len > 0) {
                                struct pollfd p = {.fd = c->out_fd, .events = POLLOUT};
                                if (poll(&p, 1, 100) < 0 && errno != EINTR)
                                        break;
                                flush_to_caller(r);
                                continue;
                        }
                        ssize_t n = read(r->master, r->to_caller, sizeof(r->to_caller));
                        if (n <= 0)
                                break;
                        r->tc_len = (size_t)n;
                        r->tc_off = 0;
                }
        }
        /* Closing the master hangs up every slave still open anywhere: reads end, writes fail. */
        closep(&r->master);
        closep(&r->peer);
        r->master = r->peer = -1;
        if (r->raw)
                (void)tcsetattr(c->in_fd, TCSADRAIN, &r->saved);
        r->raw = r->started = false;
        if (r->out_flags >= 0)
                (void)fcntl(c->out_fd, F_SETFL, r->out_flags);
        if (r->in_flags >= 0)
                (void)fcntl(c->in_fd, F_SETFL, r->in_flags);
        r->in_flags = r->out_flags = -1;
}
