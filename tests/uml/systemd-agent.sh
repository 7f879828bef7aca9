#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The assertions of tests/uml/test-uml-systemd.sh, run as root inside the systemd guest (systemd PID 1 on pure cgroup
# v2, with dbus, logind and sshd) by sbx-agent.service, which tests/uml/systemd-init.sh wrote. Prints TAP lines to
# /sbx-out/agent.log (this service's stdout) and the final status to /sbx-out/status, then powers the guest off.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
. /usr/local/lib/sbx-test/agent-lib.sh
agent_wait_sshd

# ---- a user the policy does not sandbox is untouched
out=$("${SSH[@]}" sbxu2@127.0.0.1 'echo PID=$$; c=$(sed -n "s/^0:://p" /proc/self/cgroup); echo "$c";
    echo "RUNTIME=$(systemctl show -p RuntimeMaxUSec --value "${c##*/}")"' 2>&1)
check_match "plain user: an ordinary shell (PID not 1)" '^PID=([02-9]|1[0-9])' "$out"
check_match "plain user: in logind's session scope" '^/user\.slice/user-2002\.slice/session-[0-9]+\.scope$' "$out"
check_match "plain user: logind's scope has no RuntimeMaxSec (control for the sandboxed login's)" '^RUNTIME=infinity$' \
    "$out"
check_eq "plain user: no limit of ours on user-2002.slice" "infinity" "$(prop user-2002.slice MemoryMax)"
check_eq "plain user: no runtime drop-in of ours" "" "$(ls /run/systemd/system.control/user-2002.slice.d 2>/dev/null)"

# ---- a sandboxed ssh login
rm -f /home/sbxu1/stop
"${SSH[@]}" sbxu1@127.0.0.1 'echo PID=$$; echo HOST=$(hostname); while [ ! -e ~/stop ]; do sleep 0.2; done; echo BYE' \
    >/tmp/s1.out 2>&1 &
s1=$!
wait_for "has_line /tmp/s1.out 'HOST=*' || ! kill -0 $s1 2>/dev/null" 300 || true
check_match "ssh login: the shell is PID 1" '^PID=1$' "$(cat /tmp/s1.out)"
check_match "ssh login: in the sandbox (its hostname)" '^HOST=box-sbxu1$' "$(cat /tmp/s1.out)"
pids=$(pgrep -u sbxu1 -x sleep; pgrep -u sbxu1 -x sh; pgrep -u sbxu1 -f sandbox-shell)
scope=""
for p in $pids; do
    c=$(cg_of "$p")
    case "$c" in
    */user@2001.service/*) continue ;; # the user's manager, started by logind
    esac
    if [ -z "$scope" ]; then scope=$c; elif [ "$c" != "$scope" ]; then scope="MIXED: $scope $c"; fi
done
check_match "ssh login: the shell's processes ($(echo $pids)) are in logind's session scope" \
    '^/user\.slice/user-2001\.slice/session-[0-9]+\.scope$' "$scope"
unit=${scope##*/}
sid=${unit#session-}
sid=${sid%.scope}
check_eq "ssh login: logind's session $sid is active" "active" "$(loginctl show-session -p State --value "$sid" 2>&1)"
check_eq "ssh login: its scope $unit is active" "active" "$(prop "$unit" ActiveState)"
check_eq "SessionTasksMax is on the session's scope (systemctl show)" "30" "$(prop "$unit" TasksMax)"
check_eq "RuntimeMaxSec 1h is on logind's session scope, with TimeoutStopSec 10s and 5s as the backstop" \
    "1h 15s" "$(prop "$unit" RuntimeMaxUSec)"
check_eq "pids.max of the scope's cgroup" "30" "$(cat "/sys/fs/cgroup$scope/pids.max" 2>&1)"
check_eq "control: the user's slice keeps its own TasksMax" "40" "$(prop user-2001.slice TasksMax)"
check_eq "user-2001.slice MemoryMax (systemctl show)" "209715200" "$(prop user-2001.slice MemoryMax)"
check_eq "user-2001.slice MemoryHigh (systemctl show)" "157286400" "$(prop user-2001.slice MemoryHigh)"
check_eq "user-2001.slice TasksMax (systemctl show)" "40" "$(prop user-2001.slice TasksMax)"
check_eq "user-2001.slice CPUQuotaPerSecUSec (systemctl show)" "500ms" "$(prop user-2001.slice CPUQuotaPerSecUSec)"
check_eq "user-2001.slice CPUWeight (systemctl show)" "50" "$(prop user-2001.slice CPUWeight)"
sl=/sys/fs/cgroup$(prop user-2001.slice ControlGroup)
check_eq "memory.max of the slice's cgroup" "209715200" "$(cat "$sl/memory.max" 2>&1)"
check_eq "memory.high of the slice's cgroup" "157286400" "$(cat "$sl/memory.high" 2>&1)"
check_eq "pids.max of the slice's cgroup" "40" "$(cat "$sl/pids.max" 2>&1)"
check_eq "cpu.max of the slice's cgroup" "50000 100000" "$(cat "$sl/cpu.max" 2>&1)"
check_eq "cpu.weight of the slice's cgroup" "50" "$(cat "$sl/cpu.weight" 2>&1)"
status=$(systemctl status --no-pager user-2001.slice 2>&1)
check_match "systemctl status user-2001.slice shows the tasks limit" 'Tasks: [0-9]+ \(limit: 40\)' "$status"
check_match "systemctl status user-2001.slice shows the memory limits" 'high: 150\.0M max: 200\.0M' "$status"
check_eq "no cgroup of ours anywhere under /sys/fs/cgroup" "" \
    "$(find /sys/fs/cgroup -type d \( -name 'sandbox-shell*' -o -name 'session-[0-9]*-[0-9]*' \))"

# ---- a fork bomb stops at TasksMax (the slice's pids.max)
before=$(awk '$1 == "max" { print $2 }' "$sl/pids.events")
closed=$(journalctl --no-pager -o cat | grep -c 'session closed: user=sbxu1 ')
bomb=$("${SSH[@]}" sbxu1@127.0.0.1 'i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i + 1)); done; echo SPAWNED=$i' 2>&1)
after=$(awk '$1 == "max" { print $2 }' "$sl/pids.events")
check_match "fork bomb: the sandboxed shell could not fork past TasksMax" "[Cc]an(no|')t fork" "$bomb"
# Where a refused fork is counted depends on the kernel (the limiting cgroup, or the forking one as in 6.1): the usage
# line reads the scope's pids.events and pids.events.local, the slice shows it in its own on newer kernels.
wait_for "[ \$(journalctl --no-pager -o cat | grep -c 'session closed: user=sbxu1 ') -gt $closed ]" 30 || true
bline=$(journalctl --no-pager -o cat | grep 'session closed: user=sbxu1 ' | tail -n 1)
if [ "${after:-0}" -gt "${before:-0}" ] || [[ $bline =~ tasks_max_hits=[1-9] ]]; then
    ok "fork bomb: the refused forks are counted (slice $before -> $after; $bline)"
else
    nok "fork bomb: no refused fork counted (slice $before -> $after)" "$bline"
fi
wait_for "[ \"\$(cat $sl/pids.current 2>&1)\" -lt 15 ] 2>/dev/null" 30 || true
check_match "fork bomb: its processes are gone after its logout (pids.current of the slice)" '^([0-9]|1[0-4])$' \
    "$(cat "$sl/pids.current")"

# ---- logout of the first session: nothing of it is left, even with KillUserProcesses=no
spids=$(cat "/sys/fs/cgroup$scope/cgroup.procs" 2>/dev/null)
touch /home/sbxu1/stop
wait "$s1"
check_match "ssh login: the session ended normally" '^BYE$' "$(cat /tmp/s1.out)"
wait_for "[ \"\$(prop $unit ActiveState)\" != active ]" 30 || true
left=""
for p in $spids; do [ -d "/proc/$p" ] && left="$left $p"; done
check_eq "after logout: no process of the session is left" "" "$left"
wait_for "! pgrep -u sbxu1 >/dev/null" 30 || true
check_eq "after logout: no process of sbxu1 at all" "" "$(pgrep -u sbxu1 -a)"
check_match "after logout: the session scope is gone" '^(inactive|)$' "$(prop "$unit" ActiveState)"
line=$(journalctl --no-pager -o cat | grep "session closed: user=sbxu1 session=$unit" | head -n 1)
check_match "the usage line names the scope and reads its cgroup" \
    "session closed: user=sbxu1 session=$unit duration=[0-9.]+s end=logout peak_memory_bytes=[0-9]+ cpu_seconds=[0-9.]+ .* user_peak_memory_bytes=[0-9]+ user_cpu_seconds=[0-9.]+ .*processes=killed" \
    "$line"

# ---- without the account line logind's scope cannot get RuntimeMaxSec: the sandboxed login is refused, saying why
cp /etc/pam.d/sshd /tmp/sshd.pam
grep -v '^account optional .*pam_sandbox' /tmp/sshd.pam >/etc/pam.d/sshd
out=$("${SSH[@]}" sbxu1@127.0.0.1 'echo IN-SANDBOX-PID=$$' 2>&1)
cp /tmp/sshd.pam /etc/pam.d/sshd
check_no_match "no account line: the RuntimeMaxSec login does not get a shell" 'IN-SANDBOX-PID' "$out"
check_match "... and says it lacks the account line" 'account optional pam_sandbox\.so' \
    "$(journalctl --no-pager -o cat | grep 'RuntimeMaxSec is not in force' | tail -n 1)"
wait_for "! pgrep -u sbxu1 >/dev/null" 30 || true
check_eq "... and leaves no process of sbxu1" "" "$(pgrep -u sbxu1 -a)"

# ---- a restricted account (Commands echo) on the systemd backend: the named program runs, a shell does not
out=$("${SSH[@]}" sbxu3@127.0.0.1 'echo RESTRICTED RAN' 2>&1)
check_match "Commands: the named program runs" '^RESTRICTED RAN$' "$out"
check_match "... in a pam_sandbox session (its usage line)" 'session closed: user=sbxu3 session=session-[0-9]+\.scope' \
    "$(journalctl --no-pager -o cat | grep 'session closed: user=sbxu3' | tail -n 1)"
out=$("${SSH[@]}" sbxu3@127.0.0.1 'sh -c "echo SHELL-RAN"' 2>&1)
check_match "Commands: sh is refused, naming what is allowed" 'this account may run only: echo' "$out"
check_no_match "... and nothing ran" 'SHELL-RAN' "$out"
wait_for "! pgrep -u sbxu3 >/dev/null" 30 || true
check_eq "... and no process of sbxu3 is left" "" "$(pgrep -u sbxu3 -a)"

# ---- su - sbxu1 from root's ssh session: a transient scope of the user's; root's scope keeps its values
rm -f /home/sbxu1/stop2
root_before="$(prop user-0.slice MemoryMax) $(prop user-0.slice TasksMax) $(prop user-0.slice CPUQuotaPerSecUSec)"
"${SSH[@]}" root@127.0.0.1 'echo ROOTCG=$(sed -n "s/^0:://p" /proc/self/cgroup);
    su - sbxu1 -c "echo PID=\$\$; while [ ! -e ~/stop2 ]; do sleep 0.2; done"' >/tmp/s2.out 2>&1 &
s2=$!
wait_for "has_line /tmp/s2.out 'PID=*' || ! kill -0 $s2 2>/dev/null" 300 || true
check_match "su: the shell is PID 1" '^PID=1$' "$(cat /tmp/s2.out)"
rootcg=$(sed -n 's/^ROOTCG=//p' /tmp/s2.out)
check_match "su: root's ssh login is in root's session scope" '^/user\.slice/user-0\.slice/session-[0-9]+\.scope$' \
    "$rootcg"
tcg=""
for p in $(pgrep -u sbxu1); do tcg=$(cg_of "$p") && [ -n "$tcg" ] && break; done
check_match "su: the sandboxed processes are in a transient scope in user-2001.slice" \
    '^/user\.slice/user-2001\.slice/sandbox-shell-sbxu1-[0-9]+\.scope$' "$tcg"
tunit=${tcg##*/}
check_eq "su: the transient scope is active" "active" "$(prop "$tunit" ActiveState)"
check_eq "su: RuntimeMaxSec 1h is on its scope, with TimeoutStopSec 10s and 5s as the backstop (systemctl show)" \
    "1h 15s" "$(prop "$tunit" RuntimeMaxUSec)"
check_eq "su: SessionTasksMax is on its scope (systemctl show)" "30" "$(prop "$tunit" TasksMax)"
check_eq "su: root's scope keeps no memory limit" "max" "$(cat "/sys/fs/cgroup$rootcg/memory.max" 2>&1)"
check_eq "su: root's scope keeps no tasks limit" "max" "$(cat "/sys/fs/cgroup$rootcg/pids.max" 2>&1)"
check_eq "su: user-0.slice keeps its values (MemoryMax TasksMax CPUQuotaPerSecUSec)" "$root_before" \
    "$(prop user-0.slice MemoryMax) $(prop user-0.slice TasksMax) $(prop user-0.slice CPUQuotaPerSecUSec)"
check_eq "su: no runtime drop-in of ours on user-0.slice" "" "$(ls /run/systemd/system.control/user-0.slice.d 2>&1 |
    grep -v 'No such file')"
check_eq "su: the user's limits are on user-2001.slice" "40" "$(cat "$sl/pids.max" 2>&1)"
touch /home/sbxu1/stop2
wait "$s2"
wait_for "[ -z \"\$(systemctl list-units --all --no-legend 'sandbox-shell-*')\" ]" 30 || true
check_eq "su: the transient scope is gone after logout" "" "$(systemctl list-units --all --no-legend 'sandbox-shell-*')"
wait_for "! pgrep -u sbxu1 >/dev/null" 30 || true
check_eq "su: no process of sbxu1 is left" "" "$(pgrep -u sbxu1 -a)"
check_eq "after everything: no cgroup of ours anywhere under /sys/fs/cgroup" "" \
    "$(find /sys/fs/cgroup -type d \( -name 'sandbox-shell*' -o -name 'session-[0-9]*-[0-9]*' \))"

# ---- the user's systemd manager: user@.service is not masked here, as on any Debian host
# A unit in the home, enabled for default.target: the user's manager would run it on the host at its next start.
plant='mkdir -p ~/.config/systemd/user/default.target.wants &&
printf "[Unit]\nDescription=sandbox-shell test unit\n[Service]\nType=oneshot\nExecStart=/bin/sh -c \"touch /tmp/sbx-unit-ran-%%u\"\n[Install]\nWantedBy=default.target\n" >~/.config/systemd/user/sbx-unit.service &&
ln -sf ../sbx-unit.service ~/.config/systemd/user/default.target.wants/sbx-unit.service && echo PLANTED'
managers() { pgrep -u "$1" -f 'systemd --user' | tr '\n' ' '; }
check_match "the drop-in for user@.service is installed where systemd reads it" 'ExecCondition=\+/usr/libexec/sandbox-shell/user-manager-allowed %i' \
    "$(systemctl cat user@2001.service 2>&1)"

# The sandboxed user writes the unit from inside the sandbox, logs out, and comes back after UserStopDelaySec.
out=$("${SSH[@]}" sbxu1@127.0.0.1 "$plant; echo PID=\$\$" 2>&1)
check_match "sandboxed user: the unit is written from inside the sandbox (PID 1)" 'PLANTED' "$out"
check_match "... into the real home" 'ExecStart=' "$(cat /home/sbxu1/.config/systemd/user/sbx-unit.service 2>&1)"
sleep 3
out=$("${SSH[@]}" sbxu1@127.0.0.1 'echo PID=$$; sleep 2' 2>&1)
check_match "sandboxed user: the next login works" '^PID=1$' "$out"
sleep 2
check_eq "sandboxed user: the unit from the home never ran on the host" "" "$(ls /tmp/sbx-unit-ran-sbxu1 2>&1 | grep -v 'No such')"
check_eq "sandboxed user: no systemd --user of sbxu1 ran" "" "$(managers sbxu1)"
check_match "sandboxed user: user@2001.service did not start" '^(inactive|failed)$' "$(prop user@2001.service ActiveState)"
check_match "... because the drop-in's condition said so" "user 'sbxu1' \\(uid 2001\\) is sandboxed: no systemd user manager" \
    "$(journalctl --no-pager -o cat -u user@2001.service 2>&1)"

# Positive control: a user the policy leaves alone gets the manager, which runs the same unit.
out=$("${SSH[@]}" sbxu2@127.0.0.1 "$plant" 2>&1)
check_match "plain user: the unit is written" 'PLANTED' "$out"
sleep 3
"${SSH[@]}" sbxu2@127.0.0.1 'sleep 4' >/dev/null 2>&1 &
s3=$!
wait_for "[ -e /tmp/sbx-unit-ran-sbxu2 ]" 30 || true
check_eq "plain user: its manager ran the unit from its home (positive control)" "/tmp/sbx-unit-ran-sbxu2" \
    "$(ls /tmp/sbx-unit-ran-sbxu2 2>&1)"
wait "$s3"

# A host without the drop-in: the manager starts, and pam_sandbox refuses the session, saying what to install.
rm -rf /home/sbxu1/.config/systemd
dropin=$(systemctl show -p DropInPaths --value user@2001.service | tr ' ' '\n' | grep '/sandbox-shell.conf$')
mv "$dropin" /root/sbx-dropin.conf && systemctl daemon-reload
out=$("${SSH[@]}" sbxu1@127.0.0.1 'echo RAN' 2>&1)
check_eq "without the drop-in: the ssh login runs nothing" "" "$(printf '%s\n' "$out" | grep RAN)"
check_match "... its manager was started on the host by pam_systemd" '^(active|activating)$' "$(prop user@2001.service ActiveState)"
check_match "... and pam_sandbox refused the session, naming the drop-in" \
    "Refusing the session of sandboxed user 'sbxu1': the systemd user manager of 'sbxu1' \\(user@2001.service\\) is (active|activating) outside the sandbox.*user@.service.d/sandbox-shell.conf" \
    "$(journalctl --no-pager -o cat 2>&1 | grep 'Refusing the session' | tail -n 1)"
# The manager stops UserStopDelaySec after that refused login; started again, by hand, for su.
wait_for "[ \"\$(prop user@2001.service ActiveState)\" = inactive ]" 30 || true
systemctl start user@2001.service
check_eq "... started by hand, it runs" "active" "$(prop user@2001.service ActiveState)"
out=$("${SSH[@]}" root@127.0.0.1 "su - sbxu1 -c 'echo RAN'" 2>&1)
check_match "... su is refused too while the manager runs, and says so" 'login refused: the systemd user manager of .sbxu1. .user@2001.service. is' "$out"
check_eq "... and runs nothing" "" "$(printf '%s\n' "$out" | grep '^RAN')"
mv /root/sbx-dropin.conf "$dropin" && systemctl daemon-reload && systemctl stop user@2001.service
out=$("${SSH[@]}" sbxu1@127.0.0.1 'echo PID=$$' 2>&1)
check_match "with the drop-in back and the manager stopped, the login works again" '^PID=1$' "$out"

# A lingering sandboxed user: refused the same way (with the drop-in, its manager does not start either).
loginctl enable-linger sbxu1
out=$("${SSH[@]}" root@127.0.0.1 "su - sbxu1 -c 'echo RAN'" 2>&1)
check_match "a lingering sandboxed user is refused, naming the fix" \
    "login refused: 'sbxu1' lingers .*loginctl disable-linger sbxu1" "$out"
check_eq "... and runs nothing" "" "$(printf '%s\n' "$out" | grep '^RAN')"
check_eq "... and its manager did not start" "" "$(managers sbxu1)"
loginctl disable-linger sbxu1
out=$("${SSH[@]}" sbxu1@127.0.0.1 'echo PID=$$' 2>&1)
check_match "without linger, the login works again" '^PID=1$' "$out"
wait_for "! pgrep -u sbxu1 >/dev/null" 30 || true
check_eq "at the end: no process of sbxu1" "" "$(pgrep -u sbxu1 -a)"

# ---- Instance user on systemd: logind ends sbxu4's and sbxu5's session scopes at logout (KillUserProcesses=yes,
# KillOnlyUsers), the instance lives in a transient scope of its own in the user's slice
iunit4=sandbox-shell-sbxu4-instance.scope
icg4=/user.slice/user-2004.slice/$iunit4
rm -f /home/sbxu4/stop
"${SSH[@]}" sbxu4@127.0.0.1 'echo first >/tmp/mark; echo shm >/dev/shm/mark; echo $$ >/tmp/firstpid;
    echo PID=$$; echo CG=$(cat /proc/self/cgroup); while [ ! -e ~/stop ]; do sleep 0.2; done; echo BYE' >/tmp/i1.out 2>&1 &
i1=$!
wait_for "has_line /tmp/i1.out 'PID=*' || ! kill -0 $i1 2>/dev/null" 300 || true
check_match "instance: the first login's shell is in the sandbox, not its PID 1" '^PID=([2-9]|[1-9][0-9]+)$' \
    "$(cat /tmp/i1.out)"
check_eq "instance: its scope is active" "active" "$(prop "$iunit4" ActiveState)"
init4=$(pgrep -u sbxu4 -x sandbox-init)
check_match "instance: one init of sbxu4" '^[0-9]+$' "$init4"
check_eq "instance: the init is in the instance's scope" "$icg4" "$(cg_of "$init4")"
check_eq "instance: nothing but the init is in that scope" "$init4" "$(cat "/sys/fs/cgroup$icg4/cgroup.procs" 2>&1)"
lcg=""
for p in $(pgrep -u sbxu4 -x sh); do lcg=$(cg_of "$p"); done
check_match "instance: the login's shell stays in logind's session scope" \
    '^/user\.slice/user-2004\.slice/session-[0-9]+\.scope$' "$lcg"
lunit=${lcg##*/}
check_eq "instance: SessionTasksMax is on the login's own scope" "30" "$(prop "$lunit" TasksMax)"
out=$("${SSH[@]}" sbxu4@127.0.0.1 'echo PID=$$; cat /tmp/mark /dev/shm/mark; p=$(cat /tmp/firstpid);
    [ -e /proc/$p/stat ] && echo SEEN=$p' 2>&1)
check_match "instance: a second login joins it (the first's /tmp)" '^first$' "$out"
check_match "instance: ... and its /dev/shm" '^shm$' "$out"
check_match "instance: ... and sees the first login's processes" '^SEEN=[2-9]|^SEEN=[1-9][0-9]+' "$out"
check_eq "instance: still one init after the join" "$init4" "$(pgrep -u sbxu4 -x sandbox-init)"
touch /home/sbxu4/stop
wait "$i1"
check_match "instance: the first login ended normally" '^BYE$' "$(cat /tmp/i1.out)"
wait_for "! pgrep -u sbxu4 >/dev/null" 30 || true
check_eq "instance, Linger 0: after the last logout no process of sbxu4 is left (KillUserProcesses=yes)" "" \
    "$(pgrep -u sbxu4 -a)"
wait_for "[ \"\$(prop $iunit4 ActiveState)\" != active ]" 30 || true
check_match "instance, Linger 0: its scope is gone" '^(inactive|)$' "$(prop "$iunit4" ActiveState)"
check_match "instance, Linger 0: one line for its end" 'instance ended: user=sbxu4 end=logout' \
    "$(journalctl --no-pager -o cat | grep 'instance ended: user=sbxu4')"

# Linger 20s: the instance outlives logind's session scope, and its Linger process is out of that scope.
iunit5=sandbox-shell-sbxu5-instance.scope
icg5=/user.slice/user-2005.slice/$iunit5
out=$("${SSH[@]}" sbxu5@127.0.0.1 'echo PID=$$; echo kept >/tmp/mark' 2>&1)
check_match "linger: the first login runs" '^PID=([2-9]|[1-9][0-9]+)$' "$out"
wait_for "[ -z \"\$(loginctl list-sessions --no-legend | grep sbxu5)\" ]" 30 || true
check_eq "linger: logind's session of sbxu5 is gone" "" "$(loginctl list-sessions --no-legend | grep sbxu5)"
init5=$(pgrep -u sbxu5 -x sandbox-init)
check_match "linger: the init outlived the session scope" '^[0-9]+$' "$init5"
check_eq "linger: ... in the instance's scope, still active" "$icg5 active" "$(cg_of "$init5") $(prop "$iunit5" ActiveState)"
watcher=$(pgrep -x sandbox-linger)
check_eq "linger: root's Linger process is in the instance's scope" "$icg5" "$(cg_of "$watcher")"
out=$("${SSH[@]}" sbxu5@127.0.0.1 'cat /tmp/mark' 2>&1)
check_match "linger: the next login finds the instance's /tmp" '^kept$' "$out"
check_eq "linger: ... the same init" "$init5" "$(pgrep -u sbxu5 -x sandbox-init)"
wait_for "! pgrep -u sbxu5 >/dev/null" 60 || true
check_eq "linger: after it expires no process of sbxu5 is left" "" "$(pgrep -u sbxu5 -a)"
wait_for "[ \"\$(prop $iunit5 ActiveState)\" != active ]" 30 || true
check_match "linger: its scope is gone" '^(inactive|)$' "$(prop "$iunit5" ActiveState)"
check_match "linger: one line for its end" 'instance ended: user=sbxu5 end=linger' \
    "$(journalctl --no-pager -o cat | grep 'instance ended: user=sbxu5')"
check_eq "linger: no Linger process is left" "" "$(pgrep -x sandbox-linger)"
check_eq "after the instances: no cgroup of ours anywhere under /sys/fs/cgroup" "" \
    "$(find /sys/fs/cgroup -type d \( -name 'sandbox-shell*' -o -name 'session-[0-9]*-[0-9]*' \))"

# ==== journald: the structured entries of a session's open and close (pam_sandbox(8), JOURNAL) ====
# Self-contained: its own logins, its own names (j_*); it assumes only the helpers at the top of this file. A sandboxed
# ssh login that burns some CPU; `journalctl MESSAGE_ID=...` must find its open and its close, with the session's
# fields and numeric usage fields; the classic line is in the journal once, under sshd's identifier, and journald
# forwards it to a syslog daemon; a plain user's login makes no entry; and with the journal's socket refusing the
# entry, the classic line still reaches the log through /dev/log.
J_OPEN=d0e94457280d4906a50a48b057cd4585
J_CLOSE=3a3d3ae61e474efcb4bfe00acfc0d486
J_INSTANCE=f575fa523a0249f8a174690d6ddf6972
J_OTHER=5b1e7a2c0f8d4e6a9c3b2d1e0f9a8b7c # an id nothing of ours uses
j_export() { journalctl --no-pager -o export "$@" 2>/dev/null; }
j_count() { printf '%s\n' "$1" | grep -c '^__CURSOR='; } # ENTRIES: how many entries
j_val() { printf '%s\n' "$1" | awk -v f="$2=" 'index($0, f) == 1 { print substr($0, length(f) + 1) }'; } # ENTRY FIELD
j_cursor() { j_export -n 1 | sed -n 's/^__CURSOR=//p'; }
j_num() { # WHAT ENTRY FIELD: the field is there and a number
    local v
    v=$(j_val "$2" "$3")
    if [[ $v =~ ^[0-9]+$ ]]; then ok "$1: $3=$v"; else nok "$1: $3 is not a number" "got '$v'"; fi
}

# A syslog daemon behind journald (ForwardToSyslog, Debian's default): journald forwards to this socket when it exists.
j_listen=/usr/local/lib/sbx-test/sbx-syslog-listen # copied in by systemd-init.sh (the build may be below /tmp)
j_fwd=/tmp/j-forwarded.txt
j_lpid=""
if [ -x "$j_listen" ]; then
    : >"$j_fwd"
    "$j_listen" /run/systemd/journal/syslog "$j_fwd" >/tmp/j-listen.ready 2>&1 &
    j_lpid=$!
    wait_for "has_line /tmp/j-listen.ready ready" 20 || true
fi

j_c0=$(j_cursor)
rm -f /home/sbxu1/jstop
"${SSH[@]}" sbxu1@127.0.0.1 'i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; echo BURNED=$i;
    while [ ! -e ~/jstop ]; do sleep 0.2; done; echo BYE' >/tmp/j1.out 2>&1 &
j1=$!
wait_for "has_line /tmp/j1.out 'BURNED=*' || ! kill -0 $j1 2>/dev/null" 300 || true
j_sh=""
for p in $(pgrep -u sbxu1 -x sh); do j_sh=$p; done
j_scope=$(cg_of "${j_sh:-0}")
j_unit=${j_scope##*/}
check_match "journal: the sandboxed login runs in logind's scope ($j_unit)" '^session-[0-9]+\.scope$' "$j_unit"
j_sockets=""
for f in /proc/"${j_sh:-0}"/fd/*; do
    j_fd=${f##*/}
    [ "$j_fd" -gt 2 ] 2>/dev/null && [[ $(readlink "$f") == socket:* ]] && j_sockets="$j_sockets $j_fd"
done
check_eq "journal: the sandboxed shell holds no socket beyond 0-2 (the journal's is close-on-exec)" "" "$j_sockets"

wait_for "[ \$(j_count \"\$(j_export MESSAGE_ID=$J_OPEN SANDBOX_SESSION=$j_unit)\") -ge 1 ]" 20 || true
j_o=$(j_export MESSAGE_ID=$J_OPEN SANDBOX_SESSION="$j_unit")
check_eq "journal: MESSAGE_ID=$J_OPEN finds the open of $j_unit, while it runs" 1 "$(j_count "$j_o")"
check_eq "journal: open: SANDBOX_USER" "sbxu1" "$(j_val "$j_o" SANDBOX_USER)"
check_eq "journal: open: SANDBOX_UID" "$(id -u sbxu1)" "$(j_val "$j_o" SANDBOX_UID)"
check_eq "journal: open: SANDBOX_SERVICE" "sshd" "$(j_val "$j_o" SANDBOX_SERVICE)"
check_eq "journal: open: SANDBOX_BACKEND" "systemd" "$(j_val "$j_o" SANDBOX_BACKEND)"
check_eq "journal: open: SANDBOX_INSTANCE" "session" "$(j_val "$j_o" SANDBOX_INSTANCE)"
check_eq "journal: open: the classic line as its MESSAGE" \
    "pam_sandbox(sshd:session): session opened: user=sbxu1 session=$j_unit backend=systemd" "$(j_val "$j_o" MESSAGE)"
check_eq "journal: open: PRIORITY info, SYSLOG_FACILITY authpriv, native transport" "6 10 journal" \
    "$(j_val "$j_o" PRIORITY) $(j_val "$j_o" SYSLOG_FACILITY) $(j_val "$j_o" _TRANSPORT)"

touch /home/sbxu1/jstop
wait "$j1"
check_match "journal: the login ended normally" '^BYE$' "$(cat /tmp/j1.out)"
wait_for "[ \$(j_count \"\$(j_export MESSAGE_ID=$J_CLOSE SANDBOX_SESSION=$j_unit)\") -ge 1 ]" 30 || true
j_x=$(j_export MESSAGE_ID=$J_CLOSE SANDBOX_SESSION="$j_unit")
check_eq "journal: MESSAGE_ID=$J_CLOSE finds the close of $j_unit" 1 "$(j_count "$j_x")"
check_eq "journal: close: SANDBOX_USER" "sbxu1" "$(j_val "$j_x" SANDBOX_USER)"
check_eq "journal: close: SANDBOX_SERVICE" "sshd" "$(j_val "$j_x" SANDBOX_SERVICE)"
check_eq "journal: close: SANDBOX_END" "logout" "$(j_val "$j_x" SANDBOX_END)"
check_eq "journal: close: SANDBOX_PROCESSES" "killed" "$(j_val "$j_x" SANDBOX_PROCESSES)"
for f in SANDBOX_DURATION_USEC SANDBOX_MEMORY_PEAK_BYTES SANDBOX_CPU_USEC SANDBOX_OOM_KILLS SANDBOX_TASKS_MAX_HITS \
    SANDBOX_USER_MEMORY_PEAK_BYTES SANDBOX_USER_CPU_USEC SANDBOX_USER_OOM_KILLS SANDBOX_USER_TASKS_MAX_HITS; do
    j_num "journal: close" "$j_x" "$f"
done
j_msg=$(j_val "$j_x" MESSAGE)
check_match "journal: close: the classic line as its MESSAGE" \
    "^pam_sandbox\\(sshd:session\\): session closed: user=sbxu1 session=$j_unit duration=[0-9.]+s end=logout peak_memory_bytes=[0-9]+ cpu_seconds=[0-9.]+ .*processes=killed$" \
    "$j_msg"
# The fields are the line's figures, not figures of their own.
j_cpu=$(j_val "$j_x" SANDBOX_CPU_USEC)
check_eq "journal: close: SANDBOX_CPU_USEC is the line's cpu_seconds" \
    "$(printf '%s\n' "$j_msg" | sed -n 's/.* cpu_seconds=\([0-9.]*\) .*/\1/p')" \
    "$(awk -v u="${j_cpu:-x}" 'BEGIN { printf "%.3f", u / 1e6 }')"
check_eq "journal: close: SANDBOX_MEMORY_PEAK_BYTES is the line's peak_memory_bytes" \
    "$(printf '%s\n' "$j_msg" | sed -n 's/.* peak_memory_bytes=\([0-9]*\) .*/\1/p')" "$(j_val "$j_x" SANDBOX_MEMORY_PEAK_BYTES)"
j_dur=$(printf '%s\n' "$j_msg" | sed -n 's/.* duration=\([0-9.]*\)s .*/\1/p')
check_eq "journal: close: SANDBOX_DURATION_USEC is the line's duration" "yes" \
    "$(awk -v d="${j_dur:-x}" -v u="$(j_val "$j_x" SANDBOX_DURATION_USEC)" \
        'BEGIN { x = u / 1e6 - d; print (u > 0 && x < 0.06 && x > -0.06) ? "yes" : "no: " d " s, " u " us" }')"
check_match "journal: close: the burn is counted (SANDBOX_CPU_USEC > 0)" '^[1-9][0-9]*$' "$j_cpu"

# Controls: the same queries with another MESSAGE_ID find nothing of the session; each id finds only its event.
check_eq "journal: control: MESSAGE_ID=$J_OTHER finds nothing of $j_unit" 0 \
    "$(j_count "$(j_export MESSAGE_ID=$J_OTHER SANDBOX_SESSION="$j_unit")")"
check_eq "journal: control: MESSAGE_ID=$J_INSTANCE (an instance's end) finds nothing of $j_unit" 0 \
    "$(j_count "$(j_export MESSAGE_ID=$J_INSTANCE SANDBOX_SESSION="$j_unit")")"
check_eq "journal: control: the session's two entries are one open and one close" "$J_CLOSE $J_OPEN" \
    "$(j_export SANDBOX_SESSION="$j_unit" | sed -n 's/^MESSAGE_ID=//p' | sort | tr '\n' ' ' | sed 's/ $//')"
# Beside the entries, the classic line: once (not a second copy through syslog), under sshd's own identifier.
check_eq "journal: the close line is in the journal once" 1 \
    "$(journalctl --no-pager -o cat | grep -c "session closed: user=sbxu1 session=$j_unit ")"
check_eq "journal: ... and found by journalctl -t sshd" 1 \
    "$(journalctl --no-pager -o cat -t sshd | grep -c "session closed: user=sbxu1 session=$j_unit ")"
check_eq "journal: ... the open line too" 1 \
    "$(journalctl --no-pager -o cat -t sshd | grep -c "session opened: user=sbxu1 session=$j_unit ")"
check_eq "journal: the entries' SYSLOG_IDENTIFIER and SYSLOG_PID are sshd's own line's" \
    "$(j_export --after-cursor="$j_c0" -t sshd | awk '/^MESSAGE=Accepted publickey for sbxu1 / { a = 1 }
        /^SYSLOG_IDENTIFIER=/ { i = $0 } /^_PID=/ { p = substr($0, 6) } /^$/ { if (a) { print i " " p; exit } a = 0 }')" \
    "SYSLOG_IDENTIFIER=$(j_val "$j_x" SYSLOG_IDENTIFIER) $(j_val "$j_x" SYSLOG_PID)"

# journald forwarded the entry as a syslog line, authpriv.info (<86>), under sshd's identifier.
if [ -n "$j_lpid" ]; then
    wait_for "grep -q 'session closed: user=sbxu1 session=$j_unit ' $j_fwd" 10 || true
    j_f=$(cat "$j_fwd")
    check_match "journal: control: journald forwards to syslog here (sshd's own line)" \
        '^<[0-9]+>.* sshd\[[0-9]+\]: Accepted publickey for sbxu1 ' "$j_f"
    check_match "journal: the forwarded syslog line is the classic one, authpriv.info" \
        "^<86>.* sshd\\[[0-9]+\\]: pam_sandbox\\(sshd:session\\): session closed: user=sbxu1 session=$j_unit duration=" "$j_f"
    check_match "journal: ... the open line too" \
        "^<86>.* sshd\\[[0-9]+\\]: pam_sandbox\\(sshd:session\\): session opened: user=sbxu1 session=$j_unit " "$j_f"
    kill "$j_lpid" 2>/dev/null
    wait "$j_lpid" 2>/dev/null
    rm -f /run/systemd/journal/syslog
else
    nok "journal: the forwarded syslog line" "no sbx-syslog-listen in the guest ($j_listen)"
fi

# A plain user's login: pam_sandbox runs (its debug line) and makes no entry and no line.
j_c1=$(j_cursor)
out=$("${SSH[@]}" sbxu2@127.0.0.1 'echo PLAIN' 2>&1)
check_match "journal: the plain user's login runs" '^PLAIN$' "$out"
wait_for "journalctl --no-pager -o cat --after-cursor='$j_c1' | grep -q 'session closed for user sbxu2'" 30 || true
j_after=$(journalctl --no-pager -o cat --after-cursor="$j_c1")
check_match "journal: control: pam_sandbox saw the plain login" "User 'sbxu2' is not sandboxed" "$j_after"
check_match "journal: control: and the login closed" 'session closed for user sbxu2' "$j_after"
check_eq "journal: the plain login made no entry of ours" 0 \
    "$(j_count "$(j_export --after-cursor="$j_c1" MESSAGE_ID=$J_OPEN MESSAGE_ID=$J_CLOSE MESSAGE_ID=$J_INSTANCE)")"
check_eq "journal: ... and no SANDBOX_USER=sbxu2 anywhere" 0 "$(j_count "$(j_export SANDBOX_USER=sbxu2)")"
check_no_match "journal: ... and no session line" 'pam_sandbox\(sshd:session\): session (opened|closed): ' "$j_after"

# The journal refuses the entry (its socket is a file that nobody reads, as when journald is gone but its socket is
# left): the classic lines still reach the log through /dev/log, which journald serves on its own socket.
j_sock=/run/systemd/journal/socket
j_c2=$(j_cursor)
mv "$j_sock" "$j_sock.sbx-away" && : >"$j_sock"
out=$("${SSH[@]}" sbxu1@127.0.0.1 'echo FALLBACK-PID=$$' 2>&1)
rm -f "$j_sock"
mv "$j_sock.sbx-away" "$j_sock"
check_match "journal refused: the login works" '^FALLBACK-PID=1$' "$out"
wait_for "journalctl --no-pager -o cat --after-cursor='$j_c2' | grep -q 'session closed: user=sbxu1 '" 30 || true
j_fb=$(j_export --after-cursor="$j_c2" -t sshd | awk -v RS= '/\nMESSAGE=pam_sandbox\(sshd:session\): session closed: user=sbxu1 /')
check_eq "journal refused: the close line is in the log once" 1 "$(j_count "$j_fb")"
check_eq "journal refused: ... through syslog, without structured fields" "syslog  10" \
    "$(j_val "$j_fb" _TRANSPORT) $(j_val "$j_fb" MESSAGE_ID) $(j_val "$j_fb" SYSLOG_FACILITY)"
check_match "journal refused: ... the open line too" 'pam_sandbox\(sshd:session\): session opened: user=sbxu1 ' \
    "$(journalctl --no-pager -o cat --after-cursor="$j_c2" -t sshd)"
check_eq "journal refused: no entry of ours meanwhile" 0 \
    "$(j_count "$(j_export --after-cursor="$j_c2" MESSAGE_ID=$J_OPEN MESSAGE_ID=$J_CLOSE)")"
wait_for "! pgrep -u sbxu1 >/dev/null" 30 || true
# ==== end of the journald section ====

# ==== sandbox-shellctl on the systemd backend: list, metrics and kill find logind's scope of a sandboxed login and
# an instance's own scope (sandbox-shellctl(8), list), never a plain user's session ====
rm -f /home/sbxu1/cstop /home/sbxu4/cstop /home/sbxu2/cstop
"${SSH[@]}" sbxu1@127.0.0.1 'echo PID=$$; while [ ! -e ~/cstop ]; do sleep 0.2; done; echo BYE' >/tmp/c1.out 2>&1 &
c1=$!
"${SSH[@]}" sbxu4@127.0.0.1 'echo PID=$$; while [ ! -e ~/cstop ]; do sleep 0.2; done; echo BYE' >/tmp/c4.out 2>&1 &
c4=$!
"${SSH[@]}" sbxu2@127.0.0.1 'echo PLAIN=$$; while [ ! -e ~/cstop ]; do sleep 0.2; done; echo BYE' >/tmp/c2.out 2>&1 &
c2=$!
wait_for "has_line /tmp/c1.out 'PID=*' && has_line /tmp/c4.out 'PID=*' && has_line /tmp/c2.out 'PLAIN=*'" 300 || true
c_unit=""
for p in $(pgrep -u sbxu1 -x sh); do c_unit=$(cg_of "$p"); done
c_unit=${c_unit##*/}
check_match "ctl: the sandboxed login runs in logind's scope" '^session-[0-9]+\.scope$' "$c_unit"
c_plain=""
for p in $(pgrep -u sbxu2 -x sh); do c_plain=$(cg_of "$p"); done
c_plain=${c_plain##*/}
check_match "ctl: ... and the plain user's login in one of its own" '^session-[0-9]+\.scope$' "$c_plain"
json=$(sandbox-shellctl list --json 2>&1)
check_match "ctl list --json: the sandboxed session, named by its scope, alive" \
    "\"user\": \"sbxu1\", \"session\": \"$c_unit\", \"pid\": [0-9]+, \"alive\": true" "$json"
c_mem=$(printf '%s\n' "$json" | grep -F "\"session\": \"$c_unit\"" | sed -n 's/.*"memory_current": \([0-9]*\),.*/\1/p')
check_eq "ctl list --json: its memory is the scope's memory.current, to the page" yes \
    "$(awk -v a="${c_mem:-x}" -v b="$(cat "/sys/fs/cgroup/user.slice/user-2001.slice/$c_unit/memory.current")" \
        'BEGIN { d = a - b; print (a ~ /^[0-9]+$/ && d < 262144 && d > -262144) ? "yes" : "no: " a " and " b }')"
check_match "ctl list --json: its cgroup is the scope" \
    "\"cgroup\": \"/sys/fs/cgroup/user.slice/user-2001.slice/$c_unit\"" "$json"
check_match "ctl list --json: the instance of sbxu4, in its own scope, with its one login" \
    '"user": "sbxu4", "session": "instance", .*"cgroup": "/sys/fs/cgroup/user.slice/user-2004.slice/sandbox-shell-sbxu4-instance.scope", "instance": true, "logins": 1' \
    "$json"
check_no_match "ctl list --json: nothing of the plain user" '"user": "sbxu2"' "$json"
check_no_match "ctl list --json: ... nor of its scope" "\"$c_plain\"" "$json"
metrics=$(sandbox-shellctl metrics 2>&1)
check_match "ctl metrics: the sandboxed session's series" \
    "^sandbox_shell_memory_bytes\\{user=\"sbxu1\",session=\"$c_unit\"\\} [0-9]+\$" "$metrics"
check_match "ctl metrics: ... the instance's" '^sandbox_shell_tasks\{user="sbxu4",session="instance"\} [1-9][0-9]*$' "$metrics"
check_no_match "ctl metrics: nothing of the plain user" 'user="sbxu2"' "$metrics"
out=$(sandbox-shellctl kill "$c_unit" 2>&1)
check_eq "ctl kill SESSION: ends the sandboxed session, by the id list printed" "0 ended session $c_unit of sbxu1" "$? $out"
wait "$c1"
check_no_match "ctl kill SESSION: ... its login never got to its end" '^BYE$' "$(cat /tmp/c1.out)"
wait_for "[ \"\$(prop $c_unit ActiveState)\" != active ]" 30 || true
check_match "ctl kill SESSION: ... systemd collected its scope" '^(inactive|failed|)$' "$(prop "$c_unit" ActiveState)"
check_eq "ctl kill SESSION: the plain user's session still runs (positive control)" active "$(prop "$c_plain" ActiveState)"
out=$(sandbox-shellctl kill sbxu4 2>&1)
check_eq "ctl kill USER: ends sbxu4's login and instance" "0 ended session of sbxu4|ended the instance of sbxu4" \
    "$? $(printf '%s\n' "$out" | sed 's/session session-[0-9]*\.scope of/session of/' | sort | paste -sd'|')"
wait "$c4"
wait_for "! pgrep -u sbxu4 >/dev/null" 30 || true
check_eq "ctl kill USER: no process of sbxu4 is left" "" "$(pgrep -u sbxu4 -a)"
check_eq "ctl kill USER: ... and list shows nothing of it" "" "$(sandbox-shellctl list --json | grep '"user": "sbxu4"')"
touch /home/sbxu2/cstop
wait "$c2"
check_eq "ctl: the plain user's login ends normally" "0 BYE" "$? $(tail -n 1 /tmp/c2.out)"
