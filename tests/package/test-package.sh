#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package: built from the tree by tools/build-deb.sh (dpkg-buildpackage -us -uc, then lintian with no error
# and no warning allowed), its contents checked as an administrator would read them, and then its whole life in the
# systemd guest (tests/uml/systemd-guest.sh): install, the PAM lines of pam_sandbox(8), an upgrade to the same tree
# rebuilt with a higher version under a live session, apt remove, purge (tests/package/package-agent.sh).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/harness.sh"
. "$here/../uml/systemd-guest.sh"
sbx_systemd_guest_prereqs
for p in dpkg-buildpackage dh lintian; do
    command -v "$p" >/dev/null || sbx_skip "needs $p (packages dpkg-dev, debhelper, lintian)"
done

out=$(mktemp -d /tmp/sbx-pkg.XXXXXX)
trap 'rm -rf "$out"' EXIT
chmod 0755 "$out"
failed=0
ok() { echo "ok - $1"; }
nok() {
    failed=1
    echo "not ok - $1"
    shift
    [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
}
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "expected '$2', got '$3'"; fi; }

# ---- the package of the tree's version, and the same tree with a higher one (its unit suite already ran once)
if ! "$SBX_SRCDIR/tools/build-deb.sh" "$out/deb0" >"$out/build0.log" 2>&1; then
    nok "the package builds from the tree and lintian reports no error or warning" "$(tail -n 30 "$out/build0.log")"
    exit 1
fi
ok "the package builds from the tree and lintian reports no error or warning"
deb0=$(ls "$out"/deb0/sandbox-shell_*.deb)
v0=$(dpkg-deb -f "$deb0" Version)
v1="$v0+1"
if ! DEB_BUILD_OPTIONS=nocheck "$SBX_SRCDIR/tools/build-deb.sh" "$out/deb1" "$v1" >"$out/build1.log" 2>&1; then
    nok "the package builds with version $v1" "$(tail -n 30 "$out/build1.log")"
    exit 1
fi
deb1=$(ls "$out"/deb1/sandbox-shell_*.deb)
check_eq "the rebuilt package has the higher version" "$v1 higher" \
    "$(dpkg-deb -f "$deb1" Version) $(dpkg --compare-versions "$v1" gt "$v0" && echo higher)"

# lintian itself fails on a package with a fault (here: no copyright file), so its silence above means something.
mkdir "$out/bad"
dpkg-deb -R "$deb0" "$out/bad/tree"
rm "$out/bad/tree/usr/share/doc/sandbox-shell/copyright"
dpkg-deb -b --root-owner-group "$out/bad/tree" "$out/bad/sandbox-shell_${v0}_bad.deb" >/dev/null
if lintian --fail-on error,warning "$out/bad/sandbox-shell_${v0}_bad.deb" >"$out/bad/lintian.log" 2>&1; then
    nok "control: lintian fails on the package without its copyright file" "$(cat "$out/bad/lintian.log")"
else
    ok "control: lintian fails on the package without its copyright file"
fi

# ---- what is in it
list=$(dpkg-deb -c "$deb0" | awk '{ sub(/^\./, "", $6); print $1, $6 }')
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
has() { grep -Eq "^[^ ]+ $1\$" <<<"$list" && echo yes || echo "no ($1)"; }
check_eq "the PAM module is in the multiarch security directory" yes "$(has "(/usr)?/lib/$ma/security/pam_sandbox\.so")"
check_eq "the user-manager drop-in is installed" yes "$(has "(/usr)?/lib/systemd/system/user@\.service\.d/sandbox-shell\.conf")"
check_eq "the config is installed in /etc/sandbox-shell" yes "$(has /etc/sandbox-shell/sandbox-shell.conf)"
check_eq "the drop-in directory is installed" yes "$(has /etc/sandbox-shell/sandbox-shell.conf.d/)"
for m in sandbox-shell.8 sandbox-shellctl.8 pam_sandbox.8 sandbox-shell.conf.5; do
    check_eq "the man page $m is installed" yes "$(has "/usr/share/man/man${m##*.}/$m\.gz")"
done
check_eq "the PAM lines example is installed" yes "$(has /usr/share/doc/sandbox-shell/examples/pam\.d/sandbox-shell)"
check_eq "the policy example is installed" yes "$(has /usr/share/doc/sandbox-shell/examples/sandbox-shell\.conf)"
check_eq "no file of the package is setuid or setgid" "" "$(awk '$1 ~ /[sS]/ { print $2 }' <<<"$list")"
mkdir "$out/ctl"
dpkg-deb -e "$deb0" "$out/ctl"
check_eq "the config is a conffile" "/etc/sandbox-shell/sandbox-shell.conf" "$(cat "$out/ctl/conffiles")"
depends=$(dpkg-deb -f "$deb0" Depends)
for d in libc6 libpam0g libsystemd0 libcap2-bin; do
    check_eq "Depends names $d (computed: $depends)" yes "$(grep -Eq "(^|, )$d( |,|$)" <<<"$depends" && echo yes)"
done
# Built-Using: the source packages of the static archives the helper links, at the versions installed here.
bu=$(dpkg-deb -f "$deb0" Built-Using)
for dev in libcap-dev libbsd-dev libmd-dev libseccomp-dev; do
    want=$(dpkg-query -W -f '${source:Package} (= ${source:Version})' "$dev")
    check_eq "Built-Using names $want (the archive of $dev)" yes "$(grep -Fq "$want" <<<"$bu" && echo yes)"
done

# ---- its life in the systemd guest
mkdir "$out/guest"
cp -r "$out/deb0" "$out/deb1" "$out/guest/"
chmod -R a+rX "$out/guest"
SBX_UML_PACKAGE=1 SBX_UML_AGENT=$here/package-agent.sh sbx_systemd_guest_env "$out/guest" SBX_UML_PACKAGE SBX_UML_AGENT
sbx_systemd_guest_run "$out/guest" || failed=1
exit "$failed"
