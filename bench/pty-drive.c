/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The terminal side of the pty relay's benchmark: runs COMMAND (as root; it is sbx-launch, which becomes the user) on
 * a new pty whose slave is its controlling terminal and 0, 1 and 2, and plays the user's terminal on the master: the
 * login's pty as sshd makes it (80x24, the kernel's default settings). When COMMAND is the sandbox-shell helper, its
 * outer half relays between that pty and the sandbox's own; when it is a program outside the sandbox, nothing relays.
 *
 *   pty-drive out COMMAND...          reads everything COMMAND writes until the last slave closes; prints
 *                                     "BYTES SECONDS" from the first byte read to the last
 *   pty-drive print COMMAND...        the same, but copies what it read to standard output instead
 *   pty-drive echo N COMMAND...       waits for "READY" in the output, then N times writes one byte and waits for its
 *                                     echo; prints "N MEDIAN P90 P99 MEAN" round trips in microseconds, then hangs up
 *   pty-drive idle SECONDS COMMAND... waits for the first output (an interactive shell's prompt), types a command
 *                                     that prints "READY", lets the session sit idle for SECONDS and prints the CPU
 *                                     time of COMMAND's process (the relay: sbx-launch execs the helper) over them:
 *                                     "UTIME_TICKS STIME_TICKS RUNTIME_NS CTXSW BYTES" (/proc/PID/stat fields 14 and
 *                                     15, /proc/PID/schedstat's run time, voluntary and involuntary context switches,
 *                                     the bytes the terminal got meanwhile); then types "exit"
 *
 * Exit status: 0, or 1 when the session did not behave (no READY, no echo, a timeout), 2 for usage or system errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int master = -1;
static pid_t child = -1;

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
        fprintf(stderr, "pty-drive: %s: %s\n", what, strerror(errno));
        if (child > 0)
                kill(child, SIGKILL);
        return 2;
}

static int start(char **argv)
{
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
                return die("posix_openpt");
        struct winsize ws = {.ws_row = 24, .ws_col = 80};
        if (ioctl(master, TIOCSWINSZ, &ws) < 0)
                return die("TIOCSWINSZ");
        const char *name = ptsname(master);
        if (!name)
                return die("ptsname");
        child = fork();
        if (child < 0)
                return die("fork");
        if (child == 0) {
                int s;
                if (setsid() < 0 || (s = open(name, O_RDWR)) < 0 || ioctl(s, TIOCSCTTY, 0) < 0 || dup2(s, 0) < 0 ||
                    dup2(s, 1) < 0 || dup2(s, 2) < 0)
                        _exit(127);
                if (s > 2)
                        close(s);
                execv(argv[0], argv);
                _exit(127);
        }
        if (fcntl(master, F_SETFL, O_NONBLOCK) < 0)
                return die("O_NONBLOCK");
        return 0;
}

/* Reads what is there, waiting at most timeout_ms for it; returns the byte count, 0 on a timeout, -1 at the end (the
 * last slave closed: EIO). */
static ssize_t get(char *buf, size_t len, int timeout_ms)
{
        for (;;) {
                ssize_t n = read(master, buf, len);
                if (n > 0)
                        return n;
                if (n == 0 || errno == EIO)
                        return -1;
                if (errno != EAGAIN && errno != EINTR)
                        return -1;
                struct pollfd p = {.fd = master, .events = POLLIN};
                int r = poll(&p, 1, timeout_ms);
                if (r == 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -1;
        }
}

/* Reads until the output holds WHAT (not split across reads by more than its own length), at most timeout_s. */
static int wait_for(const char *what, double timeout_s)
{
        char buf[4096 + 64], tail[64] = "";
        size_t wl = strlen(what);
        double end = now_s() + timeout_s;
        while (now_s() < end) {
                size_t tl = strlen(tail);
                memcpy(buf, tail, tl);
                ssize_t n = get(buf + tl, 4096, 100);
                if (n < 0)
                        return -1;
                buf[tl + (size_t)n] = '\0';
                if (strstr(buf, what))
                        return 0;
                size_t all = tl + (size_t)n, keep = all < wl ? all : wl;
                memcpy(tail, buf + all - keep, keep);
                tail[keep] = '\0';
        }
        return -1;
}

static int put(const char *s)
{
        size_t len = strlen(s);
        while (len > 0) {
                ssize_t n = write(master, s, len);
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return -1;
                if (n > 0) {
                        s += n;
                        len -= (size_t)n;
                }
        }
        return 0;
}

/* Drains the output for `seconds`; returns the byte count. */
static long long drain(double seconds)
{
        char buf[4096];
        long long total = 0;
        double end = now_s() + seconds;
        for (double t = now_s(); t < end; t = now_s()) {
                ssize_t n = get(buf, sizeof(buf), (int)((end - t) * 1000) + 1);
                if (n < 0)
                        break;
                total += n;
        }
        return total;
}

/* Ends the session: closes the master (a hang-up) and reaps COMMAND, killing it after 10 s. */
static int finish(void)
{
        int st = 0;
        close(master);
        for (int i = 0; i < 1000; i++) {
                pid_t r = waitpid(child, &st, WNOHANG);
                if (r == child)
                        return 0;
                if (r < 0)
                        return die("waitpid");
                usleep(10000);
        }
        kill(child, SIGKILL);
        waitpid(child, &st, 0);
        fprintf(stderr, "pty-drive: the session did not end after the hang-up; killed\n");
        return 1;
}

static int mode_out(char **argv, int print)
{
        static char buf[65536];
        long long total = 0;
        double first = 0, last = 0;
        if (start(argv))
                return 2;
        for (;;) {
                ssize_t n = get(buf, sizeof(buf), -1);
                if (n < 0)
                        break;
                last = now_s();
                if (total == 0)
                        first = last;
                total += n;
                if (print)
                        fwrite(buf, 1, (size_t)n, stdout);
        }
        int st;
        if (waitpid(child, &st, 0) < 0)
                return die("waitpid");
        if (!print)
                printf("%lld %.6f\n", total, last - first);
        return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static int mode_echo(long n, char **argv)
{
        double *us = calloc((size_t)n, sizeof(*us)), sum = 0;
        if (!us)
                return die("calloc");
        if (start(argv))
                return 2;
        if (wait_for("READY", 30) < 0) {
                fprintf(stderr, "pty-drive: no READY from the session\n");
                finish();
                return 1;
        }
        (void)drain(0.2);
        for (long i = 0; i < n; i++) {
                char c = 'a' + (char)(i % 26), buf[256];
                double t0 = now_s();
                if (write(master, &c, 1) != 1)
                        return die("write");
                for (;;) {
                        ssize_t r = get(buf, sizeof(buf), 5000);
                        if (r <= 0) {
                                fprintf(stderr, "pty-drive: no echo of byte %ld\n", i);
                                finish();
                                return 1;
                        }
                        if (memchr(buf, c, (size_t)r))
                                break;
                }
                us[i] = (now_s() - t0) * 1e6;
                sum += us[i];
        }
        qsort(us, (size_t)n, sizeof(*us), cmp);
        printf("%ld %.1f %.1f %.1f %.1f\n", n, us[(n - 1) / 2], us[(long)((double)(n - 1) * 0.9)],
               us[(long)((double)(n - 1) * 0.99)], sum / (double)n);
        return finish();
}

struct usage {
        unsigned long long utime, stime, runtime_ns, ctxsw;
};

static int read_usage(struct usage *u)
{
        char path[64], buf[4096];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)child);
        FILE *f = fopen(path, "r");
        if (!f)
                return -1;
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        char *p = strrchr(buf, ')'); /* the command name may hold spaces */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &u->utime, &u->stime) != 2)
                return -1;
        snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)child);
        f = fopen(path, "r");
        if (!f || fscanf(f, "%llu", &u->runtime_ns) != 1) {
                if (f)
                        fclose(f);
                return -1;
        }
        fclose(f);
        snprintf(path, sizeof(path), "/proc/%d/status", (int)child);
        f = fopen(path, "r");
        if (!f)
                return -1;
        u->ctxsw = 0;
        while (fgets(buf, sizeof(buf), f)) {
                unsigned long long v;
                if (sscanf(buf, "voluntary_ctxt_switches: %llu", &v) == 1 ||
                    sscanf(buf, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
                        u->ctxsw += v;
        }
        fclose(f);
        return 0;
}

static int mode_idle(double seconds, char **argv)
{
        char buf[4096];
        struct usage a, b;
        if (start(argv))
                return 2;
        if (get(buf, sizeof(buf), 30000) <= 0) {
                fprintf(stderr, "pty-drive: no prompt from the session\n");
                finish();
                return 1;
        }
        (void)drain(0.3);
        if (put("echo RE''ADY\n") < 0)
                return die("write");
        if (wait_for("READY", 30) < 0) {
                fprintf(stderr, "pty-drive: no READY from the session\n");
                finish();
                return 1;
        }
        (void)drain(0.5);
        if (read_usage(&a) < 0)
                return die("read the relay's usage");
        long long bytes = drain(seconds);
        if (read_usage(&b) < 0)
                return die("read the relay's usage");
        printf("%llu %llu %llu %llu %lld\n", b.utime - a.utime, b.stime - a.stime, b.runtime_ns - a.runtime_ns,
               b.ctxsw - a.ctxsw, bytes);
        fflush(stdout);
        if (put("exit\n") < 0)
                return die("write");
        (void)drain(2);
        return finish();
}

int main(int argc, char **argv)
{
        signal(SIGPIPE, SIG_IGN);
        alarm(900);
        if (argc >= 3 && (strcmp(argv[1], "out") == 0 || strcmp(argv[1], "print") == 0))
                return mode_out(argv + 2, strcmp(argv[1], "print") == 0);
        if (argc >= 4 && strcmp(argv[1], "echo") == 0 && atol(argv[2]) > 0)
                return mode_echo(atol(argv[2]), argv + 3);
        if (argc >= 4 && strcmp(argv[1], "idle") == 0 && atof(argv[2]) > 0)
                return mode_idle(atof(argv[2]), argv + 3);
        fprintf(stderr, "usage: pty-drive out|print COMMAND... | echo N COMMAND... | idle SECONDS COMMAND...\n");
        return 2;
}
