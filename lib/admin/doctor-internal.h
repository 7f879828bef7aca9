/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between the audits of doctor.c, doctor-host.c and doctor-mail.c: the one reader of PAM service files and
 * the small text helpers. Not used elsewhere. */

#include <stdbool.h>
#include <stddef.h>

#include "doctor.h"
#include "error.h"

struct sbx_pam_line {
        char type[16];    /* auth, account, session, password (a leading '-' removed) */
        char control[64]; /* required, requisite, optional, sufficient, [...] */
        char module[64];  /* base name of the module path */
        char args[512];   /* the module's arguments, as written (blanks between them kept) */
        char origin[512]; /* file:line */
};

struct sbx_pam_stack {
        struct sbx_pam_line *v; /* malloc'd, owned by the caller: free(s.v) */
        size_t n;
};

/* Reads the PAM service file `path` into s, following "@include FILE" and the include/substack controls as libpam
 * does (relative names looked up in the service file's directory; from an include only the lines of its type).
 * -ENOENT when `path` does not exist, -ELOOP when includes nest deeper than 8, other -errno for a file that cannot be
 * read; s then holds what was read so far and must still be freed. */
int sbx_doctor_pam_read(const char *path, struct sbx_pam_stack *s, struct sbx_err *err);

/* True when `word` is one of the items of `list`, items separated by any of the characters of `seps`. */
bool sbx_doctor_in_list(const char *list, const char *word, const char *seps);

/* Reads the file `path` whole into *ret (malloc'd, NUL-terminated, owned by the caller). -errno (-ENOENT for a missing
 * file), -EFBIG for a file over 4 MiB. */
int sbx_doctor_read_text(const char *path, char **ret, struct sbx_err *err);

/* "every sandboxed user", "the sandboxed user 'a'" or "the sandboxed users 'a', 'b'": the users of u for which
 * affected[i] is true (all of them when affected is NULL). malloc'd; NULL on ENOMEM. */
char *sbx_doctor_who(const struct sbx_doctor_users *u, const bool *affected);

/* s[0..n) without blanks (and a carriage return) at either end: the new start in *s, the new length returned. */
size_t sbx_doctor_trim(const char **s, size_t n);

/* The next line of a text: its start in *line, its length (without the newline) in *len; *pos moves past it. False at
 * the end of the text. */
bool sbx_doctor_next_line(const char **pos, const char **line, size_t *len);
