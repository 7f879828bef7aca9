/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The audits behind `sandbox-shellctl doctor`: each looks at one part of an installation (a PAM service file, the
 * helper's file capabilities, a rootfs, the cgroup controllers, sshd's effective configuration) and adds a finding
 * for every problem, each with what to do about it. The checks only read; the ctl prints the findings.
 *
 * Every check returns 0 when it could look (whatever it found), or -errno when it could not look at all (then err
 * says why, and the ctl reports that as a finding of its own). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "policy.h"

struct stat;

struct sbx_finding {
        char *problem; /* "…/pam.d/sshd: no session line for pam_sandbox.so" */
        char *fix;     /* what the administrator does about it */
};

struct sbx_findings {
        struct sbx_finding *v;
        size_t n;
};

/* Appends a finding. Returns 0 or -ENOMEM. */
int sbx_findings_add(struct sbx_findings *f, const char *fix, const char *fmt, ...) _printf_(3, 4);
void sbx_findings_done(struct sbx_findings *f);

/* PAM service file `path` (e.g. /etc/pam.d/sshd), with "@include FILE" and the include/substack controls followed
 * relative to its directory: needs a session line for pam_sandbox.so whose control is required or requisite (an
 * optional one would let a login through that failed to set up the session), and an auth line for it (the setcred
 * re-grant) with no pam_cap.so auth line after it, and no pam_systemd.so session line after pam_sandbox.so's (logind
 * must have made the session's scope first). -ENOENT when the file does not exist. */
int sbx_doctor_pam(const char *path, struct sbx_findings *f, struct sbx_err *err);

/* The helper binary: a regular file, root-owned, not writable by group or others, neither setuid nor setgid, whose
 * file capabilities are exactly `caps` (a comma-separated list such as SBX_HELPER_CAPS) in the effective and
 * inheritable sets with nothing permitted. -ENOENT when it does not exist (also added as a finding). */
int sbx_doctor_helper(const char *path, const char *caps, struct sbx_findings *f, struct sbx_err *err);

/* The rootfs `root`: every component of its path root-owned and not group/world-writable; inside it no setuid or
 * setgid file, no device node, nothing world-writable but symbolic links (a sticky directory included), the mount
 * points the sandbox needs (/proc, /dev, /tmp) present as real directories. A problem inside the tree is reported for its first few
 * files and then counted. Filesystems mounted below root are not descended into. */
int sbx_doctor_rootfs(const char *root, struct sbx_findings *f, struct sbx_err *err);

/* The policy's Shell inside `root`, resolved as the sandbox will (symbolic links followed, but never out of root): an
 * executable regular file. */
int sbx_doctor_shell(const char *root, const char *shell, struct sbx_findings *f, struct sbx_err *err);

/* The cgroup controllers the policy's limits need, against the hierarchies mounted as `mountinfo` (the text of
 * /proc/self/mountinfo) describes: on pure cgroup v2 they must be listed in the root's cgroup.controllers, on v1 and
 * hybrid hosts a v1 hierarchy must be mounted for each (the layout lib/cgroup.c uses for sessions). */
int sbx_doctor_cgroup(const char *mountinfo, const struct sbx_policy *p, struct sbx_findings *f, struct sbx_err *err);

/* The output of `sshd -T -C user=USER,...` for a sandboxed user: no forwarding of any kind (unless DisableForwarding
 * is on), no tunnel, no PermitUserRC, no PermitUserEnvironment, UsePAM on, no internal-sftp subsystem without a
 * ForceCommand, no ForceCommand internal-sftp. */
int sbx_doctor_sshd(const char *user, const char *text, struct sbx_findings *f, struct sbx_err *err);

/* The value of `key` in `sshd -T` output (lowercase keys, one "key value" per line), copied into buf; NULL when
 * absent. A key that repeats (subsystem) is picked by `nth`. */
const char *sbx_doctor_sshd_value(const char *text, const char *key, size_t nth, char *buf, size_t size);

/* ---- Around the sandbox (doctor-host.c, doctor-mail.c) ----
 * What the host runs as a sandboxed user because of a login, outside the sandbox. */

/* The sandboxed users such an audit concerns: names[i] and uids[i], n of them. `all` when they are every sandboxed
 * user the password database lists (doctor without a user argument): a finding that concerns each of them then says
 * "every sandboxed user" instead of naming them. */
struct sbx_doctor_users {
        const char *const *names;
        const uid_t *uids;
        size_t n;
        bool all;
};

/* sshd's system rc file `sshrc` (/etc/ssh/sshrc), which sshd runs with /bin/sh as the user, on the host, before the
 * login shell, in the login's environment: a finding when it exists and the user writes that environment, through
 * pam_env.so with user_readenv=1 in the sshd PAM service file `pam_service` (read as sbx_doctor_pam reads it; a
 * missing file is no finding) or through sshd's PermitUserEnvironment, whose effective value (from sshd -T) is
 * `permit_user_env` (NULL when not known). */
int sbx_doctor_sshrc(const char *sshrc, const char *pam_service, const char *permit_user_env,
                     const struct sbx_doctor_users *u, struct sbx_findings *f, struct sbx_err *err);

/* The value of the parameter `name` in the text of postfix's main.cf (postconf(5): the last setting wins, lines that
 * start with blanks continue the previous one, comment lines are skipped), blanks at both ends removed and continuation
 * lines joined with one space, copied into buf; NULL when it is not set. */
const char *sbx_doctor_postfix_value(const char *text, const char *name, char *buf, size_t size);

/* Postfix's main.cf `text` (`path` names it): local(8) runs the commands of a user's ~/.forward as the user, unless
 * allow_mail_to_commands is set without "forward" (its default is "alias, forward"), and a mailbox_command for every
 * message. One finding for both. */
int sbx_doctor_postfix(const char *path, const char *text, const struct sbx_doctor_users *u, struct sbx_findings *f,
                       struct sbx_err *err);

/* Exim's configuration `text` (`path` names it; macros defined in it are expanded where a router names its
 * transport): every router with check_local_user that redirects through a user's file without forbid_pipe (or with
 * allow_filter without forbid_filter_run and forbid_filter_dlfunc), or that delivers through a pipe transport, runs
 * the user's commands as the user. A router is skipped when a literal path its require_files needs does not exist,
 * and applies only to the users a literal local_parts list lets through. One finding for every such router. */
int sbx_doctor_exim(const char *path, const char *text, const struct sbx_doctor_users *u, struct sbx_findings *f,
                    struct sbx_err *err);

/* The mail transfer agents: postfix when `postfix_main_cf` exists (sbx_doctor_postfix), exim when the directory
 * `exim_dir` exists (sbx_doctor_exim on the configuration Debian's update-exim4.conf builds from it: exim4.conf, or
 * the split conf.d files or exim4.conf.template after exim4.conf.localmacros; Debian's default when none can be read),
 * and, when neither is there, a finding of its own when `sendmail` exists: an MTA doctor does not know. */
int sbx_doctor_mta(const char *postfix_main_cf, const char *exim_dir, const char *sendmail,
                   const struct sbx_doctor_users *u, struct sbx_findings *f, struct sbx_err *err);

/* The ExecCondition= assignments of the [Service] section of a unit file or drop-in `text`, applied in order to
 * `program` (size bytes), which holds the user-manager-allowed program the list had before ("" for none): an empty
 * assignment empties the list, as systemd does; a command whose program, after systemd's prefixes ("+-!@:|") and an
 * opening quote, ends in "/user-manager-allowed" becomes the new value. Other commands change nothing. */
void sbx_doctor_unit_exec_condition(const char *text, char *program, size_t size);

/* systemd's user manager: when user@.service is in one of `unit_dirs` (systemd's system unit directories, highest
 * priority first, NULL-terminated) and not masked, the drop-ins of user@.service (those of user@UID.service for each
 * of the users, and the top-level service.d) merged as systemd merges them (for each file name the file of the
 * directory of highest priority; a link to /dev/null masks; applied in the order of their names) must leave an
 * ExecCondition= that runs user-manager-allowed: an absolute path to a root-owned executable regular file that
 * neither group nor others can write, in a directory chain only root can change. Else one finding, or one for each
 * user whose own drop-ins undo it. */
int sbx_doctor_user_manager(const char *const *unit_dirs, const struct sbx_doctor_users *u, struct sbx_findings *f,
                            struct sbx_err *err);

/* A finding when `user` lingers: `linger_dir` (/var/lib/systemd/linger) has a file of its name. */
int sbx_doctor_linger(const char *linger_dir, const char *user, struct sbx_findings *f, struct sbx_err *err);

/* A finding when `network` is Network host, set at `where`, for the users u (one call per distinct setting). */
int sbx_doctor_network(enum sbx_network network, const struct sbx_origin *where, const struct sbx_doctor_users *u,
                       struct sbx_findings *f, struct sbx_err *err);

/* ---- Network private (doctor-net.c) ----
 * What the logins of a Network private policy need (netstack.h), each looked at as the login path looks at it: a
 * login that finds one of them wrong is refused. Each names the users u it concerns: those whose policy has Network
 * private, or for the rootfs those of them that use it. */

/* The tun device `path` (/dev/net/tun; a symbolic link followed, as the helper's open follows it) must exist, be the
 * character device 10:200, and be readable and writable by others (0666, as Debian's udev makes it): the helper opens
 * it as the user, without CAP_DAC_OVERRIDE. */
int sbx_doctor_tun(const char *path, const struct sbx_doctor_users *u, struct sbx_findings *f, struct sbx_err *err);

/* The stack program `path` (SBX_NETSTACK_PATH), opened as the helper opens it: its directory on a root-only chain
 * (sbx_safepath_open_trusted_dir), the file itself, not a symbolic link, a regular file owned by root, writable by
 * nobody else, executable by others (it runs as the user). When it passes, every library it names (DT_NEEDED, read
 * with sbx_mkrootfs_needed; libslirp.so.0 among them) must load with dlopen(3). A missing program is a finding. */
int sbx_doctor_netstack(const char *path, const struct sbx_doctor_users *u, struct sbx_findings *f,
                        struct sbx_err *err);

/* libnftables, `library` (SBX_LIBNFTABLES), must load as sbx_net_filter_install loads it (dlopen RTLD_NOW). */
int sbx_doctor_nftables(const char *library, const struct sbx_doctor_users *u, struct sbx_findings *f,
                        struct sbx_err *err);

/* The rootfs `root` must have /etc/resolv.conf, a regular file reached inside it without a symbolic link (how the
 * helper opens it to mount the sandbox's own resolv.conf over it). A rootfs that cannot be opened is left to
 * sbx_doctor_rootfs. */
int sbx_doctor_resolv_conf(const char *root, const struct sbx_doctor_users *u, struct sbx_findings *f,
                           struct sbx_err *err);

/* The first line of /etc/shells `text` that names the helper: its path, or its usrmerge alias (/bin/X for /usr/bin/X
 * and back, /sbin and /usr/sbin alike), or, with `helper_st` not NULL, any path whose stat() gives that file. The line
 * is copied into buf; the result is where the search goes on (the start of the next line), NULL when no line does. */
const char *sbx_doctor_shells_find(const char *text, const char *helper, const struct stat *helper_st, char *buf,
                                   size_t size);

/* /etc/shells (`path`) must not list the helper (sbx_doctor_shells_find), or su lets a caller who knows a sandboxed
 * user's password run another shell as that user, on the host. A missing file is no finding. */
int sbx_doctor_shells(const char *path, const char *helper, struct sbx_findings *f, struct sbx_err *err);
