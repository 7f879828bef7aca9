#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The benchmark: login overhead against a syscall floor and against unshare(1), bwrap and firejail; the PAM session
# cycle; an ssh key login with and without the sandbox; 500 concurrent sessions; the teardown of a 1000-process session.
# Everything is measured in one run, side by side, and written to bench/RESULTS.md.
#
#   bench/run.sh            the full run (about 10 minutes on 2 cores)
#   bench/run.sh --quick    few repetitions, to check that every part works (RESULTS.md says it is a quick run)
#
# Root, Debian 12. Installs what it needs from Debian's packages (the project's build and test dependencies, plus
# hyperfine, bubblewrap, firejail, linux-perf, jq and strace, which only the benchmark uses), builds in build-bench/ (meson,
# -O2 as the project's default buildtype), then runs like the root tests: private mount and PID namespaces with a
# private /etc, /run and /home (tests/lib/harness.sh), sshd on 127.0.0.1, cgroups nested below the benchmark's own.
# Nothing on the machine is changed, and nothing is left behind: the script checks that at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SBX_BENCH_BUILD:-$top/build-bench}
SBX_BENCH_DEPS=(hyperfine bubblewrap firejail linux-perf jq strace)

if [ -z "${SBX_IN_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root (namespaces, cgroups, sshd, file capabilities)" >&2; exit 1; }
    . "$top/tools/deps.sh"
    sbx_install_deps "${SBX_BENCH_DEPS[@]}"
    cd "$top"
    [ -f "$build/build.ninja" ] || meson setup "$build" -Dwerror=true >/dev/null
    ninja -C "$build" >/dev/null
    mkdir -p "$build/bench"
    cc -O2 -Wall -Wextra -Werror -static -o "$build/bench/floor" bench/floor.c
    cc -O2 -Wall -Wextra -Werror -o "$build/bench/pam-cycle" bench/pam-cycle.c -lpam
fi

. "$build/tests/sbx-env.sh"
. "$top/tests/lib/harness.sh"
. "$top/tests/lib/sshd.sh"
sbx_enter_private_ns "$@"
set -eu

quick=0
[ "${1:-}" = --quick ] && quick=1
if [ "$quick" = 1 ]; then
    RUNS=30 RUNS_SLOW=10 RUNS_SSH=10 PAM_N=100 SCALE_N=50 MANY_N=1000 MANY_REPS=1
else
    RUNS=1000 RUNS_SLOW=200 RUNS_SSH=100 PAM_N=2000 SCALE_N=500 MANY_N=1000 MANY_REPS=5
fi
out=$SBX_WS/out
mkdir -p "$out"
# The raw outputs (hyperfine CSV and logs, profiles) stay in the build directory for a look after the run.
rm -rf "$build/bench/out" && mkdir -p "$build/bench/out"
sbx_at_exit 'cp -a "$out/." "$build/bench/out/" 2>/dev/null'
log() { printf '== %s\n' "$*" >&2; }

# ---- the world: users, rootfs, policy, PAM, syslog ----
R=$SBX_WS/rootfs
sbx_make_rootfs "$R"
# bt/bs: the default policy with Shell /bin/true and /bin/sh; btn/bsn: the same with Network host; bpam, bscale,
# bmany: three controllers limited; bplain: not sandboxed (login shell: the rootfs's busybox sh, the same binary).
sbx_add_user bt 4001
sbx_add_user bs 4002
sbx_add_user btn 4003
sbx_add_user bsn 4004
sbx_add_user bpam 4005
sbx_add_user bscale 4006
sbx_add_user bmany 4007
sbx_add_user bplain 4010 "$R/bin/sh"
sbx_add_group sandboxed 4100 bt bs btn bsn bpam bscale bmany
sbx_write_conf "Sandbox no
CgroupRoot %c/sandbox-shell

Match User bt
    Shell /bin/true
Match User btn
    Shell /bin/true
    Network host
Match User bsn
    Network host
Match User bpam,bscale,bmany
    MemoryMax 4G
    TasksMax 4096
    CPUQuota 100%
Match Group sandboxed
    Sandbox yes
    RootDirectory $R
    Shell /bin/sh"
cp /etc/passwd /etc/group "$R/etc/"
sbx_syslog_start
PAMDIR=$SBX_WS/pam.d
mkdir -p "$PAMDIR"
echo "session required $SBX_PAM_MODULE conf=/etc/sandbox-shell" >"$PAMDIR/bench"
# The floor with the helper's file capabilities, to start it the way the helper starts: as the user, through
# sbx-launch's grant.
install -m 0755 "$build/bench/floor" "$SBX_WS/bin/floor"
setcap "$SBX_HELPER_CAPS+ei" "$SBX_WS/bin/floor"
FLOOR=$build/bench/floor
L=$SBX_LAUNCH
SBX_PAM_SESSION=${SBX_PAM_SESSION:-$build/tests/lib/sbx-pam-session}
S=$SBX_SHELL

# The cgroup directories of CgroupRoot %c/sandbox-shell, for the leftover checks and the cleanup.
CG_DIRS=()
while IFS=: read -r _ hier path; do
    case "$hier" in name=*) continue ;; esac
    if [ -z "$hier" ]; then
        mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
    else
        mnt=$(awk -v h="${hier%%,*}" '$3 == "cgroup" && ("," $4 ",") ~ ("," h ",") { print $2; exit }' /proc/mounts)
    fi
    [ -n "$mnt" ] && CG_DIRS+=("$mnt${path%/}/sandbox-shell")
done </proc/self/cgroup
kill_users() {
    local u
    for u in bt bs btn bsn bpam bscale bmany bplain; do pkill -KILL -u "$u" 2>/dev/null || true; done
    sbx_wait_for '! pgrep -u 4001-4010 >/dev/null 2>&1 && [ -z "$(user_procs)" ]' 100 || true
}
user_procs() { ps -e -o uid= | awk '$1 >= 4001 && $1 <= 4010' | wc -l | sed 's/^0$//'; }
sbx_at_exit 'kill_users; sbx_cleanup_cgroup_dirs "${CG_DIRS[@]}"'
user_cgroups() {
    local d
    for d in "${CG_DIRS[@]}"; do [ -d "$d/$1" ] && echo "$d/$1"; done
    return 0
}

# Each command is checked once before it is timed: a benchmark of a failing command measures nothing.
check() {
    local what=$1
    shift
    local o
    o=$("$@" 2>&1) || sbx_fail "$what does not work: $* -> $o"
}

# ---- timing helpers ----
# stats FILE: FILE holds "name milliseconds" lines; prints "name n median p10 p90 mean" per name, in first-seen order.
stats() {
    awk '{ if (!($1 in seen)) { seen[$1] = ++k; order[k] = $1 } v[$1, ++n[$1]] = $2; sum[$1] += $2 }
        END {
            for (i = 1; i <= k; i++) {
                name = order[i]; m = n[name]
                for (a = 1; a <= m; a++) s[a] = v[name, a]
                # insertion sort: m is at most a few thousand
                for (a = 2; a <= m; a++) { x = s[a]; b = a - 1; while (b > 0 && s[b] > x) { s[b + 1] = s[b]; b-- } s[b + 1] = x }
                med = (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
                p10 = s[int((m - 1) * 0.1) + 1]; p90 = s[int((m - 1) * 0.9) + 1]
                printf "%s %d %.3f %.3f %.3f %.3f\n", name, m, med, p10, p90, sum[name] / m
            }
        }' "$1"
}

# hf RUNS TAG NAME=COMMAND...: hyperfine (no intermediate shell) in $ROUNDS rounds of RUNS/ROUNDS runs of every
# command, so that a change of the machine's load hits every command alike; every single run's time goes to
# $out/TAG.samples ("name ms"), the command lines to $out/commands.txt.
ROUNDS=5
PARTS=${SBX_BENCH_PARTS:-startup pam ssh scale many}
part() { [[ " $PARTS " == *" $1 "* ]]; }
hf() {
    local runs=$1 tag=$2
    shift 2
    local args=() c r per=$(( (runs + ROUNDS - 1) / ROUNDS ))
    for c in "$@"; do
        args+=(-n "${c%%=*}" "${c#*=}")
        printf '| `%s` | `%s` |\n' "${c%%=*}" "${c#*=}" >>"$out/commands.txt"
    done
    : >"$out/$tag.samples"
    : >"$out/$tag.cpu"
    for ((r = 1; r <= ROUNDS; r++)); do
        hyperfine -N --style basic --warmup 3 --runs "$per" --export-json "$out/$tag.$r.json" "${args[@]}" \
            >"$out/$tag.$r.log" 2>&1 || { cat "$out/$tag.$r.log" >&2; sbx_fail "hyperfine $tag"; }
        jq -r '.results[] | .command as $c | .times[] | "\($c) \(. * 1000)"' "$out/$tag.$r.json" >>"$out/$tag.samples"
        jq -r '.results[] | "\(.command) \((.user + .system) * 1000)"' "$out/$tag.$r.json" >>"$out/$tag.cpu"
    done
    stats "$out/$tag.samples" >>"$out/$tag.stats"
    stats "$out/$tag.cpu" >>"$out/$tag.cpustats"
}
med() { awk -v n="$2" '$1 == n { print $3 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }

# ---- 1. start-up ----
if part startup; then
UNSHARE="unshare --pid --fork --mount --uts --ipc --propagation private --root=$R --mount-proc=/proc"
BWRAP_MIN="bwrap --unshare-pid --unshare-uts --unshare-ipc --ro-bind $R / --proc /proc"
# What sandbox-shell sets up, in bwrap's terms: also cgroup and network namespaces, a minimal /dev (with devpts and
# /dev/shm), a private /tmp, a tmpfs over /home holding the home bound read-write, a hostname, every capability
# dropped. (bwrap runs as root here and cannot enter the 0750 home after dropping capabilities: no --chdir.)
BWRAP_FULL="bwrap --unshare-pid --unshare-uts --unshare-ipc --unshare-cgroup --unshare-net --ro-bind $R / --proc /proc"
BWRAP_FULL+=" --dev /dev --tmpfs /tmp --tmpfs /home --bind /home/bs /home/bs --hostname sandbox --cap-drop ALL"
BWRAP_FULL+=" --die-with-parent"
FIREJAIL="firejail --noprofile --quiet"

log "checking every start-up command once"
check "the floor" "$FLOOR" "$R" /bin/true
check "the floor through sbx-launch" "$L" bs "$SBX_WS/bin/floor" "$R" /bin/true
check "sandbox-shell (default policy)" "$L" bs "$S" -c true
check "sandbox-shell (Shell /bin/true)" "$L" bt "$S" -c true
check "unshare" $UNSHARE /bin/true
check "bwrap" $BWRAP_MIN /bin/true
check "bwrap like sandbox-shell" $BWRAP_FULL /bin/true
# What the sandboxed program sees, as a check that the sandbox is the real one.
sandbox_view=$("$L" bs "$S" -c 'echo "pid=$$ host=$(hostname) root=$(ls / | xargs) caps=$(grep CapEff /proc/self/status | tr -d "\t")"' 2>&1)
firejail_ok=1
firejail_err=$($FIREJAIL "$R/bin/true" 2>&1) || firejail_ok=0

: >"$out/commands.txt"
for prog in true sh; do
    if [ "$prog" = true ]; then q=/bin/true tu=bt tn=btn; else q="/bin/sh -c 'true'" tu=bs tn=bsn; fi
    log "start-up of $prog: hyperfine, $RUNS runs of each command in $ROUNDS rounds"
    hf "$RUNS" "startup-$prog" \
        "$prog.bare=$R$q" \
        "$prog.launch=$L $tu $R$q" \
        "$prog.floor=$FLOOR $R $q" \
        "$prog.floor-launch=$L $tu $SBX_WS/bin/floor $R $q" \
        "$prog.sbx=$L $tu $S -c true" \
        "$prog.sbx-nethost=$L $tn $S -c true" \
        "$prog.unshare=$UNSHARE $q" \
        "$prog.bwrap=$BWRAP_MIN $q" \
        "$prog.bwrap-full=$BWRAP_FULL $q"
    if [ "$firejail_ok" = 1 ]; then
        hf "$RUNS_SLOW" "startup-$prog" "$prog.firejail=$FIREJAIL $R$q"
    fi
done
cat "$out/startup-true.stats" "$out/startup-sh.stats" >"$out/startup.stats"
column -t "$out/startup.stats" >&2
fi

# ---- 2. the PAM cycle ----
if part pam; then
# The limits a bpam session really gets, read from inside one (hybrid: the v1 memory, pids and cpu hierarchies).
pam_limits=$("$SBX_PAM_SESSION" "$PAMDIR" bench bpam sh -c '
    for h in memory:memory.limit_in_bytes pids:pids.max cpu:cpu.cfs_quota_us memory:../memory.limit_in_bytes \
             pids:../pids.max cpu:../cpu.cfs_quota_us; do
        c=${h%%:*} f=${h#*:}
        p=$(awk -F: -v c="$c" "\$2 == c { print \$3 }" /proc/self/cgroup)
        [ -n "$p" ] && [ -e "/sys/fs/cgroup/$c$p/$f" ] && printf "%s=%s " "$c$p/$f" "$(cat "/sys/fs/cgroup/$c$p/$f")"
    done' 2>/dev/null) || sbx_fail "a PAM session of bpam does not open"
log "PAM cycle: $PAM_N sessions of bpam (three limits), then of bs (no limit)"
"$build/bench/pam-cycle" "$PAMDIR" bench bpam "$PAM_N" 20 >"$out/pam-limits.txt" || sbx_fail "pam-cycle bpam"
"$build/bench/pam-cycle" "$PAMDIR" bench bs "$PAM_N" 20 >"$out/pam-nolimits.txt" || sbx_fail "pam-cycle bs"
pam_left="$(user_cgroups bpam)$(user_cgroups bs)"
cat "$out/pam-limits.txt" >&2
pam_fig() { awk -v n="$2" -v c="$3" '$1 == n { print $c }' "$1"; }
fi

# ---- 3. ssh key login ----
if part ssh; then
log "ssh key login on 127.0.0.1: $RUNS_SSH logins of a sandboxed and of a plain user"
cp "$top/etc/sshd_config.d/sandbox-shell.conf" "$SBX_WS/sshd-sandbox.conf"
sbx_sshd_start "Include $SBX_WS/sshd-sandbox.conf"
sbx_ssh_authorize bs
sbx_ssh_authorize bplain
ssh_view=$(sbx_ssh bs 'echo "pid=$$ host=$(hostname)"' 2>&1) || sbx_fail "ssh bs: $ssh_view"
plain_view=$(sbx_ssh bplain 'echo "pid=$$ host=$(hostname)"' 2>&1) || sbx_fail "ssh bplain: $plain_view"
SSH="ssh $(sbx_ssh_opts | tr '\n' ' ')-p $SBX_SSH_PORT"
hf "$RUNS_SSH" ssh "ssh.sandboxed=$SSH bs@127.0.0.1 true" "ssh.plain=$SSH bplain@127.0.0.1 true"
column -t "$out/ssh.stats" >&2
sbx_sshd_stop
sbx_wait_for "! ss -Hltn 'sport = :$SBX_SSH_PORT' | grep -q ." 100 || true
fi

# ---- 4. scale: SCALE_N concurrent sessions ----
if part scale; then
# Each session is the real chain: a PAM session (sbx-pam-session, in sshd's place: it opens the session, runs the
# login shell as a child, closes the session when it ends), sbx-launch (the user change), sandbox-shell, PID 1.
mem_avail() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
log "scale: $SCALE_N concurrent sessions of bscale"
avail0=$(mem_avail)
holders=()
t0=$(now_ms)
for ((i = 0; i < SCALE_N; i++)); do
    "$SBX_PAM_SESSION" "$PAMDIR" bench bscale "$L" bscale "$S" -c 'exec sleep 3600' </dev/null >/dev/null \
        2>>"$out/scale-sessions.txt" &
    holders+=($!)
done
count_sleep() { pgrep -u bscale -x sleep | wc -l; }
deadline=$((SECONDS + 300))
while [ "$(count_sleep)" -lt "$SCALE_N" ] && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
[ "$(count_sleep)" -ge "$SCALE_N" ] || sbx_fail "only $(count_sleep) of $SCALE_N sessions started in 300 s"
t1=$(now_ms)
sleep 2
helpers=$(pgrep -u bscale -x sandbox-shell | xargs)
n_helpers=$(echo "$helpers" | wc -w)
rss_kb=0 pss_kb=0
for p in $helpers; do
    rss_kb=$((rss_kb + $(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status")))
    pss_kb=$((pss_kb + $(awk '$1 == "Pss:" { print $2 }' "/proc/$p/smaps_rollup")))
done
holder_rss_kb=0
for p in "${holders[@]}"; do
    holder_rss_kb=$((holder_rss_kb + $(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
done
avail1=$(mem_avail)
leaves=0
for d in "${CG_DIRS[@]}"; do leaves=$((leaves + $(ls -d "$d"/bscale/session-* 2>/dev/null | wc -l))); done
n_hier=${#CG_DIRS[@]}
one_helper=$(echo "$helpers" | awk '{ print $1 }')
grep -E '^(VmRSS|RssAnon|RssFile|RssShmem)' "/proc/$one_helper/status" >"$out/scale-one-helper.txt"
log "scale: tearing down (SIGHUP to every outer helper, as at a hang-up)"
t2=$(now_ms)
kill -HUP $helpers
# A watchdog bounds the wait: after 300 s it kills what is left (the exit hook then cleans up).
( sleep 300; kill -KILL "${holders[@]}" 2>/dev/null ) &
watchdog=$!
: >"$out/scale-status.txt"
for p in "${holders[@]}"; do
    rc=0
    wait "$p" || rc=$?
    echo "$rc" >>"$out/scale-status.txt"
done
t3=$(now_ms)
pkill -P "$watchdog" 2>/dev/null || true
kill "$watchdog" 2>/dev/null || true
scale_status=$(sort "$out/scale-status.txt" | uniq -c | awk '{ printf "%s%d x exit %s", (NR > 1 ? ", " : ""), $1, $2 }')
closed=$(grep -c 'close_session: Success' "$out/scale-sessions.txt" || true)
sbx_wait_for '! pgrep -u bscale >/dev/null' 50 || true
scale_left_procs=$(pgrep -u bscale | wc -l)
scale_left_cg=$(user_cgroups bscale | wc -l)
scale_left_mounts=$(awk -v r="$R" 'index($5, r) == 1' /proc/self/mountinfo | wc -l)
log "scale: started in $((t1 - t0)) ms, torn down in $((t3 - t2)) ms; left: $scale_left_procs processes, $scale_left_cg cgroups"
fi

# ---- 5. teardown of one session holding MANY_N processes ----
if part many; then
# PID 1 (the shell) starts MANY_N - 1 sleeps and waits; the session ends with a hang-up of its outer helper. Timed:
# from the signal until the PAM session is closed (PID 1 and every process of the namespace killed and reaped, the
# leaf cgroups removed): the holder's exit.
: >"$out/many.txt"
for ((rep = 1; rep <= MANY_REPS; rep++)); do
    rm -f /home/bmany/ready
    "$SBX_PAM_SESSION" "$PAMDIR" bench bmany "$L" bmany "$S" -c \
        "i=1; while [ \$i -lt $MANY_N ]; do sleep 3600 & i=\$((i + 1)); done; : >\"\$HOME/ready\"; wait" \
        </dev/null >/dev/null 2>>"$out/many-sessions.txt" &
    holder=$!
    deadline=$((SECONDS + 120))
    while [ ! -e /home/bmany/ready ] && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    n=$(pgrep -u bmany | wc -l)
    helper=$(pgrep -u bmany -x sandbox-shell || true)
    [ -e /home/bmany/ready ] && [ "$n" -ge $((MANY_N + 1)) ] && [ -n "$helper" ] ||
        sbx_fail "the $MANY_N-process session did not start (have $n processes of bmany)"
    sleep 0.5
    ta=$(date +%s%N)
    kill -HUP "$helper"
    rc=0
    wait "$holder" || rc=$?
    tb=$(date +%s%N)
    left=$(pgrep -u bmany | wc -l)
    echo "many $(( (tb - ta) / 1000 )) $n $rc $left" >>"$out/many.txt"
    log "teardown of $n processes (the helper and PID 1 included): $(( (tb - ta) / 1000 )) us, exit $rc, $left left"
done
many_left_cg=$(user_cgroups bmany | wc -l)
fi
