# SPDX-License-Identifier: LGPL-2.1-or-later
# Network private for the root tests: a host and an internet of the test's own.
#
#   sbx_np_enter "$@"      first thing in a test (before sbx_enter_private_ns or sbx_e2e_setup): the test runs on in
#                          a new network namespace, "the host", with its loopback up
#   sbx_np_setup ROOTFS    inside the private namespaces: sbx_np_host_files, the internet, the host's services, and
#                          the probe programs in ROOTFS
#   sbx_np_host_files      inside the private namespaces: what a real host has and this machine lacks, bound in the
#                          test's own mount namespace (/dev/net/tun as Debian's udev makes it, 0666, from the node
#                          $SBX_WS/tun: this machine's is root's only; the stack's program where the helper looks for
#                          it, through an overlay on its directory's parent)
#
# The internet is a second network namespace, sbx-inet, behind a veth pair (this kernel may have no dummy
# interfaces, so the addresses sit on the veth): 203.0.113.1 (the internet: TCP ports 7 and 8, UDP echo on 7, DNS
# knowing internet.test), 10.1.2.3 (the LAN) and 169.254.169.254 (cloud metadata) serve the same TCP ports. The host
# is 198.18.0.2 there; it serves a "secret" TCP port 9 on every address of its own (its loopback and 198.18.0.2) and
# an abstract unix socket @sbx-host-secret. Its resolver asks the internet's DNS server.

sbx_np_enter() {
    sbx_need_root
    if [ -z "${SBX_IN_NETNS:-}" ]; then
        SBX_IN_NETNS=1 exec unshare --net -- bash "$0" "$@"
    fi
    ip link set lo up
}

# inet CMD...: runs CMD in the internet.
inet() { ip netns exec sbx-inet "$@"; }

sbx_np_host_files() {
    [ -e /dev/net/tun ] || sbx_fail "no /dev/net/tun on this machine (the tun module)"
    mknod -m 0666 "$SBX_WS/tun" c 10 200
    chmod 0666 "$SBX_WS/tun"
    mount --bind "$SBX_WS/tun" /dev/net/tun
    # The stack's program at its installed path, root's (the helper refuses it otherwise), through an overlay that
    # adds it to the directory without changing the machine's.
    local dir=${SBX_NETSTACK_PATH%/*} base
    base=${dir%/*}
    [ -d "$base" ] || sbx_fail "no $base on this machine"
    mkdir -p "$SBX_WS/ovl-up/${dir##*/}" "$SBX_WS/ovl-work"
    install -m 0755 -o root -g root "${SBX_NETSTACK:?SBX_NETSTACK not set}" "$SBX_WS/ovl-up/${dir##*/}/${SBX_NETSTACK_PATH##*/}"
    mount -t overlay sbx-libexec -o "lowerdir=$base,upperdir=$SBX_WS/ovl-up,workdir=$SBX_WS/ovl-work" "$base"
}

sbx_np_setup() {
    local root=$1
    command -v ip >/dev/null || sbx_fail "needs ip (Debian package iproute2)"
    command -v nft >/dev/null || sbx_fail "needs nft (Debian package nftables)"
    sbx_np_host_files

    ip netns add sbx-inet || sbx_fail "ip netns add sbx-inet"
    sbx_at_exit 'ip netns pids sbx-inet 2>/dev/null | xargs -r kill -9; ip netns del sbx-inet 2>/dev/null'
    ip link add sbx-h type veth peer name sbx-i netns sbx-inet || sbx_fail "veth failed"
    ip link set sbx-h up && ip addr add 198.18.0.2/24 dev sbx-h && ip route add default via 198.18.0.1 ||
        sbx_fail "the host's side of the veth"
    inet ip link set lo up && inet ip link set sbx-i up && inet ip addr add 198.18.0.1/24 dev sbx-i ||
        sbx_fail "the internet's side of the veth"
    local a
    for a in 203.0.113.1/24 10.1.2.3/24 169.254.169.254/16; do
        inet ip addr add "$a" dev sbx-i || sbx_fail "address $a"
    done
    inet "$SBX_NETFILTER" listen 7 8 >"$SBX_WS/inet.out" 2>&1 &
    inet "$SBX_NETFILTER" udp-echo 203.0.113.1 7 >"$SBX_WS/udp.out" 2>&1 &
    inet "$SBX_NETFILTER" dns internet.test 203.0.113.1 >"$SBX_WS/dns.out" 2>&1 &
    "$SBX_NETFILTER" listen 9 >"$SBX_WS/host.out" 2>&1 &
    "$SBX_NETFILTER" listen-abstract sbx-host-secret >"$SBX_WS/abstract.out" 2>&1 &
    # UDP port 5400 on every address of the host and of the internet, both joined to the multicast group 239.1.2.3:
    # what reaches them is logged.
    "$SBX_NETFILTER" udp-log 5400 239.1.2.3 >"$SBX_WS/hostudp.out" 2>&1 &
    inet "$SBX_NETFILTER" udp-log 5400 239.1.2.3 >"$SBX_WS/inetudp.out" 2>&1 &
    # The host's resolver (the private /etc: a link there is replaced, never followed).
    rm -f /etc/resolv.conf
    echo "nameserver 203.0.113.1" >/etc/resolv.conf
    local f
    for f in inet udp dns host abstract hostudp inetudp; do
        sbx_wait_for "grep -q '^listening' '$SBX_WS/$f.out'" 50 ||
            sbx_fail "the $f server did not start: $(cat "$SBX_WS/$f.out")"
    done

    # In the rootfs: the probes, nft (to try the rules from inside), and the file the sandbox's resolv.conf is
    # mounted on.
    sbx_rootfs_add_prog "$root" "$(command -v nft)"
    mkdir -p "$root/usr/bin"
    # (its libraries through sbx_rootfs_add_prog; the program itself at /usr/bin, a copy: the build tree may be below
    # /tmp, which the sandbox covers with a tmpfs of its own)
    sbx_rootfs_add_prog "$root" "$SBX_NETFILTER"
    install -m 0755 -o root -g root "$SBX_NETFILTER" "$root/usr/bin/sbx-netfilter"
    : >"$root/etc/resolv.conf"
    chmod 0644 "$root/etc/resolv.conf"
}

# The probes every Network private test makes from the host first: each must answer here, so a probe that fails in
# the sandbox fails for the sandbox's sake.
sbx_np_controls() {
    sbx_assert_eq "control: the host reaches the internet" "203.0.113.1:7: ok HELLO-7" \
        "$("$SBX_NETFILTER" connect 203.0.113.1 7)"
    sbx_assert_eq "control: ... over UDP" "203.0.113.1:7/udp: ok ping" "$("$SBX_NETFILTER" udp 203.0.113.1 7)"
    sbx_assert_eq "control: the host reaches the LAN" "10.1.2.3:7: ok HELLO-7" "$("$SBX_NETFILTER" connect 10.1.2.3 7)"
    sbx_assert_eq "control: the host reaches the metadata address" "169.254.169.254:7: ok HELLO-7" \
        "$("$SBX_NETFILTER" connect 169.254.169.254 7)"
    sbx_assert_eq "control: the host reaches its secret service on its loopback" "127.0.0.1:9: ok HELLO-9" \
        "$("$SBX_NETFILTER" connect 127.0.0.1 9)"
    sbx_assert_eq "control: ... and on its own address" "198.18.0.2:9: ok HELLO-9" \
        "$("$SBX_NETFILTER" connect 198.18.0.2 9)"
    sbx_assert_eq "control: the host reaches its abstract socket" "@sbx-host-secret: ok HELLO-sbx-host-secret" \
        "$("$SBX_NETFILTER" connect-abstract sbx-host-secret)"
    sbx_assert_eq "control: the host resolves the internet's name" "internet.test: 203.0.113.1" \
        "$("$SBX_NETFILTER" resolve internet.test)"
    "$SBX_NETFILTER" send-udp 127.0.0.2 5400 control-lo >/dev/null
    "$SBX_NETFILTER" send-udp 239.1.2.3 5400 control-mc - 5 >/dev/null
    sbx_np_expect_udp "control: a datagram to 127.0.0.2 reaches the host's wildcard service" hostudp control-lo
    sbx_np_expect_udp "control: a multicast datagram reaches the host's group member" hostudp control-mc
    sbx_np_expect_udp "control: ... and the internet's" inetudp control-mc
}

# sbx_np_expect_udp WHAT LOG DATA: the UDP logger LOG (hostudp, inetudp) got DATA.
sbx_np_expect_udp() {
    sbx_wait_for "grep -q '^got $3 from' '$SBX_WS/$2.out'" 30 || sbx_fail "$1: $2 got no '$3': $(cat "$SBX_WS/$2.out")"
    echo "ok - $1"
}

# sbx_np_refute_udp WHAT LOG DATA: LOG did not get DATA (given a second for it to arrive).
sbx_np_refute_udp() {
    sleep 1
    if grep -q "^got $3 from" "$SBX_WS/$2.out"; then
        sbx_fail "$1: $2 got it: $(grep "^got $3 from" "$SBX_WS/$2.out")"
    fi
    echo "ok - $1"
}
