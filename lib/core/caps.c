/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "caps.h"
#include "fault.h"
#include "procfs.h"

static void cap_freep(cap_t *c)
{
        if (*c)
                (void)cap_free(*c);
}
#define _cleanup_cap_ _cleanup_(cap_freep)

/* Parses SBX_HELPER_CAPS ("cap_sys_admin,cap_setpcap,...") into values. */
static int helper_caps(cap_value_t *vals, size_t max, size_t *ret_n, struct sbx_err *err)
{
        _cleanup_free_ char *list = strdup(SBX_HELPER_CAPS);
        size_t n = 0;
        char *save = NULL;

        if (!list)
                return sbx_err_set(err, ENOMEM, "capability list");
        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (n >= max)
                        return sbx_err_setx(err, EINVAL, "too many helper capabilities");
                if (cap_from_name(tok, &vals[n]) < 0)
                        return sbx_err_setx(err, EINVAL, "unknown capability '%s' in SBX_HELPER_CAPS", tok);
                n++;
        }
        *ret_n = n;
        return 0;
}

static int set_inheritable(cap_flag_value_t v, struct sbx_err *err)
{
        cap_value_t vals[16];
        size_t n;
        int r = helper_caps(vals, ELEMENTSOF(vals), &n, err);
        if (r < 0)
                return r;

        _cleanup_cap_ cap_t caps = cap_get_proc();
        if (!caps)
                return sbx_err_set(err, errno, "read process capabilities");
        if (cap_set_flag(caps, CAP_INHERITABLE, (int)n, vals, v) < 0)
                return sbx_err_set(err, errno, "set inheritable capabilities");
        /* Raising is a step of the login's setup (a fault-injection point), lowering one of its end. */
        if ((v == CAP_SET && sbx_fault("raise the inheritable capabilities %s", SBX_HELPER_CAPS) < 0) ||
            cap_set_proc(caps) < 0)
                return sbx_err_set(err, errno, "%s the inheritable capabilities %s", v == CAP_SET ? "raise" : "lower",
                                   SBX_HELPER_CAPS);
        return 0;
}

int sbx_caps_grant_inheritable(struct sbx_err *err)
{
        return set_inheritable(CAP_SET, err);
}

int sbx_caps_revoke_inheritable(struct sbx_err *err)
{
        return set_inheritable(CAP_CLEAR, err);
}

static bool all_in(cap_flag_t flag)
{
        cap_value_t vals[16];
        size_t n;
        if (helper_caps(vals, ELEMENTSOF(vals), &n, NULL) < 0)
                return false;
        _cleanup_cap_ cap_t caps = cap_get_proc();
        if (!caps)
                return false;
        for (size_t i = 0; i < n; i++) {
                cap_flag_value_t v = CAP_CLEAR;
                if (cap_get_flag(caps, vals[i], flag, &v) < 0 || v != CAP_SET)
                        return false;
        }
        return true;
}

bool sbx_caps_inheritable_granted(void)
{
        return all_in(CAP_INHERITABLE);
}

int sbx_caps_missing_permitted(char **ret_missing, struct sbx_err *err)
{
        cap_value_t vals[16];
        size_t n;
        int r = helper_caps(vals, ELEMENTSOF(vals), &n, err);
        if (r < 0)
                return r;
        _cleanup_cap_ cap_t caps = cap_get_proc();
        if (!caps)
                return sbx_err_set(err, errno, "read process capabilities");

        char buf[512] = "";
        for (size_t i = 0; i < n; i++) {
                cap_flag_value_t v = CAP_CLEAR;
                if (cap_get_flag(caps, vals[i], CAP_PERMITTED, &v) < 0 || v != CAP_SET) {
                        _cleanup_(cap_free) char *name = cap_to_name(vals[i]);
                        if (buf[0])
                                (void)strlcat(buf, ",", sizeof(buf));
                        (void)strlcat(buf, name ? name : "?", sizeof(buf));
                }
        }
        *ret_missing = strdup(buf);
        if (!*ret_missing)
                return sbx_err_set(err, ENOMEM, "capability list");
        return 0;
}

int sbx_caps_effective(bool on, struct sbx_err *err)
{
        _cleanup_cap_ cap_t caps = cap_get_proc();
        if (!caps)
                return sbx_err_set(err, errno, "read process capabilities");
        if (on) {
                for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
                        cap_flag_value_t v = CAP_CLEAR;
                        if (cap_get_flag(caps, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET &&
                            cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_SET) < 0)
                                return sbx_err_set(err, errno, "set effective capabilities");
                }
        } else if (cap_clear_flag(caps, CAP_EFFECTIVE) < 0)
                return sbx_err_set(err, errno, "clear effective capabilities");
        if (cap_set_proc(caps) < 0)
                return sbx_err_set(err, errno, "%s the effective capabilities", on ? "raise" : "lower");
        return 0;
}

int sbx_caps_drop_join(struct sbx_err *err)
{
        _cleanup_cap_ cap_t caps = cap_get_proc();
        if (!caps)
                return sbx_err_set(err, errno, "read process capabilities");
        static const cap_value_t join[] = {CAP_SYS_PTRACE, CAP_SYS_CHROOT};
        if (cap_set_flag(caps, CAP_EFFECTIVE, 2, join, CAP_CLEAR) < 0 ||
            cap_set_flag(caps, CAP_PERMITTED, 2, join, CAP_CLEAR) < 0 ||
            cap_set_flag(caps, CAP_INHERITABLE, 2, join, CAP_CLEAR) < 0)
                return sbx_err_set(err, errno, "set capabilities");
        if (sbx_fault("drop the capabilities of the join") < 0 || cap_set_proc(caps) < 0)
                return sbx_err_set(err, errno, "drop the capabilities of the join");
        return 0;
}

int sbx_caps_verify_none(bool bounding, struct sbx_err *err)
{
        _cleanup_cap_ cap_t caps = cap_get_proc();
        if (!caps)
                return sbx_err_set(err, errno, "read process capabilities");
        _cleanup_cap_ cap_t empty = cap_init();
        if (!empty)
                return sbx_err_set(err, ENOMEM, "capability set");

        int diff = cap_compare(caps, empty);
        if (diff < 0)
                return sbx_err_set(err, errno, "compare capabilities");
        if (CAP_DIFFERS(diff, CAP_EFFECTIVE))
                return sbx_err_setx(err, EPERM, "capabilities remain in the effective set");
        if (CAP_DIFFERS(diff, CAP_PERMITTED))
                return sbx_err_setx(err, EPERM, "capabilities remain in the permitted set");
        if (CAP_DIFFERS(diff, CAP_INHERITABLE))
                return sbx_err_setx(err, EPERM, "capabilities remain in the inheritable set");

        /* The ambient and bounding sets, both from one read of /proc/self/status (the kernel prints every
         * capability it knows there); where that cannot be read, from the kernel one capability at a time. */
        static const char *const fields[] = {"CapAmb", "CapBnd"};
        uint64_t sets[2];
        if (sbx_proc_status(0, fields, sets, ELEMENTSOF(sets)) == 0) {
                for (cap_value_t c = 0; c < 64; c++) {
                        if (sets[0] & (UINT64_C(1) << c))
                                return sbx_err_setx(err, EPERM, "capability %d remains in the ambient set", c);
                        if (bounding && (sets[1] & (UINT64_C(1) << c)))
                                return sbx_err_setx(err, EPERM, "capability %d remains in the bounding set", c);
                }
                return 0;
        }
        for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
                int a = cap_get_ambient(c);
                if (a > 0)
                        return sbx_err_setx(err, EPERM, "capability %d remains in the ambient set", c);
                if (bounding && cap_get_bound(c) > 0)
                        return sbx_err_setx(err, EPERM, "capability %d remains in the bounding set", c);
        }
        return 0;
}

int sbx_caps_drop_all(bool bounding, struct sbx_err *err)
{
        /* The bounding set first: dropping from it needs CAP_SETPCAP in the effective set, which goes next. One call
         * per capability: dropping one already gone is no error, EINVAL is a capability this kernel does not know. */
        if (bounding)
                for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
                        if (cap_drop_bound(c) < 0 && errno != EINVAL)
                                return sbx_err_set(err, errno, "drop capability %d from the bounding set", c);

        /* The whole ambient set in one call (libcap's cap_reset_ambient reads every bit first); the read-back below
         * checks it bit by bit all the same. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return sbx_err_set(err, errno, "clear the ambient capability set");

        _cleanup_cap_ cap_t empty = cap_init();
        if (!empty)
                return sbx_err_set(err, ENOMEM, "capability set");
        /* The helper drops twice, in PID 1 (with the bounding set) and in the outer half: two steps. */
        SBX_STEP(err, cap_set_proc(empty), "clear the capability sets%s", bounding ? "" : " of the outer half");

        /* Invariant: check the drop by reading the sets back (OpenSSH checks a uid drop by trying to undo it). */
        return sbx_caps_verify_none(bounding, err);
}
