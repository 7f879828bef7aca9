#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Instance user, attacked from inside and through its record: files forged in /tmp, /run and the home do not redirect
# the next join; the init cannot be ended from inside; an init that died, and a record whose PID now names another
# process (PID reuse), make the next login start a fresh instance instead of joining a stranger's namespaces; a
# pre-opened descriptor left in the instance does not reach the joined shell. Each refusal has its positive control.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_e2e_policy "
Match User sbxuser1
    Instance user
    Linger infinity"
sbx_sshd_start "MaxStartups 100
MaxSessions 100"
sbx_ssh_authorize sbxuser1
sbx_ssh_authorize sbxuser2
rec=/run/sandbox-shell/instances/sbxuser1

# init_pid: the host PID of sbxuser1's init (PID 1 of a PID namespace below ours), or nothing.
init_pid() {
    local p
    for p in $(pgrep -u sbxuser1); do
        awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' "/proc/$p/status" 2>/dev/null && echo "$p"
    done
}

out=$(sbx_ssh sbxuser1 'echo marker-$((6 * 7)) >/tmp/marker; echo MADE' 2>&1 </dev/null)
sbx_assert_match "a first login makes the instance" '^MADE$' "$out"
init1=$(init_pid)
[ -n "$init1" ] || sbx_fail "no init of sbxuser1"
# The record names the init once the first login has closed (the client returns before sshd closes it).
sbx_sshd_settle sbxuser1
sbx_assert_match "root's record names the init" "^pid=$init1 " "$(cat "$rec")"
sbx_assert_eq "... and is root's, readable by the user's group only" "root sbxuser1 640" "$(stat -c '%U %G %a' "$rec")"

rec_before=$(grep -v "^deadline=" "$rec")
# Forged records everywhere a process of the instance can write, naming the stranger sbxuser2's sandbox.
sbx_ssh sbxuser2 'echo STRANGER >/tmp/marker; exec sleep 60' >/dev/null 2>&1 </dev/null &
s2=$!
sbx_wait_for "pgrep -u sbxuser2 -x sleep >/dev/null" 100 || sbx_fail "sbxuser2's login did not start"
stranger=$(pgrep -u sbxuser2 -o -f 'sandbox-shell')
fake="state=running
pid=$stranger $(awk '{ print $22 }' "/proc/$stranger/stat")
$(for ns in mnt pid net ipc uts cgroup; do echo "ns_$ns=$(stat -L -c '%d %i' "/proc/$stranger/ns/$ns")"; done)
deadline=0
born=0"
out=$(sbx_ssh sbxuser1 "mkdir -p /run/sandbox-shell/instances ~/.sandbox-shell /tmp/instances 2>/dev/null
for f in /run/sandbox-shell/instances/sbxuser1 ~/.sandbox-shell/instance /tmp/instances/sbxuser1 ~/sbxuser1; do
    printf '%s\n' '$fake' >\"\$f\" 2>/dev/null && echo \"FORGED \$f\"
done; echo DONE" 2>&1 </dev/null)
sbx_assert_match "the instance's processes can write forged records (positive control)" '^FORGED /tmp/instances/sbxuser1$' "$out"
sbx_assert_match "... in the home too" "^FORGED /home/sbxuser1/sbxuser1\$" "$out"
sbx_assert_eq "... but root's record still names the same init" "$rec_before" "$(grep -v "^deadline=" "$rec")"
out=$(sbx_ssh sbxuser1 'cat /tmp/marker; cat /proc/1/comm' 2>&1 </dev/null)
sbx_assert_match "after the forgeries the next login joins its own instance" '^marker-42$' "$out"
sbx_assert_no_match "... not the stranger's sandbox" 'STRANGER' "$out"
sbx_assert_eq "... whose init is the same" "$init1" "$(init_pid)"

# From inside, the init's memory and /proc files (the first login's environment among them) cannot be read.
out=$(sbx_ssh sbxuser1 'grep -aq HOME= /proc/self/environ && echo OWN-ENV; cat /proc/1/environ >/dev/null 2>&1 && echo ENV-READ; dd if=/proc/1/mem bs=1 count=1 skip=4096 >/dev/null 2>&1 && echo MEM-READ; ls /proc/1/ns/ >/dev/null 2>&1 && echo NS-READ; echo DONE' 2>&1 </dev/null)
sbx_assert_match "a login reads its own environment (positive control)" '^OWN-ENV$' "$out"
sbx_assert_no_match "... not the init's environment, memory or namespaces" '^(ENV|MEM|NS)-READ$' "$out"
sbx_assert_match "... (the probe ran to its end)" '^DONE$' "$out"

# From inside, the init cannot be ended.
out=$(sbx_ssh sbxuser1 'kill -KILL 1; kill -TERM 1; sleep 0.3; cat /proc/1/comm' 2>&1 </dev/null)
sbx_assert_match "kill -KILL 1 and -TERM 1 from inside leave the init" '^sandbox-init$' "$out"
sbx_assert_eq "... the same process" "$init1" "$(init_pid)"

# A descriptor left open in the instance (a background process holding a socket and a file) reaches no later shell.
sbx_ssh sbxuser1 'exec 7<>/tmp/left; nohup sleep 60 </dev/null >/dev/null 2>&1 7<>/tmp/left & echo LEFT' >/dev/null 2>&1 </dev/null
out=$(sbx_ssh sbxuser1 'ls /proc/self/fd/' 2>&1 </dev/null)
sbx_assert_match "a later shell has its three descriptors (positive control: it lists them)" '^0$' "$out"
sbx_assert_no_match "... and none left for it" '^([3-9]|[1-9][0-9]+)$' "$(printf '%s\n' "$out" | grep -vx 3)"

# The init dies (as root would see it die): the next login starts a fresh instance, without the old /tmp.
kill -KILL "$init1"
sbx_wait_for "[ -z \"\$(init_pid)\" ]" 50 || sbx_fail "the init did not die"
out=$(sbx_ssh sbxuser1 'cat /tmp/marker 2>&1; echo JOINED' 2>&1 </dev/null)
sbx_assert_match "after the init died, the next login runs" '^JOINED$' "$out"
sbx_assert_match "... in a fresh instance" 'No such file' "$out"
init2=$(init_pid)
[ -n "$init2" ] && [ "$init2" != "$init1" ] || sbx_fail "no fresh init: '$init2' (was $init1)"

# PID reuse: the record's PID now names another process (the stranger's sandbox), with that process's own start
# time. The next login checks it against the kernel and makes a fresh instance instead of joining.
sbx_sshd_settle sbxuser1
sed -i "s/^pid=.*/pid=$stranger $(awk '{ print $22 }' "/proc/$stranger/stat")/" "$rec"
out=$(sbx_ssh sbxuser1 'cat /tmp/marker 2>&1; echo JOINED' 2>&1 </dev/null)
sbx_assert_match "with the record's PID reused, the next login runs" '^JOINED$' "$out"
sbx_assert_no_match "... not in the stranger's sandbox" 'STRANGER' "$out"
sbx_assert_match "... in a fresh instance of its own" 'No such file' "$out"
kill -0 "$stranger" 2>/dev/null || sbx_fail "the stranger's sandbox was ended"
sbx_sshd_settle sbxuser1
sbx_assert_match "root's record names the fresh init" "^pid=$(init_pid) " "$(cat "$rec")"

# CgroupRoot changed under a running instance (a %c that differs between logins does the same): the login is
# refused, naming both cgroups, and the instance is left as it was.
conf=/etc/sandbox-shell/sandbox-shell.conf
cp "$conf" "$SBX_WS/conf.saved"
sed -i 's|^CgroupRoot .*|CgroupRoot %c/elsewhere|' "$conf"
init3=$(init_pid)
out=$(sbx_ssh sbxuser1 'echo RAN' 2>&1 </dev/null)
sbx_assert_no_match "a login whose CgroupRoot gives another cgroup than its instance's runs no shell" '^RAN$' "$out"
sbx_assert_match "... it is refused, naming both" "lives in the cgroup '[^']*/sbxuser1/instance', this login's CgroupRoot gives '[^']*/elsewhere/sbxuser1/instance'" "$out"
sbx_assert_eq "... and the instance is the same" "$init3" "$(init_pid)"
cp "$SBX_WS/conf.saved" "$conf"
out=$(sbx_ssh sbxuser1 'echo RAN' 2>&1 </dev/null)
sbx_assert_match "with the CgroupRoot back, the login runs (positive control)" '^RAN$' "$out"

pkill -KILL -u sbxuser2 -x sleep || sbx_fail "the stranger's sleep is gone: $(pgrep -au sbxuser2)"
wait "$s2" || true
"$SBX_CTL" kill sbxuser1 >/dev/null
sbx_e2e_assert_clean sbxuser1 "at the end"
sbx_e2e_assert_clean sbxuser2 "at the end"
