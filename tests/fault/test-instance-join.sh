#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Instance user, the join attacked while it runs (a -Dfault_injection=true build: SBX_FAULT_PAUSE holds the joiner
# just before it enters the instance's namespaces, holding its capabilities): a process of the instance cannot see,
# stop or read the joiner, and the join goes on; an init killed while a join waits makes that login refused, never
# joined to anything else, and the next login gets a fresh instance.
. "$(dirname "$0")/../e2e/common.sh"
SBX_E2E_CGROUP=sbx-instance-join
sbx_e2e_setup "$@"
sbx_e2e_policy "
Match User sbxuser1
    Instance user
    Linger infinity"
pause="instance: enter the instance's namespaces"

init_pid() {
    local p
    for p in $(pgrep -u sbxuser1); do
        awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' "/proc/$p/status" 2>/dev/null && echo "$p"
    done
}
nspid_fields() { awk '/^NSpid:/ { print NF - 1 }' "/proc/$1/status"; }

# The attacker: a login that waits for /tmp/go, then tries every process it can see (stop it, read its memory,
# trace it through /proc), lets them go on, and reports.
cat >"$SBX_WS/rootfs/bin/attack" <<'EOF'
#!/bin/sh
sleep 30 &
while [ ! -e /tmp/go ]; do sleep 0.1; done
for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = 1 ] || [ "$p" = $$ ] && continue
    echo "SEEN $p $(cat "$d/comm" 2>/dev/null)"
    kill -STOP "$p" 2>/dev/null && echo "STOPPED $p"
    dd if="$d/mem" of=/dev/null bs=1 count=1 2>/dev/null && echo "READ $p"
done >/tmp/report
sleep 1
for d in /proc/[0-9]*; do kill -CONT "${d#/proc/}" 2>/dev/null; done
echo DONE >>/tmp/report
exec sleep 60
EOF
chmod 0755 "$SBX_WS/rootfs/bin/attack"

su sbxuser1 -c /bin/attack </dev/null >"$SBX_WS/attacker.out" 2>&1 &
attacker=$!
sbx_wait_for "[ -n \"\$(init_pid)\" ]" 100 || sbx_fail "the attacker's login made no instance: $(cat "$SBX_WS/attacker.out")"
init=$(init_pid)
tmp=/proc/$init/root/tmp

SBX_FAULT_PAUSE=$pause SBX_FAULT_PAUSE_MS=4000 su sbxuser1 -c 'echo JOINED-$((6 * 7)); echo PID=$$' \
    </dev/null >"$SBX_WS/join.out" 2>&1 &
join=$!
# The joiner: the helper's child that holds capabilities and is in the host's PID namespace only.
sbx_wait_for "[ \$(pgrep -u sbxuser1 -f 'sandbox-shell -c echo JOINED' | wc -l) -ge 2 ]" 100 ||
    sbx_fail "the join did not start: $(cat "$SBX_WS/join.out")"
helper=$(pgrep -u sbxuser1 -o -f 'sandbox-shell -c echo JOINED')
joiner=$(pgrep -u sbxuser1 -P "$helper" -f 'sandbox-shell -c echo JOINED')
[ -n "$joiner" ] || sbx_fail "no joiner below the helper $helper"
sbx_assert_eq "the joiner is in the host's PID namespace only" 1 "$(nspid_fields "$joiner")"
attacker_shell=$(pgrep -u sbxuser1 -x attack)
sbx_assert_eq "... while the attacker's shell is in the instance's (positive control)" 2 "$(nspid_fields "$attacker_shell")"
touch "$tmp/go"
sbx_wait_for "grep -q '^DONE' '$tmp/report'" 100 || sbx_fail "the attacker did not report: $(cat "$tmp/report" 2>&1)"
report=$(cat "$tmp/report")
sbx_assert_match "the attacker saw and stopped what it can see: its own sleep (positive control)" \
    "^STOPPED $(awk '/^NSpid:/ { print $3 }' "/proc/$(pgrep -u sbxuser1 -f '^sleep 30$')/status")\$" "$report"
inner=$(awk '/^NSpid:/ { print $3 }' "/proc/$joiner/status")
sbx_assert_eq "... but not the joiner, which has no PID there" "" "$inner"
sbx_assert_eq "... the attacker saw $(grep -c '^SEEN' <<<"$report") processes, each of the instance" "" \
    "$(grep '^SEEN' <<<"$report" | while read -r _ p _; do
        found=0
        for h in $(pgrep -u sbxuser1); do
            [ "$(awk '/^NSpid:/ { print $3 }' "/proc/$h/status" 2>/dev/null)" = "$p" ] && found=1
        done
        [ "$found" = 1 ] || echo "$p"
    done)"
wait "$join" || sbx_fail "the join was refused: $(cat "$SBX_WS/join.out")"
out=$(cat "$SBX_WS/join.out")
sbx_assert_match "the join went on to the shell" '^JOINED-42$' "$out"
sbx_assert_no_match "... which is not PID 1" '^PID=1$' "$out"

# The init is killed while a join waits with its pidfd: that login is refused, and the next makes a fresh instance.
SBX_FAULT_PAUSE=$pause SBX_FAULT_PAUSE_MS=3000 su sbxuser1 -c 'echo JOINED-$((6 * 7))' </dev/null \
    >"$SBX_WS/join2.out" 2>&1 &
join=$!
sbx_wait_for "[ \$(pgrep -u sbxuser1 -f 'sandbox-shell -c echo JOINED' | wc -l) -ge 2 ]" 100 ||
    sbx_fail "the second join did not start: $(cat "$SBX_WS/join2.out")"
kill -KILL "$init"
rc=0
wait "$join" || rc=$?
out=$(cat "$SBX_WS/join2.out")
sbx_assert_no_match "a join whose init died meanwhile runs no shell" 'JOINED-42' "$out"
sbx_assert_match "... it is refused, and says why" "refusing login: instance: enter the instance's namespaces: No such process" "$out"
[ "$rc" != 0 ] || sbx_fail "su exited 0 for the refused join"
wait "$attacker" || true
out=$(su sbxuser1 -c 'cat /tmp/report 2>&1; echo NEXT' </dev/null 2>&1)
sbx_assert_match "the next login runs" '^NEXT$' "$out"
sbx_assert_match "... in a fresh instance" 'No such file' "$out"
"$SBX_CTL" kill sbxuser1 >/dev/null
sbx_e2e_assert_clean sbxuser1 "after kill"

# 20 first logins at once, each held 200 ms where it records the instance (under the user's lock): one instance,
# and every login runs in it.
pids=()
for i in $(seq 1 20); do
    SBX_FAULT_PAUSE="record the instance in*" SBX_FAULT_PAUSE_MS=200 \
        su sbxuser1 -c 'echo IN; sleep 3' </dev/null >"$SBX_WS/par-$i.out" 2>&1 &
    pids+=($!)
done
sbx_wait_for "[ \$(cat '$SBX_WS'/par-*.out | grep -c '^IN$') -eq 20 ]" 300 ||
    sbx_fail "not every one of 20 logins at once ran: $(cat "$SBX_WS"/par-*.out | sort | uniq -c)"
sbx_assert_eq "20 first logins at once, held while they record it: one instance" 1 "$(init_pid | wc -l)"
wait "${pids[@]}" || true
"$SBX_CTL" kill sbxuser1 >/dev/null
sbx_e2e_assert_clean sbxuser1 "at the end"
