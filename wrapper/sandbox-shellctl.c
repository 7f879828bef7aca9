/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sandbox-shellctl: the administrator's tool. It runs as root, carries no capabilities and only reads: the config
 * through lib/ exactly as the PAM module and the helper read it.
 *
 * Subcommands live in one table (name, function, usage); each parses its own options, so a new one (list, kill,
 * doctor, mkrootfs) is a function and a line in `verbs`. Exit status: 0 success, 1 failure, 2 usage error. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "policy.h"

#define EXIT_USAGE 2

struct ctl {
        const char *confdir;
};

struct verb {
        const char *name;
        int (*run)(struct ctl *ctl, int argc, char **argv);
        const char *usage;
        const char *summary;
};

static const struct verb *find_verb(const char *name);

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: sandbox-shellctl [--config DIR] COMMAND [ARGS...]\n"
                "       sandbox-shellctl --help | --version\n\n"
                "Commands:\n"
                "  check [--config DIR]          validate the configuration, print every error\n"
                "  explain [--config DIR] USER   print the effective policy for USER\n\n"
                "Options:\n"
                "  --config DIR   read the configuration from DIR (default %s)\n"
                "  -h, --help     show this help\n"
                "  --version      show the version\n\n"
                "Exit status: 0 success, 1 failure (invalid configuration, unknown user), 2 usage error.\n",
                SBX_CONFDIR);
}

/* Options every subcommand takes. Returns the index of the first operand, or -1 after a usage error
 * (-2 after --help). */
static int parse_verb_options(struct ctl *ctl, const struct verb *v, int argc, char **argv)
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        int o;
        optind = 0;
        while ((o = getopt_long(argc, argv, "+h", options, NULL)) != -1)
                switch (o) {
                case 'c':
                        ctl->confdir = optarg;
                        break;
                case 'h':
                        printf("Usage: sandbox-shellctl %s %s\n%s\n", v->name, v->usage, v->summary);
                        return -2;
                default:
                        fprintf(stderr, "Usage: sandbox-shellctl %s %s\n", v->name, v->usage);
                        return -1;
                }
        return optind;
}

/* Loads the config; on errors prints every one of them (the files' own `file:line: message`) and returns -1. */
static int load_config(const struct ctl *ctl, struct sbx_config **ret)
{
        struct sbx_err err = {0};
        _cleanup_config_ struct sbx_config *c = NULL;
        int r = sbx_config_load(ctl->confdir, NULL, &c, &err);
        if (r < 0 && !c) {
                fprintf(stderr, "sandbox-shellctl: %s\n", err.msg);
                return -1;
        }
        for (size_t i = 0; i < c->n_errors; i++)
                fprintf(stderr, "%s\n", c->errors[i].msg);
        if (r < 0)
                return -1;
        *ret = TAKE_PTR(c);
        return 0;
}

static int verb_check(struct ctl *ctl, int argc, char **argv)
{
        if (argc != 0) {
                fprintf(stderr, "Usage: sandbox-shellctl check %s\n", find_verb("check")->usage);
                return EXIT_USAGE;
        }
        _cleanup_config_ struct sbx_config *c = NULL;
        /* Silent on success, as `sshd -t`: the exit status says it. */
        return load_config(ctl, &c) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* ---- explain ---- */

/* Writes one value token so that the parser reads back exactly `s`: quoted when it has blanks, quotes, a
 * backslash, a leading '#' or nothing at all; '%' doubled where the keyword expands tokens. */
static void put_token(FILE *f, const char *s, bool tokens)
{
        bool quote = !*s || *s == '#' || strpbrk(s, " \t\r\"\\") != NULL;
        if (quote)
                fputc('"', f);
        for (; *s; s++) {
                if (quote && (*s == '"' || *s == '\\'))
                        fputc('\\', f);
                if (tokens && *s == '%')
                        fputc('%', f);
                fputc(*s, f);
        }
        if (quote)
                fputc('"', f);
}

static void put_origin(FILE *f, const struct sbx_origin *o)
{
        if (o->file)
                fprintf(f, "  # %s:%u\n", o->file, o->line);
        else
                fputs("  # default\n", f);
}

static void put_size(FILE *f, uint64_t v)
{
        char buf[32];
        sbx_format_size(v, buf, sizeof(buf));
        fputs(buf, f);
}

static void explain_key(FILE *f, const struct sbx_policy *p, enum sbx_key k)
{
        const char *name = sbx_key_name(k);
        if (k == SBX_KEY_BIND) {
                for (size_t i = 0; i < p->n_binds; i++) {
                        fprintf(f, "%s ", name);
                        put_token(f, p->binds[i].src, true);
                        fputc(' ', f);
                        put_token(f, p->binds[i].dst, true);
                        fprintf(f, " %s", p->binds[i].rw ? "rw" : "ro");
                        put_origin(f, &p->binds[i].origin);
                }
                return;
        }
        if (k == SBX_KEY_TMPFS) {
                for (size_t i = 0; i < p->n_tmpfs; i++) {
                        fprintf(f, "%s ", name);
                        put_token(f, p->tmpfs[i].dst, true);
                        /* No size means the kernel's default (half of RAM): written as no size at all. */
                        if (p->tmpfs[i].size != SBX_LIMIT_UNSET) {
                                fputc(' ', f);
                                put_size(f, p->tmpfs[i].size);
                        }
                        put_origin(f, &p->tmpfs[i].origin);
                }
                return;
        }
        if (k == SBX_KEY_ENVIRONMENT) {
                for (size_t i = 0; i < p->n_environment; i++) {
                        const char *eq = strchr(p->environment[i], '=');
                        _cleanup_free_ char *name_only = strndup(p->environment[i],
                                                                 (size_t)(eq - p->environment[i]));
                        _cleanup_free_ char *tok = NULL;
                        /* The name takes no tokens, the value does: double '%' in the value only. */
                        size_t len = 0;
                        FILE *m = open_memstream(&tok, &len);
                        if (!m || !name_only) {
                                if (m)
                                        (void)fclose(m);
                                continue;
                        }
                        fprintf(m, "%s=", name_only);
                        for (const char *s = eq + 1; *s; s++) {
                                if (*s == '%')
                                        fputc('%', m);
                                fputc(*s, m);
                        }
                        (void)fclose(m);
                        fprintf(f, "%s ", name);
                        put_token(f, tok, false);
                        put_origin(f, &p->environment_origin[i]);
                }
                return;
        }
        fprintf(f, "%s ", name);
        switch (k) {
        case SBX_KEY_SANDBOX:
                fputs(p->sandbox ? "yes" : "no", f);
                break;
        case SBX_KEY_KILL_ON_LOGOUT:
                fputs(p->kill_on_logout ? "yes" : "no", f);
                break;
        case SBX_KEY_NETWORK:
                fputs(p->network == SBX_NETWORK_HOST ? "host" : "none", f);
                break;
        case SBX_KEY_ROOT_DIRECTORY:
                put_token(f, p->root_directory, true);
                break;
        case SBX_KEY_SHELL:
                put_token(f, p->shell, true);
                break;
        case SBX_KEY_HOSTNAME:
                put_token(f, p->hostname, true);
                break;
        case SBX_KEY_CGROUP_ROOT:
                put_token(f, p->cgroup_root, false);
                break;
        case SBX_KEY_MEMORY_MAX:
                put_size(f, p->memory_max);
                break;
        case SBX_KEY_MEMORY_HIGH:
                put_size(f, p->memory_high);
                break;
        case SBX_KEY_MEMORY_SWAP_MAX:
                put_size(f, p->memory_swap_max);
                break;
        case SBX_KEY_TASKS_MAX:
        case SBX_KEY_CPU_QUOTA: {
                uint64_t v = k == SBX_KEY_TASKS_MAX ? p->tasks_max : p->cpu_quota;
                /* Not set and `infinity` are the same for these: no limit is written. */
                if (v == SBX_LIMIT_UNSET || v == SBX_LIMIT_INFINITY)
                        fputs("infinity", f);
                else
                        fprintf(f, "%llu%s", (unsigned long long)v, k == SBX_KEY_CPU_QUOTA ? "%" : "");
                break;
        }
        case SBX_KEY_CPU_WEIGHT:
        case SBX_KEY_IO_WEIGHT: {
                uint64_t v = k == SBX_KEY_CPU_WEIGHT ? p->cpu_weight : p->io_weight;
                /* Not set leaves the kernel's default weight, 100. */
                fprintf(f, "%llu", (unsigned long long)(v == SBX_LIMIT_UNSET ? 100 : v));
                break;
        }
        default:
                break;
        }
        put_origin(f, &p->origin[k]);
}

static int verb_explain(struct ctl *ctl, int argc, char **argv)
{
        if (argc != 1) {
                fprintf(stderr, "Usage: sandbox-shellctl explain %s\n", find_verb("explain")->usage);
                return EXIT_USAGE;
        }
        _cleanup_config_ struct sbx_config *c = NULL;
        if (load_config(ctl, &c) < 0)
                return EXIT_FAILURE;
        struct sbx_err err = {0};
        _cleanup_user_ struct sbx_user *u = NULL;
        if (sbx_user_lookup_name(argv[0], &u, &err) < 0) {
                fprintf(stderr, "sandbox-shellctl: %s\n", err.msg);
                return EXIT_FAILURE;
        }
        _cleanup_policy_ struct sbx_policy *p = NULL;
        if (sbx_policy_resolve(c, u, &p, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return EXIT_FAILURE;
        }
        printf("# %s: uid %lu, group %s (gid %lu), home %s\n", p->user, (unsigned long)p->uid, p->group,
               (unsigned long)p->gid, p->home);
        for (int k = 0; k < _SBX_KEY_MAX; k++)
                explain_key(stdout, p, k);
        if (fflush(stdout) != 0 || ferror(stdout)) {
                perror("sandbox-shellctl: writing output");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

static const struct verb verbs[] = {
        {"check", verb_check, "[--config DIR]", "Validate every configuration file; print each error."},
        {"explain", verb_explain, "[--config DIR] USER", "Print the effective policy for USER with its origins."},
};

static const struct verb *find_verb(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {},
        };
        struct ctl ctl = {.confdir = SBX_CONFDIR};
        int o;
        /* '+': stop at the subcommand; its own options follow it. */
        while ((o = getopt_long(argc, argv, "+h", options, NULL)) != -1)
                switch (o) {
                case 'c':
                        ctl.confdir = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                case 'V':
                        printf("sandbox-shellctl %s\n", SBX_VERSION);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        if (optind >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        const struct verb *v = find_verb(argv[optind]);
        if (!v) {
                fprintf(stderr, "sandbox-shellctl: unknown command '%s'\n", argv[optind]);
                usage(stderr);
                return EXIT_USAGE;
        }
        argc -= optind;
        argv += optind;
        int first = parse_verb_options(&ctl, v, argc, argv);
        if (first == -2)
                return EXIT_SUCCESS;
        if (first < 0)
                return EXIT_USAGE;
        return v->run(&ctl, argc - first, argv + first);
}
