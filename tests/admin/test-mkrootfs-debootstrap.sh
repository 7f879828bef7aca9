#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sandbox-shellctl mkrootfs --debootstrap: a minimal Debian rootfs from the Debian mirror this machine's apt uses
# (the suite this machine runs); the safety pass takes away the setuid bits (su, passwd, mount...) and the device
# nodes debootstrap creates, and group and world write from everything (debootstrap's /tmp, /var/tmp and /run/lock
# are 1777: /tmp and /var/tmp become root 0755, the login mounts a private tmpfs on them); the tree is built in a
# staging directory next to DIR and renamed into place, leaving no staging directory; doctor finds nothing; a
# sandboxed login runs as PID 1 with Debian's dash and coreutils.
# Takes a minute or two. Without a reachable mirror it is skipped with the reason (a failure under SBX_MUST_WORK=1).
. "$(dirname "$0")/common.sh"
sbx_admin_setup "$@"

command -v debootstrap >/dev/null 2>&1 || sbx_skip "needs debootstrap (Debian package debootstrap; tools/test.sh installs it)"
# The mirror apt uses: deb822 "URIs:" or one-line "deb URL SUITE ..." sources, the first that is not a security one.
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')
[ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" && $2 !~ /security/ { print ($2 ~ /^\[/ ? $3 : $2); exit }')
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$mirror" ] && [ -n "$suite" ] || sbx_skip "no Debian mirror or suite found in /etc/apt and /etc/os-release"
if ! timeout 30 bash -c "exec 3<>/dev/tcp/$(echo "$mirror" | sed -E 's|^[a-z]+://([^/:]+).*|\1|')/80" 2>/dev/null; then
    sbx_skip "the Debian mirror $mirror (from /etc/apt) is not reachable on port 80"
fi

# A filesystem of its own for the ~250 MB tree (the workspace's tmpfs is smaller), root-owned 0755.
D=$SBX_WS/deb
mkdir -m 0755 "$D"
mount -t tmpfs -o mode=0755,size=1500m sbx-deb "$D"
# A debootstrap that fails (a suite it does not know) leaves nothing: not at DIR, not next to it.
out=$(ctl mkrootfs "$D/bad" --debootstrap sbx-no-such-suite --mirror "$mirror" 2>&1)
sbx_assert_eq "mkrootfs --debootstrap of an unknown suite: exit 1" 1 "$?"
sbx_assert_match "... saying debootstrap failed" "debootstrap sbx-no-such-suite .* failed" "$out"
sbx_assert_match "... and that nothing was installed" "nothing was installed at $D/bad" "$out"
sbx_assert_eq "... and nothing is left in the parent, staging directory included" "" "$(ls -A "$D")"

out=$(ctl mkrootfs "$D/rootfs" --debootstrap "$suite" --mirror "$mirror" 2>&1)
rc=$?
[ "$rc" = 0 ] || sbx_fail "mkrootfs --debootstrap $suite --mirror $mirror exited $rc: $(printf '%s\n' "$out" | tail -20)"
echo "ok - mkrootfs --debootstrap $suite --mirror $mirror"
R=$D/rootfs
sbx_assert_match "it says the rootfs is ready" "^$R: rootfs ready" "$out"
sbx_assert_eq "a Debian tree: /etc/debian_version" 1 "$([ -s "$R/etc/debian_version" ] && echo 1)"
sbx_assert_eq "no setuid or setgid file left (debootstrap installs su, passwd, mount setuid)" "" \
    "$(find "$R" -xdev -type f \( -perm -4000 -o -perm -2000 \))"
sbx_assert_eq "no device node left (debootstrap creates /dev/null etc.)" "" "$(find "$R" -xdev \( -type b -o -type c \))"
sbx_assert_eq "no world-writable path, sticky directories included" "" "$(find "$R" -xdev -perm -0002 ! -type l)"
sbx_assert_eq "no group-writable path either" "" "$(find "$R" -xdev -perm -0020 ! -type l)"
sbx_assert_eq "/tmp and /var/tmp are root 0755 (debootstrap makes them 1777)" "0:0 755,0:0 755" \
    "$(stat -c '%u:%g %a' "$R/tmp" "$R/var/tmp" | paste -sd,)"
sbx_assert_eq "the merged /usr links are kept" "usr/bin usr/lib" "$(readlink "$R/bin") $(readlink "$R/lib")"
sbx_assert_eq "/etc/resolv.conf is a regular file (debootstrap's copy of the host's, kept, or mkrootfs's empty one)" \
    "regular" "$([ -f "$R/etc/resolv.conf" ] && [ ! -L "$R/etc/resolv.conf" ] && echo regular)"
sbx_assert_eq "no staging directory left next to it" "" "$(find "$D" -mindepth 1 -maxdepth 1 -name '.*.mkrootfs-*')"
sbx_assert_eq "only the rootfs is in its parent" "rootfs" "$(ls -A "$D")"
sbx_assert_match "Debian's own accounts are kept" "^daemon:" "$(cat "$R/etc/passwd")"
sbx_assert_match "the sandboxed users' accounts are added" "^sbxuser1:x:3001:3001::/home/sbxuser1:/bin/sh$" \
    "$(cat "$R/etc/passwd")"
SBX_ADMIN_ROOTFS=$R sbx_admin_policy
sbx_assert_doctor_clean "doctor finds nothing in the debootstrap rootfs"
out=$(su - sbxuser1 -c 'echo $$; readlink /proc/1/exe; cat /etc/debian_version; id -un' </dev/null 2>&1)
sbx_assert_lines "a sandboxed login there runs Debian's dash as PID 1" "$out" '^1$' '^/usr/bin/dash$' \
    '^[0-9]+\.[0-9]+$' '^sbxuser1$'
