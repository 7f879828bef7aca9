#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Network none (the default): a network namespace of its own holding only the loopback interface, up. Network host:
# the host's interfaces.
. "$(dirname "$0")/shell-common.sh"
sbx_shell_setup "$@"

out=$(sbx_shell_run -- -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "')
sbx_assert_eq "Network none (default): only lo" lo "$out"
out=$(sbx_shell_run -- -c 'ip link show lo')
sbx_assert_match "Network none: lo is up" '^1: lo: <LOOPBACK,UP,LOWER_UP>' "$out"
out=$(sbx_shell_run -- -c 'echo hello | nc -l -p 4444 127.0.0.1 & sleep 0.3; nc 127.0.0.1 4444 </dev/null')
sbx_assert_eq "Network none: TCP over loopback works" hello "$out"
sbx_shell_assert_clean "Network none"

sbx_shell_policy "    Network host"
host_ifs=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort)
out=$(sbx_shell_run -- -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort')
sbx_assert_eq "Network host: the host's interfaces" "$host_ifs" "$out"
sbx_shell_assert_clean "Network host"
