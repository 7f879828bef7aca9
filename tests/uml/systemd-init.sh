#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# First init of the systemd guest (tests/uml/test-uml-systemd.sh): the host's filesystem is the read-only hostfs root.
# Builds a writable overlay over it (tmpfs upper layer), fresh tmpfs /tmp and /var/tmp (otherwise systemd-tmpfiles
# walks the host's /tmp), writes the test's users, keys, PAM, sshd and sandbox-shell configuration and systemd units
# into the overlay, pivots into it and execs systemd as PID 1 with sbx-uml.target: dbus, logind, sshd and the agent
# (tests/uml/systemd-agent.sh), which runs the assertions and powers the guest off. The host directory named by
# sbx_out= on the kernel command line is mounted read-write at /sbx-out: env.sh comes in, results go out.
# With SBX_UML_PACKAGE=1 in env.sh (tests/package/test-package.sh), nothing of sandbox-shell is installed, and neither
# its configuration nor its PAM lines are written: the agent SBX_UML_AGENT installs the Debian package and configures
# it as an administrator would.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
fail() {
    echo "UML-SETUP-FAILED $*"
    poweroff -f
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
out=$(sed -n 's/.*sbx_out=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$out" ] || fail "no sbx_out= on the command line"

mount -t tmpfs -o mode=0755 tmpfs /mnt || fail "tmpfs on /mnt"
insmod "/usr/lib/uml/modules/$(uname -r)/kernel/fs/overlayfs/overlay.ko" || fail "insmod overlay"
mkdir /mnt/upper /mnt/work /mnt/root
mount -t overlay overlay -o lowerdir=/,upperdir=/mnt/upper,workdir=/mnt/work /mnt/root || fail "overlay"
R=/mnt/root
mount -t tmpfs -o mode=1777 tmpfs "$R/tmp" || fail "tmpfs /tmp"
mount -t tmpfs -o mode=1777 tmpfs "$R/var/tmp" || fail "tmpfs /var/tmp"
mkdir -p "$R/sbx-out"
mount -t hostfs -o "$out" none "$R/sbx-out" || fail "hostfs $out"
. "$R/sbx-out/env.sh"
# The build and source trees may live below /tmp, which the guest's systemd sees as a fresh tmpfs: what is used after
# the pivot is copied into the overlay. sandbox-shell itself is installed as `meson install` lays it out (staged by
# test-uml-systemd.sh): /usr/bin/sandbox-shell, the PAM module, the user@.service drop-in, its program.
package=${SBX_UML_PACKAGE:-0}
# A host booted with systemd has no policy-rc.d: the machine's own, if any, is a container image's, which tells every
# maintainer script to start and stop nothing (deb-systemd-invoke obeys it).
rm -f "$R/usr/sbin/policy-rc.d"
mkdir -p "$R/usr/local/lib/sbx-test"
install -m 0755 "${SBX_UML_AGENT:-$SBX_SRCDIR/tests/uml/systemd-agent.sh}" "$R/usr/local/lib/sbx-test/agent.sh" ||
    fail "copy the agent"
install -m 0644 "$SBX_SRCDIR/tests/uml/agent-lib.sh" "$R/usr/local/lib/sbx-test/agent-lib.sh" || fail "copy agent-lib"
if [ "$package" != 1 ]; then
    # the syslog daemon the journal section stands up behind journald
    install -m 0755 "$SBX_BUILDDIR/tests/lib/sbx-syslog-listen" "$R/usr/local/lib/sbx-test/sbx-syslog-listen" ||
        fail "copy sbx-syslog-listen"
fi
PAM=pam_sandbox.so
if [ "$package" != 1 ]; then
    # (tar keeps the root's merged-/usr links, /lib -> usr/lib, where cp would refuse to put a directory)
    tar -C "$R/sbx-out/stage" -cf - . | tar -C "$R" -xf - --keep-directory-symlink --no-same-owner ||
        fail "install the staged build"
    [ -f "$R/lib/x86_64-linux-gnu/security/$PAM" ] || [ -f "$R/usr/lib/x86_64-linux-gnu/security/$PAM" ] ||
        fail "the staged build has no $PAM in the security directory"
fi

# Users: sbxu1 is sandboxed (login shell: the helper; SBX_UML_SHELL=/bin/sh, for diagnosing the PAM side alone when
# the helper fails, keeps the session without it), sbxu2 is not, sbxu3 is a restricted account (Commands). '*': no
# password, keys only.
cat >>"$R/etc/passwd" <<EOF
sbxu1:x:2001:2001:sandboxed:/home/sbxu1:${SBX_UML_SHELL:-/usr/bin/sandbox-shell}
sbxu2:x:2002:2002:plain:/home/sbxu2:/bin/sh
sbxu3:x:2003:2003:restricted:/home/sbxu3:/usr/bin/sandbox-shell
sbxu4:x:2004:2004:instance:/home/sbxu4:/usr/bin/sandbox-shell
sbxu5:x:2005:2005:instance, linger:/home/sbxu5:/usr/bin/sandbox-shell
EOF
for i in 1 2 3 4 5; do
    printf 'sbxu%s:*:19000:0:99999:7:::\n' $i >>"$R/etc/shadow"
    printf 'sbxu%s:x:200%s:\n' $i $i >>"$R/etc/group"
    mkdir -p "$R/home/sbxu$i"
    chown 200$i:200$i "$R/home/sbxu$i"
done

# The helper's file capabilities, as meson install sets them (the copy from the host's staging directory does not
# carry them; the overlay's upper layer is a tmpfs, which keeps security.capability).
[ "$package" = 1 ] || setcap "$SBX_HELPER_CAPS+ei" "$R/usr/bin/sandbox-shell" || fail "setcap helper"

# A busybox rootfs, every component root-owned.
rootfs=$R/var/lib/sandbox-shell/rootfs
mkdir -p "$rootfs"
(cd "$rootfs" && mkdir -p bin sbin usr/bin usr/sbin etc proc dev tmp home root run var/tmp)
install -m 0755 /bin/busybox "$rootfs/bin/busybox"
for a in $(/bin/busybox --list); do
    [ -e "$rootfs/bin/$a" ] || ln -s busybox "$rootfs/bin/$a"
done
cp "$R/etc/passwd" "$R/etc/group" "$rootfs/etc/"

# The policy: in package mode the agent writes it into the package's drop-in directory.
policy=$R/etc/sandbox-shell/sandbox-shell.conf
if [ "$package" = 1 ]; then
    mkdir -p "$R/usr/local/lib/sbx-test/policy"
    policy=$R/usr/local/lib/sbx-test/policy/site.conf
else
    mkdir -p "$R/etc/sandbox-shell"
fi
cat >"$policy" <<EOF
Sandbox no

Match User sbxu1
    Sandbox yes
    RootDirectory /var/lib/sandbox-shell/rootfs
    Shell /bin/sh
    Hostname box-%u
    MemoryMax 200M
    MemoryHigh 150M
    TasksMax 40
    CPUQuota 50%
    CPUWeight 50
    SessionTasksMax 30
    RuntimeMaxSec 1h

Match User sbxu3
    Sandbox yes
    RootDirectory /var/lib/sandbox-shell/rootfs
    Commands echo
Match User sbxu4
    Sandbox yes
    RootDirectory /var/lib/sandbox-shell/rootfs
    Shell /bin/sh
    Instance user
    SessionTasksMax 30

Match User sbxu5
    Sandbox yes
    RootDirectory /var/lib/sandbox-shell/rootfs
    Shell /bin/sh
    Instance user
    Linger 20s
EOF
chmod 0644 "$policy"

# PAM: pam_sandbox after @include common-session (after pam_systemd), its setcred line last in the auth stack, its
# account line after common-account, as etc/pam.d/sandbox-shell and pam_sandbox(8) tell administrators. In package
# mode the files start without them: the agent adds them from the package's example once it is installed.
cat >"$R/etc/pam.d/sshd" <<EOF
@include common-auth
auth optional $PAM
account required pam_nologin.so
@include common-account
account optional $PAM debug
session required pam_loginuid.so
@include common-session
session required $PAM debug
@include common-password
EOF
for s in su su-l; do
    cat >"$R/etc/pam.d/$s" <<EOF
auth sufficient pam_rootok.so
@include common-auth
auth optional $PAM
@include common-account
account optional $PAM debug
@include common-session
session required $PAM debug
EOF
done
if [ "$package" = 1 ]; then sed -i "/$PAM/d" "$R/etc/pam.d/sshd" "$R/etc/pam.d/su" "$R/etc/pam.d/su-l"; fi
grep -q pam_systemd "$R/etc/pam.d/common-session" || fail "pam_systemd is not in common-session (package libpam-systemd)"

# sshd on 127.0.0.1:22 with a fresh host key; root logs in with a key (for su), the users too.
ssh-keygen -q -t ed25519 -N '' -f "$R/etc/ssh/sbx_host_ed25519" </dev/null || fail "host key"
mkdir -p -m 0700 "$R/root/.ssh"
ssh-keygen -q -t ed25519 -N '' -f "$R/root/.ssh/sbx_client" </dev/null || fail "client key"
mkdir -p "$R/etc/ssh/sbx_keys"
for u in root sbxu1 sbxu2 sbxu3 sbxu4 sbxu5; do
    cp "$R/root/.ssh/sbx_client.pub" "$R/etc/ssh/sbx_keys/$u"
done
chmod -R go-w "$R/etc/ssh/sbx_keys"
cat >"$R/etc/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey /etc/ssh/sbx_host_ed25519
UsePAM yes
PubkeyAuthentication yes
AuthorizedKeysFile /etc/ssh/sbx_keys/%u
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel VERBOSE
EOF
rm -f "$R/etc/default/ssh"

# logind: detached processes are not its business (KillUserProcesses=no, Debian's default, said explicitly), but for
# the two Instance user accounts, whose session scopes it ends at logout (KillOnlyUsers); and the user's manager
# goes 2 s after the last session (Debian's default is 10 s), which the agent waits out.
mkdir -p "$R/etc/systemd/logind.conf.d"
printf '[Login]\nKillUserProcesses=yes\nKillOnlyUsers=sbxu4 sbxu5\nUserStopDelaySec=2\n' \
    >"$R/etc/systemd/logind.conf.d/sbx.conf"

# What a login does not need is masked, so the guest is up sooner. The user's manager (user@.service) is not: a Debian
# host runs it for every login, and it is what the sandbox's boundary must keep from running units of a sandboxed
# user on the host.
for u in systemd-journal-flush.service systemd-sysusers.service systemd-update-utmp.service systemd-sysctl.service \
    systemd-random-seed.service systemd-modules-load.service systemd-firstboot.service systemd-remount-fs.service \
    systemd-tmpfiles-setup-dev.service kmod-static-nodes.service systemd-pstore.service systemd-timesyncd.service \
    systemd-binfmt.service systemd-repart.service systemd-pcrphase.service systemd-pcrphase-sysinit.service \
    systemd-machine-id-commit.service systemd-journald-audit.socket proc-sys-fs-binfmt_misc.automount \
    dev-hugepages.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
    sys-fs-fuse-connections.mount systemd-ask-password-console.path systemd-udev-trigger.service \
    systemd-udev-settle.service; do
    ln -sf /dev/null "$R/etc/systemd/system/$u"
done

# systemd-user-sessions removes /run/nologin, which pam_nologin honours: logins wait for it.
cat >"$R/etc/systemd/system/sbx-uml.target" <<EOF
[Unit]
Description=sandbox-shell systemd guest test
Wants=systemd-journald.service dbus.service systemd-logind.service systemd-user-sessions.service ssh.service
Wants=sbx-agent.service
EOF
cat >"$R/etc/systemd/system/sbx-agent.service" <<EOF
[Unit]
Description=sandbox-shell guest test agent
After=systemd-journald.service dbus.service systemd-logind.service systemd-user-sessions.service ssh.service

[Service]
Type=oneshot
ExecStart=/bin/bash /usr/local/lib/sbx-test/agent.sh
StandardOutput=file:/sbx-out/agent.log
StandardError=inherit
TimeoutStartSec=infinity
EOF

# Into the overlay: systemd mounts its own /proc, /sys, /dev, /run and cgroup2 on /sys/fs/cgroup there.
mkdir -p "$R/oldroot"
cd "$R" || fail "cd $R"
pivot_root . oldroot || fail "pivot_root"
umount -l /oldroot
echo "UML-SYSTEMD-STARTING"
exec /lib/systemd/systemd --unit=sbx-uml.target
