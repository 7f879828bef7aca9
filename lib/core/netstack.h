/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The network of `Network private` (docs/ARCHITECTURE.md, "Network private"): a tap device in the sandbox's network
 * namespace, and on the host side a user-mode stack, libslirp (Debian package libslirp0), that turns what the sandbox
 * sends into connections of the stack's own process, as the user, on the host's network. The stack runs in its own
 * program (wrapper/sandbox-shell-netstack.c), so that libslirp and GLib are mapped only for these logins, and confines
 * itself before it reads a packet: an empty root of its own (a tmpfs holding only a copy of the host's resolv.conf, for
 * its DNS forwarder), no capabilities, no_new_privs and a syscall allow-list. The sandbox's side sees the network
 * below; the gateway is not mapped to the host's loopback. */

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"

#define SBX_NETSTACK_TAP "tap0"
#define SBX_NETSTACK_NETWORK "10.0.2.0"
#define SBX_NETSTACK_PREFIX 24
#define SBX_NETSTACK_GATEWAY "10.0.2.2"
#define SBX_NETSTACK_DNS "10.0.2.3"
#define SBX_NETSTACK_ADDRESS "10.0.2.100"
/* The MTU of the tap device and of libslirp's side of it. libslirp's TCP scales no window (64 KiB at most) and,
 * as BSD's, sends the sandbox a window update only when the window opens by two of its segments (MTU - 40 bytes):
 * at 65520 that never happens, at 32768 only once the window has all but closed, and a sender left with a small
 * window stalls on its probe timer. 16384 fits four segments in the window and updates it after two
 * (bench/RESULTS.md, section 8, "Network private"). */
#define SBX_NETSTACK_MTU 16384

/* In the sandbox's network namespace (CAP_NET_ADMIN there): makes SBX_NETSTACK_TAP from /dev/net/tun, gives it its
 * address, MTU and the default route, and brings it and lo up. Returns the tap's descriptor (close-on-exec) or a
 * negative errno with the step named. */
int sbx_netstack_tap(struct sbx_err *err);

/* Before the clone, in the host's network namespace: the filter of the policy's sandbox (netfilter.h), rendered for
 * sbx_net_filter_install: its NetworkAllow and NetworkDeny, the host's own addresses as getifaddrs(3) lists them now,
 * and the stack's DNS forwarder. *ret: malloc'd. */
int sbx_netstack_ruleset(const struct sbx_policy *p, char **ret, struct sbx_err *err);

/* In the outer half, holding the helper's capabilities: starts SBX_NETSTACK_PATH (which must be root's and writable
 * by nobody else: it runs with CAP_SYS_ADMIN until it has confined itself) as the user, with CAP_SYS_ADMIN ambient,
 * the tap device `tap` as its descriptor 3, a pipe for its word as 4 and nothing else (0, 1, 2 are /dev/null: it
 * never holds the caller's terminal), and `parent` (the caller) as --parent. *ret_pid is the stack, *ret_ready the
 * read end of its pipe, for sbx_netstack_ready. */
int sbx_netstack_start(int tap, pid_t parent, pid_t *ret_pid, int *ret_ready, struct sbx_err *err);

/* Waits until the stack is confined and relaying ("ready" on its pipe) or has failed; closes `ready`. When it ended
 * without a word it is reaped here and *pid set to 0. Errors: the
 * stack's own message (it names its step), or what became of it ("network: the stack ended before it was ready"). */
int sbx_netstack_ready(pid_t *pid, int ready, struct sbx_err *err);

/* In the stack's program, at its start (CAP_SYS_ADMIN, for the mount namespace): an empty root of its own with
 * /etc/resolv.conf copied in, then no capability, no_new_privs and the syscall allow-list. */
int sbx_netstack_confine(struct sbx_err *err);

/* The stack's syscall allow-list, compiled by libseccomp (netstack-filter.c): written to fd as a BPF program (the
 * build's generator, and a unit test that compares it with the build's), or loaded into the calling thread. */
int sbx_netstack_filter_export(int fd, struct sbx_err *err);
int sbx_netstack_filter_compile_load(struct sbx_err *err);

/* The program the build compiled (netstack-filter.h): its instructions and their count; 0 in a cross build, whose
 * stack compiles the list at its start. */
struct sock_filter;
size_t sbx_netstack_filter_prebuilt_insns(const struct sock_filter **ret);

/* Loads the allow-list into the calling thread (no_new_privs set): the build's program, or in a cross build the
 * list compiled now. The last step of sbx_netstack_confine. */
int sbx_netstack_filter_load(struct sbx_err *err);
