/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The syscall filter, loaded for real in forked children (each sets no_new_privs first, as PID 1 does). Runs as any
 * user: the calls checked fail with EPERM from the filter even where root could make them. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "filter.h"

/* Runs fn in a child under the filter built from spec; returns the child's exit code (or 100 + signal). */
static int under_filter(const struct sbx_filter_spec *spec, int (*fn)(void))
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct sbx_err err = {0};
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(90);
                if (sbx_filter_install(spec, &err) < 0)
                        _exit(91);
                _exit(fn());
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status))
                return 100 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

static int eperm(long r)
{
        return r == -1 && errno == EPERM;
}

static int child_denied(void)
{
        if (!eperm(mount("none", "/tmp", "tmpfs", 0, NULL)))
                return 1;
        if (!eperm(umount2("/tmp", MNT_DETACH)))
                return 2;
        if (!eperm(syscall(SYS_pivot_root, "/", "/")))
                return 3;
        if (!eperm(unshare(CLONE_NEWUSER)))
                return 4;
        if (!eperm(unshare(CLONE_NEWUSER | CLONE_NEWNS)))
                return 5;
        if (!eperm(syscall(SYS_keyctl, 0, 0, 0, 0, 0)))
                return 6;
        if (!eperm(syscall(SYS_bpf, 0, NULL, 0)))
                return 7;
        if (!eperm(syscall(SYS_open_by_handle_at, -1, NULL, 0)))
                return 8;
        if (!eperm(syscall(SYS_setns, -1, 0)))
                return 9;
        if (!eperm(syscall(SYS_userfaultfd, 0)))
                return 10;
        if (!eperm(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0)))
                return 11;
        if (!eperm(syscall(SYS_kexec_load, 0, 0, NULL, 0)))
                return 12;
        if (!eperm(syscall(SYS_init_module, NULL, 0, "")))
                return 13;
        if (!eperm(syscall(SYS_syslog, 3, NULL, 0)))
                return 14;
        char c = 'x';
        if (!eperm(ioctl(0, TIOCSTI, &c)))
                return 15;
        /* High bits set: the kernel truncates the request to 32 bits, the filter must as well. */
        if (!eperm(syscall(SYS_ioctl, 0, 0xdead00000000UL | TIOCSTI, &c)))
                return 16;
        if (!eperm(ioctl(0, TIOCLINUX, &c)))
                return 17;
        if (!eperm(personality(ADDR_NO_RANDOMIZE)))
                return 18;
        if (!eperm(personality(READ_IMPLIES_EXEC)))
                return 19;
        if (!eperm(syscall(SYS_personality, 0x100000000UL | ADDR_NO_RANDOMIZE)))
                return 21; /* high bits the kernel would drop */
        if (!eperm(syscall(SYS_clone3, NULL, 0)) && errno != ENOSYS)
                return 20;
        return 0;
}

static void test_default_denies(void **state)
{
        assert_int_equal(under_filter(NULL, child_denied), 0);
}

static int child_allowed(void)
{
        if (getpid() <= 0)
                return 1;
        if (personality(PER_LINUX32) < 0 || personality(PER_LINUX) < 0)
                return 3;
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 4;
        close(fd);
        pid_t pid = fork(); /* libc's fork is clone without CLONE_NEWUSER */
        if (pid < 0)
                return 5;
        if (pid == 0)
                _exit(0);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
                return 6;
        return 0;
}

static void test_ordinary_calls_work(void **state)
{
        assert_int_equal(under_filter(NULL, child_allowed), 0);
}

static int child_keyctl_allowed(void)
{
        /* Removed from the deny list: the kernel's own answer comes back, not the filter's EPERM. */
        long r = syscall(SYS_keyctl, 0x7fffffff, 0, 0, 0, 0);
        return (r == -1 && errno == EPERM) ? 1 : 0;
}

static int child_getpid_denied(void)
{
        return eperm(syscall(SYS_getppid)) ? 0 : 1;
}

static void test_spec_add_and_remove(void **state)
{
        const char *remove[] = {"keyctl", NULL};
        struct sbx_filter_spec spec = {.remove = remove};
        assert_int_equal(under_filter(&spec, child_keyctl_allowed), 0);

        const char *add[] = {"getppid", NULL};
        struct sbx_filter_spec spec2 = {.add = add};
        assert_int_equal(under_filter(&spec2, child_getpid_denied), 0);
}

static void test_unknown_names(void **state)
{
        struct sbx_err err = {0};
        const char *add[] = {"no_such_call", NULL};
        struct sbx_filter_spec spec = {.add = add};
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(sbx_filter_export(&spec, fd, &err), -EINVAL);
        assert_string_equal(err.msg, "unknown system call 'no_such_call'");
        const char *remove[] = {"nor_this", NULL};
        struct sbx_filter_spec spec2 = {.remove = remove};
        assert_int_equal(sbx_filter_export(&spec2, fd, &err), -EINVAL);
        assert_int_equal(sbx_filter_export(NULL, fd, &err), 0);
        close(fd);
        assert_true(sbx_filter_name_valid("mount"));
        assert_true(sbx_filter_name_valid("TIOCSTI"));
        assert_false(sbx_filter_name_valid("mountt"));
}

/* PID 1's way: the program generated first, then loaded with one system call (after no_new_privs). */
static void test_build_then_load(void **state)
{
        const char *add[] = {"getppid", NULL};
        struct sbx_filter_spec spec = {.add = add};
        struct sbx_err err = {0};
        _cleanup_filter_prog_ struct sbx_filter_prog *prog = NULL;
        assert_int_equal(sbx_filter_build(&spec, &prog, &err), 0);
        assert_non_null(prog);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sbx_filter_load(prog, &err) < 0)
                        _exit(90);
                _exit(child_denied() != 0 ? 1 : child_getpid_denied() != 0 ? 2 : child_allowed() != 0 ? 3 : 0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);

        const char *bad[] = {"nosuchcall", NULL};
        struct sbx_filter_spec spec2 = {.add = bad};
        _cleanup_filter_prog_ struct sbx_filter_prog *none = NULL;
        assert_int_equal(sbx_filter_build(&spec2, &none, &err), -EINVAL);
        assert_null(none);
        assert_string_equal(err.msg, "unknown system call 'nosuchcall'");
}

/* The default program compiled at build time is exactly what libseccomp compiles for the default list now, and
 * loaded the PID 1 way it denies and allows what the default does. */
static void test_prebuilt_default(void **state)
{
        assert_true(sbx_filter_prebuilt_default());
        struct sbx_err err = {0};
        int fd = memfd_create("test-filter", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(sbx_filter_export(NULL, fd, &err), 0);
        static char compiled[BPF_MAXINSNS * sizeof(struct sock_filter)];
        ssize_t got = pread(fd, compiled, sizeof(compiled), 0);
        assert_true(got > 0 && got < (ssize_t)sizeof(compiled));
        size_t size = (size_t)got;
        (void)close(fd);

        const char *none[] = {NULL};
        struct sbx_filter_spec empty = {.add = none, .remove = none};
        const struct sbx_filter_spec *specs[] = {NULL, &empty};
        for (size_t i = 0; i < 2; i++) {
                _cleanup_filter_prog_ struct sbx_filter_prog *prog = NULL;
                assert_int_equal(sbx_filter_build(specs[i], &prog, &err), 0);
                assert_int_equal(sbx_filter_prog_len(prog) * sizeof(struct sock_filter), size);
                assert_memory_equal(sbx_filter_prog_insns(prog), compiled, size);
        }

        _cleanup_filter_prog_ struct sbx_filter_prog *prog = NULL;
        assert_int_equal(sbx_filter_build(NULL, &prog, &err), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sbx_filter_load(prog, &err) < 0)
                        _exit(90);
                _exit(child_denied() != 0 ? 1 : child_allowed() != 0 ? 3 : 0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_parse_token(void **state)
{
        const char *name = NULL;
        bool deny = false;
        char msg[300];
        assert_int_equal(sbx_filter_parse_token("ptrace", &name, &deny, msg, sizeof(msg)), 0);
        assert_string_equal(name, "ptrace");
        assert_true(deny);
        assert_int_equal(sbx_filter_parse_token("!TIOCSTI", &name, &deny, msg, sizeof(msg)), 0);
        assert_string_equal(name, "TIOCSTI");
        assert_false(deny);
        assert_int_equal(sbx_filter_parse_token("!", &name, &deny, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "'!' without a system call name");
        assert_int_equal(sbx_filter_parse_token("~ptrace", &name, &deny, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(sbx_filter_parse_token("", &name, &deny, msg, sizeof(msg)), -EINVAL);
        assert_int_equal(sbx_filter_parse_token("!nope", &name, &deny, msg, sizeof(msg)), -EINVAL);
        assert_string_equal(msg, "unknown system call 'nope'");
}

#if defined(__x86_64__)
/* The i386 ABI through int 0x80 from a 64-bit process: mount is 21 there, getpid 20. */
static long int80(long nr, long a, long b, long c)
{
        long ret;
        __asm__ volatile("int $0x80"
                         : "=a"(ret)
                         : "a"(nr), "b"(a), "c"(b), "d"(c)
                         : "memory", "r8", "r9", "r10", "r11");
        return ret;
}

static int child_i386(void)
{
        if (int80(20, 0, 0, 0) != getpid())
                return 1; /* the ABI works at all: getpid (20) goes through */
        if (int80(21, 0, 0, 0) != -EPERM)
                return 2; /* mount (21 on i386, 165 on x86_64) is denied there too */
        if (int80(52, 0, 0, 0) != -EPERM)
                return 3; /* umount2 (52 on i386) */
        return 0;
}

static int child_probe_i386(void)
{
        return int80(20, 0, 0, 0) == getpid() ? 0 : 1;
}

static void test_i386_abi(void **state)
{
        /* Without the filter first: a kernel without IA32 emulation kills int 0x80 with SIGSEGV. */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                (void)signal(SIGSEGV, SIG_DFL); /* not cmocka's handler: die quietly */
                _exit(child_probe_i386());
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status)) {
                /* This kernel offers no i386 ABI to 64-bit processes (int 0x80 faults): there is no way around the
                 * filter through it. Assert exactly that, so the test still fails if the ABI works unfiltered. */
                assert_int_equal(WTERMSIG(status), SIGSEGV);
                return;
        }
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(under_filter(NULL, child_i386), 0);
}
#endif

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default_denies),
                cmocka_unit_test(test_ordinary_calls_work),
                cmocka_unit_test(test_spec_add_and_remove),
                cmocka_unit_test(test_unknown_names),
                cmocka_unit_test(test_build_then_load),
                cmocka_unit_test(test_prebuilt_default),
                cmocka_unit_test(test_parse_token),
#if defined(__x86_64__)
                cmocka_unit_test(test_i386_abi),
#endif
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
