#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Limit* keywords inside a real sandbox: `ulimit` shows the policy's values, the limits bite (descriptors, file
# size), SOFT:HARD sets both, a value above the login's hard limit refuses the login naming the keyword, and
# sandbox-shellctl explain shows them with their origin.
. "$(dirname "$0")/shell-common.sh"
sbx_shell_setup "$@"
[ -x "${SBX_PROBE:-}" ] || sbx_fail "SBX_PROBE (tests/lib/sbx-probe) is not set"
install -m 0755 -o 0 -g 0 "$SBX_PROBE" "$SBX_WS/rootfs/bin/sbx-probe"
conf=/etc/sandbox-shell/sandbox-shell.conf

sbx_shell_policy "    LimitNOFILE 512
    LimitCORE 0
    LimitFSIZE 1M"
out=$(sbx_shell_run -- -c 'ulimit -n; ulimit -Hn; ulimit -c; ulimit -Hc; ulimit -f')
sbx_assert_eq "ulimit shows LimitNOFILE 512, LimitCORE 0, LimitFSIZE 1M (in 512-byte blocks, as POSIX counts)" "512
512
0
0
2048" "$out"
out=$(sbx_shell_run -- -c 'head -c 2000000 /dev/zero >~/big; wc -c <~/big; rm ~/big')
sbx_assert_eq "a file cannot grow beyond LimitFSIZE" 1048576 "$(printf '%s\n' "$out" | tail -1)"
sbx_shell_assert_clean

sbx_shell_policy "    LimitNOFILE 100:200"
out=$(sbx_shell_run -- -c 'ulimit -Sn; ulimit -Hn; sbx-probe nofile 150; ulimit -n 200 && sbx-probe nofile 150')
sbx_assert_eq "SOFT:HARD sets both; the soft limit bites and can be raised up to the hard one" "100
200
nofile: Too many open files
nofile: ok" "$out"

out=$("$SBX_CTL" explain sbxshell | grep '^Limit')
sbx_assert_eq "explain shows the limits with their origin" "LimitNOFILE 100:200  # $conf:4" "$out"

# The helper cannot raise a hard limit (it has no CAP_SYS_RESOURCE): the login is refused, naming the keyword.
sbx_shell_policy "    LimitNOFILE 4096"
(
    ulimit -n 1024 || exit 2
    sbx_shell_expect_refusal "LimitNOFILE above the login's hard limit" \
        "^sandbox-shell: refusing login: set resource limits: LimitNOFILE 4096: cannot raise the hard limit above the login's 1024 " \
        -- -c 'touch ~/ran'
) || sbx_fail "the refusal of a raised hard limit"

sbx_shell_assert_clean "at the end"
