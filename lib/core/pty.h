/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A terminal of the sandbox's own. When any of the helper's descriptors 0-2 is a terminal, PID 1 opens a new pty in
 * the sandbox's own devpts instance, makes its slave the controlling terminal of a new session and puts it where the
 * caller's terminal was; the master goes to the outer half, which relays it to and from the caller's terminal (raw
 * mode, window size, hang-up). Nothing in the sandbox ever holds a descriptor of the caller's terminal, so nothing
 * there can write to or read from it once the session is over (su from root's terminal: the sandbox cannot keep
 * root's terminal and type into it later, as `su --pty`, sudo's use_pty and lxc-attach avoid too).
 *
 * The pty is used for every terminal, the user's own ssh pty included: one behaviour on every path, no descriptor of
 * the outside in the sandbox, and ttyname(3) finds the pty's name in the sandbox's own /dev/pts. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "error.h"

/* What PID 1 needs to know about the caller's terminal (filled before the clone, read in the child's copy). */
struct sbx_pty_caller {
        bool active;            /* some descriptor of 0-2 is a terminal */
        unsigned tty_fds;       /* bit N: descriptor N is a terminal; PID 1 replaces each with the slave */
        int in_fd;              /* 0 when stdin is a terminal (its input is relayed), else -1 */
        int out_fd;             /* where the master's output goes: the first terminal of 1, 2, 0 */
        bool have_termios;      /* the termios of the caller's terminal could be read */
        struct termios termios; /* as the caller had it: the new pty starts with the same settings */
        struct winsize ws;
};

/* Looks at descriptors 0-2 of the calling process. Never fails: *ret->active is false when none is a terminal. */
void sbx_pty_probe(struct sbx_pty_caller *ret);

/* In PID 1, after the pivot into the new root (so /dev/pts is the sandbox's own devpts): opens a pty there with the
 * caller's settings and window size, starts a new session with the slave as its controlling terminal and puts the
 * slave on every descriptor of c->tty_fds. *ret_master (O_CLOEXEC) goes to the outer half. Errors: the errno of the
 * step, err naming it. */
int sbx_pty_open_inside(const struct sbx_pty_caller *c, int *ret_master, struct sbx_err *err);

/* The two halves of sbx_pty_open_inside, for a joined login (instance.h), where the process that opens the pty (the
 * joiner, in the instance's mount namespace) is not the shell that takes it as its terminal: the pty with the
 * caller's settings (both O_CLOEXEC), then, in the shell's process, its own session with the slave as controlling
 * terminal on the descriptors of c->tty_fds. */
int sbx_pty_open_pair(const struct sbx_pty_caller *c, int *ret_master, int *ret_slave, struct sbx_err *err);
int sbx_pty_attach(const struct sbx_pty_caller *c, int slave, struct sbx_err *err);

/* The outer half's relay between the caller's terminal and the master. */
struct sbx_relay {
        const struct sbx_pty_caller *c;
        int master;   /* -1 until PID 1 sent it, and after it is closed */
        int peer;     /* a slave of it held by the relay itself */
        pid_t pid1;   /* PID 1 as the outer half sees it */
        bool started; /* sbx_relay_start completed: everything is non-blocking */
        bool raw;     /* the caller's terminal was put in raw mode: restored by sbx_relay_done */
        struct termios saved;
        int in_flags, out_flags; /* the caller's descriptors' status flags, restored by sbx_relay_done */
        bool in_eof;             /* the caller's input ended (hang-up, EOF) */
        uint64_t last_input;     /* CLOCK_BOOTTIME usec of the last byte read from the caller (or of the start) */
        bool out_err;            /* the caller's terminal cannot be written any more: output is dropped */
        char to_master[16384];
        size_t tm_len, tm_off;
        char to_caller[65536];
        size_t tc_len, tc_off;
};

void sbx_relay_init(struct sbx_relay *r, const struct sbx_pty_caller *c);

/* Takes the master PID 1 (pid1) sent: the caller's terminal goes into raw mode (input passes byte for byte; ^C, ^Z
 * and the rest act on the sandbox's own terminal), both sides become non-blocking. Errors: the errno of the step. */
int sbx_relay_start(struct sbx_relay *r, int master, pid_t pid1, struct sbx_err *err);

/* Fills up to 3 pollfd entries for the relay (returns how many were used). */
size_t sbx_relay_pollfds(const struct sbx_relay *r, struct pollfd *pfd);

/* Acts on the poll results of the entries sbx_relay_pollfds filled. Returns SIGHUP when the caller's input hung up
 * (the caller then acts as on a SIGHUP); SIGINT or SIGQUIT when the key for it was typed while PID 1's process group
 * is in the foreground of the sandbox's terminal (the kernel signals PID 1 itself, which as a namespace's init
 * ignores a signal it has no handler for: the caller ends it then, as the key would end any other process); 0
 * otherwise. */
int sbx_relay_handle(struct sbx_relay *r, const struct pollfd *pfd, size_t n);

/* The caller's window changed (SIGWINCH): passes the new size to the sandbox's terminal. */
void sbx_relay_winch(struct sbx_relay *r);

/* Puts a line of the helper's own ("sandbox-shell: MSG") on the caller's terminal, in order with the sandbox's
 * output, starting on a line of its own (the terminal is in raw mode: "\r\n"). False when the relay has not
 * started (the caller prints it then). What does not fit the buffer is dropped. */
bool sbx_relay_notice(struct sbx_relay *r, const char *msg);

/* PID 1 is gone: copies what is still buffered or readable on the master to the caller (without waiting for a
 * slave held outside the namespace to close), closes the master (so any slave still held elsewhere hangs up),
 * restores the caller's terminal mode and descriptor flags. Safe to call when the relay never started. */
void sbx_relay_done(struct sbx_relay *r);
