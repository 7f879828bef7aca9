/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The network of `Network private` (docs/DESIGN.md, section 9): a tap device in the sandbox's network namespace, and
 * on the host side a user-mode stack, libslirp (Debian package libslirp0), that turns what the sandbox sends into
 * connections of the stack's own process, as the user, on the host's network. The stack runs in its own program
 * (wrapper/sandbox-shell-netstack.c), so that libslirp and GLib are mapped only for these logins, and confines
 * itself before it reads a packet: an empty root of its own (a tmpfs holding only a copy of the host's resolv.conf,
 * for its DNS forwarder), no capabilities, no_new_privs and a syscall allow-list. The sandbox's side sees the
 * network below; the gateway is not mapped to the host's loopback. */

#include <stdbool.h>

#include "error.h"

#define SBX_NETSTACK_TAP "tap0"
#define SBX_NETSTACK_NETWORK "10.0.2.0"
#define SBX_NETSTACK_PREFIX 24
#define SBX_NETSTACK_GATEWAY "10.0.2.2"
#define SBX_NETSTACK_DNS "10.0.2.3"
#define SBX_NETSTACK_ADDRESS "10.0.2.100"
#define SBX_NETSTACK_MTU 65520

/* In the sandbox's network namespace (CAP_NET_ADMIN there): makes SBX_NETSTACK_TAP from /dev/net/tun, gives it its
 * address, MTU and the default route, and brings it and lo up. Returns the tap's descriptor (close-on-exec) or a
 * negative errno with the step named. */
int sbx_netstack_tap(struct sbx_err *err);

/* In the stack's program, at its start (CAP_SYS_ADMIN, for the mount namespace): an empty root of its own with
 * /etc/resolv.conf copied in, then no capability, no_new_privs and the syscall allow-list. */
int sbx_netstack_confine(struct sbx_err *err);
