#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Network private through the helper (sbx-launch stands in for the PAM session), between a host and an internet of
# the test's own (tests/lib/netprivate.sh). From the sandbox: the internet answers over TCP and UDP, by address and
# by a name its DNS server knows (through the sandbox's own read-only /etc/resolv.conf); the LAN, the metadata
# address, the host's own address, the host's loopback and its abstract socket do not; NetworkAllow 10.1.2.3:7 opens
# exactly that port, NetworkDeny closes one of the internet's; another sandbox's listening port is out of reach; the
# user can neither read nor flush the rules; the stack runs confined, as the user, beside the sandbox and ends with it,
# also when the helper is SIGKILLed. The refusals: no stack program, a stack that is not root's, a rootfs without
# /etc/resolv.conf. Positive controls: every probe answers from the host (sbx_np_controls), and from Network host.
here=$(dirname "$0")
. "$here/shell-common.sh"
. "$here/../lib/netprivate.sh"
sbx_np_enter "$@"
sbx_shell_setup "$@"
sbx_np_setup "$SBX_WS/rootfs"
sbx_np_controls
SBX_MOUNTS_BEFORE=$(sbx_shell_mounts)

probe() { sbx_shell_run -- -c "sbx-netfilter $*" 2>&1; }

sbx_shell_policy "    Network host"
sbx_assert_eq "control: a Network host sandbox reaches the LAN" "10.1.2.3:7: ok HELLO-7" "$(probe connect 10.1.2.3 7)"
sbx_assert_eq "control: ... and the host's loopback" "127.0.0.1:9: ok HELLO-9" "$(probe connect 127.0.0.1 9)"
probe send-udp 127.0.0.2 5400 host-lo >/dev/null
sbx_np_expect_udp "control: a Network host sandbox's datagram to 127.0.0.2 reaches the host" hostudp host-lo

sbx_shell_policy "    Network private"
sbx_assert_eq "the internet answers over TCP" "203.0.113.1:7: ok HELLO-7" "$(probe connect 203.0.113.1 7)"
sbx_assert_eq "... over UDP" "203.0.113.1:7/udp: ok ping" "$(probe udp 203.0.113.1 7)"
sbx_assert_eq "... and by name, through the stack's DNS forwarder" "internet.test: 203.0.113.1" \
    "$(probe resolve internet.test)"
out=$(sbx_shell_run -- -c 'cat /etc/resolv.conf; echo x >>/etc/resolv.conf 2>&1 || echo REFUSED' 2>&1)
sbx_assert_match "the sandbox's resolv.conf names the forwarder" '^nameserver 10\.0\.2\.3$' "$out"
sbx_assert_match "... and is read-only" 'REFUSED' "$out"
[ ! -s "$SBX_WS/rootfs/etc/resolv.conf" ] || sbx_fail "the rootfs's resolv.conf was written"
echo "ok - the rootfs's own resolv.conf is untouched"
for a in 10.1.2.3 169.254.169.254 198.18.0.2; do
    sbx_assert_eq "$a is refused at once" "$a:7: No route to host" "$(probe connect $a 7)"
done
sbx_assert_eq "the host's own address is refused (its secret port)" "198.18.0.2:9: No route to host" \
    "$(probe connect 198.18.0.2 9)"
sbx_assert_eq "the host's loopback is not the sandbox's" "127.0.0.1:9: Connection refused" \
    "$(probe connect 127.0.0.1 9)"
out=$(probe connect 10.0.2.2 9)
sbx_assert_no_match "the gateway does not lead to the host's loopback ($out)" 'ok' "$out"
sbx_assert_eq "the host's abstract socket is out of reach" "@sbx-host-secret: Connection refused" \
    "$(probe connect-abstract sbx-host-secret)"
# Around the routes: a socket bound to the tap device sends loopback and multicast destinations out through it.
accepted=$(grep -c '^accepted 9 from' "$SBX_WS/host.out")
out=$(probe connect 127.0.0.2 9 tap0)
sbx_assert_no_match "a TCP connection to 127.0.0.2 from a socket bound to tap0 fails ($out)" 'ok' "$out"
sleep 1
sbx_assert_eq "... and reaches nothing of the host" "$accepted" "$(grep -c '^accepted 9 from' "$SBX_WS/host.out")"
probe send-udp 127.0.0.2 5400 box-lo tap0 >/dev/null
sbx_np_refute_udp "a datagram to 127.0.0.2 from a socket bound to tap0 does not reach the host" hostudp box-lo
probe send-udp 239.1.2.3 5400 box-mc tap0 5 >/dev/null
probe send-udp 239.1.2.3 5400 box-mc2 - 5 >/dev/null
sbx_np_refute_udp "a multicast datagram (TTL 5) reaches neither the host's group members" hostudp 'box-mc2\?'
sbx_np_refute_udp "... nor the internet's" inetudp 'box-mc2\?'
probe send-udp 255.255.255.255 67 box-dhcp tap0 >/dev/null
probe send-udp 10.0.2.2 5400 box-gw >/dev/null
sbx_np_refute_udp "nor does one to the gateway" hostudp box-gw
for c in "/usr/sbin/nft list ruleset" "/usr/sbin/nft flush ruleset" "sbx-netfilter install"; do
    out=$(sbx_shell_run -- -c "$c 2>&1; echo status=\$?" 2>&1)
    sbx_assert_match "the user cannot touch the rules: '$c' is refused" 'Operation not permitted' "$out"
    sbx_assert_no_match "... and fails ($out)" '^status=0$' "$out"
done
sbx_assert_eq "... and they stay in force" "10.1.2.3:7: No route to host" "$(probe connect 10.1.2.3 7)"
sbx_shell_assert_clean "Network private"

# The stack while the session runs: beside PID 1, as the user, confined; the rules in the sandbox's namespace.
sbx_shell_run -- -c 'echo $$ >/tmp/up; sleep 30' >/dev/null 2>&1 &
session=$!
sbx_wait_for "pgrep -u sbxshell -f sandbox-shell-netstack >/dev/null && pgrep -u sbxshell -x sleep >/dev/null" 100 ||
    sbx_fail "the session did not start"
stack=$(pgrep -u sbxshell -f sandbox-shell-netstack)
helper=$(ps -o ppid= -p "$stack" | tr -d ' ')
sbx_assert_eq "the stack is a child of the helper's outer half" "sandbox-shell" "$(cat "/proc/$helper/comm")"
st=$(cat "/proc/$stack/status")
sbx_assert_match "the stack runs as the user" '^Uid:	3901	3901	3901	3901$' "$(printf '%s\n' "$st" | grep ^Uid)"
for f in CapEff CapPrm CapAmb CapInh; do
    sbx_assert_match "... with no capability ($f)" "^$f:	0000000000000000$" "$(printf '%s\n' "$st" | grep "^$f")"
done
sbx_assert_match "... no_new_privs" '^NoNewPrivs:	1$' "$(printf '%s\n' "$st" | grep ^NoNewPrivs)"
sbx_assert_match "... a syscall filter" '^Seccomp:	2$' "$(printf '%s\n' "$st" | grep ^Seccomp:)"
sbx_assert_eq "... in an empty root of its own (its copy of resolv.conf only)" "etc etc/resolv.conf" \
    "$(cd "/proc/$stack/root" && find . -mindepth 1 | sed 's|^\./||' | sort | tr '\n' ' ' | sed 's/ $//')"
sbx_assert_eq "... in the host's network namespace" "$(readlink /proc/self/ns/net)" "$(readlink "/proc/$stack/ns/net")"
sbx_assert_match "... its descriptor 3 is the sandbox's tap device" '^iff:	tap0$' "$(grep ^iff "/proc/$stack/fdinfo/3")"
sbx_assert_eq "... and it holds no terminal nor file but /dev/null, besides it and its sockets" "" \
    "$(ls -l "/proc/$stack/fd" | awk 'NR > 1 && $(NF - 2) != 3 { print $NF }' | grep -v -e '^/dev/null$' \
        -e '^socket:' -e '^anon_inode:' || true)"
pid1=$(pgrep -P "$helper" | grep -vx "$stack")
out=$(nsenter -t "$pid1" -n nft list ruleset)
sbx_assert_match "control: root in the sandbox's namespace sees the rules" 'table inet sandbox_shell' "$out"
sbx_assert_eq "the host's own ruleset has none of them" "" "$(nft list ruleset | grep sandbox_shell || true)"

# A second sandbox: the first one's listening port is out of its reach.
sbx_shell_run -- -c 'sbx-netfilter listen 5555 >/tmp/l & sleep 0.5; sbx-netfilter connect 127.0.0.1 5555;
    sleep 30' >"$SBX_WS/first.out" 2>&1 &
first=$!
sbx_wait_for "grep -q 5555 '$SBX_WS/first.out'" 100 || sbx_fail "the first sandbox did not listen: $(cat "$SBX_WS/first.out")"
sbx_assert_eq "control: the first sandbox reaches its own port" "127.0.0.1:5555: ok HELLO-5555" "$(cat "$SBX_WS/first.out")"
out=$(sbx_shell_run -- -c 'for a in 127.0.0.1 10.0.2.100 10.0.2.2 198.18.0.2; do sbx-netfilter connect $a 5555; done' 2>&1)
sbx_assert_no_match "another sandbox's port does not answer ($out)" 'ok' "$out"
sbx_assert_eq "... on any address (4 probes)" 4 "$(printf '%s\n' "$out" | grep -c ':5555: ')"
sbx_assert_no_match "... nor from the host" 'ok' "$("$SBX_NETFILTER" connect 10.0.2.100 5555)"

# The end of a session, SIGKILL of the helper included: no stack, no process of the user.
kill -9 "$helper"
wait "$session" 2>/dev/null
sbx_wait_for "! kill -0 $stack 2>/dev/null" 50 || sbx_fail "the stack outlived the helper killed with SIGKILL"
echo "ok - the stack ends with the helper, SIGKILLed"
kill -9 "$(pgrep -u sbxshell -x sandbox-shell | head -n 1)" 2>/dev/null
wait "$first" 2>/dev/null
sbx_shell_assert_clean "after both sessions"

sbx_shell_policy "    Network private
    NetworkAllow 10.1.2.3:7
    NetworkDeny 203.0.113.0/24:8"
out=$(sbx_shell_run -- -c 'for p in "10.1.2.3 7" "10.1.2.3 8" "203.0.113.1 8" "203.0.113.1 7"; do sbx-netfilter connect $p; done' 2>&1)
sbx_assert_lines "NetworkAllow 10.1.2.3:7 opens exactly that port; NetworkDeny 203.0.113.0/24:8 closes that one" \
    "$out" '^10\.1\.2\.3:7: ok HELLO-7$' '^10\.1\.2\.3:8: No route to host$' '^203\.0\.113\.1:8: No route to host$' \
    '^203\.0\.113\.1:7: ok HELLO-7$'
sbx_shell_assert_clean "NetworkAllow"

# NetworkAllow opens what the defaults refuse, never the host nor what is never reachable.
sbx_shell_policy "    Network private
    NetworkAllow 0.0.0.0/0"
out=$(sbx_shell_run -- -c 'for p in "10.1.2.3 7" "198.18.0.2 9" "169.254.169.254 7"; do sbx-netfilter connect $p; done' 2>&1)
sbx_assert_lines "NetworkAllow 0.0.0.0/0 opens the LAN and the metadata address, not the host's own address" "$out" \
    '^10\.1\.2\.3:7: ok HELLO-7$' '^198\.18\.0\.2:9: No route to host$' '^169\.254\.169\.254:7: ok HELLO-7$'
probe send-udp 127.0.0.2 5400 allow-lo tap0 >/dev/null
sbx_np_refute_udp "... nor loopback through tap0" hostudp allow-lo
sbx_shell_assert_clean "NetworkAllow 0.0.0.0/0"

# Refusals, each naming what is wrong, with nothing left.
sbx_shell_policy "    Network private"
rm "$SBX_WS/rootfs/etc/resolv.conf"
sbx_shell_expect_refusal "a rootfs without /etc/resolv.conf" \
    "Network private: the rootfs has no /etc/resolv.conf .*create an empty file there" -- -c 'touch ~/ran'
: >"$SBX_WS/rootfs/etc/resolv.conf"
prog=$SBX_NETSTACK_PATH
chown 3901 "$prog"
sbx_shell_expect_refusal "a stack program that is not root's" \
    "network: the stack's program '$SBX_NETSTACK_PATH' must be a file owned by root" -- -c 'touch ~/ran'
chown 0 "$prog"
mv "$prog" "$prog.away"
sbx_shell_expect_refusal "no stack program" \
    "network: open the stack's program '$SBX_NETSTACK_PATH': No such file or directory" -- -c 'touch ~/ran'
mv "$prog.away" "$prog"
out=$(probe connect 203.0.113.1 7)
sbx_assert_eq "control: with all of it back, the login works" "203.0.113.1:7: ok HELLO-7" "$out"
sbx_shell_assert_clean "at the end"
