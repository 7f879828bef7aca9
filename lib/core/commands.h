/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Restricted accounts (`Commands NAME...`): the session runs one of the named programs, exec'd directly as PID 1, and
 * nothing else. There is no shell: the request (the `-c` command sshd passes, or SSH_ORIGINAL_COMMAND) is split into
 * words here, with the quoting a shell would apply to a plain command line and nothing more; anything that would
 * need a shell (`;`, `|`, `&`, `$`, a backquote, a redirection, parentheses, a newline) is refused. The first word
 * must name one of the programs, by basename or by full path, and the program must be a root-owned file reached
 * only through root-owned directories (sbx_safepath_resolve_trusted) in the rootfs: a program of the same name the
 * user put in a writable directory never matches. For the file-transfer programs that can be told to start another
 * program, those options are refused (scp: only its server modes -t/-f, never -S -D -o -F -J; rsync: only
 * `--server`, never --daemon, --config, -e/--rsh naming a program). */

#include <stddef.h>

#include "error.h"

/* Splits `request` into words: blanks separate words; '...' keeps everything literally; "..." keeps everything but
 * `\"`, `\\` (and refuses `$` and a backquote, which a shell would expand); a backslash outside quotes keeps the next
 * character. *ret: a new NULL-terminated vector (strv_free). Errors: -EINVAL with a message naming what needs a
 * shell or is malformed (unterminated quote, no word at all), -ENOMEM. */
int sbx_commands_split(const char *request, char ***ret, struct sbx_err *err);

/* The entry of `commands` (NULL-terminated, from the policy) that argv[0] names, and whether its options are allowed.
 * *ret_entry points into `commands`. Errors: -EPERM with a message saying what is not allowed (the caller adds
 * the list of allowed programs). */
int sbx_commands_match(char *const *commands, char *const *argv, const char **ret_entry, struct sbx_err *err);

/* Inside the rootfs (PID 1, after the pivot): the file to execute for `entry` (from sbx_commands_match) when the
 * request named `requested` (argv[0]). An absolute request is used as it is (its basename or path matched); an
 * absolute entry is used as it is; a bare name is looked up in SBX_COMMANDS_PATH. The file must pass the trust rule
 * above. *ret: malloc'd path. Errors: -ENOENT (not found, message names where it was looked for), -EPERM (an
 * untrusted file or directory, named), -ENOMEM. */
int sbx_commands_resolve(const char *entry, const char *requested, char **ret, struct sbx_err *err);

/* Where a bare program name is looked for: the default PATH, then where Debian and others keep sftp-server. */
#define SBX_COMMANDS_PATH "/usr/local/bin:/usr/bin:/bin:/usr/lib/openssh:/usr/libexec/openssh:/usr/libexec"

/* "sftp-server, scp, rsync": the list for messages. */
void sbx_commands_list(char *const *commands, char *buf, size_t size);
