#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sandbox-shellctl metrics: with live sessions (su, as a user arrives) and an Instance user's instance, the exposition
# passes promtool's check and says what list --json says: the sessions of each user, each session's memory, peak, CPU,
# tasks, OOM kills, TasksMax hits and start, and the policy's limits exactly as configured; no sample for what is not
# there. --textfile replaces the file atomically (mode 0644, never a half-written file) and names a missing directory.
# The systemd units that run it pass systemd-analyze verify.
. "$(dirname "$0")/common.sh"
sbx_admin_setup "$@"
command -v promtool >/dev/null 2>&1 || sbx_skip "needs promtool (Debian package prometheus; run tools/test.sh, which installs it)"
command -v systemd-analyze >/dev/null 2>&1 || sbx_skip "needs systemd-analyze (run tools/test.sh, which installs it)"

# sbxuser3 is an Instance user: its logins share one instance.
sbx_add_user sbxuser3 3003
sed -i 's/^sandboxed:x:3200:.*/&,sbxuser3/' /etc/group
cp /etc/passwd /etc/group "$SBX_WS/rootfs/etc/"
sbx_admin_policy "    MemoryHigh 400M
    CPUQuota 150%
    MaxSessions 5
    SessionMemoryMax 256M
    SessionMemoryHigh 200M
    SessionTasksMax 50
    SessionCPUQuota 50%
Match User sbxuser3
    Instance user"

# prom_check WHAT FILE: promtool accepts FILE as it is (its lint included: promtool exits non-zero on a lint problem).
prom_check() {
    local msg
    msg=$(promtool check metrics <"$2" 2>&1) || sbx_fail "$1: promtool check metrics rejects it: $msg
$(cat "$2")"
    echo "ok - $1"
}
# metric TEXT NAME LABELS: the value of the sample NAME{LABELS} (empty when there is none).
metric() { awk -v k="$2{$3}" '$1 == k { print $2 }' <<<"$1"; }
# json_field JSON SESSION KEY: the value of KEY in the object of the session SESSION.
json_field() { grep -F "\"session\": \"$2\"," <<<"$1" | sed -n "s/.*\"$3\": \([^,}]*\).*/\1/p"; }
# json_sessions JSON: "user session" of each object.
json_sessions() { sed -n 's/.*{"user": "\([^"]*\)", "session": "\([^"]*\)".*/\1 \2/p' <<<"$1"; }
# usec V: a sandbox_shell_cpu_seconds_total value (six decimals) in microseconds.
usec() { echo $((10#${1/./})); }

# ---- promtool itself ----
printf '# HELP x_total A counter.\n# TYPE x_total counter\nx_total{user="a"} 1\n' >"$SBX_WS/good.prom"
prom_check "promtool accepts a well-formed exposition (positive control)" "$SBX_WS/good.prom"
printf '# HELP x_total A counter.\n# TYPE x_total counter\nx_total{user="a"} one\n' | promtool check metrics >/dev/null 2>&1 &&
    sbx_fail "promtool accepts a sample whose value is not a number: its check proves nothing"
echo "ok - promtool rejects a broken exposition (negative control)"
printf '# HELP x A counter.\n# TYPE x counter\nx{user="a"} 1\n' | promtool check metrics >/dev/null 2>&1 &&
    sbx_fail "promtool accepts a counter without _total: its lint is off"
echo "ok - promtool's lint rejects a counter without _total (negative control)"

# ---- no session ----
ctl metrics >"$SBX_WS/empty.prom" 2>&1
sbx_assert_eq "no session: metrics exits 0" 0 "$?"
sbx_assert_eq "no session: no family at all" "" "$(cat "$SBX_WS/empty.prom")"
prom_check "no session: the empty exposition passes promtool" "$SBX_WS/empty.prom"

# ---- live sessions ----
# Two sessions of sbxuser1 (the first holds about 30 MB and burns some CPU); one of sbxuser2 whose inner shell forks
# until its SessionTasksMax (50) refuses (busybox's sh then exits, leaving its sleeps); two logins of sbxuser3, one
# instance.
su - sbxuser1 -c 'x=$(head -c 30000000 /dev/zero | tr "\0" a); i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo ready; sleep 300; echo "${#x}"' \
    </dev/null >"$SBX_WS/s1.out" 2>&1 &
su1=$!
su - sbxuser1 -c 'sleep 300' </dev/null >/dev/null 2>&1 &
su - sbxuser2 -c 'sh -c "i=0; while [ \$i -lt 60 ]; do sleep 300 & i=\$((i+1)); done" 2>/dev/null; echo forked; exec sleep 300' \
    </dev/null >"$SBX_WS/s3.out" 2>&1 &
su - sbxuser3 -c 'sleep 300' </dev/null >/dev/null 2>&1 &
su - sbxuser3 -c 'sleep 300' </dev/null >/dev/null 2>&1 &
sbx_wait_for "grep -q ready '$SBX_WS/s1.out'" 300 || sbx_fail "the first session did not start: $(cat "$SBX_WS/s1.out")"
sbx_wait_for "grep -q forked '$SBX_WS/s3.out'" 300 || sbx_fail "sbxuser2's session did not start: $(cat "$SBX_WS/s3.out")"
sbx_wait_for "[ \$(pgrep -u sbxuser1 -x sleep | wc -l) = 2 ] && [ \$(pgrep -u sbxuser3 -x sleep | wc -l) = 2 ]" 300 ||
    sbx_fail "the sessions did not start: $(ctl list 2>&1)"
sbx_wait_for "ctl list --json | grep -q '\"logins\": 2'" 100 || sbx_fail "sbxuser3's instance has not 2 logins: $(ctl list 2>&1)"

# One reading of metrics between two of list --json. The sessions are idle: most figures stay put; one that moves
# (a late page of memory) must lie between the two readings, and a reading where it fell outside is taken again.
check_session() { # USER SESSION: the session's samples against json1 (before) and json2 (after), in $bad on a mismatch
    local user=$1 id=$2 labels="user=\"$1\",session=\"$2\"" key name b a m
    for key in memory_current memory_peak cpu_usec tasks oom_kills tasks_max_hits since_epoch; do
        case $key in
        memory_current) name=sandbox_shell_memory_bytes ;;
        memory_peak) name=sandbox_shell_memory_peak_bytes ;;
        cpu_usec) name=sandbox_shell_cpu_seconds_total ;;
        tasks) name=sandbox_shell_tasks ;;
        oom_kills) name=sandbox_shell_oom_kills_total ;;
        tasks_max_hits) name=sandbox_shell_tasks_max_hits_total ;;
        since_epoch) name=sandbox_shell_session_start_time_seconds ;;
        esac
        b=$(json_field "$json1" "$id" "$key")
        a=$(json_field "$json2" "$id" "$key")
        m=$(metric "$metrics" "$name" "$labels")
        [ -n "$b" ] && [ -n "$a" ] || sbx_fail "list --json has no $key for $user $id: $json1"
        if [ "$b" = null ] || [ "$a" = null ]; then
            # No figure: no sample (the figures list does give have one: the cases below).
            [ -z "$m" ] || bad="$name{$labels} is $m where list --json has $key null"
            continue
        fi
        [ -n "$m" ] || {
            bad="no $name{$labels}; list --json has $key $b"
            return
        }
        if [ "$key" = cpu_usec ]; then
            [[ $m =~ ^[0-9]+\.[0-9]{6}$ ]] || sbx_fail "$name{$labels} $m is not seconds with six decimals"
            m=$(usec "$m")
        fi
        case $key in
        memory_current) # up or down: between the two readings
            [ "$m" -ge "$((b < a ? b : a))" ] && [ "$m" -le "$((b > a ? b : a))" ] ||
                bad="$name{$labels} $m is not between list's $b and $a" ;;
        memory_peak | cpu_usec) # only ever up
            [ "$b" -le "$m" ] && [ "$m" -le "$a" ] || bad="$name{$labels} $m is not between list's $b and $a" ;;
        *) # tasks, the counters of events, the start: exactly
            [ "$b" = "$a" ] && [ "$m" = "$b" ] || bad="$name{$labels} $m, list's $key $b then $a" ;;
        esac
    done
}
ok=
for try in 1 2 3 4 5; do
    json1=$(ctl list --json)
    ctl metrics >"$SBX_WS/metrics.prom" 2>"$SBX_WS/metrics.err"
    rc=$?
    metrics=$(cat "$SBX_WS/metrics.prom")
    json2=$(ctl list --json)
    [ "$rc" = 0 ] || sbx_fail "metrics exited $rc: $(cat "$SBX_WS/metrics.err")"
    bad=
    while read -r user id; do
        check_session "$user" "$id"
    done < <(json_sessions "$json1")
    if [ -z "$bad" ]; then
        ok=1
        break
    fi
    sbx_log "reading $try: $bad"
done
printf '%s\n' "$metrics" | sed 's/^/# /'
[ -n "$ok" ] || sbx_fail "metrics and list --json disagree in 5 readings, the last: $bad"
echo "ok - every session's memory, peak, CPU, tasks, OOM kills, TasksMax hits and start are list --json's"
sbx_assert_eq "metrics writes nothing on stderr" "" "$(cat "$SBX_WS/metrics.err")"
prom_check "live sessions: the exposition passes promtool" "$SBX_WS/metrics.prom"
sbx_assert_eq "list --json as the metrics were read: sbxuser1's two sessions, sbxuser2's one, sbxuser3's instance" 4 \
    "$(json_sessions "$json1" | wc -l)"

# What the figures are, beyond agreeing with list: the 30 MB held, CPU burnt, sbxuser2's refused forks.
id1=$(json_sessions "$json1" | awk -v p="$su1" '$1 == "sbxuser1" && $2 ~ "^" p "-" { print $2 }')
[ -n "$id1" ] || sbx_fail "list --json has no session of su pid $su1: $json1"
l1="user=\"sbxuser1\",session=\"$id1\""
m=$(metric "$metrics" sandbox_shell_memory_bytes "$l1")
[ "$m" -ge 25000000 ] || sbx_fail "sandbox_shell_memory_bytes{$l1} $m is below the 30 MB the session holds"
echo "ok - sandbox_shell_memory_bytes $m holds the 30 MB"
[ "$(usec "$(metric "$metrics" sandbox_shell_cpu_seconds_total "$l1")")" -gt 0 ] ||
    sbx_fail "sandbox_shell_cpu_seconds_total{$l1} is zero"
echo "ok - sandbox_shell_cpu_seconds_total of the busy session is not zero"
id3=$(json_sessions "$json1" | awk '$1 == "sbxuser2" { print $2 }')
l3="user=\"sbxuser2\",session=\"$id3\""
t=$(metric "$metrics" sandbox_shell_tasks "$l3")
[ "$t" -ge 40 ] && [ "$t" -le 50 ] || sbx_fail "sandbox_shell_tasks{$l3} $t: sbxuser2's session is not near its SessionTasksMax 50"
echo "ok - sbxuser2's session is near its SessionTasksMax: $t tasks"
[ "$(metric "$metrics" sandbox_shell_tasks_max_hits_total "$l3")" -ge 1 ] ||
    sbx_fail "sandbox_shell_tasks_max_hits_total{$l3} does not count the refused forks: $metrics"
echo "ok - sandbox_shell_tasks_max_hits_total counts sbxuser2's refused forks"
sbx_assert_eq "... while sbxuser1's session hit no limit (the counter is per session)" 0 \
    "$(metric "$metrics" sandbox_shell_tasks_max_hits_total "$l1")"
sbx_assert_eq "the instance is one series, session \"instance\"" 1 \
    "$(grep -c '^sandbox_shell_tasks{user="sbxuser3",session="instance"} ' <<<"$metrics")"

# Sessions per user: live sessions of list (an instance: its logins).
sbx_assert_eq "sandbox_shell_sessions: sbxuser1's two sessions" 2 "$(metric "$metrics" sandbox_shell_sessions 'user="sbxuser1"')"
sbx_assert_eq "sandbox_shell_sessions: sbxuser2's one" 1 "$(metric "$metrics" sandbox_shell_sessions 'user="sbxuser2"')"
sbx_assert_eq "sandbox_shell_sessions: the instance's logins, as list --json counts them" \
    "$(json_field "$json1" instance logins)" "$(metric "$metrics" sandbox_shell_sessions 'user="sbxuser3"')"
sbx_assert_eq "... which are two" 2 "$(metric "$metrics" sandbox_shell_sessions 'user="sbxuser3"')"
sbx_assert_eq "no sample of a user without a session (plainuser)" "" "$(grep 'user="plainuser"' <<<"$metrics")"
sbx_assert_eq "the users of the samples are exactly those with sessions" "sbxuser1 sbxuser2 sbxuser3" \
    "$(grep -v '^#' <<<"$metrics" | sed 's/.*{user="\([^"]*\)".*/\1/' | sort -u | tr '\n' ' ' | sed 's/ $//')"

# The configured limits, exactly.
for u in sbxuser1 sbxuser2 sbxuser3; do
    for nv in sessions_max=5 memory_max_bytes=536870912 memory_high_bytes=419430400 tasks_max=200 \
        cpu_max_ratio=1.50; do
        sbx_assert_eq "$u: sandbox_shell_${nv%%=*}" "${nv#*=}" "$(metric "$metrics" "sandbox_shell_${nv%%=*}" "user=\"$u\"")"
    done
done
for u in sbxuser1 sbxuser2; do
    for nv in session_memory_max_bytes=268435456 session_memory_high_bytes=209715200 session_tasks_max=50 \
        session_cpu_max_ratio=0.50; do
        sbx_assert_eq "$u: sandbox_shell_${nv%%=*}" "${nv#*=}" "$(metric "$metrics" "sandbox_shell_${nv%%=*}" "user=\"$u\"")"
    done
done
sbx_assert_eq "no per-session limit for the Instance user (they do not apply in its instance)" "" \
    "$(grep '^sandbox_shell_session_[a-z_]*max[a-z_]*{user="sbxuser3"' <<<"$metrics")"
sbx_assert_eq "no MemorySwapMax family: the policy sets none" "" "$(grep 'sandbox_shell_memory_swap_max_bytes' <<<"$metrics")"

# Every line: a HELP and a TYPE once per family, then samples; every family documented in sandbox-shellctl(8).
sbx_assert_eq "every line is a HELP, a TYPE or a sample" "" \
    "$(grep -Ev '^(# (HELP|TYPE) sandbox_shell_[a-z_]+ .+|sandbox_shell_[a-z_]+\{user="sbxuser[123]"(,session="[^"]+")?\} [0-9]+(\.[0-9]+)?)$' <<<"$metrics")"
families=$(sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' <<<"$metrics")
sbx_assert_eq "one TYPE per family" "$(sort <<<"$families")" "$(sort -u <<<"$families")"
for f in $families; do
    grep -q "^\.It Sy $f\b" "$SBX_SRCDIR/man/sandbox-shellctl.8" || sbx_fail "sandbox-shellctl(8) does not document $f"
done
echo "ok - sandbox-shellctl(8) documents the $(wc -w <<<"$families") families written"

# ---- --textfile ----
dir=$SBX_WS/textfile
mkdir "$dir"
prom=$dir/sandbox_shell.prom
echo old >"$prom"
ln "$prom" "$dir/old-link"
(umask 077 && ctl metrics --textfile "$prom") >"$SBX_WS/tf.out" 2>&1
sbx_assert_eq "--textfile: exit 0" 0 "$?"
sbx_assert_eq "--textfile: prints nothing" "" "$(cat "$SBX_WS/tf.out")"
prom_check "--textfile: the file passes promtool" "$prom"
sbx_assert_eq "--textfile: the same series as on stdout" "$(grep -v '^#' <<<"$metrics" | awk '{ print $1 }')" \
    "$(grep -v '^#' "$prom" | awk '{ print $1 }')"
sbx_assert_eq "--textfile: mode 0644 under umask 077, root's" "644 0:0" "$(stat -c '%a %u:%g' "$prom")"
sbx_assert_eq "--textfile: a new file renamed over the old one, which was never written (a link to it still reads old)" \
    old "$(cat "$dir/old-link")"
[ "$(stat -c %i "$prom")" != "$(stat -c %i "$dir/old-link")" ] || sbx_fail "--textfile rewrote the old file in place"
echo "ok - --textfile: the name holds a new inode"
sbx_assert_eq "--textfile: no temporary file is left" "old-link sandbox_shell.prom" "$(ls -A "$dir" | tr '\n' ' ' | sed 's/ $//')"
ln -s "$SBX_WS/target" "$dir/link.prom"
echo target >"$SBX_WS/target"
ctl metrics --textfile "$dir/link.prom" || sbx_fail "--textfile over a symbolic link failed"
sbx_assert_eq "--textfile: a symbolic link at the path is replaced, not followed" "target regular file" \
    "$(cat "$SBX_WS/target") $(stat -c %F "$dir/link.prom")"

# A missing directory: the path in the message, exit 1, nothing made.
out=$(ctl metrics --textfile "$SBX_WS/no-such-dir/sandbox_shell.prom" 2>&1)
sbx_assert_eq "--textfile in a missing directory: exit 1" 1 "$?"
sbx_assert_match "... names the path and the reason" \
    "^sandbox-shellctl: write '$SBX_WS/no-such-dir/sandbox_shell.prom': .*'$SBX_WS/no-such-dir'.*No such file or directory" "$out"
sbx_assert_eq "... and makes nothing" "" "$(ls -d "$SBX_WS/no-such-dir" 2>/dev/null)"

# A full file system (a tmpfs of its own): the write fails, the old file stays whole, no temporary file is left; the
# rename within that file system worked above only because the temporary file is made in the textfile's directory.
full=$SBX_WS/full
mkdir "$full"
mount -t tmpfs -o size=64k,mode=0755 sbx-full "$full"
sbx_at_exit "umount '$full'"
ctl metrics --textfile "$full/sandbox_shell.prom" || sbx_fail "--textfile into the small tmpfs failed"
sbx_assert_match "--textfile on a file system of its own works (positive control)" '^sandbox_shell_tasks\{' \
    "$(cat "$full/sandbox_shell.prom")"
cp "$full/sandbox_shell.prom" "$SBX_WS/before-full"
dd if=/dev/zero of="$full/filler" bs=4k 2>/dev/null || true
out=$(ctl metrics --textfile "$full/sandbox_shell.prom" 2>&1)
sbx_assert_eq "--textfile on a full file system: exit 1" 1 "$?"
sbx_assert_match "... says so, with the path" "^sandbox-shellctl: write '$full/sandbox_shell.prom': .*No space left on device" "$out"
cmp -s "$SBX_WS/before-full" "$full/sandbox_shell.prom" || sbx_fail "a failed --textfile changed the old file"
echo "ok - ... the old file is whole"
sbx_assert_eq "... no temporary file is left" "filler sandbox_shell.prom" "$(ls -A "$full" | tr '\n' ' ' | sed 's/ $//')"

# ---- after kill ----
ctl kill "$id1" >/dev/null || sbx_fail "kill $id1 failed"
wait "$su1" 2>/dev/null
metrics=$(ctl metrics)
sbx_assert_eq "after kill SESSION: no series of the ended session" "" "$(grep -F "session=\"$id1\"" <<<"$metrics")"
sbx_assert_match "... while the user's other session has its series (positive control)" \
    '^sandbox_shell_tasks\{user="sbxuser1",session="[0-9]+-[0-9]+"\} [0-9]+$' "$metrics"
sbx_assert_eq "... and sandbox_shell_sessions counts one" 1 "$(metric "$metrics" sandbox_shell_sessions 'user="sbxuser1"')"
for u in sbxuser1 sbxuser2 sbxuser3; do
    ctl kill "$u" >/dev/null || sbx_fail "kill $u failed"
done
wait
sbx_assert_eq "after kill USER: no session, no family" "" "$(ctl metrics)"

# ---- the systemd units ----
unit=$SBX_BUILDDIR/etc/sandbox-shell-metrics.service
timer=$SBX_SRCDIR/etc/systemd/sandbox-shell-metrics.timer
sbx_assert_match "the service runs the installed sandbox-shellctl on SANDBOX_SHELL_TEXTFILE" \
    '^ExecStart=/[^ ]*/sbin/sandbox-shellctl metrics --textfile "\$\{SANDBOX_SHELL_TEXTFILE\}"$' "$(cat "$unit")"
sbx_assert_match "... node_exporter's directory by default" \
    '^Environment=SANDBOX_SHELL_TEXTFILE=/var/lib/prometheus/node-exporter/sandbox_shell.prom$' "$(cat "$unit")"
sbx_assert_match "... which the administrator's file overrides" '^EnvironmentFile=-/etc/default/sandbox-shell-metrics$' "$(cat "$unit")"
sbx_assert_match "... and may write there" '^ReadWritePaths=-/var/lib/prometheus/node-exporter$' "$(cat "$unit")"
sbx_assert_match "the timer has an [Install] section (the administrator enables it)" '^WantedBy=timers.target$' "$(cat "$timer")"
# systemd-analyze verify, on copies whose ExecStart is the build's program (the installed path is not there), with
# the man page at hand for Documentation=. It exits 0 on unknown keys too, so any output is a failure.
units=$SBX_WS/units
mkdir -p "$units/man/man8"
cp "$SBX_SRCDIR/man/sandbox-shellctl.8" "$units/man/man8/"
sed "s|^ExecStart=[^ ]*|ExecStart=$CTL|" "$unit" >"$units/sandbox-shell-metrics.service"
cp "$timer" "$units/"
printf '[Unit]\nDescription=x\n[Service]\nType=oneshot\nNoSuchKey=1\nExecStart=/bin/true\n' >"$units/broken.service"
out=$(cd "$units" && MANPATH=$units/man systemd-analyze verify ./broken.service 2>&1)
sbx_assert_match "systemd-analyze verify reports an unknown key (negative control)" "Unknown key 'NoSuchKey'" "$out"
out=$(cd "$units" && MANPATH=$units/man systemd-analyze verify ./sandbox-shell-metrics.service ./sandbox-shell-metrics.timer 2>&1)
rc=$?
sbx_assert_eq "systemd-analyze verify: the service and the timer, exit 0" 0 "$rc"
sbx_assert_eq "... without a word" "" "$out"
exit 0
