/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PAM cycle benchmark: N sessions of USER, one after the other, through the real libpam and the service file
 * PAMDIR/SERVICE (pam_start_confdir). Each cycle is pam_start, pam_open_session, pam_close_session, pam_end, as a
 * login does; open and close are timed with CLOCK_MONOTONIC, pam_start/pam_end apart.
 *
 *   pam-cycle PAMDIR SERVICE USER N [WARMUP]
 *
 * With SBX_BENCH_KEEP_LOADED=MODULE in the environment, MODULE stays loaded for the whole run (libpam would load and
 * unload it at every pam_start/pam_end), so that a profile shows open and close rather than the dynamic loader.
 *
 * Prints one line per figure, "name median p90 mean min max" in microseconds, and exits non-zero as soon as one
 * open or close fails (a benchmark of failing sessions would measure nothing). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        (void)data;
        struct pam_response *r = calloc((size_t)n, sizeof(*r));
        if (!r)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++)
                if (msg[i]->msg_style == PAM_ERROR_MSG || msg[i]->msg_style == PAM_TEXT_INFO)
                        fprintf(stderr, "pam message: %s\n", msg[i]->msg);
        *resp = r;
        return PAM_SUCCESS;
}

static double now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* CPU time of this process (user and system, its system calls included): what the cycle costs the machine, apart
 * from the time it waits (for a CPU, for the kernel's grace periods) and from work the kernel hands to its own
 * threads (taking a removed cgroup offline). */
static double cpu_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static void report(const char *name, double *v, long n)
{
        double sum = 0;
        for (long i = 0; i < n; i++)
                sum += v[i];
        qsort(v, (size_t)n, sizeof(*v), cmp);
        double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        printf("%s %.1f %.1f %.1f %.1f %.1f\n", name, median, v[(n * 9) / 10], sum / (double)n, v[0], v[n - 1]);
}

/* One session; the times of its phases go to the arrays at index i (when i >= 0). */
static int cycle(const char *dir, const char *service, const char *user, long i, double *open_t, double *close_t,
                 double *both_t, double *full_t, double *cpu_t)
{
        struct pam_conv c = {conv, NULL};
        pam_handle_t *pamh = NULL;
        double t0 = now_us();
        int r = pam_start_confdir(service, user, &c, dir, &pamh);
        if (r != PAM_SUCCESS) {
                fprintf(stderr, "pam_start_confdir: %s\n", pam_strerror(pamh, r));
                return -1;
        }
        double c1 = cpu_us();
        double t1 = now_us();
        r = pam_open_session(pamh, 0);
        double t2 = now_us();
        if (r != PAM_SUCCESS) {
                fprintf(stderr, "pam_open_session: %s\n", pam_strerror(pamh, r));
                pam_end(pamh, r);
                return -1;
        }
        r = pam_close_session(pamh, 0);
        double t3 = now_us();
        double c3 = cpu_us();
        if (r != PAM_SUCCESS) {
                fprintf(stderr, "pam_close_session: %s\n", pam_strerror(pamh, r));
                pam_end(pamh, r);
                return -1;
        }
        pam_end(pamh, r);
        double t4 = now_us();
        if (i >= 0) {
                open_t[i] = t2 - t1;
                close_t[i] = t3 - t2;
                both_t[i] = t3 - t1;
                full_t[i] = t4 - t0;
                cpu_t[i] = c3 - c1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 5) {
                fprintf(stderr, "usage: pam-cycle PAMDIR SERVICE USER N [WARMUP]\n");
                return 2;
        }
        long n = strtol(argv[4], NULL, 10), warm = argc > 5 ? strtol(argv[5], NULL, 10) : 10;
        if (n < 1 || n > 1000000 || warm < 0 || warm > 100000) {
                fprintf(stderr, "pam-cycle: N must be 1..1000000, WARMUP 0..100000\n");
                return 2;
        }
        double *o = calloc((size_t)n, sizeof(double)), *cl = calloc((size_t)n, sizeof(double));
        double *b = calloc((size_t)n, sizeof(double)), *f = calloc((size_t)n, sizeof(double));
        double *cpu = calloc((size_t)n, sizeof(double));
        if (!o || !cl || !b || !f || !cpu)
                return 2;
        const char *keep = getenv("SBX_BENCH_KEEP_LOADED");
        if (keep && !dlopen(keep, RTLD_NOW | RTLD_NODELETE)) {
                fprintf(stderr, "pam-cycle: %s\n", dlerror());
                return 2;
        }
        for (long i = 0; i < warm; i++)
                if (cycle(argv[1], argv[2], argv[3], -1, NULL, NULL, NULL, NULL, NULL) < 0)
                        return 1;
        for (long i = 0; i < n; i++)
                if (cycle(argv[1], argv[2], argv[3], i, o, cl, b, f, cpu) < 0)
                        return 1;
        report("open", o, n);
        report("close", cl, n);
        report("open+close", b, n);
        report("start+open+close+end", f, n);
        report("open+close-cpu", cpu, n);
        return 0;
}
