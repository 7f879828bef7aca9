/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Static probe the escape suite copies into its busybox rootfs (which has no libc). Each command makes one attempt
 * at a system call an escape would need and prints "NAME: ok" or "NAME: <strerror>", exit 0 either way (1 for a usage
 * error), so the attack scripts assert exactly what the kernel or the filter answered.
 *   sbx-escape mount|umount|pivot_root|chroot|move_mount|open_tree|fsopen
 *   sbx-escape unshare-user|unshare-mount|unshare-pid|unshare-net|clone-newuser
 *   sbx-escape setns PATH        open PATH (a /proc/self/ns/ file) and setns() into it
 *   sbx-escape open_by_handle    name_to_handle_at("/") then open_by_handle_at() with it
 *   sbx-escape bpf|perf_event_open|kexec_load|init_module|finit_module|syslog|io_uring_setup
 *   sbx-escape personality       personality(ADDR_NO_RANDOMIZE)
 *   sbx-escape sethostname|mknod
 *   sbx-escape int80-mount       the 32-bit ABI's mount (int 0x80, i386 number 21)
 *   sbx-escape ptrace PID        PTRACE_ATTACH to PID
 *   sbx-escape connect PORT      TCP connect to 127.0.0.1:PORT
 *   sbx-escape ids               print "uid=R euid=E" (a setuid-root copy shows whether setuid took effect)
 *   sbx-escape fds               print the open descriptors, space separated (without the one reading the list)
 *   sbx-escape hog MB            allocate and touch MB megabytes
 *   sbx-escape fd-send SOCK FD   connect to the unix socket SOCK and pass it descriptor FD (SCM_RIGHTS)
 *   sbx-escape fd-recv SOCK DIR  listen on SOCK, take one descriptor, print "received"; then, each time a file
 *                                DIR/goN appears (N = 1, 2, ...), write "FD-WRITE-N" to the descriptor and try to
 *                                read from it for a second, printing "writeN: ..." and "readN: ..."; stops when
 *                                DIR/stop appears */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int report(const char *name, long r)
{
        printf("%s: %s\n", name, r < 0 ? strerror(errno) : "ok");
        return 0;
}

static int child_stack_fn(void *arg)
{
        (void)arg;
        _exit(0);
}

/* clone() with CLONE_NEWUSER (not unshare): the filter must catch both ways in. */
static long clone_newuser(void)
{
        static char stack[64 * 1024];
        pid_t pid = clone(child_stack_fn, stack + sizeof(stack), CLONE_NEWUSER | SIGCHLD, NULL);
        if (pid < 0)
                return -1;
        waitpid(pid, NULL, 0);
        return 0;
}

static long open_by_handle(void)
{
        struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
        int mnt;
        if (!fh)
                return -1;
        fh->handle_bytes = MAX_HANDLE_SZ;
        if (syscall(SYS_name_to_handle_at, AT_FDCWD, "/", fh, &mnt, 0) < 0) {
                /* No handle of our own: try a made-up one, which only CAP_DAC_READ_SEARCH may even present. */
                fh->handle_bytes = 8;
                fh->handle_type = 1;
                memset(fh->f_handle, 0, 8);
        }
        return syscall(SYS_open_by_handle_at, AT_FDCWD, fh, O_RDONLY);
}

#if defined(__x86_64__)
static long int80_mount(void)
{
        static const char src[] = "none", dst[] = "/tmp", type[] = "tmpfs";
        long r;
        __asm__ volatile("int $0x80"
                         : "=a"(r)
                         : "a"(21L), "b"(src), "c"(dst), "d"(type), "S"(0L), "D"(0L) /* flags, data: none */
                         : "memory");
        if (r < 0 && r > -4096) {
                errno = (int)-r;
                return -1;
        }
        return r;
}
#endif

static long tcp_connect(int port)
{
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        if (s < 0)
                return -1;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return connect(s, (struct sockaddr *)&a, sizeof(a));
}

static int unix_addr(const char *path, struct sockaddr_un *a)
{
        memset(a, 0, sizeof(*a));
        a->sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(a->sun_path))
                return -1;
        strcpy(a->sun_path, path);
        return 0;
}

static int fd_send(const char *path, int fd)
{
        struct sockaddr_un a;
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (s < 0 || unix_addr(path, &a) < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
                return report("fd-send", -1);
        char byte = 'x';
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        return report("fd-send", sendmsg(s, &m, 0));
}

static int fd_recv(const char *path, const char *dir)
{
        struct sockaddr_un a;
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        (void)unlink(path);
        if (s < 0 || unix_addr(path, &a) < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
                return report("fd-recv", -1);
        printf("listening\n");
        fflush(stdout);
        int c = accept(s, NULL, NULL);
        if (c < 0)
                return report("fd-recv", -1);
        char byte;
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
        int fd = -1;
        if (recvmsg(c, &m, 0) < 0)
                return report("fd-recv", -1);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        if (cm && cm->cmsg_type == SCM_RIGHTS)
                memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        printf(fd >= 0 ? "received\n" : "fd-recv: no descriptor\n");
        fflush(stdout);
        for (int n = 1; fd >= 0;) {
                char go[4096], stop[4096];
                snprintf(go, sizeof(go), "%s/go%d", dir, n);
                snprintf(stop, sizeof(stop), "%s/stop", dir);
                if (access(stop, F_OK) == 0)
                        break;
                if (access(go, F_OK) != 0) {
                        usleep(100 * 1000);
                        continue;
                }
                char msg[64], buf[256];
                int len = snprintf(msg, sizeof(msg), "FD-WRITE-%d\r\n", n);
                ssize_t w = write(fd, msg, (size_t)len);
                printf("write%d: %s\n", n, w < 0 ? strerror(errno) : "ok");
                struct pollfd p = {.fd = fd, .events = POLLIN};
                int pr = poll(&p, 1, 1000);
                ssize_t r = pr > 0 ? read(fd, buf, sizeof(buf) - 1) : 0;
                if (pr <= 0)
                        printf("read%d: nothing\n", n);
                else if (r < 0)
                        printf("read%d: %s\n", n, strerror(errno));
                else {
                        buf[r] = '\0';
                        buf[strcspn(buf, "\r\n")] = '\0';
                        printf("read%d: %zd bytes '%s'\n", n, r, buf);
                }
                fflush(stdout);
                n++;
        }
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: sbx-escape COMMAND [ARG]\n");
                return 1;
        }
        const char *c = argv[1], *arg = argc >= 3 ? argv[2] : NULL;
        if (!strcmp(c, "mount"))
                return report(c, mount("none", "/tmp", "tmpfs", 0, NULL));
        if (!strcmp(c, "umount"))
                return report(c, umount2("/proc", MNT_DETACH));
        if (!strcmp(c, "pivot_root"))
                return report(c, syscall(SYS_pivot_root, "/", "/"));
        if (!strcmp(c, "chroot"))
                return report(c, chroot("/tmp"));
        if (!strcmp(c, "move_mount"))
                return report(c, syscall(SYS_move_mount, AT_FDCWD, "/proc", AT_FDCWD, "/tmp", 0));
        if (!strcmp(c, "open_tree"))
                return report(c, syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */));
        if (!strcmp(c, "fsopen"))
                return report(c, syscall(SYS_fsopen, "tmpfs", 0));
        if (!strcmp(c, "unshare-user"))
                return report(c, unshare(CLONE_NEWUSER));
        if (!strcmp(c, "unshare-mount"))
                return report(c, unshare(CLONE_NEWNS));
        if (!strcmp(c, "unshare-pid"))
                return report(c, unshare(CLONE_NEWPID));
        if (!strcmp(c, "unshare-net"))
                return report(c, unshare(CLONE_NEWNET));
        if (!strcmp(c, "clone-newuser"))
                return report(c, clone_newuser());
        if (!strcmp(c, "setns") && arg) {
                int fd = open(arg, O_RDONLY);
                if (fd < 0)
                        return report(arg, -1);
                return report(arg, setns(fd, 0));
        }
        if (!strcmp(c, "open_by_handle"))
                return report(c, open_by_handle());
        if (!strcmp(c, "bpf")) {
                char attr[128] = {0};
                return report(c, syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof(attr)));
        }
        if (!strcmp(c, "perf_event_open")) {
                char attr[128] = {0}; /* PERF_TYPE_HARDWARE, cycles, on any CPU of this process */
                *(unsigned *)(attr + 4) = sizeof(attr);
                return report(c, syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
        }
        if (!strcmp(c, "kexec_load"))
                return report(c, syscall(SYS_kexec_load, 0, 0, NULL, 0));
        if (!strcmp(c, "init_module"))
                return report(c, syscall(SYS_init_module, "", 0, ""));
        if (!strcmp(c, "finit_module"))
                return report(c, syscall(SYS_finit_module, 0, "", 0));
        if (!strcmp(c, "syslog")) {
                char buf[256];
                return report(c, syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, buf, (int)sizeof(buf)));
        }
        if (!strcmp(c, "io_uring_setup")) {
                char params[120] = {0};
                return report(c, syscall(SYS_io_uring_setup, 4, params));
        }
        if (!strcmp(c, "personality")) {
                long r = personality(ADDR_NO_RANDOMIZE);
                if (r >= 0 && !(personality(0xffffffff) & ADDR_NO_RANDOMIZE)) {
                        errno = EINVAL;
                        r = -1; /* accepted but not applied */
                }
                return report(c, r);
        }
        if (!strcmp(c, "sethostname"))
                return report(c, sethostname("escaped", 7));
        if (!strcmp(c, "mknod"))
                return report(c, mknod("/tmp/sda", S_IFBLK | 0600, makedev(8, 0)));
#if defined(__x86_64__)
        if (!strcmp(c, "int80-mount"))
                return report(c, int80_mount());
#endif
        if (!strcmp(c, "ptrace") && arg)
                return report(c, ptrace(PTRACE_ATTACH, (pid_t)atoi(arg), NULL, NULL));
        if (!strcmp(c, "connect") && arg)
                return report(c, tcp_connect(atoi(arg)));
        if (!strcmp(c, "ids")) {
                printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
                return 0;
        }
        if (!strcmp(c, "fds")) {
                DIR *d = opendir("/proc/self/fd");
                struct dirent *e;
                const char *sep = "";
                if (!d)
                        return report(c, -1);
                while ((e = readdir(d)))
                        if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) {
                                printf("%s%s", sep, e->d_name);
                                sep = " ";
                        }
                printf("\n");
                closedir(d);
                return 0;
        }
        if (!strcmp(c, "hog") && arg) {
                size_t n = (size_t)atol(arg) << 20;
                char *p = malloc(n);
                /* Every page written through a volatile pointer: the compiler drops a memset of memory never read. */
                volatile char *v = p;
                for (size_t i = 0; p && i < n; i += 4096)
                        v[i] = 1;
                return report(c, p ? 0 : -1);
        }
        if (!strcmp(c, "fd-send") && argc == 4)
                return fd_send(argv[2], atoi(argv[3]));
        if (!strcmp(c, "fd-recv") && argc == 4)
                return fd_recv(argv[2], argv[3]);
        fprintf(stderr, "sbx-escape: unknown command '%s'\n", c);
        return 1;
}
