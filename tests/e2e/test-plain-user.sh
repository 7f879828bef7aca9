#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A user the policy does not sandbox logs in normally through the same PAM stacks (pam_sandbox answers PAM_IGNORE):
# a normal shell, the host's processes visible, no cgroup of ours, no capability grant.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_sshd_start
sbx_ssh_authorize plainuser

out=$(sbx_ssh plainuser 'echo $$') || sbx_fail "ssh as plainuser failed: $(tail -5 "$SBX_SSH_DIR/sshd.log")"
[ "$out" -gt 1 ] || sbx_fail "plainuser's shell should not be PID 1, got $out"
echo "ok - plainuser's shell is an ordinary process (PID $out)"
sbx_assert_match "plainuser sees the host's sshd" 'sshd' "$(sbx_ssh plainuser 'ps -e -o comm')"
sbx_assert_eq "plainuser holds no inheritable grant" "CapInh:	0000000000000000" \
    "$(sbx_ssh plainuser 'grep CapInh /proc/self/status')"
sbx_assert_eq "no cgroup made for plainuser" "" "$(sbx_e2e_user_cgroups plainuser)"

out=$(su - plainuser -c 'echo $$' </dev/null) || sbx_fail "su - plainuser failed"
[ "$out" -gt 1 ] || sbx_fail "plainuser's su shell should not be PID 1, got $out"
echo "ok - su - plainuser gives an ordinary shell"
