/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/personality.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fault.h"
#include "filter.h"

/* The default filter compiled at build time (lib/gen-default-filter.c), which compiles this file without it. */
#ifndef SBX_GEN_DEFAULT_FILTER
#include "filter-default.h"
#endif
#ifndef SBX_FILTER_PREBUILT
#define SBX_FILTER_PREBUILT 0
#endif

const char *const sbx_filter_default_deny[] = {
        /* The mount family: the sandbox's mounts are final. */
        "mount",
        "umount",
        "umount2",
        "pivot_root",
        "chroot",
        "move_mount",
        "open_tree",
        "fsopen",
        "fsconfig",
        "fsmount",
        "fspick",
        "mount_setattr",
        /* Other namespaces: joining one, or making a user namespace (in which the rest would become possible). */
        "setns",
        "userns",
        /* The kernel itself. */
        "kexec_load",
        "kexec_file_load",
        "init_module",
        "finit_module",
        "delete_module",
        "bpf",
        "perf_event_open",
        "iopl",
        "ioperm",
        "reboot",
        "syslog",
        "acct",
        "swapon",
        "swapoff",
        "quotactl",
        "quotactl_fd",
        "lookup_dcookie",
        "uselib",
        "nfsservctl",
        "_sysctl",
        "vhangup",
        /* The kernel keyring is not namespaced. */
        "keyctl",
        "add_key",
        "request_key",
        /* userfaultfd stretches kernel races; file handles bypass path lookup (the classic container escape). */
        "userfaultfd",
        "open_by_handle_at",
        "name_to_handle_at",
        /* io_uring: a second way into the kernel whose operations the filter never sees (each would be allowed or
         * denied by nothing here), and one of its most bug-prone parts; a login shell needs none of it. */
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        /* Terminal input injection and personality flags that weaken ASLR. */
        "TIOCSTI",
        "TIOCLINUX",
        "personality",
        NULL,
};

static bool is_pseudo(const char *name)
{
        return streq(name, "TIOCSTI") || streq(name, "TIOCLINUX") || streq(name, "personality") ||
               streq(name, "userns");
}

bool sbx_filter_name_valid(const char *name)
{
        if (is_pseudo(name))
                return true;
        return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

static bool in_list(const char *const *list, const char *name)
{
        for (; list && *list; list++)
                if (streq(*list, name))
                        return true;
        return false;
}

#define DENY SCMP_ACT_ERRNO(EPERM)

static int add_entry(scmp_filter_ctx ctx, const char *name, struct sbx_err *err)
{
        int r = 0;

        if (streq(name, "TIOCSTI") || streq(name, "TIOCLINUX")) {
                /* The kernel reads the request as an unsigned int: compare the low 32 bits only, so a request with
                 * high bits set (the old TIOCSTI filter bypass) matches too. */
                unsigned long req = streq(name, "TIOCSTI") ? TIOCSTI : TIOCLINUX;
                r = seccomp_rule_add(ctx, DENY, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, req));
        } else if (streq(name, "personality")) {
                /* Every flag that weakens address-space randomisation or exec protections (ADDR_NO_RANDOMIZE and
                 * up) is >= 0x40000; PER_LINUX, PER_LINUX32 and UNAME26 are below. libseccomp compares the whole
                 * 64-bit register, and the kernel truncates to 32 bits, so a value with high bits set is >= too.
                 * The query 0xffffffff falls in the range as well and answers EPERM: libseccomp 2.5 cannot put
                 * two conditions on one argument, and denying the query costs less than allowing a flag. */
                r = seccomp_rule_add(ctx, DENY, SCMP_SYS(personality), 1, SCMP_A0(SCMP_CMP_GE, ADDR_NO_RANDOMIZE));
        } else if (streq(name, "userns")) {
                r = seccomp_rule_add(ctx, DENY, SCMP_SYS(unshare), 1,
                                     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
                if (r == 0)
                        r = seccomp_rule_add(ctx, DENY, SCMP_SYS(clone), 1,
                                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
                /* clone3 passes its flags in memory the filter cannot read: ENOSYS makes libc use clone. */
                if (r == 0)
                        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        } else {
                int nr = seccomp_syscall_resolve_name(name);
                if (nr == __NR_SCMP_ERROR)
                        return sbx_err_setx(err, EINVAL, "unknown system call '%s'", name);
                r = seccomp_rule_add(ctx, DENY, nr, 0);
                /* A syscall that does not exist on one of the ABIs cannot be called there: nothing to deny. */
                if (r == -EDOM || r == -EOPNOTSUPP)
                        r = 0;
        }
        if (r < 0)
                return sbx_err_set(err, -r, "add the syscall filter rule for '%s'", name);
        return 0;
}

static void ctx_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

static int build(const struct sbx_filter_spec *spec, scmp_filter_ctx *ret, struct sbx_err *err)
{
        _cleanup_(ctx_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r;

        if (!ctx)
                return sbx_err_set(err, ENOMEM, "create the syscall filter");
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r < 0)
                return sbx_err_set(err, -r, "set the syscall filter's action for other ABIs");
#if defined(__x86_64__)
        /* A 64-bit process can still enter the kernel through the i386 (int 0x80) and x32 ABIs. */
        static const uint32_t extra_arches[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
#elif defined(__aarch64__)
        static const uint32_t extra_arches[] = {SCMP_ARCH_ARM};
#else
        static const uint32_t extra_arches[] = {};
#endif
        for (size_t i = 0; i < ELEMENTSOF(extra_arches); i++) {
                r = seccomp_arch_add(ctx, extra_arches[i]);
                if (r < 0 && r != -EEXIST)
                        return sbx_err_set(err, -r, "add ABI %#x to the syscall filter", extra_arches[i]);
        }

        for (const char *const *p = sbx_filter_default_deny; *p; p++) {
                if (spec && in_list(spec->remove, *p))
                        continue;
                r = add_entry(ctx, *p, err);
                if (r < 0)
                        return r;
        }
        for (const char *const *p = spec ? spec->add : NULL; p && *p; p++) {
                if (in_list(sbx_filter_default_deny, *p) && !in_list(spec->remove, *p))
                        continue; /* already there */
                r = add_entry(ctx, *p, err);
                if (r < 0)
                        return r;
        }
        for (const char *const *p = spec ? spec->remove : NULL; p && *p; p++)
                if (!sbx_filter_name_valid(*p))
                        return sbx_err_setx(err, EINVAL, "unknown system call '%s'", *p);

        *ret = TAKE_PTR(ctx);
        return 0;
}

int sbx_filter_install(const struct sbx_filter_spec *spec, struct sbx_err *err)
{
        _cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
        int r = build(spec, &ctx, err);
        if (r < 0)
                return r;
        r = seccomp_load(ctx);
        if (r < 0)
                return sbx_err_set(err, -r, "load the syscall filter");
        return 0;
}

int sbx_filter_export(const struct sbx_filter_spec *spec, int fd, struct sbx_err *err)
{
        _cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
        int r = build(spec, &ctx, err);
        if (r < 0)
                return r;
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return sbx_err_set(err, -r, "export the syscall filter");
        return 0;
}

int sbx_filter_parse_token(const char *tok, const char **ret_name, bool *ret_deny, char *msg, size_t msgsize)
{
        bool deny = tok[0] != '!';
        const char *name = deny ? tok : tok + 1;
        if (tok[0] == '~') {
                /* systemd's '~' turns its list into a deny list; here a list is always one, so say what to write. */
                (void)snprintf(msg, msgsize, "'%s': a bare name is denied; write '!%s' to allow it", tok, tok + 1);
                return -EINVAL;
        }
        if (!*name) {
                (void)snprintf(msg, msgsize, deny ? "empty system call name" : "'!' without a system call name");
                return -EINVAL;
        }
        if (!sbx_filter_name_valid(name)) {
                (void)snprintf(msg, msgsize, "unknown system call '%s'", name);
                return -EINVAL;
        }
        *ret_name = name;
        *ret_deny = deny;
        return 0;
}

struct sbx_filter_prog {
        unsigned short len;
        struct sock_filter insns[];
};

void sbx_filter_prog_free(struct sbx_filter_prog *prog)
{
        free(prog);
}

bool sbx_filter_prebuilt_default(void)
{
        return SBX_FILTER_PREBUILT;
}

size_t sbx_filter_prog_len(const struct sbx_filter_prog *prog)
{
        return prog->len;
}

const void *sbx_filter_prog_insns(const struct sbx_filter_prog *prog)
{
        return prog->insns;
}

#if SBX_FILTER_PREBUILT
static bool strv_empty(const char *const *v)
{
        return !v || !*v;
}
#endif

int sbx_filter_build(const struct sbx_filter_spec *spec, struct sbx_filter_prog **ret, struct sbx_err *err)
{
#if SBX_FILTER_PREBUILT
        /* The default list, unchanged by the policy: the program libseccomp compiled for it at build time. */
        if (!spec || (strv_empty(spec->add) && strv_empty(spec->remove))) {
                struct sbx_filter_prog *prog = malloc(sizeof(*prog) + sizeof(sbx_filter_prebuilt));
                if (!prog)
                        return sbx_err_set(err, ENOMEM, "build the syscall filter");
                prog->len = (unsigned short)ELEMENTSOF(sbx_filter_prebuilt);
                memcpy(prog->insns, sbx_filter_prebuilt, sizeof(sbx_filter_prebuilt));
                *ret = prog;
                return 0;
        }
#endif
        /* libseccomp 2.5 writes the program to a descriptor only: a memfd holds it until it is read back. */
        _cleanup_close_ int fd = memfd_create("sbx-filter", MFD_CLOEXEC);
        if (fd < 0)
                return sbx_err_set(err, errno, "create a memfd for the syscall filter");
        int r = sbx_filter_export(spec, fd, err);
        if (r < 0)
                return r;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return sbx_err_set(err, errno, "stat the syscall filter");
        size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
        if (st.st_size <= 0 || (size_t)st.st_size % sizeof(struct sock_filter) != 0 || n > BPF_MAXINSNS)
                return sbx_err_setx(err, EINVAL, "the syscall filter has an invalid size (%lld bytes)",
                                    (long long)st.st_size);
        _cleanup_free_ struct sbx_filter_prog *prog = malloc(sizeof(*prog) + (size_t)st.st_size);
        if (!prog)
                return sbx_err_set(err, ENOMEM, "build the syscall filter");
        prog->len = (unsigned short)n;
        ssize_t got = pread(fd, prog->insns, (size_t)st.st_size, 0);
        if (got != st.st_size)
                return sbx_err_set(err, got < 0 ? errno : EIO, "read back the syscall filter");
        *ret = TAKE_PTR(prog);
        return 0;
}

int sbx_filter_load(const struct sbx_filter_prog *prog, struct sbx_err *err)
{
        struct sock_fprog fprog = {.len = prog->len, .filter = (struct sock_filter *)prog->insns};
        SBX_STEP(err, syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog), "load the syscall filter");
        return 0;
}
