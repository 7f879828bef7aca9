/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The filter of `Network private` (docs/ARCHITECTURE.md, "Network private"): nftables rules inside the sandbox's own
 * network namespace, installed by the helper while it holds CAP_NET_ADMIN there, before the drop; the host's firewall
 * is never touched, and the user inside can neither read nor change them (no CAP_NET_ADMIN over that namespace).
 *
 * Rules are `ADDRESS[/PREFIX][:PORT[-PORT]]` for IPv4 and `ADDRESS[/PREFIX]` or `[ADDRESS[/PREFIX]]:PORT[-PORT]` for
 * IPv6 (the brackets keep the port apart from the address); a port applies to TCP and UDP. The order: what is never
 * reachable (SBX_NET_NEVER) and the host's own addresses are refused first; then, as systemd's
 * IPAddressAllow=/IPAddressDeny= have it, an address an allow rule matches is reachable, whatever the deny rules say;
 * then the deny rules of the policy and the default denies (SBX_NET_DEFAULT_DENY: link-local, private and shared
 * ranges) are refused (each refusal with an ICMP "administratively prohibited", so that a connect fails at once);
 * everything else goes out. No connection comes in: the input chain takes only loopback and replies.
 * The stack's DNS forwarder is always reachable on port 53. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

struct sbx_net_rule {
        int family; /* AF_INET or AF_INET6 */
        uint8_t addr[16];
        unsigned prefix;
        uint16_t port_lo, port_hi; /* 0, 0: every port */
};

/* What a sandbox never reaches, whatever the rules say: "this network", loopback (an unprivileged socket bound to the
 * tap device sends 127.0.0.2 out through it, and the stack would hand it to the host's loopback), multicast and the
 * reserved range with the limited broadcast (which the stack would send out on the host's network or answer itself),
 * and their IPv6 counterparts with the IPv4-mapped addresses. Refused before any other rule, the host's own addresses
 * with them, so no NetworkAllow opens the host. */
#define SBX_NET_NEVER                                                                                                  \
        "0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1", "ff00::/8", "::ffff:0:0/96"

/* The ranges a sandbox never reaches unless an allow rule names them, in the order the man page lists them. */
#define SBX_NET_DEFAULT_DENY                                                                                           \
        "169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fe80::/10", "fc00::/7"

/* Parses one rule. Errors: -EINVAL with a message naming the text and what is wrong (an address with bits set past
 * its prefix, as `10.1.2.3/8`, is refused: it names `10.0.0.0/8`, which may not be what was meant). */
int sbx_net_rule_parse(const char *text, struct sbx_net_rule *ret, struct sbx_err *err);

/* The rule in the syntax above, canonical (`10.0.0.0/8`, `[fc00::/7]:443`, a /32 or /128 without its prefix). */
void sbx_net_rule_format(const struct sbx_net_rule *r, char *buf, size_t size);

struct sbx_net_filter {
        const struct sbx_net_rule *allow, *deny, *host; /* the policy's, and the host's own addresses */
        size_t n_allow, n_deny, n_host;
        const struct sbx_net_rule *dns; /* the stack's forwarder (a host rule, no port), or NULL */
};

/* The ruleset as nft(8) reads it, one table `inet sandbox_shell`. *ret: malloc'd. Errors: -ENOMEM. */
int sbx_net_filter_render(const struct sbx_net_filter *f, char **ret, struct sbx_err *err);

/* The library sbx_net_filter_install loads (Debian package libnftables1); `sandbox-shellctl doctor` checks that it
 * loads. */
#define SBX_LIBNFTABLES "libnftables.so.1"

/* Adds the ruleset to the current network namespace through libnftables, loaded only here (the logins of every other
 * policy do not map it). Errors: -ENOENT when libnftables is not installed (the message names the package), -EINVAL
 * or -EPERM with what nft said. */
int sbx_net_filter_install(const char *ruleset, struct sbx_err *err);
