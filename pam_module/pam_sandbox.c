/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pam_sandbox: the session half of sandbox-shell (docs/ARCHITECTURE.md, "A login, step by step": steps 1, 2 and 7).
 *
 * open_session puts the session process into a per-user cgroup leaf with the policy's limits (on a systemd host: the
 * limits on the user's slice and the session in logind's scope or a transient scope of ours, set over D-Bus; the
 * module must then come after pam_systemd in the stack) and raises the inheritable capabilities the helper needs; setcred raises them again (sshd and login call it after open_session,
 * and pam_cap may reset the inheritable set there); close_session kills what is left of the session, removes its
 * cgroups, drops the grant and logs one line; acct_mgmt, before the session stack, leaves RuntimeMaxSec for
 * pam_systemd to put on logind's scope. Everything else lives in lib/. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAM_SM_ACCOUNT
#define PAM_SM_AUTH
#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#if HAVE_SYSTEMD
/* The entry carries the fields pam_sandbox(8) lists, not the CODE_* location of this file in the build. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#endif

#include "boundary.h"
#include "caps.h"
#include "cgroup.h"
#include "instance.h"
#include "journal.h"
#include "policy.h"
#include "registry.h"
#include "userlock.h"

#define DATA_NAME "pam_sandbox:session"

static void fmt_usage(char *buf, size_t size, const char *prefix, const struct sbx_cgroup_usage *u);

struct args {
        const char *confdir;
        const char *helper; /* the installed helper: a sandboxed user's passwd shell must be this file */
        bool debug;
};

/* What close_session and setcred need, kept with pam_set_data. */
struct session {
        struct sbx_cgroup_session *cg;
        char *user;
        pid_t pid;                     /* the process that opened the session */
        struct sbx_registry_entry reg; /* the session's entry among the user's open ones (registry.h) */
        bool kill_on_logout;
        bool done; /* closed, or handed over: the cleanup only frees */
        /* Instance user: what the instance's end needs after the policy is gone. */
        bool instance;
        uint64_t linger;
        gid_t gid;
        uid_t uid;
        enum sbx_cgroup_backend backend;
        char *cgroup_root;
        struct sbx_cgroup_limits limits;
};

static int parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
        *a = (struct args){.confdir = SBX_CONFDIR, .helper = SBX_HELPER_PATH};
        for (int i = 0; i < argc; i++) {
                if (streq(argv[i], "debug"))
                        a->debug = true;
                else if (strncmp(argv[i], "conf=", 5) == 0 && argv[i][5] == '/')
                        a->confdir = argv[i] + 5;
                else if (strncmp(argv[i], "helper=", 7) == 0 && argv[i][7] == '/')
                        a->helper = argv[i] + 7;
                else {
                        pam_syslog(pamh, LOG_ERR, "Unknown or invalid module argument '%s'", argv[i]);
                        return PAM_SERVICE_ERR;
                }
        }
        return PAM_SUCCESS;
}

static void session_free(struct session *s)
{
        if (!s)
                return;
        sbx_cgroup_session_free(s->cg);
        free(s->cgroup_root);
        if (s->pid == getpid())
                sbx_registry_leave(&s->reg);
        else
                closep(&s->reg.end_fd); /* a forked child: the entry stays its parent's */
        free(s->user);
        free(s);
}

/* pam_end without close_session: the session ends here too, unless this is a forked child (PAM_DATA_SILENT, or not
 * the process that opened it), which must never tear down its parent's session. */
static struct sbx_cgroup_params instance_params(const struct session *s)
{
        return (struct sbx_cgroup_params){
                .backend = s->backend,
                .cgroup_root = s->cgroup_root,
                .user = s->user,
                .uid = s->uid,
                .limits = &s->limits,
                .instance = true,
                .pid = s->pid,
        };
}

/* journald's socket for the native protocol: where it exists, journald runs (docs/ARCHITECTURE.md, "Logging"). */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/* Logs one event of a session's or an instance's life at LOG_AUTHPRIV | LOG_INFO: `line` is the classic syslog line
 * (without pam_syslog's "pam_sandbox(SERVICE:session): " prefix), `e` its structured fields. On a journald host it
 * is one journal entry: the line as its MESSAGE, prefixed as pam_syslog would, the fields, and the identifier,
 * facility and priority pam_syslog's line would have had, so that `journalctl -t sshd`, a syslog daemon journald
 * forwards to (ForwardToSyslog forwards native entries with their MESSAGE, SYSLOG_IDENTIFIER and facility) and one
 * that reads the journal all keep the line, and nobody sees it twice. Elsewhere, or when the journal refuses the entry,
 * the line goes out through syslog as before: it is never lost. pamh is NULL in a process of ours that has no PAM
 * handle (Linger's). */
static void log_event(pam_handle_t *pamh, struct sbx_journal_entry *e, const char *line)
{
        const void *service = NULL;
        if (pamh && (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS || !service))
                service = "unknown";
#if HAVE_SYSTEMD
        /* libsystemd's socket is SOCK_CLOEXEC: it stays in this process (sshd's, su's), never reaches the shell,
         * whose helper closes every descriptor above 2 anyway. It is a blocking datagram socket to journald, as
         * syslog(3)'s /dev/log is to the same journald on such a host: the login waits no longer than it did. */
        if (access(JOURNAL_SOCKET, F_OK) == 0) {
                if (service)
                        sbx_journal_add(e, "MESSAGE", "pam_sandbox(%s:session): %s", (const char *)service, line);
                else
                        sbx_journal_add(e, "MESSAGE", "pam_sandbox(instance): %s", line);
                sbx_journal_add(e, "PRIORITY", "%d", LOG_INFO);
                sbx_journal_add(e, "SYSLOG_FACILITY", "%d", LOG_AUTHPRIV >> 3);
                /* What syslog(3) tags pam_syslog's line with when the program named itself after its file, as
                 * sshd, su and login do. */
                sbx_journal_add(e, "SYSLOG_IDENTIFIER", "%s", program_invocation_short_name);
                sbx_journal_add(e, "SYSLOG_PID", "%d", (int)getpid());
                struct iovec iov[SBX_JOURNAL_FIELDS_MAX];
                size_t n = sbx_journal_iov(e, iov);
                if (e->error == 0 && sd_journal_sendv(iov, (int)n) >= 0)
                        return;
        }
#else
        (void)e;
#endif
        if (pamh)
                pam_syslog(pamh, LOG_INFO, "%s", line);
        else
                syslog(LOG_AUTHPRIV | LOG_INFO, "pam_sandbox(instance): %s", line);
}

static void log_instance_end(pam_handle_t *pamh, const char *user, const char *why, const struct sbx_cgroup_usage *u)
{
        char usage[256], line[512];
        fmt_usage(usage, sizeof(usage), "", u);
        (void)snprintf(line, sizeof(line), "instance ended: user=%s end=%s %s", user, why, usage);
        struct sbx_journal_entry e;
        sbx_journal_init(&e, SBX_JOURNAL_INSTANCE_ENDED);
        sbx_journal_add(&e, "SANDBOX_USER", "%s", user);
        sbx_journal_add(&e, "SANDBOX_END", "%s", why);
        sbx_journal_add_usage(&e, "SANDBOX_", u);
        log_event(pamh, &e, line);
}

/* The fields that name a session, in its open and close entries alike. */
static void add_session_fields(pam_handle_t *pamh, struct sbx_journal_entry *e, const struct session *s)
{
        const void *service = NULL;
        sbx_journal_add(e, "SANDBOX_USER", "%s", s->user);
        sbx_journal_add(e, "SANDBOX_UID", "%u", (unsigned)s->uid);
        sbx_journal_add(e, "SANDBOX_SESSION", "%s", sbx_cgroup_session_id(s->cg));
        if (pam_get_item(pamh, PAM_SERVICE, &service) == PAM_SUCCESS && service)
                sbx_journal_add(e, "SANDBOX_SERVICE", "%s", (const char *)service);
}

/* Linger: a root process of its own waits for the deadline and then ends the instance, unless a login joined it
 * meanwhile (sbx_instance_expire). Nothing inside the instance can delay it; and should it not run, the next open of
 * a login after the deadline ends what is left. */
static pid_t start_linger(const struct session *s, uint64_t deadline)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        pid_t pid = fork();
        if (pid != 0) {
                (void)close(p[1]);
                while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                pid_t watcher = -1;
                if (pid < 0 || read(p[0], &watcher, sizeof(watcher)) != (ssize_t)sizeof(watcher))
                        watcher = -1;
                (void)close(p[0]);
                return watcher;
        }
        /* The first child: a session of its own, and gone at once, so that nothing waits for the second; it tells
         * the module the second's PID, for the record (one such process per user). */
        pid_t second = setsid() < 0 ? -1 : fork();
        if (second != 0) {
                _exit(second > 0 && write(p[1], &second, sizeof(second)) == (ssize_t)sizeof(second) ? 0 : 1);
        }
        (void)close_range(0, ~0U, 0);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int fd = 0; null >= 0 && fd <= 2; fd++)
                (void)dup2(null, fd);
        sigset_t none;
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        /* Its own name, not its parent's (sshd's "sshd: USER [priv]"), so that nobody takes it for the session. */
        static char title[96];
        int tl = snprintf(title, sizeof(title), "sandbox-shell: linger %s", s->user);
        (void)prctl(PR_SET_NAME, "sandbox-linger", 0, 0, 0);
        if (tl > 0 && (size_t)tl < sizeof(title) &&
            prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)title, 0, 0) == 0)
                (void)prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(title + tl + 1), 0, 0);
        struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000), .tv_nsec = (long)(deadline % 1000000) * 1000};
        while (clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
        struct sbx_err err = {0};
        struct sbx_cgroup_params cg = instance_params(s);
        cg.pid = getpid(); /* in the cgroups the session process left for (its %c), and alive */
        bool ended = false;
        struct sbx_cgroup_usage u;
        if (sbx_user_lock_hold(s->user, &err) == 0) {
                int r = sbx_instance_expire(&cg, deadline, &ended, &u, &err);
                sbx_user_lock_release();
                if (r < 0)
                        syslog(LOG_AUTHPRIV | LOG_ERR, "pam_sandbox(instance): failed to end the instance of '%s': %s",
                               s->user, err.msg);
                else if (ended)
                        log_instance_end(NULL, s->user, "linger", &u);
        }
        _exit(0);
}

/* The close of an Instance user login (or its pam_end without a close): the session process leaves the instance's
 * cgroup, and the last login of the user ends the instance or leaves it to Linger. */
static int instance_close(pam_handle_t *pamh, struct session *s, unsigned *ret_left, struct sbx_err *err)
{
        struct sbx_err e = {0};
        if (!err)
                err = &e;
        if (sbx_user_lock_hold(s->user, err) < 0)
                return -EIO;
        int r = sbx_cgroup_session_close(s->cg, s->pid, false, ret_left, err);
        sbx_registry_leave(&s->reg);
        if (sbx_registry_count(s->user) == 0) {
                struct sbx_cgroup_params cg = instance_params(s);
                bool ended = false;
                uint64_t deadline = 0;
                struct sbx_cgroup_usage u;
                struct sbx_err ie = {0};
                int k = sbx_instance_last_close(&cg, s->gid, s->linger, &ended, &u, &deadline, &ie);
                if (k < 0) {
                        if (pamh)
                                pam_syslog(pamh, LOG_ERR, "Failed to end the instance of '%s': %s", s->user, ie.msg);
                        if (r == 0) {
                                r = k;
                                *err = ie;
                        }
                } else if (ended)
                        log_instance_end(pamh, s->user, "logout", &u);
                else if (deadline && deadline != SBX_LIMIT_INFINITY) {
                        pid_t w = start_linger(s, deadline);
                        if (w > 0 && sbx_instance_set_watcher(s->user, s->gid, w, &ie) < 0 && pamh)
                                pam_syslog(pamh, LOG_ERR, "Failed to record the Linger process of '%s': %s", s->user,
                                           ie.msg);
                        /* systemd: out of logind's scope, which KillUserProcesses ends with this login. */
                        if (w > 0 && sbx_cgroup_instance_attach(&cg, w, &ie) < 0 && pamh)
                                pam_syslog(pamh, LOG_ERR, "Failed to move the Linger process of '%s': %s", s->user,
                                           ie.msg);
                }
        }
        sbx_user_lock_release();
        return r;
}

/* After a session's own teardown, with no lock held: the stale leaves of every user below the session's CgroupRoot
 * (sbx_cgroup_sweep), so that those of sessions nobody closes (sshd's fork refused by TasksMax after the open, an
 * sshd killed with SIGKILL) go when any session ends, not at their user's next login. Best effort: what it cannot do
 * is logged and never changes the close's result. The systemd backend makes no cgroup of ours: nothing to sweep. */
static void sweep_stale(pam_handle_t *pamh, const struct session *s, bool debug)
{
        if (!s->cg || sbx_cgroup_session_backend(s->cg) != SBX_CGROUP_BACKEND_CGROUPFS)
                return;
        struct sbx_cgroup_swept swept;
        struct sbx_err err = {0};
        if (sbx_cgroup_sweep(s->cgroup_root, &swept, &err) < 0) {
                if (pamh)
                        pam_syslog(pamh, LOG_WARNING, "Failed to sweep the stale session cgroups below '%s': %s",
                                   s->cgroup_root, err.msg);
        } else if (debug && (swept.leaves || swept.users || swept.busy))
                pam_syslog(pamh, LOG_DEBUG, "Swept %u stale session cgroups and %u user cgroups (%u users busy)",
                           swept.leaves, swept.users, swept.busy);
}

static void session_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
        struct session *s = data;
        if (!s->done && !(error_status & (PAM_DATA_SILENT | PAM_DATA_REPLACE)) && s->pid == getpid()) {
                if (s->instance)
                        instance_close(NULL, s, NULL, NULL);
                else
                        (void)sbx_cgroup_session_close(s->cg, s->pid, s->kill_on_logout, NULL, NULL);
                (void)sbx_caps_revoke_inheritable(NULL);
                sweep_stale(NULL, s, false);
        }
        session_free(s);
}

/* Invariant: for a sandboxed user, every program that runs as the user because of this login runs in the sandbox,
 * or the session is refused: the passwd shell must be the helper (a forgotten chsh or an LDAP loginShell would give
 * that program, unsandboxed, with every service), and no systemd user manager of the user may run on the host. */
static int check_boundary(pam_handle_t *pamh, const struct args *a, const struct sbx_policy *p)
{
        struct sbx_err err = {0};
        if (sbx_boundary_login_shell(p, a->helper, &err) == 0 && sbx_boundary_user_manager(p, &err) == 0)
                return PAM_SUCCESS;
        pam_syslog(pamh, LOG_ERR, "Refusing the session of sandboxed user '%s': %s", p->user, err.msg);
        pam_error(pamh, "sandbox-shell: login refused: %s", err.msg);
        /* Not PAM_SESSION_ERR: sudo takes that one as a warning and runs the command anyway, here a shell that is
         * not the helper. Every service stops at PAM_PERM_DENIED. */
        return PAM_PERM_DENIED;
}

static int load_policy(pam_handle_t *pamh, const struct args *a, const char **ret_user, struct sbx_policy **ret)
{
        const void *item = NULL;
        struct sbx_err err = {0};

        if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || !item || !*(const char *)item) {
                pam_syslog(pamh, LOG_ERR, "No user name in the PAM handle");
                return PAM_USER_UNKNOWN;
        }
        *ret_user = item;
        int r = sbx_policy_load_user(a->confdir, *ret_user, ret, &err);
        if (r == -ESRCH) {
                pam_syslog(pamh, LOG_ERR, "Unknown user '%s'", *ret_user);
                return PAM_USER_UNKNOWN;
        }
        if (r == -ENOMEM) {
                pam_syslog(pamh, LOG_CRIT, "Out of memory loading the policy");
                return PAM_BUF_ERR;
        }
        if (r < 0) {
                /* Fail closed: an invalid config refuses the login even for a user it would not sandbox. */
                pam_syslog(pamh, LOG_ERR, "Invalid configuration in '%s': %s", a->confdir, err.msg);
                pam_error(pamh, "sandbox-shell: login refused: the sandbox configuration is invalid "
                                "(the administrator can see why in the system log).");
                return PAM_SERVICE_ERR;
        }
        return PAM_SUCCESS;
}

/* The open's line, once the sandbox is in place: its session= is the close line's, which pairs them. */
static void log_open(pam_handle_t *pamh, const struct session *s)
{
        const char *id = sbx_cgroup_session_id(s->cg);
        const char *backend = sbx_cgroup_backend_name(sbx_cgroup_session_backend(s->cg));
        char line[512];
        (void)snprintf(line, sizeof(line), "session opened: user=%s session=%s backend=%s%s", s->user, id, backend,
                       s->instance ? " instance=user" : "");
        struct sbx_journal_entry e;
        sbx_journal_init(&e, SBX_JOURNAL_SESSION_OPENED);
        add_session_fields(pamh, &e, s);
        sbx_journal_add(&e, "SANDBOX_BACKEND", "%s", backend);
        sbx_journal_add(&e, "SANDBOX_INSTANCE", "%s", s->instance ? "user" : "session");
        log_event(pamh, &e, line);
}

int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct args a;
        const char *user = NULL;
        _cleanup_policy_ struct sbx_policy *p = NULL;
        struct sbx_err err = {0};
        const void *old = NULL;

        int ret = parse_args(pamh, argc, argv, &a);
        if (ret != PAM_SUCCESS)
                return ret;
        ret = load_policy(pamh, &a, &user, &p);
        if (ret != PAM_SUCCESS)
                return ret;
        if (!p->sandbox) {
                if (a.debug)
                        pam_syslog(pamh, LOG_DEBUG, "User '%s' is not sandboxed", user);
                return PAM_IGNORE;
        }
        ret = check_boundary(pamh, &a, p);
        if (ret != PAM_SUCCESS)
                return ret;
        if (pam_get_data(pamh, DATA_NAME, &old) == PAM_SUCCESS && old && !((const struct session *)old)->done) {
                pam_syslog(pamh, LOG_ERR, "A sandbox session is already open in this PAM handle");
                return PAM_SESSION_ERR;
        }

        struct session *s = calloc(1, sizeof(*s));
        if (!s || !(s->user = strdup(user))) {
                free(s);
                return PAM_BUF_ERR;
        }
        s->reg.end_fd = -1;
        s->pid = getpid();
        s->kill_on_logout = p->kill_on_logout;
        s->instance = p->instance == SBX_INSTANCE_USER;
        s->linger = p->linger;
        s->gid = p->gid;
        s->uid = p->uid;
        s->backend = p->cgroup_backend;
        s->limits = p->limits;
        if (!(s->cgroup_root = strdup(p->cgroup_root))) {
                session_free(s);
                return PAM_BUF_ERR;
        }

        /* Instance user: the whole open under one hold of the user's lock, so that the instance found is the one
         * joined and two first logins make one instance. */
        int r = s->instance ? sbx_user_lock_hold(user, &err) : 0;
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Failed to lock the sessions of '%s': %s", user, err.msg);
                session_free(s);
                return PAM_SESSION_ERR;
        }

        /* MaxSessions: counted and recorded at once, under the user's lock. */
        unsigned open = 0;
        r = sbx_registry_enter(user, p->uid, s->pid, p->max_sessions, &open, &s->reg, &err);
        if (r < 0) {
                sbx_user_lock_release();
                session_free(s);
                if (r == -EUSERS) {
                        pam_syslog(pamh, LOG_NOTICE, "Refusing a session of '%s': %s", user, err.msg);
                        pam_error(pamh, "sandbox-shell: login refused: %s.", err.msg);
                        return PAM_PERM_DENIED;
                }
                pam_syslog(pamh, LOG_ERR, "Failed to record the session of '%s': %s", user, err.msg);
                pam_error(pamh, "sandbox-shell: login refused: the session could not be recorded: %s", err.msg);
                return r == -ENOMEM ? PAM_BUF_ERR : PAM_SESSION_ERR;
        }
        /* The helper finds its entry through the login's environment, to say why it ended the session. */
        char env[sizeof(SBX_SESSION_ENV) + sizeof(s->reg.user) + sizeof(s->reg.id) + 2];
        (void)snprintf(env, sizeof(env), "%s=%s-%s", SBX_SESSION_ENV, s->reg.user, s->reg.id);
        if (pam_putenv(pamh, env) != PAM_SUCCESS) {
                sbx_user_lock_release();
                session_free(s);
                return PAM_BUF_ERR;
        }

        const struct sbx_cgroup_params backend = {.backend = p->cgroup_backend};
        bool instance_in_scope = s->instance && sbx_cgroup_backend_of(&backend) == SBX_CGROUP_BACKEND_SYSTEMD;
        const struct sbx_cgroup_params params = {
                .backend = p->cgroup_backend,
                .cgroup_root = p->cgroup_root,
                .user = user,
                .uid = p->uid,
                .limits = &p->limits,
                /* cgroupfs: an instance's leaf is every login's, and no limit of one session goes on it. systemd:
                 * each login keeps logind's session scope, which takes them. */
                .session_limits = s->instance && !instance_in_scope ? NULL : &p->session_limits,
                .runtime_max_usec = sbx_policy_runtime_backstop(p),
                .kill_stale = p->kill_on_logout,
                .instance = s->instance,
                .pid = s->pid,
        };
        enum sbx_instance_role role = SBX_INSTANCE_CREATE;
        if (s->instance) {
                r = sbx_instance_open(&params, p->gid, s->reg.id, &role, &err);
                if (r < 0) {
                        sbx_user_lock_release();
                        pam_syslog(pamh, LOG_ERR, "Failed to find or make the instance of '%s': %s", user, err.msg);
                        pam_error(pamh, "sandbox-shell: login refused: the user's instance: %s", err.msg);
                        session_free(s);
                        return r == -ENOMEM ? PAM_BUF_ERR : PAM_SESSION_ERR;
                }
                /* systemd: the init is made here, in the instance's scope, and this login joins it too. */
                if (role == SBX_INSTANCE_CREATE && instance_in_scope) {
                        r = sbx_instance_make(&params, p->gid, a.helper, s->reg.id, &err);
                        if (r == 0)
                                r = sbx_instance_open(&params, p->gid, s->reg.id, &role, &err);
                        if (r == 0 && role != SBX_INSTANCE_JOIN)
                                r = sbx_err_setx(&err, ESRCH, "the instance's init made for it is not in '%s'",
                                                 "its scope");
                        if (r < 0) {
                                struct sbx_err ignored = {0};
                                (void)sbx_instance_end(&params, NULL, &ignored);
                                sbx_registry_leave(&s->reg);
                                sbx_user_lock_release();
                                pam_syslog(pamh, LOG_ERR, "Failed to make the instance of '%s': %s", user, err.msg);
                                pam_error(pamh, "sandbox-shell: login refused: the user's instance: %s", err.msg);
                                session_free(s);
                                return r == -ENOMEM ? PAM_BUF_ERR : PAM_SESSION_ERR;
                        }
                        role = SBX_INSTANCE_CREATE; /* for a rollback below: nobody else uses it yet */
                }
                if (a.debug)
                        pam_syslog(pamh, LOG_DEBUG, "Session of '%s' %s the instance", user,
                                   role == SBX_INSTANCE_CREATE ? "makes" : "joins");
        }
        /* The open cleans its own user's stale leaves only (sbx_cgroup_session_start), never every user's
         * (sbx_cgroup_sweep, which each close, `list`, `kill` and `metrics` run): a login storm's opens are the
         * start-up the benchmark measures, and a sweep there would read every leaf of every user on each of them,
         * while every session that opens closes later and sweeps then. What it would add is only the leaves of an
         * sshd killed outright, and those are empty: they cost a directory, not a process, until the next close. */
        r = sbx_cgroup_session_start(&params, &s->cg, &err);
        if (r < 0 && s->instance) {
                /* Nothing of an instance this login made (or that no other login uses) is left by its refusal. */
                sbx_registry_leave(&s->reg);
                struct sbx_err ignored = {0};
                if (sbx_registry_count(user) == 0 && role == SBX_INSTANCE_CREATE)
                        (void)sbx_instance_end(&params, NULL, &ignored);
                else if (sbx_registry_count(user) == 0) {
                        /* A join that failed leaves the instance as the last logout left it: Linger again. */
                        bool ended = false;
                        uint64_t deadline = 0;
                        struct sbx_cgroup_usage u;
                        if (sbx_instance_last_close(&params, p->gid, p->linger, &ended, &u, &deadline, &ignored) == 0 &&
                            !ended && deadline && deadline != SBX_LIMIT_INFINITY) {
                                pid_t w = start_linger(s, deadline);
                                if (w > 0 && sbx_instance_set_watcher(user, p->gid, w, &ignored) == 0)
                                        (void)sbx_cgroup_instance_attach(&params, w, &ignored);
                        }
                }
        }
        if (s->instance)
                sbx_user_lock_release();
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Failed to set up the cgroup of '%s': %s", user, err.msg);
                pam_error(pamh, "sandbox-shell: login refused: the session's resource limits could not be set up: %s",
                          err.msg);
                session_free(s);
                return r == -ENOMEM ? PAM_BUF_ERR : PAM_SESSION_ERR;
        }
        /* The grant goes only into the inheritable set: the login shell sandbox-shell gains the capabilities through
         * its own file capabilities (+ei), no other program the user runs can. */
        r = sbx_caps_grant_inheritable(&err);
        if (r == 0 && pam_set_data(pamh, DATA_NAME, s, session_cleanup) != PAM_SUCCESS)
                r = sbx_err_setx(&err, ENOMEM, "pam_set_data");
        if (r < 0) {
                pam_syslog(pamh, LOG_ERR, "Failed to grant the sandbox capabilities for '%s': %s", user, err.msg);
                pam_error(pamh, "sandbox-shell: login refused: the sandbox capabilities could not be granted: %s",
                          err.msg);
                if (s->instance)
                        (void)instance_close(pamh, s, NULL, NULL);
                else
                        (void)sbx_cgroup_session_close(s->cg, s->pid, true, NULL, NULL);
                (void)sbx_caps_revoke_inheritable(NULL);
                session_free(s);
                return r == -ENOMEM ? PAM_BUF_ERR : PAM_SESSION_ERR;
        }
        if (a.debug)
                pam_syslog(pamh, LOG_DEBUG, "Session %s of '%s' in %s (%s, %s backend)", sbx_cgroup_session_id(s->cg),
                           user, sbx_cgroup_session_leaf(s->cg),
                           sbx_cgroup_layout_name(sbx_cgroup_session_layout(s->cg)),
                           sbx_cgroup_backend_name(sbx_cgroup_session_backend(s->cg)));
        log_open(pamh, s);
        return PAM_SUCCESS;
}

static void fmt_u64(char *buf, size_t size, uint64_t v)
{
        if (v == SBX_CGROUP_UNKNOWN)
                (void)snprintf(buf, size, "n/a");
        else
                (void)snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* "peak_memory_bytes=... cpu_seconds=... oom_kills=... tasks_max_hits=...", each name after `prefix`. */
static void fmt_usage(char *buf, size_t size, const char *prefix, const struct sbx_cgroup_usage *u)
{
        char mem[32], oom[32], hits[32], cpu[32];
        fmt_u64(mem, sizeof(mem), u->memory_peak);
        fmt_u64(oom, sizeof(oom), u->oom_kills);
        fmt_u64(hits, sizeof(hits), u->tasks_max_hits);
        if (u->cpu_usec == SBX_CGROUP_UNKNOWN)
                (void)snprintf(cpu, sizeof(cpu), "n/a");
        else
                (void)snprintf(cpu, sizeof(cpu), "%.3f", (double)u->cpu_usec / 1e6);
        (void)snprintf(buf, size, "%speak_memory_bytes=%s %scpu_seconds=%s %soom_kills=%s %stasks_max_hits=%s", prefix,
                       mem, prefix, cpu, prefix, oom, prefix, hits);
}

int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct args a;
        const void *data = NULL;
        struct sbx_err err = {0};
        struct sbx_cgroup_usage u;
        unsigned left = 0;

        int ret = parse_args(pamh, argc, argv, &a);
        if (ret != PAM_SUCCESS)
                return ret;
        if (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || !data || ((struct session *)data)->done)
                return PAM_IGNORE; /* not a session this module opened */
        struct session *s = (struct session *)data;
        if (s->pid != getpid()) {
                pam_syslog(pamh, LOG_ERR, "Session of '%s' closed by process %d, opened by %d: not torn down", s->user,
                           (int)getpid(), (int)s->pid);
                return PAM_SESSION_ERR;
        }

        /* Usage first: it goes with the leaf. */
        struct sbx_cgroup_usage uu;
        sbx_cgroup_session_usage(s->cg, &u, &uu);
        struct timespec now, start = sbx_cgroup_session_started(s->cg);
        (void)clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t usec = (int64_t)(now.tv_sec - start.tv_sec) * 1000000 + (now.tv_nsec - start.tv_nsec) / 1000;
        if (usec < 0)
                usec = 0;
        char end[32];
        sbx_registry_end_reason(&s->reg, end, sizeof(end));
        /* end=: runtime-max or idle when the helper ended the session for its policy, logout otherwise. */
        const char *why = end[0] ? end : "logout";

        int r = s->instance ? instance_close(pamh, s, &left, &err)
                            : sbx_cgroup_session_close(s->cg, s->pid, s->kill_on_logout, &left, &err);
        if (r < 0)
                pam_syslog(pamh, LOG_ERR, "Failed to tear down the cgroup of session %s of '%s': %s",
                           sbx_cgroup_session_id(s->cg), s->user, err.msg);
        struct sbx_err cerr = {0};
        int rc = sbx_caps_revoke_inheritable(&cerr);
        if (rc < 0)
                pam_syslog(pamh, LOG_ERR, "Failed to revoke the sandbox capabilities: %s", cerr.msg);

        char session[256], user[256], procs[64];
        fmt_usage(session, sizeof(session), "", &u);
        fmt_usage(user, sizeof(user), "user_", &uu);
        bool left_running = !s->instance && !s->kill_on_logout;
        const char *processes = s->instance    ? "instance"
                                : left_running ? "left-running"
                                : r < 0        ? "kill-failed"
                                               : "killed";
        if (left_running)
                (void)snprintf(procs, sizeof(procs), "%s:%u", processes, left);
        else
                (void)snprintf(procs, sizeof(procs), "%s", processes);
        /* The user_ figures are the user's cgroup as a whole (every open session of the user), read at this close. */
        char line[1024];
        (void)snprintf(line, sizeof(line),
                       "session closed: user=%s session=%s duration=%.1fs end=%s %s %s processes=%s", s->user,
                       sbx_cgroup_session_id(s->cg), (double)usec / 1e6, why, session, user, procs);
        struct sbx_journal_entry e;
        sbx_journal_init(&e, SBX_JOURNAL_SESSION_CLOSED);
        add_session_fields(pamh, &e, s);
        sbx_journal_add_u64(&e, "SANDBOX_DURATION_USEC", (uint64_t)usec);
        sbx_journal_add(&e, "SANDBOX_END", "%s", why);
        sbx_journal_add_usage(&e, "SANDBOX_", &u);
        sbx_journal_add_usage(&e, "SANDBOX_USER_", &uu);
        sbx_journal_add(&e, "SANDBOX_PROCESSES", "%s", processes);
        if (left_running)
                sbx_journal_add(&e, "SANDBOX_PROCESSES_LEFT", "%u", left);
        log_event(pamh, &e, line);
        sweep_stale(pamh, s, a.debug);

        s->done = true;
        (void)pam_set_data(pamh, DATA_NAME, NULL, NULL); /* frees s through session_cleanup (PAM_DATA_REPLACE) */
        return r < 0 || rc < 0 ? PAM_SESSION_ERR : PAM_SUCCESS;
}

int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct args a;
        const void *data = NULL;
        struct sbx_err err = {0};

        int ret = parse_args(pamh, argc, argv, &a);
        if (ret != PAM_SUCCESS)
                return ret;
        if (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || !data)
                return PAM_IGNORE;
        const struct session *s = data;
        /* Not only in the process that opened the session: sshd opens it in its monitor, then forks the process that
         * becomes the user's and calls setcred there again (PAM_REINITIALIZE_CRED, after initgroups), where pam_cap
         * resets the inheritable set. That child inherited the grant and is the shell's ancestor: raise it there. */
        if (s->done || (flags & PAM_DELETE_CRED))
                return PAM_IGNORE;
        /* A module before us (pam_cap) may have reset the inheritable set: put the grant back. */
        if (sbx_caps_grant_inheritable(&err) < 0) {
                pam_syslog(pamh, LOG_ERR, "Failed to raise the sandbox capabilities again: %s", err.msg);
                pam_error(pamh, "sandbox-shell: login refused: the sandbox capabilities could not be granted: %s",
                          err.msg);
                return PAM_CRED_ERR;
        }
        if (a.debug)
                pam_syslog(pamh, LOG_DEBUG, "Capability grant of '%s' raised again", s->user);
        return PAM_SUCCESS;
}

static void data_free(pam_handle_t *pamh, void *data, int error_status)
{
        free(data);
}

/* The account phase runs before every session stack (sshd runs it for public-key logins too, which skip auth): it
 * hands pam_systemd the backstop of RuntimeMaxSec as PAM data, and logind makes the session's scope with it
 * (systemd takes RuntimeMaxUSec only when it makes a scope). It decides nothing: the session phase refuses what
 * cannot be set up, with its message, and reads the scope's value back. */
int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct args a;
        const char *user = NULL;
        _cleanup_policy_ struct sbx_policy *p = NULL;

        if (parse_args(pamh, argc, argv, &a) != PAM_SUCCESS)
                return PAM_IGNORE;
        const void *item = NULL;
        if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || !item || !*(const char *)item)
                return PAM_IGNORE;
        user = item;
        struct sbx_err err = {0};
        if (sbx_policy_load_user(a.confdir, user, &p, &err) < 0 || !p->sandbox)
                return PAM_IGNORE; /* the session phase says why, and refuses */
        uint64_t backstop = sbx_policy_runtime_backstop(p);
        if (backstop == SBX_LIMIT_UNSET)
                return PAM_IGNORE;
        char *v = NULL;
        if (asprintf(&v, "%lluus", (unsigned long long)backstop) < 0)
                return PAM_BUF_ERR;
        if (pam_set_data(pamh, "systemd.runtime_max_sec", v, data_free) != PAM_SUCCESS) {
                free(v);
                return PAM_BUF_ERR;
        }
        if (a.debug)
                pam_syslog(pamh, LOG_DEBUG, "RuntimeMaxSec of '%s' for logind's scope: %s", user, v);
        return PAM_IGNORE;
}

int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return PAM_IGNORE; /* present only so that the module can sit in the auth stack for setcred */
}
