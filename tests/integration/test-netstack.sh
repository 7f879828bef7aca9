#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The user-mode stack of Network private (wrapper/sandbox-shell-netstack.c) between three network namespaces of the
# test's own: the box (the sandbox's: its tap device made as the helper makes it, and the filter), the host (where
# the stack runs, as an unprivileged user with CAP_SYS_ADMIN ambient, as the helper starts it; a "secret" service
# on its loopback) and the internet (203.0.113.1 and the LAN's 10.1.2.3 serve TCP ports 7 and 8, and a DNS server
# knows internet.test). From the box the internet answers through the stack, and names resolve through its forwarder; the LAN does not (the filter), nor does the host's loopback through the
# gateway; the stack runs confined (no capability, no_new_privs, a syscall filter, an empty root of its own) and
# ends with the process that started it (the helper's outer half), even when that one is SIGKILLed. Positive control: the host reaches its own secret service and the LAN.
. "$(dirname "$0")/../lib/harness.sh"
sbx_enter_private_ns "$@"
command -v ip >/dev/null || sbx_fail "needs ip (Debian package iproute2)"
netstack=$SBX_BUILDDIR/wrapper/sandbox-shell-netstack
[ -x "$netstack" ] || sbx_fail "no $netstack in the build"

ns() { local n=$1; shift; ip netns exec "sbx-$n" "$@"; }
for n in box host inet; do ip netns add "sbx-$n" || sbx_fail "ip netns add sbx-$n"; done
sbx_at_exit 'for n in box host inet; do ip netns pids sbx-$n 2>/dev/null | xargs -r kill -9; ip netns del sbx-$n 2>/dev/null; done'
ip link add sbx-h netns sbx-host type veth peer name sbx-i netns sbx-inet || sbx_fail "veth failed"
ns host ip link set lo up && ns host ip link set sbx-h up && ns host ip addr add 198.18.0.2/24 dev sbx-h &&
    ns host ip route add default via 198.18.0.1
ns inet ip link set lo up && ns inet ip link set sbx-i up && ns inet ip addr add 198.18.0.1/24 dev sbx-i
for a in 203.0.113.1/24 10.1.2.3/24; do ns inet ip addr add "$a" dev sbx-i || sbx_fail "address $a"; done
ns inet "$SBX_NETFILTER" listen 7 8 >"$SBX_WS/inet.out" 2>&1 &
ns inet "$SBX_NETFILTER" dns internet.test 203.0.113.1 >"$SBX_WS/dns.out" 2>&1 &
# Each namespace's resolver, as `ip netns exec` binds /etc/netns/NAME/resolv.conf (this test's private /etc): the host
# asks the internet's DNS server; the box asks the stack's forwarder, which takes the host's copy into its empty root.
mkdir -p /etc/netns/sbx-host /etc/netns/sbx-box
echo "nameserver 203.0.113.1" >/etc/netns/sbx-host/resolv.conf
echo "nameserver 10.0.2.3" >/etc/netns/sbx-box/resolv.conf
ns host "$SBX_NETFILTER" listen 9 >"$SBX_WS/host.out" 2>&1 &
ns host "$SBX_NETFILTER" udp-log 5400 239.1.2.3 >"$SBX_WS/hostudp.out" 2>&1 &
sbx_wait_for "grep -q '^listening' '$SBX_WS/inet.out' && grep -q '^listening' '$SBX_WS/host.out' &&
    grep -q '^listening' '$SBX_WS/dns.out' && grep -q '^listening' '$SBX_WS/hostudp.out'" 50 ||
    sbx_fail "the servers did not start: $(cat "$SBX_WS/inet.out" "$SBX_WS/host.out" "$SBX_WS/dns.out")"
sbx_assert_eq "control: the host resolves the internet's name" "internet.test: 203.0.113.1" \
    "$(ns host "$SBX_NETFILTER" resolve internet.test)"
sbx_assert_eq "control: the host reaches its secret service on its loopback" "127.0.0.1:9: ok HELLO-9" \
    "$(ns host "$SBX_NETFILTER" connect 127.0.0.1 9)"
sbx_assert_eq "control: the host reaches the LAN" "10.1.2.3:7: ok HELLO-7" "$(ns host "$SBX_NETFILTER" connect 10.1.2.3 7)"

# The box's side, as the helper sets it up: the tap device, then the filter; the stack on the host's side, started by
# a process that stands for the helper's outer half (its parent), its word going to a file (descriptor 4).
bash -c 'ip netns exec sbx-host "$0" tap /run/netns/sbx-box setpriv --reuid 65534 --regid 65534 --clear-groups \
    --inh-caps=+sys_admin --ambient-caps=+sys_admin "$1" --parent $$ 2>"$2" 4>"$4" & echo $! >"$3"; wait' \
    "$SBX_NETFILTER" "$netstack" "$SBX_WS/stack.err" "$SBX_WS/stack.pid" "$SBX_WS/stack.word" &
outer=$!
sbx_wait_for "[ -s '$SBX_WS/stack.pid' ]" 50 || sbx_fail "the stack did not start"
stack_pid=$(cat "$SBX_WS/stack.pid")
sbx_wait_for "ns box ip -o addr show dev tap0 | grep -q 10.0.2.100" 50 || sbx_fail "no tap0 in the box: $(cat "$SBX_WS/stack.err")"
sbx_wait_for "[ \"\$(cat /proc/$stack_pid/status 2>/dev/null | sed -n 's/^Seccomp:\t//p')\" = 2 ]" 50 ||
    sbx_fail "the stack did not confine itself: $(cat "$SBX_WS/stack.err")"
sbx_wait_for "[ -s '$SBX_WS/stack.word' ]" 50 || sbx_fail "the stack said nothing"
sbx_assert_eq "the stack says it is ready, once confined" ready "$(cat "$SBX_WS/stack.word")"

# The stack alone, before the filter: the gateway is not mapped to the host's loopback.
sbx_assert_eq "from the box, the internet answers through the stack" "203.0.113.1:7: ok HELLO-7" \
    "$(ns box "$SBX_NETFILTER" connect 203.0.113.1 7)"
out=$(ns box "$SBX_NETFILTER" connect 10.0.2.2 9)
sbx_assert_no_match "the gateway is not the host's loopback: the secret service does not answer ($out)" 'ok' "$out"
sbx_assert_eq "control: without the filter the stack reaches the LAN" "10.1.2.3:7: ok HELLO-7" \
    "$(ns box "$SBX_NETFILTER" connect 10.1.2.3 7)"
# The stack's own wall, without the filter: loopback and multicast destinations sent out through the tap device
# (a socket bound to it) are not handed on. Positive control: the host's own datagrams reach its logger.
ns host "$SBX_NETFILTER" send-udp 127.0.0.2 5400 control-lo >/dev/null
ns host "$SBX_NETFILTER" send-udp 239.1.2.3 5400 control-mc - 5 >/dev/null
sbx_wait_for "grep -q '^got control-lo' '$SBX_WS/hostudp.out' && grep -q '^got control-mc' '$SBX_WS/hostudp.out'" 30 ||
    sbx_fail "control: the host's logger got nothing: $(cat "$SBX_WS/hostudp.out")"
echo "ok - control: the host's own datagrams to 127.0.0.2 and 239.1.2.3 reach its logger"
ns box "$SBX_NETFILTER" send-udp 127.0.0.2 5400 box-lo tap0 >/dev/null
ns box "$SBX_NETFILTER" send-udp 239.1.2.3 5400 box-mc tap0 5 >/dev/null
sleep 1
sbx_assert_no_match "without the filter, the stack hands neither on to the host" '^got box-' "$(cat "$SBX_WS/hostudp.out")"

ns box "$SBX_NETFILTER" install --dns 10.0.2.3 || sbx_fail "the filter did not go in"
sbx_assert_eq "with the filter, the internet still answers" "203.0.113.1:8: ok HELLO-8" \
    "$(ns box "$SBX_NETFILTER" connect 203.0.113.1 8)"
sbx_assert_eq "... and the LAN is refused" "10.1.2.3:7: No route to host" "$(ns box "$SBX_NETFILTER" connect 10.1.2.3 7)"
sbx_assert_eq "the box resolves a name through the stack's forwarder (the filter lets port 53 of it through)" \
    "internet.test: 203.0.113.1" "$(ns box "$SBX_NETFILTER" resolve internet.test)"
sbx_assert_match "... and a name the server does not know stays unknown" '^unknown.test: ' \
    "$(ns box "$SBX_NETFILTER" resolve unknown.test | grep -v ': 203\.')"

st=$(cat "/proc/$stack_pid/status")
sbx_assert_match "the stack runs as the user" '^Uid:	65534	65534	65534	65534$' "$st"
sbx_assert_match "... with no capability" '^CapEff:	0000000000000000$' "$st"
sbx_assert_match "... none permitted or ambient" '^CapPrm:	0000000000000000$' "$(printf '%s\n' "$st" | grep CapPrm)"
sbx_assert_match "... none ambient" '^CapAmb:	0000000000000000$' "$(printf '%s\n' "$st" | grep CapAmb)"
sbx_assert_match "... no_new_privs" '^NoNewPrivs:	1$' "$st"
sbx_assert_match "... a syscall filter" '^Seccomp:	2$' "$st"
sbx_assert_eq "... in an empty root of its own (only its copy of resolv.conf)" "etc etc/resolv.conf" \
    "$(cd "/proc/$stack_pid/root" && find . -mindepth 1 | sed 's|^\./||' | sort | tr '\n' ' ' | sed 's/ $//')"
[ "$(readlink "/proc/$stack_pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] ||
    sbx_fail "the stack shares the test's mount namespace"
echo "ok - ... in a mount namespace of its own"

# The session's end, even a SIGKILL of the helper: the stack goes with it.
kill -9 "$outer"
sbx_wait_for "! kill -0 $stack_pid 2>/dev/null" 50 || sbx_fail "the stack outlived the process that started it"
echo "ok - the stack ends with the process that started it, SIGKILLed"
