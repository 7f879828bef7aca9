#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The filter of Network private (lib/core/netfilter.c) at work in a network namespace of its own ("the box"), joined
# by a veth pair to another one that stands for the internet: 203.0.113.1 (the internet), 10.1.2.3 (the LAN),
# 169.254.169.254 (cloud metadata) and 198.51.100.7 (an address of the host) all serve TCP ports 7 and 8. With the
# rules in the box, the internet answers and the rest is refused at once; NetworkAllow 10.1.2.3:7 opens exactly that
# port; an unprivileged user in the box can neither flush nor replace the rules. Positive control: every probe
# answers from the box before the rules are in. No namespace, process or rule is left.
. "$(dirname "$0")/../lib/harness.sh"
sbx_enter_private_ns "$@"
command -v ip >/dev/null || sbx_fail "needs ip (Debian package iproute2)"
command -v nft >/dev/null || sbx_fail "needs nft (Debian package nftables)"

box() { ip netns exec sbx-box "$@"; }
inet() { ip netns exec sbx-inet "$@"; }
ip netns add sbx-box && ip netns add sbx-inet || sbx_fail "ip netns add failed"
sbx_at_exit 'ip netns pids sbx-inet 2>/dev/null | xargs -r kill -9; ip netns del sbx-box; ip netns del sbx-inet'
ip link add sbx-b netns sbx-box type veth peer name sbx-i netns sbx-inet || sbx_fail "veth failed"
box ip link set lo up && box ip link set sbx-b up && box ip addr add 198.18.0.2/24 dev sbx-b &&
    box ip route add default via 198.18.0.1
inet ip link set lo up && inet ip link set sbx-i up && inet ip addr add 198.18.0.1/24 dev sbx-i
# (on the veth itself: this kernel may have no dummy interfaces)
for a in 203.0.113.1/24 10.1.2.3/24 169.254.169.254/16 198.51.100.7/24; do
    inet ip addr add "$a" dev sbx-i || sbx_fail "address $a"
done
inet "$SBX_NETFILTER" listen 7 8 >"$SBX_WS/listen.out" 2>&1 &
sbx_wait_for "grep -q '^listening' '$SBX_WS/listen.out'" 50 || sbx_fail "the servers did not start: $(cat "$SBX_WS/listen.out")"

probe() { box "$SBX_NETFILTER" connect "$1" "$2"; }
all=(203.0.113.1 10.1.2.3 169.254.169.254 198.51.100.7)
for a in "${all[@]}"; do
    sbx_assert_eq "control: $a:7 answers from the box without the rules" "$a:7: ok HELLO-7" "$(probe "$a" 7)"
done

box "$SBX_NETFILTER" install --host 198.51.100.7 --dns 10.0.2.3 || sbx_fail "installing the rules failed"
sbx_assert_eq "with the rules: the internet answers" "203.0.113.1:7: ok HELLO-7" "$(probe 203.0.113.1 7)"
for a in 10.1.2.3 169.254.169.254 198.51.100.7; do
    sbx_assert_match "with the rules: $a is refused at once (EHOSTUNREACH, not left to time out)" \
        "^$a:7: No route to host$" "$(probe "$a" 7)"
done
sbx_assert_match "the host's loopback is not the box's: nothing listens on the box's own" \
    '^127.0.0.1:7: Connection refused$' "$(probe 127.0.0.1 7)"
box nft delete table inet sandbox_shell

box "$SBX_NETFILTER" install --allow 10.1.2.3:7 --deny 203.0.113.0/24:8 || sbx_fail "installing the rules failed"
sbx_assert_eq "NetworkAllow 10.1.2.3:7 opens that port" "10.1.2.3:7: ok HELLO-7" "$(probe 10.1.2.3 7)"
sbx_assert_match "... and only that port" '^10.1.2.3:8: No route to host$' \
    "$(probe 10.1.2.3 8)"
sbx_assert_match "NetworkDeny 203.0.113.0/24:8 closes that port of the internet" \
    '^203.0.113.1:8: No route to host$' "$(probe 203.0.113.1 8)"
sbx_assert_eq "... and leaves its others" "203.0.113.1:7: ok HELLO-7" "$(probe 203.0.113.1 7)"

# The user in the sandbox: no CAP_NET_ADMIN over the box's namespace. Positive control: root there can read them.
sbx_assert_match "control: root in the box lists the rules" 'table inet sandbox_shell' "$(box nft list ruleset 2>&1)"
out=$(box setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all --bounding-set=-all \
    nft flush ruleset 2>&1)
sbx_assert_match "an unprivileged user in the box cannot flush the rules" 'Operation not permitted' "$out"
out=$(box setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all --bounding-set=-all \
    "$SBX_NETFILTER" install 2>&1)
sbx_assert_match "... nor add rules of its own" 'Operation not permitted' "$out"
sbx_assert_match "... and they are still in force" '^10.1.2.3:8: No route to host$' \
    "$(probe 10.1.2.3 8)"
