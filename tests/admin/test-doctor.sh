#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sandbox-shellctl doctor: clean on a good installation; on a deliberately broken one (one break at a time, undone
# afterwards) it names each problem with a fix and exits 1: PAM lines (session, auth, account) missing or too weak, the helper without or with
# other capabilities, setuid, a wrong login shell, a login shell the policy does not back, an unsafe rootfs chain, a
# setuid file, a device node or anything world-writable in the rootfs, a Shell missing there, sshd bypasses, and what
# the host runs as a sandboxed user outside the sandbox: /etc/ssh/sshrc in an environment the user writes, postfix
# and exim running .forward pipes, a sendmail of an MTA doctor does not know, systemd's user manager without the
# drop-in, lingering, Network host, the helper in /etc/shells; what Network private needs (a tun device the user can
# open, the stack program root's and its libraries loadable, libnftables loadable, /etc/resolv.conf in the rootfs); and
# a missing cgroup controller. Each of these checks has a clean control next to it.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/../lib/netprivate.sh"
sbx_admin_setup "$@"

sbx_assert_doctor_clean "a good installation has no findings"
out=$(ctl doctor --helper "$SBX_SHELL" sbxuser1 2>&1)
sbx_assert_eq "doctor USER on a sandboxed user: clean, exit 0" "0" "$?"
out=$(ctl doctor --helper "$SBX_SHELL" plainuser 2>&1)
sbx_assert_eq "doctor USER on a user the policy does not sandbox: exit 1" "1" "$?"
sbx_assert_match "... and says so" "user 'plainuser' is not sandboxed" "$out"

# --- PAM ---
cp /etc/pam.d/su "$SBX_WS/su.pam"
grep -v '^session.*pam_sandbox' "$SBX_WS/su.pam" >/etc/pam.d/su
sbx_assert_doctor_finds "su without the session line" "/etc/pam.d/su: no session line for pam_sandbox.so"
sed 's/^session required \(.*pam_sandbox\)/session optional \1/' "$SBX_WS/su.pam" >/etc/pam.d/su
sbx_assert_doctor_finds "an optional session line" "pam_sandbox.so's session line has the control 'optional'"
cp "$SBX_WS/su.pam" /etc/pam.d/su
cp /etc/pam.d/sshd "$SBX_WS/sshd.pam"
grep -v '^auth.*pam_sandbox' "$SBX_WS/sshd.pam" >/etc/pam.d/sshd
sbx_assert_doctor_finds "sshd without the auth (setcred) line" "/etc/pam.d/sshd: no auth line for pam_sandbox.so"
grep -v '^account.*pam_sandbox' "$SBX_WS/sshd.pam" >/etc/pam.d/sshd
sbx_assert_doctor_finds "sshd without the account line (RuntimeMaxSec for logind)" \
    "/etc/pam.d/sshd: no account line for pam_sandbox.so"
{ cat "$SBX_WS/sshd.pam"; echo "auth optional pam_cap.so"; } >/etc/pam.d/sshd
sbx_assert_doctor_finds "pam_cap after the setcred line" "pam_cap.so comes after pam_sandbox.so's auth line"
cp "$SBX_WS/sshd.pam" /etc/pam.d/sshd
# Lines reached through @include count as the lines of the file.
grep -v 'pam_sandbox' "$SBX_WS/su.pam" >/etc/pam.d/su
grep 'pam_sandbox' "$SBX_WS/su.pam" >/etc/pam.d/sandbox-lines
echo "@include sandbox-lines" >>/etc/pam.d/su
sbx_assert_doctor_clean "lines from an @include file count"
cp "$SBX_WS/su.pam" /etc/pam.d/su

# --- the helper ---
good_helper=$SBX_SHELL
SBX_SHELL=$SBX_WS/bin/helper-test
install -m 0755 "$good_helper" "$SBX_SHELL"
sed -i "s|:$good_helper\$|:$SBX_SHELL|" /etc/passwd
sbx_assert_doctor_finds "a helper without file capabilities" "has no file capabilities"
setcap "$SBX_HELPER_CAPS+eip" "$SBX_SHELL"
sbx_assert_doctor_finds "a helper with permitted capabilities" "expected exactly '$SBX_HELPER_CAPS\+ei' \(a permitted set"
setcap "cap_sys_admin+ei" "$SBX_SHELL"
sbx_assert_doctor_finds "a helper missing capabilities" "has the file capabilities 'cap_sys_admin=ei', expected exactly"
setcap "$SBX_HELPER_CAPS+ei" "$SBX_SHELL"
sbx_assert_doctor_clean "the copy with the right capabilities is clean"
chmod u+s "$SBX_SHELL"
sbx_assert_doctor_finds "a setuid helper" "helper '$SBX_SHELL' is setuid"
chmod u-s,g+s "$SBX_SHELL"
sbx_assert_doctor_finds "a setgid helper" "helper '$SBX_SHELL' is setgid"
chmod g-s "$SBX_SHELL"
sed -i "s|:$SBX_SHELL\$|:$good_helper|" /etc/passwd
SBX_SHELL=$good_helper

# --- login shells ---
cp /etc/passwd "$SBX_WS/passwd"
sed -i 's|^\(sbxuser2:.*:\)[^:]*$|\1/bin/bash|' /etc/passwd
sbx_assert_doctor_finds "a sandboxed user with another login shell" \
    "user 'sbxuser2' is sandboxed by the policy but its login shell is '/bin/bash'"
cp "$SBX_WS/passwd" /etc/passwd
sbx_add_user loneuser 3005
sbx_assert_doctor_finds "sandbox-shell as the login shell of a user the policy does not sandbox" \
    "user 'loneuser' has the login shell '.*' but the policy says Sandbox no"
cp "$SBX_WS/passwd" /etc/passwd

# --- the rootfs ---
R=$SBX_WS/rootfs
chmod g+w "$R"
sbx_assert_doctor_finds "a group-writable rootfs" "rootfs '$R' is not on a root-only chain: unsafe permissions on '$R'"
chmod g-w "$R"
mkdir "$SBX_WS/chain" && mv "$R" "$SBX_WS/chain/" && chmod o+w "$SBX_WS/chain"
SBX_ADMIN_ROOTFS=$SBX_WS/chain/rootfs sbx_admin_policy
sbx_assert_doctor_finds "a world-writable directory above the rootfs" "unsafe permissions on '$SBX_WS/chain'"
mv "$SBX_WS/chain/rootfs" "$R" && rmdir "$SBX_WS/chain"
sbx_admin_policy
cp "$R/bin/busybox" "$R/bin/suid-tool" && chmod 4755 "$R/bin/suid-tool"
sbx_assert_doctor_finds "a setuid file in the rootfs" "'/bin/suid-tool' is a setuid/setgid file"
chmod 2755 "$R/bin/suid-tool"
sbx_assert_doctor_finds "a setgid file in the rootfs" "'/bin/suid-tool' is a setuid/setgid file \(mode 2755\)"
rm "$R/bin/suid-tool"
mknod "$R/dev/sda" b 8 0
sbx_assert_doctor_finds "a device node in the rootfs" "'/dev/sda' is a device node"
rm "$R/dev/sda"
mknod "$R/dev/null" c 1 3
sbx_assert_doctor_finds "a character device in the rootfs" "'/dev/null' is a device node"
rm "$R/dev/null"
mkdir -m 0777 "$R/var/drop" && chmod 0777 "$R/var/drop"
sbx_assert_doctor_finds "a world-writable directory" "'/var/drop' is a world-writable directory \(mode 0777\)"
# The sandbox has tmpfs mounts of its own for what it writes: a shared sticky directory in the rootfs is no /tmp.
chmod 1777 "$R/var/drop"
sbx_assert_doctor_finds "the same directory with the sticky bit is found too" \
    "'/var/drop' is a world-writable directory \(mode 1777\)"
rmdir "$R/var/drop"
echo "welcome" >"$R/etc/motd" && chmod 0666 "$R/etc/motd"
sbx_assert_doctor_finds "a world-writable file" "'/etc/motd' is a world-writable file \(mode 0666\)"
chmod 0644 "$R/etc/motd"
sbx_assert_eq "the busybox applets are symbolic links (mode 0777), which count as nothing" \
    "link" "$([ -L "$R/bin/ls" ] && echo link)"
sbx_assert_doctor_clean "the file made read-only again is clean"
rm "$R/etc/motd"
SBX_ADMIN_SHELL=/bin/no-such-shell sbx_admin_policy
sbx_assert_doctor_finds "a Shell missing in the rootfs" "Shell '/bin/no-such-shell': No such file or directory"
sbx_admin_policy
rmdir "$R/proc"
sbx_assert_doctor_finds "a missing mount point" "/proc is missing or not a directory"
mkdir -m 0555 "$R/proc"
SBX_ADMIN_ROOTFS=/nonexistent/rootfs sbx_admin_policy
sbx_assert_doctor_finds "a rootfs that does not exist" "rootfs '/nonexistent/rootfs' does not exist"
sbx_admin_policy
sbx_assert_doctor_clean "the rootfs restored is clean"

# --- sshd ---
rm /etc/ssh/sshd_config.d/sandbox-shell.conf
sbx_assert_doctor_finds "sshd forwarding for sandboxed users" "sshd for 'sbxuser1': allowtcpforwarding is 'yes'"
sbx_assert_match "... and PermitUserRC" "sshd for 'sbxuser1': PermitUserRC is 'yes'" "$out"
sbx_admin_sshd_config "PermitUserEnvironment yes"
sbx_assert_doctor_finds "PermitUserEnvironment" "PermitUserEnvironment is 'yes'"
# internal-sftp without a ForceCommand: a snippet that closes forwarding but routes nothing through the shell.
sbx_admin_sshd_config
grep -v ForceCommand "$SBX_SRCDIR/etc/sshd_config.d/sandbox-shell.conf" >/etc/ssh/sshd_config.d/sandbox-shell.conf
sed -i 's|^Subsystem sftp .*|Subsystem sftp internal-sftp|' /etc/ssh/sshd_config
sbx_assert_doctor_finds "internal-sftp without a ForceCommand" "the subsystem 'sftp internal-sftp' runs inside sshd"
sbx_admin_sshd_config
sed -i 's|^Subsystem sftp .*|Subsystem sftp internal-sftp|' /etc/ssh/sshd_config
sbx_assert_doctor_clean "internal-sftp with the snippet's ForceCommand is no bypass"
sbx_admin_sshd_config
sed -i 's|ForceCommand .*|ForceCommand internal-sftp|' /etc/ssh/sshd_config.d/sandbox-shell.conf
sbx_assert_doctor_finds "ForceCommand internal-sftp" "ForceCommand is 'internal-sftp'"
sbx_admin_sshd_config
sed -i 's|^UsePAM yes|UsePAM no|' /etc/ssh/sshd_config
sbx_assert_doctor_finds "UsePAM no" "UsePAM is 'no'"
sbx_admin_sshd_config "PermitTunnel yes"
sed -i 's|PermitTunnel no|# no tunnel line|' /etc/ssh/sshd_config.d/sandbox-shell.conf
sbx_assert_doctor_finds "PermitTunnel" "PermitTunnel is 'yes'"
sbx_admin_sshd_config
sbx_assert_doctor_clean "sshd restored is clean"

# --- /etc/ssh/sshrc in an environment the user writes ---
cp /etc/pam.d/sshd "$SBX_WS/sshd.pam"
echo "session required pam_env.so user_readenv=1 envfile=/etc/default/locale" >>/etc/pam.d/sshd
sbx_assert_doctor_clean "pam_env with user_readenv=1 but no /etc/ssh/sshrc: no finding"
printf 'if read proto cookie; then :; fi\n' >/etc/ssh/sshrc
sbx_assert_doctor_finds "/etc/ssh/sshrc with pam_env user_readenv=1" \
    "^/etc/ssh/sshrc exists and /etc/pam.d/sshd:[0-9]+ reads the user's environment \(pam_env.so user_readenv=1\): sshd runs /etc/ssh/sshrc with /bin/sh as the user, on the host, before the login shell.*LD_PRELOAD.*for every sandboxed user$"
sbx_assert_match "... and says what to do" "^  fix: remove /etc/ssh/sshrc, or drop user_readenv=1" "$out"
sed -i 's/user_readenv=1/user_readenv=0/' /etc/pam.d/sshd
sbx_assert_doctor_clean "/etc/ssh/sshrc with pam_env user_readenv=0: no finding"
cp "$SBX_WS/sshd.pam" /etc/pam.d/sshd
echo "session required pam_env.so user_readenv=1" >/etc/pam.d/env-lines
echo "@include env-lines" >>/etc/pam.d/sshd
sbx_assert_doctor_finds "... pam_env reached through an @include" "^/etc/ssh/sshrc exists and /etc/pam.d/env-lines:1 reads"
cp "$SBX_WS/sshd.pam" /etc/pam.d/sshd
rm /etc/pam.d/env-lines
sbx_assert_doctor_clean "/etc/ssh/sshrc alone, no environment the user writes: no finding"
sbx_admin_sshd_config "PermitUserEnvironment yes"
sbx_assert_doctor_finds "/etc/ssh/sshrc with PermitUserEnvironment" \
    "^/etc/ssh/sshrc exists and sshd's PermitUserEnvironment is 'yes': sshd runs /etc/ssh/sshrc with /bin/sh as the user, on the host.*~/.ssh/environment"
sbx_admin_sshd_config
rm /etc/ssh/sshrc
sbx_admin_sshd_config "PermitUserEnvironment yes"
sbx_doctor
sbx_assert_no_match "PermitUserEnvironment without /etc/ssh/sshrc: no sshrc finding" "sshrc" "$out"
sbx_admin_sshd_config
sbx_assert_doctor_clean "sshrc gone and sshd restored: clean"

# --- mail: postfix and exim run a user's .forward pipes as the user, on the host ---
mkdir -p /etc/postfix
printf 'myhostname = box.example\nmydestination = $myhostname, localhost\n' >/etc/postfix/main.cf
sbx_assert_doctor_finds "postfix's default: commands in .forward" \
    "^postfix \(/etc/postfix/main.cf\): allow_mail_to_commands is not set \(postfix's default is 'alias, forward'\): local\(8\) runs the commands of \"\|command\" lines in a user's ~/.forward: they run as the user, on the host, outside the sandbox, from files the sandbox can write, for every sandboxed user$"
out=$(ctl doctor --helper "$SBX_SHELL" sbxuser2 2>&1)
sbx_assert_match "... doctor USER names that user" "postfix .* for the sandboxed user 'sbxuser2'$" "$out"
printf 'allow_mail_to_commands = alias,\n    forward\n' >>/etc/postfix/main.cf
sbx_assert_doctor_finds "... forward on a continuation line" "allow_mail_to_commands is 'alias, forward'"
printf 'allow_mail_to_commands = alias\n' >>/etc/postfix/main.cf
sbx_assert_doctor_clean "postfix with allow_mail_to_commands = alias: no finding"
printf 'mailbox_command = /usr/bin/procmail -a "$EXTENSION"\n' >>/etc/postfix/main.cf
sbx_assert_doctor_finds "postfix with a mailbox_command" \
    "^postfix \(/etc/postfix/main.cf\): mailbox_command is '/usr/bin/procmail -a \"\\\$EXTENSION\"': local\(8\) runs it for every message"
sbx_assert_match "... and the fix removes it" "^  fix: remove mailbox_command" "$out"
rm -r /etc/postfix
mkdir /etc/exim4
sbx_assert_doctor_finds "an exim4 directory with no configuration doctor can read" \
    "^exim \(/etc/exim4\): no configuration could be read there; Debian's default routers run the commands of \"\|command\" lines in a user's .forward"
# Debian's routers as they matter here: userforward reads ~/.forward with filters allowed; procmail delivers through
# a pipe transport and needs the program (absent here: that router never runs); maildrop alike, with a program there.
cat >/etc/exim4/exim4.conf.template <<'EXIM'
.ifndef LOCAL_DELIVERY
LOCAL_DELIVERY=mail_spool
.endif
begin routers
userforward:
  debug_print = "R: userforward for $local_part@$domain"
  driver = redirect
  domains = +local_domains
  check_local_user
  file = $home/.forward
  require_files = $local_part_data:$home/.forward
  no_verify
  allow_filter
  pipe_transport = address_pipe
procmail:
  driver = accept
  check_local_user
  transport = procmail_pipe
  require_files = ${local_part_data}:\
                  ${if exists{/etc/procmailrc}{/etc/procmailrc}{${home}/.procmailrc}}:\
                  +/nonexistent/procmail
local_user:
  driver = accept
  check_local_user
  transport = LOCAL_DELIVERY
begin transports
address_pipe:
  driver = pipe
  return_fail_output
procmail_pipe:
  driver = pipe
  command = "/usr/bin/procmail"
mail_spool:
  driver = appendfile
  file = /var/mail/$local_part
EXIM
sbx_assert_doctor_finds "exim's userforward router: pipes and filter commands" \
    "^exim \(/etc/exim4/exim4.conf.template\): the router 'userforward' runs the commands of \"\|command\" lines in a user's .forward and \\\$\{run\} and \\\$\{dlfunc\} in a user's Exim filter: these run as the user, on the host, outside the sandbox, from files the sandbox can write, for every sandboxed user$"
sbx_assert_no_match "... not the procmail router, whose program is missing" "router 'procmail'" "$out"
sbx_assert_no_match "... nor the local_user router, which writes the mailbox" "router 'local_user'" "$out"
sbx_assert_match "... the fix names forbid_pipe" "^  fix: add forbid_pipe to the router; add forbid_filter_run and forbid_filter_dlfunc" "$out"
sed -i 's|^  allow_filter$|  allow_filter\n  forbid_pipe\n  forbid_filter_run|' /etc/exim4/exim4.conf.template
sbx_assert_doctor_finds "... forbid_pipe and forbid_filter_run without forbid_filter_dlfunc" \
    "the router 'userforward' runs \\\$\{run\} and \\\$\{dlfunc\} in a user's Exim filter"
sed -i 's|^  forbid_filter_run$|  forbid_filter_run\n  forbid_filter_dlfunc|' /etc/exim4/exim4.conf.template
sbx_assert_doctor_clean "exim with forbid_pipe, forbid_filter_run and forbid_filter_dlfunc: no finding"
echo "LOCAL_DELIVERY=procmail_pipe" >/etc/exim4/exim4.conf.localmacros
sbx_assert_doctor_finds "exim delivering every mailbox through procmail (LOCAL_DELIVERY in the local macros)" \
    "^exim .*: the router 'local_user' delivers through the pipe transport 'procmail_pipe'"
rm /etc/exim4/exim4.conf.localmacros
sed -i 's|^  forbid_pipe$|  local_parts = ! sbxuser1 : ! root|' /etc/exim4/exim4.conf.template
sbx_assert_doctor_finds "exim's userforward kept from one sandboxed user only" \
    "^exim .*: the router 'userforward' runs the commands of .* for the sandboxed user 'sbxuser2'$"
rm -r /etc/exim4
# An MTA doctor does not know: /usr/sbin/sendmail with neither postfix's main.cf nor /etc/exim4. The program is put
# there through an overlay of /usr/sbin in this mount namespace (its upper half in the workspace), which also hides
# one the machine may have for the clean control after it.
mkdir "$SBX_WS/sbin-upper" "$SBX_WS/sbin-work"
mount -t overlay sbx-sbin -o "lowerdir=/usr/sbin,upperdir=$SBX_WS/sbin-upper,workdir=$SBX_WS/sbin-work" /usr/sbin ||
    sbx_fail "overlay /usr/sbin"
printf '#!/bin/sh\nexit 0\n' >/usr/sbin/sendmail
chmod 0755 /usr/sbin/sendmail
sbx_assert_doctor_finds "a sendmail of an MTA that is neither postfix nor exim" \
    "^/usr/sbin/sendmail exists but neither postfix \(/etc/postfix/main.cf\) nor exim \(/etc/exim4\) is configured: a mail transfer agent doctor does not know may run the commands of a user's .forward or procmail pipes as the user, on the host, outside the sandbox, for every sandboxed user$"
sbx_assert_match "... and the fix has it checked" "^  fix: make sure the MTA behind it runs no command named in a user's .forward" "$out"
out=$(ctl doctor --helper "$SBX_SHELL" sbxuser2 2>&1)
sbx_assert_match "... doctor USER names that user" "^/usr/sbin/sendmail exists .* for the sandboxed user 'sbxuser2'$" "$out"
mkdir /etc/postfix
printf 'allow_mail_to_commands = alias\n' >/etc/postfix/main.cf
sbx_assert_doctor_clean "the same sendmail with postfix configured not to run .forward commands: no finding"
rm -r /etc/postfix
rm /usr/sbin/sendmail
sbx_assert_doctor_clean "no MTA configured and no /usr/sbin/sendmail: clean"
umount /usr/sbin

# --- systemd's user manager: the drop-in keeps it from starting for sandboxed users ---
U=/etc/systemd/system/user@.service.d
rm "$SBX_ADMIN_DROPIN"
sbx_assert_doctor_finds "no user-manager drop-in" \
    "^systemd's user manager: no drop-in of user@.service has an ExecCondition= that runs user-manager-allowed: every login of every sandboxed user starts systemd --user as the user, on the host, outside the sandbox, with the units of ~/.config/systemd/user"
sbx_assert_match "... the fix installs it" "^  fix: install the drop-in user@.service.d/sandbox-shell.conf" "$out"
sbx_admin_user_manager_dropin /run/systemd/system/user@.service.d/sandbox-shell.conf
sbx_assert_doctor_clean "the drop-in in /run/systemd/system counts as well"
ln -s /dev/null "$SBX_ADMIN_DROPIN"
sbx_assert_doctor_finds "the drop-in masked by a link to /dev/null in /etc" \
    "^systemd's user manager: /run/systemd/system/user@.service.d/sandbox-shell.conf, which has the ExecCondition, is replaced by $SBX_ADMIN_DROPIN \(a link to /dev/null\): every login of every sandboxed user starts systemd --user"
rm "$SBX_ADMIN_DROPIN"
printf '[Service]\nEnvironment=LOCAL=1\n' >"$SBX_ADMIN_DROPIN"
sbx_assert_doctor_finds "the drop-in replaced in /etc by one of the same name without the line" \
    "sandbox-shell.conf, which has the ExecCondition, is replaced by $SBX_ADMIN_DROPIN: every login"
rm -r /run/systemd
sbx_admin_user_manager_dropin
printf '[Service]\nExecCondition=\n' >"$U/zz-local.conf"
sbx_assert_doctor_finds "a later drop-in empties the ExecCondition= list" \
    "^systemd's user manager: $U/zz-local.conf empties the ExecCondition= list after $SBX_ADMIN_DROPIN set it"
mv "$U/zz-local.conf" "$U/00-local.conf"
sbx_assert_doctor_clean "... the same drop-in applied before ours changes nothing"
rm "$U/00-local.conf"
mkdir /etc/systemd/system/user@3001.service.d
printf '[Service]\nExecCondition=\n' >/etc/systemd/system/user@3001.service.d/zz-local.conf
sbx_assert_doctor_finds "a drop-in of one user's instance empties the list" \
    "^systemd's user manager: /etc/systemd/system/user@3001.service.d/zz-local.conf empties .*: every login of the sandboxed user 'sbxuser1' starts"
rm -r /etc/systemd/system/user@3001.service.d
sbx_admin_user_manager_dropin "" "$SBX_WS/libexec/none/user-manager-allowed"
sbx_assert_doctor_finds "the drop-in names a program that does not exist" \
    "^systemd's user manager: the ExecCondition program '$SBX_WS/libexec/none/user-manager-allowed' \(from $SBX_ADMIN_DROPIN\) cannot be used: No such file or directory"
sbx_admin_user_manager_dropin
chmod g+w "$SBX_ADMIN_UMA"
sbx_assert_doctor_finds "the drop-in names a group-writable program" \
    "the ExecCondition program '$SBX_ADMIN_UMA' \(from $SBX_ADMIN_DROPIN\) is writable by its group \(mode 0775\)"
chmod g-w "$SBX_ADMIN_UMA"
chown 3001 "$SBX_ADMIN_UMA"
sbx_assert_doctor_finds "the drop-in names a program a sandboxed user owns" "'$SBX_ADMIN_UMA' .* is owned by uid 3001, not root"
chown 0 "$SBX_ADMIN_UMA" && chmod 0755 "$SBX_ADMIN_UMA"
rm "$SBX_ADMIN_DROPIN"
ln -s /dev/null /etc/systemd/system/user@.service
sbx_assert_doctor_clean "user@.service masked: no user manager, no drop-in needed"
rm /etc/systemd/system/user@.service
sbx_admin_user_manager_dropin
sbx_assert_doctor_clean "the drop-in restored is clean"

# --- lingering: /var/lib/systemd/linger of the machine is hidden by a tmpfs in this mount namespace ---
L=/var/lib/systemd
[ -d "$L" ] || L=/var/lib
mount -t tmpfs -o mode=0755,size=1m sbx-linger "$L"
mkdir -p /var/lib/systemd/linger
touch /var/lib/systemd/linger/plainuser
sbx_assert_doctor_clean "a lingering user the policy does not sandbox: no finding"
touch /var/lib/systemd/linger/sbxuser2
sbx_assert_doctor_finds "a lingering sandboxed user" \
    "^user 'sbxuser2' is lingering \(/var/lib/systemd/linger/sbxuser2 exists\): its systemd manager runs on the host between logins, outside the sandbox, and pam_sandbox refuses its logins$"
sbx_assert_match "... the fix disables it" "^  fix: loginctl disable-linger sbxuser2$" "$out"
umount "$L"

# --- Network host ---
sbx_admin_policy "    Network host"
sbx_assert_doctor_finds "Network host, and what it exposes" \
    "^/etc/sandbox-shell/sandbox-shell.conf:[0-9]+: Network host for the sandboxed users 'sbxuser1', 'sbxuser2': their sandboxes share the host's network and reach the host's loopback services .*, the host's abstract unix sockets, every port the other Network host sandboxes listen on, the LAN and the cloud metadata endpoints"
sbx_assert_match "... the fix is Network none" '^  fix: set "Network none" for them' "$out"
sbx_admin_policy "
Match User sbxuser1
    Network host
Match User sbxuser2
    Network host"
sbx_doctor
sbx_assert_eq "one finding per place Network host is set" 2 "$(printf '%s\n' "$out" | grep -c ': Network host for ')"
sbx_assert_match "... each naming its user" ":1[0-9]: Network host for the sandboxed user 'sbxuser2':" "$out"
sbx_admin_policy "    Network none"
sbx_assert_doctor_clean "Network none: no finding"
sbx_admin_policy

# --- Network private: what its logins need, made right in this test's mount namespace, then broken one at a time ---
# This machine's /dev/net/tun is root's only and the stack program is not installed: a policy without Network private
# needs neither (nor libslirp, libnftables or a resolv.conf in the rootfs).
sbx_assert_doctor_clean "no Network private policy: the tun device and the stack program are not looked at"
sbx_np_host_files
S=$SBX_NETSTACK_PATH
: >"$R/etc/resolv.conf" && chmod 0644 "$R/etc/resolv.conf"
sbx_admin_policy "    Network private"
sbx_assert_doctor_clean "Network private with all it needs (tun 0666, the stack program root's, the libraries, resolv.conf)"
# The tun device: as this machine has it (0600), missing (a tmpfs over /dev/net), something else in its place.
chmod 0600 "$SBX_WS/tun"
sbx_assert_doctor_finds "a tun device only root can open" \
    "^/dev/net/tun is mode 0600: the Network private sessions of every sandboxed user cannot make their tap device \(the helper opens it as the user\), and their logins are refused$"
sbx_assert_match "... the fix makes it 0666, as Debian's udev does" "^  fix: chmod 0666 /dev/net/tun, as Debian's udev makes it" "$out"
chmod 0666 "$SBX_WS/tun"
mount -t tmpfs -o mode=0755,size=1m sbx-no-tun /dev/net
sbx_assert_doctor_finds "no tun device" "^/dev/net/tun does not exist: the Network private sessions of every sandboxed user"
sbx_assert_match "... the fix loads the module" "^  fix: load the tun module \(modprobe tun" "$out"
umount /dev/net
: >"$SBX_WS/not-tun"
mount --bind "$SBX_WS/not-tun" /dev/net/tun
sbx_assert_doctor_finds "a regular file as /dev/net/tun" \
    "^/dev/net/tun is not the tun device \(character device 10:200\) but a regular file"
umount /dev/net/tun
sbx_assert_doctor_clean "the tun device restored is clean"
# The stack program, as the helper opens it (missing, a user's, group-writable, in a directory others can write).
mv "$S" "$SBX_WS/netstack.saved"
sbx_assert_doctor_finds "the stack program missing" \
    "^the stack program '$S' of Network private is missing: the Network private logins of every sandboxed user are refused$"
sbx_assert_match "... the fix reinstalls sandbox-shell" "^  fix: reinstall sandbox-shell" "$out"
install -m 0755 -o root -g root "$SBX_WS/netstack.saved" "$S"
chown 3001 "$S"
sbx_assert_doctor_finds "the stack program owned by a sandboxed user" \
    "^the stack program '$S' is owned by uid 3001, not root: the helper refuses to start it, and the Network private logins of every sandboxed user are refused$"
chown 0 "$S"
chmod g+w "$S"
sbx_assert_doctor_finds "a group-writable stack program" "^the stack program '$S' is writable by its group \(mode 0775\)"
chmod 0755 "$S"
ln -s "$SBX_WS/netstack.saved" "$S.link" && mv -T "$S.link" "$S"
sbx_assert_doctor_finds "a symbolic link as the stack program (never followed)" \
    "^the stack program '$S' is not a regular file but a symbolic link"
install -m 0755 -o root -g root "$SBX_WS/netstack.saved" "$S.new" && mv -T "$S.new" "$S"
chmod o+w "${S%/*}"
sbx_assert_doctor_finds "the stack program in a directory others can write" \
    "^the stack program '$S' is not on a chain of directories only root can change \(unsafe permissions on '${S%/*}'"
chmod o-w "${S%/*}"
sbx_assert_doctor_clean "the stack program restored is clean"
# The libraries, each made unloadable by an empty file bound over it here: libslirp (the stack program's, through
# its DT_NEEDED) and libnftables (the helper's filter).
sbx_unload() { # LIBRARY: binds an empty file over every copy of it the loader's cache lists
    local p
    : >"$SBX_WS/empty.so"
    for p in $(ldconfig -p | awk -v n="$1" '$1 == n { print $NF }'); do
        mount --bind "$SBX_WS/empty.so" "$(readlink -f "$p")" || sbx_fail "bind over $p"
    done
}
sbx_reload() { # LIBRARY: undoes sbx_unload
    local p
    for p in $(ldconfig -p | awk -v n="$1" '$1 == n { print $NF }'); do
        umount "$(readlink -f "$p")" || sbx_fail "umount $p"
    done
}
for lib in libslirp.so.0 libnftables.so.1; do
    [ -n "$(ldconfig -p | awk -v n="$lib" '$1 == n')" ] || sbx_fail "$lib is not installed here (Debian packages libslirp0, libnftables1)"
done
sbx_unload libslirp.so.0
sbx_assert_doctor_finds "libslirp that cannot be loaded" \
    "^the stack program '$S' needs libslirp.so.0, which cannot be loaded \(.*libslirp.so.0.*\): the stack of Network private cannot start, and the Network private logins of every sandboxed user are refused$"
sbx_assert_match "... the fix installs libslirp0" "^  fix: install libslirp0" "$out"
sbx_reload libslirp.so.0
sbx_unload libnftables.so.1
sbx_assert_doctor_finds "libnftables that cannot be loaded" \
    "^libnftables.so.1 cannot be loaded \(.*libnftables.so.1.*\): the helper loads it for the filter of Network private, and the Network private logins of every sandboxed user are refused$"
sbx_assert_match "... the fix installs libnftables1" "^  fix: install libnftables1" "$out"
sbx_reload libnftables.so.1
sbx_assert_doctor_clean "the libraries restored are clean"
# The rootfs's /etc/resolv.conf, the file the sandbox's own is mounted on: missing, a symbolic link, a directory.
rm "$R/etc/resolv.conf"
sbx_assert_doctor_finds "a rootfs without /etc/resolv.conf" \
    "^rootfs '$R' of every sandboxed user has no /etc/resolv.conf: their Network private logins are refused"
sbx_assert_match "... the fix creates an empty one" "^  fix: create an empty file there \(touch $R/etc/resolv.conf; sandbox-shellctl mkrootfs makes one\)$" "$out"
ln -s ../run/resolv.conf "$R/etc/resolv.conf"
sbx_assert_doctor_finds "/etc/resolv.conf a symbolic link in the rootfs" \
    "^rootfs '$R' of every sandboxed user: /etc/resolv.conf is a symbolic link, or below one: their Network private logins are refused"
rm "$R/etc/resolv.conf" && mkdir "$R/etc/resolv.conf"
sbx_assert_doctor_finds "/etc/resolv.conf a directory in the rootfs" "^rootfs '$R' of every sandboxed user: /etc/resolv.conf is a directory"
rmdir "$R/etc/resolv.conf"
# Only the users with Network private are named, and only they make it looked at.
sbx_admin_policy "
Match User sbxuser2
    Network private"
chmod 0600 "$SBX_WS/tun"
sbx_assert_doctor_finds "Network private for one user: the findings name that user" \
    "^/dev/net/tun is mode 0600: the Network private sessions of the sandboxed user 'sbxuser2' cannot"
sbx_assert_match "... and the rootfs's" "^rootfs '$R' of the sandboxed user 'sbxuser2' has no /etc/resolv.conf" "$out"
out=$(ctl doctor --helper "$SBX_SHELL" sbxuser1 2>&1)
sbx_assert_eq "doctor USER for the other user (Network none): clean, exit 0 ($out)" "0" "$?"
chmod 0666 "$SBX_WS/tun"
: >"$R/etc/resolv.conf"
# Each rootfs is looked at for the users of it: sbxuser2's own rootfs (a copy of R) without the file.
R2=$SBX_WS/rootfs2
cp -a "$R" "$R2" && rm "$R2/etc/resolv.conf"
sbx_write_conf "Sandbox no
CgroupRoot %c/$SBX_ADMIN_CGNAME

Match User sbxuser2
    RootDirectory $R2

Match Group sandboxed
    Sandbox yes
    RootDirectory $R
    Shell /bin/sh
    Hostname box-%u
    TasksMax 200
    MemoryMax 512M
    Network private"
sbx_assert_doctor_finds "two rootfs, one without /etc/resolv.conf: named with its user only" \
    "^rootfs '$R2' of the sandboxed user 'sbxuser2' has no /etc/resolv.conf"
sbx_assert_eq "... the only finding" 1 "$(printf '%s\n' "$out" | grep -c -v '^  fix: \|^1 finding\.$')"
rm -r "$R2"
sbx_admin_policy
chmod 0600 "$SBX_WS/tun"
rm "$R/etc/resolv.conf"
sbx_assert_doctor_clean "no Network private policy: the broken tun device and rootfs are not looked at"
chmod 0666 "$SBX_WS/tun"

# --- the helper in /etc/shells: su -s would run another shell ---
cp /etc/shells "$SBX_WS/shells"
echo "$SBX_SHELL" >>/etc/shells
sbx_assert_doctor_finds "the helper in /etc/shells" \
    "^/etc/shells lists the helper \('$SBX_SHELL'\): su lets whoever knows a sandboxed user's password choose the shell.*su -s /bin/sh USER"
sbx_assert_match "... the fix removes it" "^  fix: remove-shell $SBX_SHELL$" "$out"
cp "$SBX_WS/shells" /etc/shells
ln -s "$SBX_SHELL" "$SBX_WS/bin/helper-link"
echo "$SBX_WS/bin/helper-link" >>/etc/shells
sbx_assert_doctor_finds "a link to the helper in /etc/shells" "^/etc/shells lists the helper \('$SBX_WS/bin/helper-link'\)"
cp "$SBX_WS/shells" /etc/shells
rm "$SBX_WS/bin/helper-link"
sbx_assert_doctor_clean "/etc/shells restored is clean"

# --- the configuration ---
echo "NoSuchKeyword 1" >>/etc/sandbox-shell/sandbox-shell.conf
sbx_doctor
sbx_assert_eq "an invalid configuration: exit 1" 1 "$rc"
sbx_assert_lines "... with the parser's message, then what it means, then the fix" "$out" 'NoSuchKeyword' \
    'is invalid \(errors above\): every sandboxed login is refused$' '^  fix: correct it'
sbx_admin_policy

# --- cgroup controllers: the memory controller hidden in this test's mount namespace only ---
if mountpoint -q /sys/fs/cgroup/memory; then
    # v1 or hybrid: without the memory hierarchy.
    umount -l /sys/fs/cgroup/memory
else
    # Pure cgroup v2: the root's cgroup.controllers as doctor reads it, without memory (a file bound over it here;
    # the machine's cgroups are untouched).
    v2=$(sbx_cgroup_mount "")
    [ -n "$v2" ] || sbx_fail "neither a v1 memory hierarchy nor cgroup2 is mounted"
    sed 's/\bmemory\b//' "$v2/cgroup.controllers" >"$SBX_WS/controllers"
    mount --bind "$SBX_WS/controllers" "$v2/cgroup.controllers"
fi
sbx_assert_doctor_finds "a missing memory controller" \
    "MemoryMax/MemoryHigh/MemorySwapMax needs the cgroup controller 'memory', which this host does not offer"
echo "ok - doctor"
