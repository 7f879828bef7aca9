/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Preloaded into Debian 12's linux.uml by the uml suite. That 6.1 kernel keeps each guest process's extended FPU state
 * in a buffer of a fixed 2696 bytes and hands it back with PTRACE_SETREGSET NT_X86_XSTATE, but the host kernel takes
 * that regset only at its full size (11008 bytes where the CPU has AMX) and answers EFAULT otherwise: the guest's init
 * then dies of SIGSEGV ("ptrace set fp regs failed, errno = 14") before it runs. Here a short write is completed with
 * the tracee's own state beyond the buffer, and the header's xstate_bv keeps the tracee's bits for the features that lie
 * wholly beyond it, so what the guest saved is restored and nothing else changes. Where the sizes agree nothing is
 * touched. Every other request goes to libc's ptrace(). */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* The header (XSTATE_BV first) follows the 512-byte legacy area in the standard (uncompacted) layout ptrace uses. */
#define XSTATE_BV_OFFSET 512
#define XSTATE_MAX (64 * 1024)

/* UML's kernel stacks are small: the whole state lives here, and only the tracer's one thread calls ptrace. */
static unsigned char state[XSTATE_MAX] __attribute__((aligned(64)));

/* The state components that lie wholly or partly beyond `len` bytes, from CPUID 0xD (sub-leaf i: the size in EAX and
 * the standard-layout offset in EBX of component i). CPUID traps to the hypervisor in a VM: asked once per size. */
static uint64_t components_beyond(size_t len)
{
        static size_t for_len;
        static uint64_t mask;

        if (for_len == len)
                return mask;
        mask = 0;
        for (unsigned int i = 2; i < 64; i++) {
                unsigned int size, offset, ecx, edx;

                __cpuid_count(0xd, i, size, offset, ecx, edx);
                if (size != 0 && offset + size > len)
                        mask |= UINT64_C(1) << i;
        }
        for_len = len;
        return mask;
}

static long set_xstate_padded(pid_t pid, const struct iovec *iov)
{
        static size_t host_size; /* the regset's size on this host, once seen */
        struct iovec whole = {.iov_base = state, .iov_len = sizeof(state)};
        uint64_t own, saved;

        if ((host_size != 0 && iov->iov_len >= host_size) || iov->iov_len < XSTATE_BV_OFFSET + sizeof(saved) ||
            syscall(SYS_ptrace, PTRACE_GETREGSET, pid, NT_X86_XSTATE, &whole) < 0)
                return syscall(SYS_ptrace, PTRACE_SETREGSET, pid, NT_X86_XSTATE, iov);
        host_size = whole.iov_len;
        if (iov->iov_len >= host_size)
                return syscall(SYS_ptrace, PTRACE_SETREGSET, pid, NT_X86_XSTATE, iov);
        memcpy(&own, state + XSTATE_BV_OFFSET, sizeof(own));
        memcpy(state, iov->iov_base, iov->iov_len);
        memcpy(&saved, state + XSTATE_BV_OFFSET, sizeof(saved));
        uint64_t beyond = components_beyond(iov->iov_len);
        saved = (saved & ~beyond) | (own & beyond);
        memcpy(state + XSTATE_BV_OFFSET, &saved, sizeof(saved));
        return syscall(SYS_ptrace, PTRACE_SETREGSET, pid, NT_X86_XSTATE, &whole);
}

long ptrace(enum __ptrace_request request, ...)
{
        static long (*libc_ptrace)(enum __ptrace_request, pid_t, void *, void *);
        va_list ap;
        pid_t pid;
        void *addr, *data;

        va_start(ap, request);
        pid = va_arg(ap, pid_t);
        addr = va_arg(ap, void *);
        data = va_arg(ap, void *);
        va_end(ap);
        if (request == PTRACE_SETREGSET && (uintptr_t)addr == NT_X86_XSTATE)
                return set_xstate_padded(pid, data);
        if (!libc_ptrace)
                libc_ptrace = (long (*)(enum __ptrace_request, pid_t, void *, void *))dlsym(RTLD_NEXT, "ptrace");
        return libc_ptrace(request, pid, addr, data);
}
