/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The filter of `Network private`: its rules, their text, the nftables ruleset and its installation (netfilter.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "macro.h"
#include "netfilter.h"

static int parse_port(const char *text, const char *s, struct sbx_net_rule *r, struct sbx_err *err)
{
        unsigned long lo, hi;
        char *end;
        errno = 0;
        lo = strtoul(s, &end, 10);
        hi = lo;
        if (end != s && *end == '-') {
                const char *h = end + 1;
                hi = strtoul(h, &end, 10);
                if (end == h)
                        hi = 0;
        }
        if (errno || end == s || *end || !(s[0] >= '0' && s[0] <= '9') || lo == 0 || lo > 65535 || hi == 0 ||
            hi > 65535)
                return sbx_err_setx(err, EINVAL,
                                    "'%s': the port '%s' is not a number from 1 to 65535, or a range "
                                    "of them (PORT-PORT)",
                                    text, s);
        if (lo > hi)
                return sbx_err_setx(err, EINVAL, "'%s': the port range '%s' ends before it starts", text, s);
        r->port_lo = (uint16_t)lo;
        r->port_hi = (uint16_t)hi;
        return 0;
}

/* "ADDRESS[/PREFIX]" of `family` into r. */
static int parse_cidr(const char *text, char *s, int family, struct sbx_net_rule *r, struct sbx_err *err)
{
        unsigned max = family == AF_INET ? 32 : 128;
        char *slash = strchr(s, '/');
        r->family = family;
        r->prefix = max;
        if (slash) {
                char *end;
                *slash = '\0';
                errno = 0;
                unsigned long p = strtoul(slash + 1, &end, 10);
                if (errno || end == slash + 1 || *end || !(slash[1] >= '0' && slash[1] <= '9') || p > max)
                        return sbx_err_setx(err, EINVAL, "'%s': the prefix '/%s' is not a number from 0 to %u", text,
                                            slash + 1, max);
                r->prefix = (unsigned)p;
        }
        if (inet_pton(family, s, r->addr) != 1)
                return sbx_err_setx(err, EINVAL, "'%s': '%s' is not an %s address", text, s,
                                    family == AF_INET ? "IPv4" : "IPv6");
        size_t len = family == AF_INET ? 4 : 16;
        bool host_bits = false;
        for (size_t i = 0; i < len; i++) {
                unsigned keep = r->prefix >= (i + 1) * 8 ? 8 : r->prefix > i * 8 ? r->prefix - (unsigned)i * 8 : 0;
                uint8_t mask = (uint8_t)(keep ? 0xff << (8 - keep) : 0);
                if (r->addr[i] & (uint8_t)~mask) {
                        host_bits = true;
                        r->addr[i] &= mask;
                }
        }
        if (host_bits) {
                char net[INET6_ADDRSTRLEN];
                (void)inet_ntop(family, r->addr, net, sizeof(net));
                return sbx_err_setx(err, EINVAL, "'%s': the address has bits set past /%u: the network is %s/%u", text,
                                    r->prefix, net, r->prefix);
        }
        return 0;
}

int sbx_net_rule_parse(const char *text, struct sbx_net_rule *ret, struct sbx_err *err)
{
        char buf[128];
        struct sbx_net_rule r = {0};
        if (strlen(text) >= sizeof(buf) || !text[0])
                return sbx_err_setx(err, EINVAL, "'%s' is not an address rule (ADDRESS[/PREFIX][:PORT[-PORT]])", text);
        (void)strlcpy(buf, text, sizeof(buf));
        char *port = NULL;
        int family;
        if (buf[0] == '[') {
                char *close = strchr(buf, ']');
                if (!close || (close[1] && close[1] != ':') || (close[1] == ':' && !close[2]))
                        return sbx_err_setx(err, EINVAL, "'%s': an IPv6 rule with a port is [ADDRESS[/PREFIX]]:PORT",
                                            text);
                *close = '\0';
                port = close[1] ? close + 2 : NULL;
                memmove(buf, buf + 1, strlen(buf + 1) + 1);
                family = AF_INET6;
        } else if (strchr(buf, ':') && strchr(buf, ':') != strrchr(buf, ':')) {
                family = AF_INET6; /* two colons or more: an IPv6 address, without a port */
        } else {
                char *colon = strchr(buf, ':');
                if (colon) {
                        *colon = '\0';
                        port = colon + 1;
                }
                family = AF_INET;
        }
        int r_ = parse_cidr(text, buf, family, &r, err);
        if (r_ < 0)
                return r_;
        if (port && (r_ = parse_port(text, port, &r, err)) < 0)
                return r_;
        *ret = r;
        return 0;
}

void sbx_net_rule_format(const struct sbx_net_rule *r, char *buf, size_t size)
{
        char addr[INET6_ADDRSTRLEN], prefix[8] = "", port[16] = "";
        unsigned max = r->family == AF_INET ? 32 : 128;
        (void)inet_ntop(r->family, r->addr, addr, sizeof(addr));
        if (r->prefix != max)
                (void)snprintf(prefix, sizeof(prefix), "/%u", r->prefix);
        if (r->port_lo && r->port_lo == r->port_hi)
                (void)snprintf(port, sizeof(port), ":%u", r->port_lo);
        else if (r->port_lo)
                (void)snprintf(port, sizeof(port), ":%u-%u", r->port_lo, r->port_hi);
        if (r->family == AF_INET6 && port[0])
                (void)snprintf(buf, size, "[%s%s]%s", addr, prefix, port);
        else
                (void)snprintf(buf, size, "%s%s%s", addr, prefix, port);
}

/* One rule as an nft match: "ip daddr 10.0.0.0/8 meta l4proto { tcp, udp } th dport 7". */
static void put_match(FILE *f, const struct sbx_net_rule *r)
{
        char addr[INET6_ADDRSTRLEN];
        (void)inet_ntop(r->family, r->addr, addr, sizeof(addr));
        fprintf(f, "%s daddr %s/%u", r->family == AF_INET ? "ip" : "ip6", addr, r->prefix);
        if (r->port_lo == r->port_hi && r->port_lo)
                fprintf(f, " meta l4proto { tcp, udp } th dport %u", r->port_lo);
        else if (r->port_lo)
                fprintf(f, " meta l4proto { tcp, udp } th dport %u-%u", r->port_lo, r->port_hi);
}

static void put_rules(FILE *f, const struct sbx_net_rule *v, size_t n, const char *verdict)
{
        for (size_t i = 0; i < n; i++) {
                fputs("\t\t", f);
                put_match(f, &v[i]);
                fprintf(f, " %s\n", verdict);
        }
}

int sbx_net_filter_render(const struct sbx_net_filter *f, char **ret, struct sbx_err *err)
{
        static const char *const defaults[] = {SBX_NET_DEFAULT_DENY}, *const never[] = {SBX_NET_NEVER};
        struct sbx_net_rule def[ELEMENTSOF(defaults)], nev[ELEMENTSOF(never)];
        char *text = NULL;
        size_t len = 0;
        for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
                if (sbx_net_rule_parse(defaults[i], &def[i], err) < 0)
                        return -EINVAL; /* cannot happen: the list is ours */
        for (size_t i = 0; i < ELEMENTSOF(never); i++)
                if (sbx_net_rule_parse(never[i], &nev[i], err) < 0)
                        return -EINVAL;
        FILE *m = open_memstream(&text, &len);
        if (!m)
                return sbx_err_set(err, errno, "network filter: render the rules");
        fputs("table inet sandbox_shell {\n"
              "\tchain output {\n"
              "\t\ttype filter hook output priority filter; policy accept;\n"
              "\t\toifname \"lo\" accept\n",
              m);
        put_rules(m, nev, ELEMENTSOF(nev), "reject with icmpx admin-prohibited");
        put_rules(m, f->host, f->n_host, "reject with icmpx admin-prohibited");
        if (f->dns) {
                struct sbx_net_rule d = *f->dns;
                d.port_lo = d.port_hi = 53;
                put_rules(m, &d, 1, "accept");
        }
        put_rules(m, f->allow, f->n_allow, "accept");
        put_rules(m, f->deny, f->n_deny, "reject with icmpx admin-prohibited");
        put_rules(m, def, ELEMENTSOF(def), "reject with icmpx admin-prohibited");
        fputs("\t}\n"
              "\tchain input {\n"
              "\t\ttype filter hook input priority filter; policy drop;\n"
              "\t\tiifname \"lo\" accept\n"
              "\t\tct state established,related accept\n"
              "\t}\n"
              "}\n",
              m);
        if (fclose(m) != 0 || !text) {
                free(text);
                return sbx_err_set(err, ENOMEM, "network filter: render the rules");
        }
        *ret = text;
        return 0;
}

/* libnftables' entry points (libnftables.h), resolved at run time. */
struct nft_ctx;
struct nft_api {
        struct nft_ctx *(*ctx_new)(uint32_t flags);
        void (*ctx_free)(struct nft_ctx *ctx);
        int (*buffer_output)(struct nft_ctx *ctx);
        int (*buffer_error)(struct nft_ctx *ctx);
        const char *(*get_error_buffer)(struct nft_ctx *ctx);
        int (*run_cmd_from_buffer)(struct nft_ctx *ctx, const char *buf);
};

int sbx_net_filter_install(const char *ruleset, struct sbx_err *err)
{
        struct nft_api api;
        /* A helper with file capabilities runs in secure-execution mode: the loader looks only in the system's
         * directories, whatever the environment says. */
        if (sbx_fault("network filter: load %s", SBX_LIBNFTABLES) < 0)
                return sbx_err_set(err, errno, "network filter: load %s (Debian package libnftables1)",
                                   SBX_LIBNFTABLES);
        void *dl = dlopen(SBX_LIBNFTABLES, RTLD_NOW | RTLD_LOCAL);
        if (!dl)
                return sbx_err_setx(err, ENOENT, "network filter: load %s (Debian package libnftables1): %s",
                                    SBX_LIBNFTABLES, dlerror());
                /* dlsym returns an object pointer; POSIX has it converted to the function's type. */
#define RESOLVE(field, name) (*(void **)&api.field = dlsym(dl, name))
        const char *missing = !RESOLVE(ctx_new, "nft_ctx_new")                           ? "nft_ctx_new"
                              : !RESOLVE(ctx_free, "nft_ctx_free")                       ? "nft_ctx_free"
                              : !RESOLVE(buffer_output, "nft_ctx_buffer_output")         ? "nft_ctx_buffer_output"
                              : !RESOLVE(buffer_error, "nft_ctx_buffer_error")           ? "nft_ctx_buffer_error"
                              : !RESOLVE(get_error_buffer, "nft_ctx_get_error_buffer")   ? "nft_ctx_get_error_buffer"
                              : !RESOLVE(run_cmd_from_buffer, "nft_run_cmd_from_buffer") ? "nft_run_cmd_from_buffer"
                                                                                         : NULL;
#undef RESOLVE
        if (missing) {
                int r = sbx_err_setx(err, ENOENT, "network filter: %s has no %s", SBX_LIBNFTABLES, missing);
                dlclose(dl);
                return r;
        }
        int r = 0;
        struct nft_ctx *ctx = api.ctx_new(0 /* NFT_CTX_DEFAULT */);
        if (!ctx) {
                r = sbx_err_set(err, ENOMEM, "network filter: nft context");
        } else {
                (void)api.buffer_output(ctx);
                (void)api.buffer_error(ctx);
                if (sbx_fault("network filter: install the rules") < 0) {
                        r = sbx_err_set(err, errno, "network filter: install the rules");
                } else if (api.run_cmd_from_buffer(ctx, ruleset) != 0) {
                        /* nft's own words, first line: "Error: Could not process rule: Operation not permitted". */
                        const char *msg = api.get_error_buffer(ctx);
                        char one[512];
                        (void)strlcpy(one, msg && msg[0] ? msg : "nft gave no reason", sizeof(one));
                        one[strcspn(one, "\n")] = '\0';
                        r = sbx_err_setx(err, EPERM, "network filter: install the rules: %s", one);
                }
                api.ctx_free(ctx);
        }
        dlclose(dl);
        return r;
}
