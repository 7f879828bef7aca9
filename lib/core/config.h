/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* sandbox-shell.conf(5): reading and checking the files. The parser turns every file into a flat list of entries
 * (keyword, raw value tokens, parsed numbers, the Match block it belongs to, file:line); it does not know any user.
 * policy.c evaluates the Match blocks for one user, expands the tokens and builds a struct sbx_policy.
 *
 * The parser never stops at the first error: `sandbox-shellctl check` prints every error of every file, while
 * sbx_policy_load() refuses the whole configuration on the first one (an invalid config never falls back). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "keywords.h"
#include "user.h"

#define SBX_CONFIG_MAIN "sandbox-shell.conf"
#define SBX_CONFIG_DROPIN_DIR "sandbox-shell.conf.d"
/* Longest accepted line (without its newline) and file: a longer one is an error, never a truncation. */
#define SBX_CONFIG_LINE_MAX 4096
#define SBX_CONFIG_FILE_MAX (1024 * 1024)

enum sbx_match_type {
        SBX_MATCH_ALL,
        SBX_MATCH_USER,
        SBX_MATCH_GROUP,
};

struct sbx_match_criterion {
        enum sbx_match_type type;
        char *list; /* comma-separated patterns, NULL for All */
};

/* One `Match` line; its block is every entry that follows it in the same file up to the next Match. */
struct sbx_match {
        struct sbx_match_criterion *criteria;
        size_t n_criteria;
        size_t file; /* index into sbx_config.files */
        unsigned line;
};

/* One keyword line. Typed values (sizes, numbers, yes/no, Network, Bind mode) are parsed here; values that take
 * tokens keep their raw form until a user is known. */
struct sbx_config_entry {
        enum sbx_key key;
        ssize_t block; /* index into sbx_config.blocks, -1 for a global line */
        size_t file;   /* index into sbx_config.files */
        unsigned line;
        char *args[2]; /* raw tokens (quotes removed, tokens not expanded): Bind SRC DST, Tmpfs DST, others arg 0 */
        uint64_t num;  /* sizes, counts, percent, weights; Tmpfs size; SBX_LIMIT_* where they apply */
        bool flag;     /* yes/no keywords; Bind rw; Network host */
};

struct sbx_config_error {
        int code;  /* positive errno: EINVAL for syntax, EACCES/EPERM/ENOENT/ELOOP for files */
        char *msg; /* "file:line: message" or "file: message" */
};

struct sbx_config {
        char **files; /* full paths as opened, in reading order */
        size_t n_files;
        struct sbx_match *blocks;
        size_t n_blocks;
        struct sbx_config_entry *entries; /* in reading order */
        size_t n_entries;
        struct sbx_config_error *errors; /* in the order found */
        size_t n_errors;
};

struct sbx_config_options {
        /* The owner every file and directory must have. Root (0) in production; unit tests pass their own uid so
         * they can work with files they created. */
        uid_t owner;
};

/* Reads every file of confdir: sandbox-shell.conf.d/\*.conf in C-locale strcmp order, then sandbox-shell.conf (the
 * main file is required, the drop-in directory optional). Each file and both directories are opened O_NOFOLLOW and
 * refused unless, checked with fstat on the descriptor, they are of the right type, owned by opts->owner (root when
 * opts is NULL) and not writable by group or others.
 * Returns 0 when everything is valid. When any error was found it returns -code of the first one and fills err with
 * its message; *ret is still set (when ret is not NULL) so the caller can list every error. -ENOMEM leaves *ret NULL.
 * The caller frees *ret with sbx_config_free. */
int sbx_config_load(const char *confdir, const struct sbx_config_options *opts, struct sbx_config **ret,
                    struct sbx_err *err);

/* The parser core, for one file's contents already in memory (unit tests, the fuzzer): appends the file's entries,
 * blocks and errors to c. `path` is the name used in messages. buf need not be NUL-terminated; NUL bytes and
 * over-long lines are reported as errors. Returns 0, or -ENOMEM (c stays consistent). */
int sbx_config_parse_buffer(struct sbx_config *c, const char *path, const char *buf, size_t len);

/* Records an error; for callers that add checks of their own (policy resolution). Returns 0 or -ENOMEM. */
int sbx_config_add_error(struct sbx_config *c, int code, const char *fmt, ...) _printf_(3, 4);

struct sbx_config *sbx_config_new(void);
void sbx_config_free(struct sbx_config *c);

static inline void sbx_config_freep(struct sbx_config **c)
{
        sbx_config_free(*c);
}
#define _cleanup_config_ _cleanup_(sbx_config_freep)

/* The value of the scalar keyword `key` (any PLACE but LIST) from its tokens v[0..n), for the user u (NULL: the
 * stand-in user sbx_sample_user, as when the files are read, before anyone logs in). Tokens are expanded in paths
 * and host names. On success the value goes to *out (typed as keywords.h says for the kind; a string is malloc'd
 * and owned by the caller) unless out is NULL. Errors: -EINVAL / -ERANGE with the reason in msg (without the
 * keyword: "invalid size '12X'"), -ENOMEM. The one parser of every kind: the config checks with it, the policy
 * resolution takes values with it. */
int sbx_kind_parse(int key, char *const *v, int n, const struct sbx_user *u, void *out, char *msg, size_t size);

/* The user values are checked for when the files are read: "user" (uid 1000), group "group", home /home/user. */
extern const struct sbx_user sbx_sample_user;

/* Value syntax shared by the parser and the policy resolution (and explain, which must print what these accept).
 * Each returns 0 or -EINVAL / -ERANGE. */
int sbx_parse_uint(const char *s, long long min, long long max, uint64_t *ret); /* digits only, min..max */
int sbx_parse_size(const char *s, bool allow_zero, uint64_t *ret);              /* "512M", "1g", "4096", "infinity" */
/* A time span as systemd writes it: "90" (seconds), "90s", "5min", "1h30min", "500ms", "infinity"; in microseconds. */
int sbx_parse_duration(const char *s, uint64_t *ret);
/* Formats microseconds the way sbx_parse_duration reads them back: "5min", "1h30min", "infinity". */
void sbx_format_duration(uint64_t usec, char *buf, size_t size);
/* Formats a size the way sbx_parse_size reads it back: the largest exact unit ("512M"), or "infinity". */
void sbx_format_size(uint64_t v, char *buf, size_t size);

/* Pattern lists as sshd reads them: comma-separated, `*` and `?` wildcards, a leading `!` negates.
 * Returns 1 when a positive pattern matches and no negated one does, -1 when a negated one matches, 0 otherwise. */
int sbx_pattern_list_match(const char *name, const char *list);
bool sbx_pattern_match(const char *name, const char *pattern);

/* Expands %u %U %h %g %% in tmpl for u. With allow_c, `%c` is left as it is (CgroupRoot only). Returns 0 and a new
 * string in *ret, -ENOMEM, or -EINVAL with the reason in msg ("unknown token '%x'"). */
int sbx_expand_tokens(const char *tmpl, const struct sbx_user *u, bool allow_c, char **ret, char *msg, size_t msgsize);
/* Checks that path is absolute, has no `..` component and no control character, and rewrites it in place without
 * repeated or trailing slashes ("/a//b/" -> "/a/b"). Returns 0 or -EINVAL with the reason in msg. */
int sbx_path_check_normalize(char *path, char *msg, size_t msgsize);
bool sbx_hostname_valid(const char *s);
bool sbx_env_name_valid(const char *s, size_t len);
