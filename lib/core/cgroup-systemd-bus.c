/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The D-Bus half of the systemd backend (cgroup-systemd.h), built only with libsystemd: talks to systemd as root from
 * pam_sm_open_session, after pam_systemd has put the login into its session scope. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>

#include "cgroup-internal.h"
#include "cgroup-systemd.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

/* How long systemd gets to make a transient scope and to write the limits into the cgroup files: it answers the
 * method call first and realises the cgroup in a later turn of its event loop. */
#define SD_SETTLE_MS 5000

static void busp(sd_bus **b)
{
        if (*b)
                (void)sd_bus_flush_close_unref(*b);
}

static void sd_freep(char **p)
{
        free(*p);
}

/* Invariant: the address is fixed, never $DBUS_SYSTEM_BUS_ADDRESS: `su` runs this module with the environment of the
 * user who called it, who could otherwise point it at a bus of their own that pretends to be systemd. systemd's own
 * private socket (root only, what systemctl uses as root) works without dbus-daemon; the system bus is the fallback. */
static int bus_connect(sd_bus **ret, struct sbx_err *err)
{
        static const struct {
                const char *socket;
                bool client;
        } addrs[] = {
                {"/run/systemd/private", false},
                {"/run/dbus/system_bus_socket", true},
        };
        int r = -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(addrs); i++) {
                _cleanup_(busp) sd_bus *bus = NULL;
                char addr[128];
                if (access(addrs[i].socket, F_OK) < 0)
                        continue;
                (void)snprintf(addr, sizeof(addr), "unix:path=%s", addrs[i].socket);
                if ((r = sd_bus_new(&bus)) < 0 || (r = sd_bus_set_address(bus, addr)) < 0 ||
                    (r = sd_bus_set_bus_client(bus, addrs[i].client)) < 0 ||
                    (r = sd_bus_set_method_call_timeout(bus, 10 * 1000000ULL)) < 0 || (r = sd_bus_start(bus)) < 0)
                        continue;
                *ret = TAKE_PTR(bus);
                return 0;
        }
        return sbx_err_set(err, -r, "connect to systemd (/run/systemd/private, /run/dbus/system_bus_socket)");
}

static int call_error(struct sbx_err *err, int r, const sd_bus_error *e, const char *what, const char *unit)
{
        if (sd_bus_error_is_set(e))
                return sbx_err_setx(err, sd_bus_error_get_errno(e) ?: -r, "%s '%s': %s", what, unit, e->message);
        return sbx_err_set(err, -r, "%s '%s'", what, unit);
}

/* The unit's ControlGroup ("/user.slice/user-1000.slice"), made absolute below the unified mount; and an O_PATH fd. */
static int unit_cgroup(sd_bus *bus, const char *unit, const char *iface, char *buf, size_t size, int *ret_fd,
                       struct sbx_err *err)
{
        _cleanup_(sd_freep) char *path = NULL;
        _cleanup_(sd_freep) char *cg = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_path_encode(SD_PATH "/unit", unit, &path);
        if (r < 0)
                return sbx_err_set(err, -r, "unit path of '%s'", unit);
        r = sd_bus_get_property_string(bus, SD_DEST, path, iface, "ControlGroup", &e, &cg);
        if (r < 0) {
                r = call_error(err, r, &e, "read ControlGroup of", unit);
                sd_bus_error_free(&e);
                return r;
        }
        if (cg[0] != '/' || strstr(cg, "/.."))
                return sbx_err_setx(err, ENOENT, "unit '%s' has no cgroup (ControlGroup '%s')", unit, cg);
        if ((size_t)snprintf(buf, size, "%s%s", SBX_SD_CGROUP_MOUNT, cg) >= size)
                return sbx_err_setx(err, ENAMETOOLONG, "cgroup of '%s' too long", unit);
        if (ret_fd && (*ret_fd = open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return sbx_err_set(err, errno, "open cgroup '%s' of '%s'", buf, unit);
        return 0;
}

static int active_state(sd_bus *bus, const char *unit, char *buf, size_t size, struct sbx_err *err);

int sbx_sd_unit_active_state(const char *unit, char *buf, size_t size, struct sbx_err *err)
{
        _cleanup_(busp) sd_bus *bus = NULL;
        int r = bus_connect(&bus, err);
        return r < 0 ? r : active_state(bus, unit, buf, size, err);
}

/* StartTransientUnit: a scope in the user's slice holding `pid`, and waits until systemd moved it there. */
static int start_scope(sd_bus *bus, const char *unit, const char *slice, const char *desc, pid_t pid,
                       uint64_t runtime_max, bool delegate, struct sbx_err *err)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)", "Description", "s", desc, "Slice", "s", slice, "PIDs",
                                          "au", 1, (uint32_t)pid,
                                          /* gone once empty, even after a failure */
                                          "CollectMode", "s", "inactive-or-failed");
        /* An instance's scope takes root's Linger process later (AttachProcessesToUnit, which systemd allows only
         * into a delegated unit); nothing in it writes a cgroup file (they stay root's). */
        if (r >= 0 && delegate)
                r = sd_bus_message_append(m, "(sv)", "Delegate", "b", 1);
        /* systemd takes a scope's RuntimeMaxUSec only when it makes the scope. */
        if (r >= 0 && runtime_max != SBX_LIMIT_UNSET)
                r = sd_bus_message_append(m, "(sv)", "RuntimeMaxUSec", "t", runtime_max);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return sbx_err_set(err, -r, "build StartTransientUnit for '%s'", unit);
        r = sd_bus_call(bus, m, 0, &e, &reply);
        if (r < 0) {
                r = sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists")
                            ? sbx_err_setx(err, EEXIST, "StartTransientUnit '%s': %s", unit, e.message)
                            : call_error(err, r, &e, "StartTransientUnit", unit);
                sd_bus_error_free(&e);
                return r;
        }
        for (long end = sbx_now_ms() + SD_SETTLE_MS;;) {
                _cleanup_(sd_freep) char *cur = NULL;
                if (sd_pid_get_unit(pid, &cur) >= 0 && streq(cur, unit))
                        return 0;
                if (sbx_now_ms() > end)
                        return sbx_err_setx(err, ETIMEDOUT, "systemd did not move process %d into '%s' (it is in '%s')",
                                            (int)pid, unit, cur ? cur : "no unit");
                sbx_cg_sleep_ms(10);
        }
}

/* SetUnitProperties(runtime=true) of the limits p[0..n): the values live in /run/systemd/system.control (gone at
 * reboot) and act at once. */
static int set_unit_properties(sd_bus *bus, const char *unit, const struct sbx_sd_prop *p, size_t n,
                               struct sbx_err *err)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", unit, 1);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(m, "(sv)", p[i].property, "t", p[i].value);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return sbx_err_set(err, -r, "build SetUnitProperties for '%s'", unit);
        r = sd_bus_call(bus, m, 0, &e, NULL);
        if (r < 0) {
                r = call_error(err, r, &e, "SetUnitProperties on", unit);
                sd_bus_error_free(&e);
                return r;
        }
        return 0; /* sd_bus_call's 1: the read-back must follow */
}

/* Reads RuntimeMaxUSec of the scope back: systemd applies it at once or not at all. On logind's scope (not
 * `transient`) pam_systemd set it from the PAM data the account phase left (pam_sandbox.c). */
static int verify_runtime_max(sd_bus *bus, const char *unit, bool transient, uint64_t want, struct sbx_err *err)
{
        _cleanup_(sd_freep) char *path = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        uint64_t got = 0;
        int r = sd_bus_path_encode(SD_PATH "/unit", unit, &path);
        if (r < 0)
                return sbx_err_set(err, -r, "unit path of '%s'", unit);
        r = sd_bus_get_property_trivial(bus, SD_DEST, path, "org.freedesktop.systemd1.Scope", "RuntimeMaxUSec", &e, 't',
                                        &got);
        if (r < 0) {
                r = call_error(err, r, &e, "read RuntimeMaxUSec of", unit);
                sd_bus_error_free(&e);
                return r;
        }
        if (got != want)
                return sbx_err_setx(
                        err, EOPNOTSUPP, "%s is not in force: '%s' has RuntimeMaxUSec %llu, expected %llu%s",
                        sbx_key_name(SBX_KEY_RUNTIME_MAX_SEC), unit, (unsigned long long)got, (unsigned long long)want,
                        transient ? ""
                                  : " (logind makes the session's scope with it when the service's PAM "
                                    "file has the line \"account optional pam_sandbox.so\", see "
                                    "pam_sandbox(8))");
        return 0;
}

/* Reads every limit back from the unit's cgroup files (read only), giving systemd SD_SETTLE_MS to write them. */
static int verify_limits(int fd, const char *cgroup, const char *unit, const struct sbx_sd_prop *p, size_t n,
                         struct sbx_err *err)
{
        unsigned long pagesize = (unsigned long)sysconf(_SC_PAGESIZE);
        long end = sbx_now_ms() + SD_SETTLE_MS;
        for (size_t i = 0; i < n; i++) {
                char buf[256];
                ssize_t len;
                while (!((len = sbx_cg_read(fd, p[i].file, buf, sizeof(buf))) >= 0 &&
                         sbx_sd_value_matches(&p[i], buf, pagesize))) {
                        if (sbx_now_ms() <= end) {
                                sbx_cg_sleep_ms(20);
                                continue;
                        }
                        if (len == -ENOENT)
                                return sbx_err_setx(
                                        err, EOPNOTSUPP,
                                        "%s cannot be applied: systemd set it on '%s', but '%s/%s' does not "
                                        "exist (the kernel or systemd does not offer it there)",
                                        p[i].keyword, unit, cgroup, p[i].file);
                        if (len < 0)
                                return sbx_err_set(err, (int)-len, "%s: read '%s/%s'", p[i].keyword, cgroup, p[i].file);
                        buf[strcspn(buf, "\n")] = '\0';
                        return sbx_err_setx(err, EOPNOTSUPP, "%s is not in force: '%s/%s' holds '%s', expected '%s'",
                                            p[i].keyword, cgroup, p[i].file, buf, p[i].expect);
                }
        }
        return 0;
}

int sbx_sd_session_open(const struct sbx_cgroup_params *p, struct sbx_sd_session **ret, struct sbx_err *err)
{
        _cleanup_(busp) sd_bus *bus = NULL;
        _cleanup_(sd_freep) char *unit = NULL;
        _cleanup_(sd_freep) char *own_slice = NULL;
        struct sbx_sd_prop props[SBX_SD_MAX_PROPS], session_props[SBX_SD_MAX_PROPS];
        char slice[64], slice_cg[4096];
        _cleanup_close_ int slice_fd = -1;
        uid_t owner = 0;

        struct sbx_sd_session *s = calloc(1, sizeof(*s));
        if (!s)
                return sbx_err_set(err, ENOMEM, "systemd session");
        s->cg_fd = -1;
        s->slice_fd = -1;
        int r = sbx_sd_slice_name(p->uid, slice, sizeof(slice));
        if (r < 0) {
                r = sbx_err_set(err, -r, "slice name of uid %u", (unsigned)p->uid);
                goto out;
        }
        if ((r = bus_connect(&bus, err)) < 0)
                goto out;

        /* The login's own scope is logind's session-N.scope when pam_systemd ran for this very user. Under `su` from
         * another session the process is still in the caller's scope, which is never touched: a scope of ours. */
        int ur = sd_pid_get_unit(p->pid, &unit);
        (void)sd_pid_get_slice(p->pid, &own_slice);
        int owr = sd_pid_get_owner_uid(p->pid, &owner);
        if (ur >= 0 && sbx_sd_scope_is_own(unit, own_slice, owr, owner, p->uid)) {
                (void)strlcpy(s->unit, unit, sizeof(s->unit));
        } else {
                if ((r = sbx_sd_scope_name(p->user, p->pid, s->unit, sizeof(s->unit))) < 0) {
                        r = sbx_err_set(err, -r, "scope name for '%s'", p->user);
                        goto out;
                }
                char desc[128];
                (void)snprintf(desc, sizeof(desc), "sandbox-shell session of %s", p->user);
                if ((r = start_scope(bus, s->unit, slice, desc, p->pid, p->runtime_max_usec, false, err)) < 0)
                        goto out;
                s->transient = true;
        }
        if ((r = unit_cgroup(bus, s->unit, "org.freedesktop.systemd1.Scope", s->cgroup, sizeof(s->cgroup), &s->cg_fd,
                             err)) < 0)
                goto out;
        /* Invariant: the session's scope is inside the slice that carries the limits. */
        if ((r = unit_cgroup(bus, slice, "org.freedesktop.systemd1.Slice", slice_cg, sizeof(slice_cg), &slice_fd,
                             err)) < 0)
                goto out;
        size_t sl = strlen(slice_cg);
        if (strncmp(s->cgroup, slice_cg, sl) != 0 || s->cgroup[sl] != '/') {
                r = sbx_err_setx(err, EINVAL, "scope '%s' (%s) is not inside '%s' (%s)", s->unit, s->cgroup, slice,
                                 slice_cg);
                goto out;
        }
        size_t n = sbx_sd_properties(p->limits, SBX_PLACE_LIMIT, props);
        if (n > 0 && (r = set_unit_properties(bus, slice, props, n, err)) == 0)
                r = verify_limits(slice_fd, slice_cg, slice, props, n, err);
        if (r < 0)
                goto out;
        /* The session's own limits go on its scope. The backstop of RuntimeMaxSec is set when the scope is made
         * (systemd refuses RuntimeMaxUSec on a running scope): by us on a scope of ours, by logind on its own from
         * what the account phase handed pam_systemd. Either way it is read back. */
        size_t sn = p->session_limits ? sbx_sd_properties(p->session_limits, SBX_PLACE_SESSION, session_props) : 0;
        if (sn > 0 && (r = set_unit_properties(bus, s->unit, session_props, sn, err)) == 0)
                r = verify_limits(s->cg_fd, s->cgroup, s->unit, session_props, sn, err);
        if (r == 0 && p->runtime_max_usec != SBX_LIMIT_UNSET)
                r = verify_runtime_max(bus, s->unit, s->transient, p->runtime_max_usec, err);
        if (r == 0)
                s->slice_fd = TAKE_FD(slice_fd);
out:
        if (r < 0) {
                /* A transient scope of ours holds the caller now; it ends, empty, when the refused login exits. */
                sbx_sd_session_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* ---- Instance user ---- */

/* The unit's object exists for any name: systemd loads it on demand ("inactive" when there is no such unit). */
static int active_state(sd_bus *bus, const char *unit, char *buf, size_t size, struct sbx_err *err)
{
        _cleanup_(sd_freep) char *path = NULL;
        _cleanup_(sd_freep) char *state = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_path_encode(SD_PATH "/unit", unit, &path);
        if (r < 0)
                return sbx_err_set(err, -r, "unit path of '%s'", unit);
        r = sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Unit", "ActiveState", &e, &state);
        if (r < 0) {
                r = call_error(err, r, &e, "read ActiveState of", unit);
                sd_bus_error_free(&e);
                return r;
        }
        (void)strlcpy(buf, state, size);
        return 0;
}

/* The scope of an instance that ended lingers until systemd sees it empty and collects it: what is left in it is a
 * dead instance's, and the scope is stopped (its processes killed by systemd) before the name is used again. */
static int stop_stale(sd_bus *bus, const char *unit, struct sbx_err *err)
{
        char state[64];
        int r = active_state(bus, unit, state, sizeof(state), err);
        if (r < 0)
                return r;
        if (streq(state, "inactive") || streq(state, "failed"))
                return 0;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &e, NULL, "ss", unit, "replace");
        if (r < 0 && !sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")) {
                r = call_error(err, r, &e, "StopUnit", unit);
                sd_bus_error_free(&e);
                return r;
        }
        sd_bus_error_free(&e);
        for (long end = sbx_now_ms() + SD_SETTLE_MS;;) {
                if ((r = active_state(bus, unit, state, sizeof(state), err)) < 0)
                        return r;
                if (streq(state, "inactive") || streq(state, "failed"))
                        return 0;
                if (sbx_now_ms() > end)
                        return sbx_err_setx(err, ETIMEDOUT, "the scope '%s' of an ended instance does not stop (%s)",
                                            unit, state);
                sbx_cg_sleep_ms(10);
        }
}

int sbx_sd_instance_place(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err)
{
        _cleanup_(busp) sd_bus *bus = NULL;
        char unit[256], path[4096], slice[64], desc[128];
        int r = sbx_sd_instance_scope(p->user, p->uid, unit, sizeof(unit), path, sizeof(path));
        if (r == 0)
                r = sbx_sd_slice_name(p->uid, slice, sizeof(slice));
        if (r < 0)
                return sbx_err_set(err, -r, "the instance's scope for '%s'", p->user);
        (void)snprintf(desc, sizeof(desc), "sandbox-shell instance of %s", p->user);
        if ((r = bus_connect(&bus, err)) < 0)
                return r;
        for (long end = sbx_now_ms() + SD_SETTLE_MS;;) {
                if ((r = stop_stale(bus, unit, err)) < 0)
                        return r;
                r = start_scope(bus, unit, slice, desc, pid, SBX_LIMIT_UNSET, true, err);
                /* Stopped, but not yet collected: the name is taken a little longer. */
                if (r == -EEXIST && sbx_now_ms() <= end) {
                        sbx_cg_sleep_ms(20);
                        continue;
                }
                return r;
        }
}

int sbx_sd_instance_attach(const struct sbx_cgroup_params *p, pid_t pid, struct sbx_err *err)
{
        _cleanup_(busp) sd_bus *bus = NULL;
        char unit[256], path[4096];
        int r = sbx_sd_instance_scope(p->user, p->uid, unit, sizeof(unit), path, sizeof(path));
        if (r < 0)
                return sbx_err_set(err, -r, "the instance's scope for '%s'", p->user);
        if ((r = bus_connect(&bus, err)) < 0)
                return r;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "AttachProcessesToUnit", &e, NULL, "ssau", unit, "",
                               1, (uint32_t)pid);
        if (r < 0) {
                r = call_error(err, r, &e, "AttachProcessesToUnit", unit);
                sd_bus_error_free(&e);
        }
        return r < 0 ? r : 0;
}
