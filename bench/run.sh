#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The benchmark: login overhead against a syscall floor and against unshare(1), bwrap (unprivileged) and firejail; what
# Network private adds to a start and what its user-mode stack carries; the pty relay (throughput, keystroke echo, CPU
# at rest); a login that joins an instance against a fresh one; the PAM session cycle, on this host and on pure cgroup
# v2 in a user-mode-linux guest; an ssh key login with and without the sandbox; a storm of ssh logins at once; 500
# concurrent sessions; the teardown of a 1000-process session against the kernel's own.
# Everything is measured in one run, side by side, and written to bench/RESULTS.md.
#
#   bench/run.sh            the full run (about 13 minutes on 2 cores)
#   bench/run.sh --quick    few repetitions, to check that every part works (RESULTS.md says it is a quick run)
#
# Root, Debian 12. Installs what it needs from Debian's packages (the project's build and test dependencies, user-mode-
# linux among them, plus hyperfine, bubblewrap, firejail, linux-perf, jq and strace, which only the benchmark uses),
# builds in build-bench/ (meson, -O2 as the project's default buildtype), then runs like the root tests: private
# network, mount and PID namespaces with a private /etc, /run and /home (tests/lib/harness.sh), sshd on 127.0.0.1, an
# internet of its own behind a veth for Network private (tests/lib/netprivate.sh), cgroups nested below the
# benchmark's own; the PAM cycle once more in a user-mode-linux guest on pure cgroup v2 (tests/uml/).
# Nothing on the machine is changed, and nothing is left behind: the script checks that at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SBX_BENCH_BUILD:-$top/build-bench}
SBX_BENCH_DEPS=(hyperfine bubblewrap firejail linux-perf jq strace)

if [ -z "${SBX_IN_NS:-}${SBX_IN_NETNS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root (namespaces, cgroups, sshd, file capabilities)" >&2; exit 1; }
    . "$top/tools/deps.sh"
    sbx_install_deps "${SBX_BENCH_DEPS[@]}"
    cd "$top"
    [ -f "$build/build.ninja" ] || meson setup "$build" -Dwerror=true >/dev/null
    ninja -C "$build" >/dev/null
    mkdir -p "$build/bench"
    cc -O2 -Wall -Wextra -Werror -static -o "$build/bench/floor" bench/floor.c
    cc -O2 -Wall -Wextra -Werror -o "$build/bench/pam-cycle" bench/pam-cycle.c -lpam
    cc -O2 -Wall -Wextra -Werror -o "$build/bench/killwait" bench/killwait.c
    cc -O2 -Wall -Wextra -Werror -o "$build/bench/tap-close" bench/tap-close.c
    cc -O2 -Wall -Wextra -Werror -o "$build/bench/pty-drive" bench/pty-drive.c
    cc -O2 -Wall -Wextra -Werror -o "$build/bench/cg-migrate" bench/cg-migrate.c
fi

. "$build/tests/sbx-env.sh"
. "$top/tests/lib/harness.sh"
. "$top/tests/lib/sshd.sh"
. "$top/tests/lib/netprivate.sh"
# The probe programs of Network private (a TCP sink and sender among them), built with the tests.
SBX_NETFILTER=${SBX_NETFILTER:-$build/tests/lib/sbx-netfilter}
export SBX_NETFILTER
# A network namespace of the benchmark's own first ("the host" of tests/lib/netprivate.sh), then the mount and PID ones.
sbx_np_enter "$@"
sbx_enter_private_ns "$@"
set -eu
set +o pipefail

quick=0
[ "${1:-}" = --quick ] && quick=1
if [ "$quick" = 1 ]; then
    RUNS=30 RUNS_SLOW=10 RUNS_SSH=10 PAM_N=100 SCALE_N=50 MANY_N=1000 MANY_REPS=1
    TTY_MIB=256 TTY_REPS=1 ECHO_N=2000 IDLE_S=3 STORM_N=50 STORM_REPS=1
else
    RUNS=300 RUNS_SLOW=100 RUNS_SSH=60 PAM_N=1000 SCALE_N=500 MANY_N=1000 MANY_REPS=5
    TTY_MIB=1024 TTY_REPS=2 ECHO_N=10000 IDLE_S=10 STORM_N=200 STORM_REPS=2
fi
out=$SBX_WS/out
bench_start=$(date -u "+%Y-%m-%d %H:%M UTC")
load_start=$(cut -d" " -f1-3 /proc/loadavg)
SECONDS=0
mkdir -p "$out"
# The raw outputs (hyperfine CSV and logs, profiles) stay in the build directory for a look after the run.
rm -rf "$build/bench/out" && mkdir -p "$build/bench/out"
sbx_at_exit 'cp -a "$out/." "$build/bench/out/" 2>/dev/null'
log() { printf '== %s\n' "$*" >&2; }

# ---- the world: users, rootfs, policy, PAM, syslog ----
R=$SBX_WS/rootfs
sbx_make_rootfs "$R"
# bt/bs: the default policy with Shell /bin/true and /bin/sh; btn/bsn: the same with Network host; btp/bsp: the same
# with Network private; bpam, bscale, bmany: three controllers limited; bplain: not sandboxed (login shell: the
# rootfs's busybox sh, the same binary).
sbx_add_user bt 4001
sbx_add_user bs 4002
sbx_add_user btn 4003
sbx_add_user bsn 4004
sbx_add_user bpam 4005
sbx_add_user bscale 4006
sbx_add_user bmany 4007
sbx_add_user btp 4008
sbx_add_user bsp 4009
sbx_add_user bplain 4010 "$R/bin/sh"
# bi: the default policy with Instance user (Shell /bin/sh); bstorm: the default policy, for the login storm.
sbx_add_user bi 4011
sbx_add_user bstorm 4012
sbx_add_group sandboxed 4100 bt bs btn bsn bpam bscale bmany btp bsp bi bstorm
# A cgroup tree of its own below the benchmark's cgroup: other runs of the tests may use %c/sandbox-shell at the same time.
CGNAME=sbx-bench-$(od -An -N4 -tx4 /dev/urandom | tr -d " ")
# write_conf MATCH: the benchmark's configuration, with the sandboxed users selected by the line MATCH. The figures
# are taken with the users named (MATCH_USERS); the rows "matched by Match Group" take the same with MATCH_GROUP,
# which makes every policy lookup ask NSS for the user's supplementary groups (getgrouplist), as sshd's Match Group
# does, in a batch of their own right after.
MATCH_USERS="Match User bt,bs,btn,bsn,bpam,bscale,bmany,btp,bsp,bi,bstorm"
MATCH_GROUP="Match Group sandboxed"
write_conf() {
    sbx_write_conf "Sandbox no
CgroupRoot %c/$CGNAME

Match User bt
    Shell /bin/true
Match User btn
    Shell /bin/true
    Network host
Match User bsn
    Network host
Match User btp
    Shell /bin/true
    Network private
Match User bsp
    Network private
Match User bpam,bscale,bmany
    MemoryMax 4G
    TasksMax 4096
    CPUQuota 100%
Match User bi
    Instance user
$1
    Sandbox yes
    RootDirectory $R
    Shell /bin/sh"
}
write_conf "$MATCH_USERS"
cp /etc/passwd /etc/group "$R/etc/"
sbx_syslog_start
PAMDIR=$SBX_WS/pam.d
mkdir -p "$PAMDIR"
echo "session required $SBX_PAM_MODULE conf=/etc/sandbox-shell helper=$SBX_SHELL" >"$PAMDIR/bench"
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
    [ -n "$mnt" ] && CG_DIRS+=("$mnt${path%/}/$CGNAME")
done </proc/self/cgroup
kill_users() {
    local u
    for u in bt bs btn bsn bpam bscale bmany btp bsp bplain bi bstorm; do pkill -KILL -u "$u" 2>/dev/null || true; done
    sbx_wait_for '[ -z "$(user_procs)" ]' 100 || true
}
user_procs() { ps -e -o uid= | awk '$1 >= 4001 && $1 <= 4012' | wc -l | sed 's/^0$//'; }
sbx_at_exit 'kill_users; sbx_cleanup_cgroup_dirs "${CG_DIRS[@]}"'
user_cgroups() { sbx_user_dirs "$1" "${CG_DIRS[@]}"; }

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
# Extra hyperfine options for the next hf call (--prepare lines, one per command).
HF_PREPARE=()
PARTS=${SBX_BENCH_PARTS:-startup relay instance netprivate pam uml ssh storm scale many profile}
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
        hyperfine -N --style basic --warmup 3 --runs "$per" --export-json "$out/$tag.$r.json" "${HF_PREPARE[@]}" "${args[@]}" \
            >"$out/$tag.$r.log" 2>&1 || { cat "$out/$tag.$r.log" >&2; sbx_fail "hyperfine $tag"; }
        jq -r '.results[] | .command as $c | .times[] | "\($c) \(. * 1000)"' "$out/$tag.$r.json" >>"$out/$tag.samples"
        jq -r '.results[] | "\(.command) \((.user + .system) * 1000)"' "$out/$tag.$r.json" >>"$out/$tag.cpu"
    done
    stats "$out/$tag.samples" >>"$out/$tag.stats"
    stats "$out/$tag.cpu" >>"$out/$tag.cpustats"
}
med() { awk -v n="$2" '$1 == n { print $3 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
mem_avail() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
pam_fig() { awk -v n="$2" -v c="$3" '$1 == n { print $c }' "$1"; }

# ---- 1. start-up ----
# bwrap as an unprivileged user runs it: through a user namespace of its own (--unshare-user; Debian's bwrap is not
# setuid), as the sandboxed user, started through the same launcher as the helper (bwrap has no file capabilities:
# the grant gives it nothing). bwrap_min USER: the floor's namespaces and mounts; bwrap_full USER: what the helper
# makes for the default policy (lib/core/namespace.c, rootfs.c): PID, mount, IPC, UTS, network (Network none) and
# cgroup namespaces, the rootfs bound read-only, a fresh /proc, a minimal /dev (with devpts and /dev/shm), a private
# /tmp, a tmpfs over /home holding the home bound read-write and entered, the hostname, every capability dropped.
BWRAP=$(command -v bwrap)
bwrap_min() { echo "$L $1 $BWRAP --unshare-user --unshare-pid --unshare-uts --unshare-ipc --ro-bind $R / --proc /proc"; }
bwrap_full() {
    echo "$L $1 $BWRAP --unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-net --unshare-cgroup" \
        "--ro-bind $R / --proc /proc --dev /dev --tmpfs /tmp --tmpfs /home --bind /home/$1 /home/$1 --chdir /home/$1" \
        "--hostname sandbox --cap-drop ALL --die-with-parent"
}
if part startup; then
UNSHARE="unshare --pid --fork --mount --uts --ipc --propagation private --root=$R --mount-proc=/proc"
FIREJAIL="firejail --noprofile --quiet"

log "checking every start-up command once"
check "the floor" "$FLOOR" "$R" /bin/true
check "the floor through sbx-launch" "$L" bs "$SBX_WS/bin/floor" "$R" /bin/true
check "sandbox-shell (default policy)" "$L" bs "$S" -c true
check "sandbox-shell (Shell /bin/true)" "$L" bt "$S" -c true
check "unshare" $UNSHARE /bin/true
check "bwrap" $(bwrap_min bt) /bin/true
check "bwrap like sandbox-shell" $(bwrap_full bt) /bin/true
bwrap_view=$($(bwrap_full bs) /bin/sh -c 'echo "pid=$$ host=$(hostname) cwd=$(pwd) caps=$(grep CapEff /proc/self/status | tr -d "\t")"' 2>&1)
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
        "$prog.bwrap=$(bwrap_min "$tu") $q" \
        "$prog.bwrap-full=$(bwrap_full "$tu") $q"
    if [ "$firejail_ok" = 1 ]; then
        hf "$RUNS_SLOW" "startup-$prog" "$prog.firejail=$FIREJAIL $R$q"
    fi
done
# The default policy with the users named and with the users selected by a Match Group, side by side: the same
# command, the configuration swapped by hyperfine before every run (--prepare, outside the timing).
write_conf "$MATCH_GROUP"
check "sandbox-shell (Match Group)" "$L" bt "$S" -c true
cp /etc/sandbox-shell/sandbox-shell.conf "$SBX_WS/conf-group"
write_conf "$MATCH_USERS"
cp /etc/sandbox-shell/sandbox-shell.conf "$SBX_WS/conf-named"
HF_PREPARE=(--prepare "cp $SBX_WS/conf-named /etc/sandbox-shell/sandbox-shell.conf"
            --prepare "cp $SBX_WS/conf-group /etc/sandbox-shell/sandbox-shell.conf")
for prog in true sh; do
    if [ "$prog" = true ]; then tu=bt; else tu=bs; fi
    log "start-up of $prog, the users named against matched by Match Group: $RUNS runs in $ROUNDS rounds"
    hf "$RUNS" "startup-$prog-group" "$prog.sbx-named=$L $tu $S -c true" "$prog.sbx-group=$L $tu $S -c true"
done
HF_PREPARE=()
write_conf "$MATCH_USERS"
cat "$out"/startup-{true,sh}{,-group}.stats >"$out/startup.stats"
column -t "$out/startup.stats" >&2
fi

# The relay's file (below the rootfs: the path in the sandbox), and the program on the terminal for the echo.
TTY_FILE=/srv/tty-$TTY_MIB
ECHO_CMD="stty -icanon; echo READY; exec cat >/dev/null"
# ---- the pty relay (RESULTS.md section 9): a terminal through the helper's relay against the same without it ----
if part relay; then
# bench/pty-drive plays the login's terminal (a pty of its own, as sshd makes one) and runs, on it, either the helper
# (whose outer half relays between that pty and the sandbox's own) or the same busybox program outside the sandbox,
# as the same user through the same launcher: nothing relays there. The file for the throughput lives on a tmpfs of
# its own below the rootfs (the helper binds the rootfs recursively), so both read the same file the same way.
mkdir -p "$R/srv"
mount -t tmpfs -o mode=0755,size=$((TTY_MIB + 64))m sbx-bench-tty "$R/srv"
sbx_at_exit 'umount "$R/srv" 2>/dev/null'
yes "$(printf '%079d' 0)" | head -c $((TTY_MIB * 1048576)) >"$R$TTY_FILE"
chmod 0644 "$R$TTY_FILE"
PD=$build/bench/pty-drive
check "a cat to a terminal through the relay" "$PD" out "$L" bs "$S" -c "head -c 1000 $TTY_FILE"
check "the same without the relay" "$PD" out "$L" bs "$R/bin/head" -c 1000 "$R$TTY_FILE"
relay_view=$("$PD" print "$L" bs "$S" -c 'echo "pid=$$ tty=$(tty) host=$(hostname)"' 2>&1 | tr -d '\r')
log "pty relay: cat of $TTY_MIB MiB to the terminal, $TTY_REPS times with and without the relay, alternating"
: >"$out/tty-out.txt"
# tty_run TAG FILE PTY-DRIVE-ARGS...: one run of bench/pty-drive, its line appended to FILE as "TAG ...".
tty_run() {
    local tag=$1 file=$2 o
    shift 2
    o=$("$PD" "$@") || sbx_fail "pty-drive $tag: $* -> $o"
    echo "$tag $o" >>"$file"
}
for ((rep = 1; rep <= TTY_REPS; rep++)); do
    tty_run relay "$out/tty-out.txt" out "$L" bs "$S" -c "cat $TTY_FILE"
    tty_run direct "$out/tty-out.txt" out "$L" bs "$R/bin/cat" "$R$TTY_FILE"
done
cat "$out/tty-out.txt" >&2
log "pty relay: $ECHO_N keystrokes and their echo, with and without the relay"
: >"$out/tty-echo.txt"
for ((rep = 1; rep <= TTY_REPS; rep++)); do
    tty_run relay "$out/tty-echo.txt" echo "$ECHO_N" "$L" bs "$S" -c "$ECHO_CMD"
    tty_run direct "$out/tty-echo.txt" echo "$ECHO_N" "$L" bs "$R/bin/sh" -c "$ECHO_CMD"
done
cat "$out/tty-echo.txt" >&2
# Where the relay's time goes: RELAY_TRACE_N more keystrokes of each path under a system-wide perf record of
# tracepoints, no tracer stopping a process (bench/relay-echo.awk: the keystroke, each system call of the relay, the
# echo), and one more cat of each under perf record -a -g (bench/relay-cpu.awk: who has the CPUs).
RELAY_TRACE_N=$((quick ? 500 : 2000))
log "pty relay: the steps of $RELAY_TRACE_N keystrokes of each path (perf record, tracepoints)"
: >"$out/relay-echo.samples"
for path in relay direct; do
    if [ "$path" = relay ]; then
        relay_cmd=("$L" bs "$S" -c "$ECHO_CMD")
    else
        relay_cmd=("$L" bs "$R/bin/sh" -c "$ECHO_CMD")
    fi
    perf record -q -a -o "$out/relay-echo-$path.perf" \
        -e syscalls:sys_enter_write --filter 'comm == "pty-drive" && count == 1' \
        -e syscalls:sys_exit_read --filter 'comm == "pty-drive" && ret > 0' \
        -e raw_syscalls:sys_enter --filter 'comm == "sandbox-shell"' -- \
        "$PD" echo "$RELAY_TRACE_N" "${relay_cmd[@]}" >"$out/relay-echo-$path.txt" 2>&1 ||
        sbx_fail "pty-drive echo under perf record ($path): $(cat "$out/relay-echo-$path.txt")"
    perf script -i "$out/relay-echo-$path.perf" -F comm,pid,time,event,trace 2>/dev/null |
        awk -f "$top/bench/relay-echo.awk" >>"$out/relay-echo.samples"
done
stats "$out/relay-echo.samples" >"$out/relay-echo.stats"
column -t "$out/relay-echo.stats" >&2
log "pty relay: one more cat of $TTY_MIB MiB of each path under perf record -a -g"
for path in relay direct; do
    if [ "$path" = relay ]; then
        relay_cmd=("$L" bs "$S" -c "cat $TTY_FILE")
    else
        relay_cmd=("$L" bs "$R/bin/cat" "$R$TTY_FILE")
    fi
    perf record -q -a -g -F 499 -o "$out/relay-cpu-$path.perf" -- \
        "$PD" out "${relay_cmd[@]}" >"$out/relay-cpu-$path.txt" 2>&1 ||
        sbx_fail "pty-drive out under perf record ($path): $(cat "$out/relay-cpu-$path.txt")"
    perf script -i "$out/relay-cpu-$path.perf" -F comm,pid,ip,sym,dso 2>/dev/null |
        awk -f "$top/bench/samples.awk" -f "$top/bench/relay-cpu.awk" >"$out/relay-cpu-$path.samples"
    rm -f "$out/relay-cpu-$path.perf"
done
log "pty relay: the relay's CPU time in an idle interactive session, $IDLE_S s"
: >"$out/tty-idle.txt"
tty_run relay "$out/tty-idle.txt" idle "$IDLE_S" "$L" --argv0 -sandbox-shell bs "$S"
cat "$out/tty-idle.txt" >&2
sbx_wait_for '! pgrep -u bs >/dev/null' 50 || true
umount "$R/srv"
fi

# ---- joining an instance (RESULTS.md section 10): a login that joins a running instance against a fresh one ----
if part instance; then
# Both are whole logins without ssh: a PAM session (sbx-pam-session, in sshd's place) -> sbx-launch -> the helper ->
# `true` in the sandbox. bi has Instance user and holds an instance with a first login that stays (sleep); each timed
# login of bi joins it. bs has the same policy without Instance user: each login is a fresh sandbox.
# --pam-env: the helper gets the PAM environment, as from sshd (its session, by which the first login of an instance
# knows itself the creator).
SESS="$SBX_PAM_SESSION --pam-env"
$SESS "$PAMDIR" bench bi "$L" bi "$S" -c 'exec sleep 3600' </dev/null >/dev/null 2>"$out/instance-holder.txt" &
inst_holder=$!
sbx_wait_for "pgrep -u bi -x sleep >/dev/null" 100 ||
    sbx_fail "the first login of bi made no instance: $(cat "$out/instance-holder.txt")"
check "a login that joins the instance" $SESS "$PAMDIR" bench bi "$L" bi "$S" -c true
check "a fresh login" $SESS "$PAMDIR" bench bs "$L" bs "$S" -c true
inst_view=$($SESS "$PAMDIR" bench bi "$L" bi "$S" -c 'echo "pid=$$ processes: $(cat /proc/[0-9]*/comm | xargs)"' 2>/dev/null)
log "joining an instance against a fresh sandbox: $RUNS runs of each in $ROUNDS rounds"
hf "$RUNS" instance "instance.join=$SESS $PAMDIR bench bi $L bi $S -c true" \
    "instance.fresh=$SESS $PAMDIR bench bs $L bs $S -c true"
column -t "$out/instance.stats" >&2
kill -HUP "$(pgrep -u bi -x sandbox-shell | head -n 1)" 2>/dev/null
wait "$inst_holder" 2>/dev/null || true
sbx_wait_for '! pgrep -u bi >/dev/null && [ -z "$(user_cgroups bi)" ]' 100 || true
inst_left=$(pgrep -u bi | wc -l)
inst_left_cg=$(user_cgroups bi | wc -l)
fi

# ---- 1b. Network private (RESULTS.md section 6): what it adds to a start, and what its stack carries ----
if part netprivate; then
# The host and its internet as the Network private test has them (tests/lib/netprivate.sh): /dev/net/tun usable by
# the user, the stack's program at its installed path (an overlay in this mount namespace), the internet sbx-inet
# behind a veth, the probes in the rootfs. Its exit hook kills what runs in sbx-inet and deletes it.
log "Network private: the host's internet (tests/lib/netprivate.sh)"
np_t0=$SECONDS
sbx_np_setup "$R"
NP_PORT=5201
NP_MIB=1024
inet "$SBX_NETFILTER" sink "$NP_PORT" >"$SBX_WS/sink.out" 2>&1 &
sbx_wait_for "grep -q '^listening' '$SBX_WS/sink.out'" 50 ||
    sbx_fail "the sink did not start: $(cat "$SBX_WS/sink.out")"
np_sink=$(pgrep -n -f "sbx-netfilter sink $NP_PORT")
check "sandbox-shell (Network private)" "$L" btp "$S" -c true
check "a transfer from the host" "$SBX_NETFILTER" send 203.0.113.1 "$NP_PORT" 16
check "a transfer from a Network private sandbox" "$L" bsp "$S" -c "sbx-netfilter send 203.0.113.1 $NP_PORT 16"
# What a Network private sandbox reaches (a check that its network is the real one): the internet, not the LAN.
np_view=$("$L" bsp "$S" -c 'sbx-netfilter connect 203.0.113.1 7; sbx-netfilter connect 10.1.2.3 7' 2>&1 |
    tr '\n' ' ' | sed 's/ $//')
case $np_view in
*"203.0.113.1:7: ok HELLO-7 10.1.2.3:7: No route to host"*) ;;
*) sbx_fail "a Network private sandbox does not see the network it should: $np_view" ;;
esac

log "Network private against Network none, sandbox-shell -c true: $RUNS runs of each in $ROUNDS rounds"
hf "$RUNS" netprivate "np.none=$L bt $S -c true" "np.private=$L btp $S -c true"
column -t "$out/netprivate.stats" >&2

# Where the time of a start goes, without a tracer in the way: kernel tracepoints (perf record -a) marking each step
# (bench/np-phases.awk), NP_PHASE_N starts of each policy, alternating; the helper under a name of its own.
NP_PHASE_N=$((quick ? 10 : 50))
log "Network private: the steps of $NP_PHASE_N starts of each policy (perf record, tracepoints)"
install -m 0755 "$S" "$SBX_WS/bin/sbx-bench-shell"
setcap "$SBX_HELPER_CAPS+ei" "$SBX_WS/bin/sbx-bench-shell"
check "sbx-bench-shell (Network private)" "$L" btp "$SBX_WS/bin/sbx-bench-shell" -c true
perf record -q -a -o "$out/np-phases.perf" \
    -e sched:sched_process_exec -e sched:sched_process_fork -e sched:sched_process_exit \
    -e syscalls:sys_enter_ioctl --filter 'cmd == 0x400454ca || cmd == 0x890b' \
    -e syscalls:sys_enter_socket --filter 'family == 16 && protocol == 12' \
    -e syscalls:sys_enter_unshare \
    -e syscalls:sys_enter_recvmsg \
    -e syscalls:sys_enter_write --filter 'fd == 4 && count == 6' \
    -e syscalls:sys_enter_kill --filter 'sig == 9' \
    -e syscalls:sys_exit_wait4 --filter 'ret > 0' -- \
    bash -c "for i in \$(seq $NP_PHASE_N); do $L bt $SBX_WS/bin/sbx-bench-shell -c true;
        $L btp $SBX_WS/bin/sbx-bench-shell -c true; done" >/dev/null 2>&1 || true
perf script -i "$out/np-phases.perf" -F comm,pid,time,event,trace 2>/dev/null |
    awk -v helper=sbx-bench-shell -f "$top/bench/np-phases.awk" >"$out/np-phases.samples"
stats "$out/np-phases.samples" >"$out/np-phases.stats"
# The stack's off-CPU time in one start, by where it waited (the kernel stack it slept on): NP_PHASE_N starts.
perf record -q -a -g -o "$out/np-offcpu.perf" \
    -e sched:sched_switch --filter 'prev_comm == "sandbox-shell-n" || next_comm == "sandbox-shell-n"' -- \
    bash -c "for i in \$(seq $NP_PHASE_N); do $L btp $SBX_WS/bin/sbx-bench-shell -c true; done" >/dev/null 2>&1 || true
perf script -i "$out/np-offcpu.perf" -F time,event,trace,ip,sym 2>/dev/null |
    awk -f "$top/bench/np-offcpu.awk" | sort -k1,1rn -k2,2rn >"$out/np-offcpu.txt"
# What the stack's exit waits for, apart: the close of an up tap device in a namespace of its own, as it is made now
# and with TUNSETPERSIST (bench/tap-close.c), alternating.
NP_TAP_N=$((quick ? 5 : 20))
"$build/bench/tap-close" "$NP_TAP_N" >"$out/np-tap-close.samples" || sbx_fail "bench/tap-close"
stats "$out/np-tap-close.samples" >"$out/np-tap-close.stats"

# Throughput: NP_MIB MiB over TCP to the internet's sink, from the host and from a sandbox, alternately; the CPU time
# of the sending side (the sender; for the sandbox also its stack and its helper) from the shell's time.
NP_REPS=$((quick ? 1 : 5))
log "Network private: $NP_REPS x $NP_MIB MiB over TCP from the host and from a sandbox"
: >"$out/np-throughput.txt"
# np_send WHO [PREFIX...]: one transfer from WHO (host or private), its command run by PREFIX (a profiler) if given.
np_send() {
    local who=$1
    shift
    if [ "$who" = host ]; then
        "$@" "$SBX_NETFILTER" send 203.0.113.1 "$NP_PORT" "$NP_MIB"
    else
        "$@" "$L" bsp "$S" -c "sbx-netfilter send 203.0.113.1 $NP_PORT $NP_MIB"
    fi
}
TIMEFORMAT="%R %U %S"
for ((rep = 1; rep <= NP_REPS; rep++)); do
    for who in host private; do
        { time np_send "$who" >"$out/np-send.txt" 2>&1; } 2>"$out/np-time.txt" ||
            sbx_fail "send from the $who: $(cat "$out/np-send.txt")"
        # WHO MIB SECONDS (the sender's) WALL USER SYS (the shell's)
        echo "$who $(awk '/MiB in/ { print $1, $4 }' "$out/np-send.txt") $(cat "$out/np-time.txt")" \
            >>"$out/np-throughput.txt"
        log "$(tail -n 1 "$out/np-throughput.txt")"
    done
done
unset TIMEFORMAT
# Where the processes run matters on a machine of two vCPUs: the sandbox's session pinned to vCPU 0 (taskset on
# sbx-launch), its stack left there with the sender or moved to vCPU 1 as soon as it runs; NP_PIN_REPS of each.
NP_PIN_REPS=$((quick ? 1 : 2))
: >"$out/np-throughput-pinned.txt"
np_pinned() {
    local how=$1 j st='' i=0
    taskset -c 0 "$L" bsp "$S" -c "sbx-netfilter send 203.0.113.1 $NP_PORT $NP_MIB" >"$out/np-send.txt" 2>&1 &
    j=$!
    if [ "$how" = apart ]; then
        while [ -z "$st" ] && [ $i -lt 500 ]; do
            st=$(pgrep -u bsp -f '^sandbox-shell-netstack' | head -n 1)
            [ -n "$st" ] || sleep 0.01
            i=$((i + 1))
        done
        [ -n "$st" ] && taskset -pc 1 "$st" >/dev/null
    fi
    wait "$j" || sbx_fail "a pinned send from the sandbox: $(cat "$out/np-send.txt")"
    echo "$how $(awk '/MiB in/ { print $1, $4 }' "$out/np-send.txt")" >>"$out/np-throughput-pinned.txt"
    log "pinned, the stack $how: $(tail -n 1 "$out/np-throughput-pinned.txt")"
}
if [ "$(nproc)" -ge 2 ]; then
    for ((rep = 1; rep <= NP_PIN_REPS; rep++)); do
        np_pinned together
        np_pinned apart
    done
fi
# One more of each under perf record -a -g (bench/np-cpu.awk: who has the CPUs, and what the stack does with its
# share); in the middle of the sandbox's, the TCP state of its connection (ss -ti in its namespace) and of the
# stack's to the internet.
for who in host private; do
    if [ "$who" = private ]; then
        ( sleep 0.5
          p=$(pgrep -u bsp -x sbx-netfilter | head -n 1)
          [ -n "$p" ] && nsenter -t "$p" -n ss -tin dst 203.0.113.1 >"$out/np-ss-sandbox.txt" 2>&1
          ss -tin dst 203.0.113.1 >"$out/np-ss-stack.txt" 2>&1 ) &
        np_ss=$!
    fi
    np_send "$who" perf record -q -a -g -F 999 -o "$out/np-cpu-$who.perf" -- \
        >"$out/np-send-$who-profiled.txt" 2>&1 || true
    perf script -i "$out/np-cpu-$who.perf" -F comm,pid,ip,sym,dso 2>/dev/null |
        awk -v sink="$np_sink" -f "$top/bench/samples.awk" -f "$top/bench/np-cpu.awk" >"$out/np-cpu-$who.txt"
done
wait "$np_ss" 2>/dev/null || true
sbx_wait_for '! pgrep -u btp,bsp >/dev/null' 50 || true
np_left=$(pgrep -u btp,bsp | wc -l)
np_left_stacks=$(pgrep -x sandbox-shell-n | wc -l)
np_secs=$((SECONDS - np_t0))
log "Network private: $np_secs s; left $np_left processes of btp and bsp, $np_left_stacks stacks"
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
log "PAM cycle: $PAM_N sessions of bpam with the users matched by Match Group"
write_conf "$MATCH_GROUP"
"$build/bench/pam-cycle" "$PAMDIR" bench bpam "$PAM_N" 20 >"$out/pam-group.txt" || sbx_fail "pam-cycle bpam (group)"
write_conf "$MATCH_USERS"
pam_left="$(user_cgroups bpam)$(user_cgroups bs)"
cat "$out/pam-limits.txt" >&2
# One move of a process between cgroups (what the open and the close do once per hierarchy), after 100 ms without
# any and right after another (bench/cg-migrate), in the cgroup2 hierarchy below the benchmark's own cgroup.
MIG_N=$((quick ? 5 : 30))
mig_dir=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
mig_mount=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
"$build/bench/cg-migrate" "$mig_mount${mig_dir%/}" "$MIG_N" >"$out/migrate.samples" || sbx_fail "bench/cg-migrate"
stats "$out/migrate.samples" >"$out/migrate.stats"
mig_opts=$(awk '$3 == "cgroup2" { print $4; exit }' /proc/self/mounts)
fi

# ---- 2b. the PAM cycle on pure cgroup v2, in a user-mode-linux guest ----
if part uml; then
# The guest of the uml suite (tests/uml/test-uml-cgroup-v2.sh: Debian's linux.uml, the host's filesystem through
# hostfs as its read-only root, tests/uml/guest-init.sh as its init, cgroup2 alone) runs bench/pam-v2.sh, which
# repeats section 2's cycle of bpam there. Its figures are a UML guest's: every system call of the guest is a
# ptrace round trip on the host, so they compare with each other, not with the host's.
UML_PAM_N=$((quick ? 100 : 300))
uml_t0=$SECONDS
uml_status="not run"
uml_preload=$build/tests/lib/sbx-uml-xstate.so
if ! command -v linux.uml >/dev/null; then
    uml_status="not measured: linux.uml (Debian package user-mode-linux) is missing"
elif [ ! -e "$uml_preload" ]; then
    uml_status="not measured: the build has no $uml_preload"
else
    log "PAM cycle on pure cgroup v2: $UML_PAM_N sessions of bpam in a user-mode-linux guest"
    mkdir -p "$SBX_WS/uml"
    {
        for v in SBX_SRCDIR SBX_BUILDDIR SBX_HELPER SBX_PAM_MODULE SBX_HELPER_CAPS; do printf 'export %s=%q\n' "$v" "${!v}"; done
        printf 'export SBX_BENCH_PAM_N=%q\n' "$UML_PAM_N"
        printf 'export SBX_UML_TESTS=%q\n' "$top/bench/pam-v2.sh"
    } >"$SBX_WS/uml/env.sh"
    timeout -k 10 600 env LD_PRELOAD="$uml_preload" linux.uml mem=768M root=/dev/root rootfstype=hostfs rootflags=/ ro \
        init="$top/tests/uml/guest-init.sh" sbx_out="$SBX_WS/uml" con0=fd:0,fd:1 con=null quiet \
        </dev/null >"$out/uml-console.txt" 2>&1
    cp "$SBX_WS/uml/pam-v2.log" "$out/uml-pam-v2.log" 2>/dev/null
    uml_rc=$(sed -n 's/^UML-RESULT pam-v2 \([0-9]*\).*/\1/p' "$out/uml-console.txt" | tr -d '\r')
    # Not open+close-cpu: the guest's process times count whole ticks.
    grep -E '^(open|close|open\+close|start\+open\+close\+end) ' "$out/uml-pam-v2.log" >"$out/pam-v2.txt" 2>/dev/null
    uml_kernel=$(dpkg-query -W -f='${Version}' user-mode-linux 2>/dev/null)
    uml_limits=$(sed -n 's/^LIMITS //p' "$out/uml-pam-v2.log" 2>/dev/null)
    sed -n 's/^MIGRATE \([a-z]*\) migrate\.\([a-z-]*\) /uml-\1.\2 /p' "$out/uml-pam-v2.log" 2>/dev/null |
        tr -d '\r' >"$out/uml-migrate.samples"
    stats "$out/uml-migrate.samples" >"$out/uml-migrate.stats"
    uml_left=$(sed -n 's/^LEFT //p' "$out/uml-pam-v2.log" 2>/dev/null)
    if [ "$uml_rc" = 0 ] && [ -s "$out/pam-v2.txt" ]; then
        uml_status=measured
    else
        uml_status="not measured: the guest's run ended with status '${uml_rc:-none}' ($(tail -n 3 "$out/uml-pam-v2.log" \
            2>/dev/null | tr '\n' ' ' | tr -d '\r' | cut -c1-300); console: $(grep -v '^ *$' "$out/uml-console.txt" |
            tail -n 2 | tr '\n' ' ' | tr -d '\r' | cut -c1-200))"
    fi
fi
uml_secs=$((SECONDS - uml_t0))
log "PAM cycle in UML: $uml_status ($uml_secs s)"
cat "$out/pam-v2.txt" >&2 2>/dev/null
fi

# ---- 3. ssh key login, and the login storm (RESULTS.md section 11) ----
if part ssh || part storm; then
cp "$top/etc/sshd_config.d/sandbox-shell.conf" "$SBX_WS/sshd-sandbox.conf"
# MaxStartups raised for the storm, whose logins are all unauthenticated at once (sshd's default drops connections
# beyond 10 of them); one login at a time never reaches either limit.
sbx_sshd_start "MaxStartups 1000
Include $SBX_WS/sshd-sandbox.conf"
sbx_ssh_authorize bs
sbx_ssh_authorize bplain
sbx_ssh_authorize bstorm
SSH="ssh $(sbx_ssh_opts | tr '\n' ' ')-p $SBX_SSH_PORT"
fi
if part ssh; then
log "ssh key login on 127.0.0.1: $RUNS_SSH logins of a sandboxed and of a plain user"
ssh_view=$(sbx_ssh bs 'echo "pid=$$ host=$(hostname)"' 2>&1) || sbx_fail "ssh bs: $ssh_view"
plain_view=$(sbx_ssh bplain 'echo "pid=$$ host=$(hostname)"' 2>&1) || sbx_fail "ssh bplain: $plain_view"
ROUNDS=$((RUNS_SSH >= 60 ? 20 : 5)) hf "$RUNS_SSH" ssh "ssh.sandboxed=$SSH bs@127.0.0.1 true" "ssh.plain=$SSH bplain@127.0.0.1 true"
column -t "$out/ssh.stats" >&2
fi
if part storm; then
# STORM_N key logins started at once, each timed from its own start to the client's exit; the sandboxed user bstorm
# (default policy) and the plain user bplain in turn, STORM_REPS times each. They start together: every client
# waits at the open of a FIFO that the shell opens for writing once all are forked.
check "an ssh login of bstorm" $SSH bstorm@127.0.0.1 true
: >"$out/storm.txt"
storm() {
    local who=$1 user=$2 i gate=$SBX_WS/storm.gate pids=()
    rm -f "$gate"
    mkfifo "$gate"
    for ((i = 0; i < STORM_N; i++)); do
        { : <"$gate"
          t0=$EPOCHREALTIME
          $SSH "$user@127.0.0.1" true </dev/null >/dev/null 2>>"$out/storm-$who.err"
          rc=$?
          echo "$who $rc $t0 $EPOCHREALTIME" >>"$out/storm.txt"; } &
        pids+=($!)
    done
    sleep 1
    local cpu0 cpu1
    cpu0=$(busy_ticks)
    exec 3>"$gate"
    wait "${pids[@]}"
    exec 3>&-
    rm -f "$gate"
    # Every session closed (sshd's processes of the user gone) before the next storm.
    sbx_wait_for "[ -z \"\$(sbx_sshd_procs $user)\" ]" 600 || true
    cpu1=$(busy_ticks)
    # The CPU time the whole machine spent on the storm, from its release until its last session closed.
    echo "storm-cpu.$who $(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (b - a) / hz }')" \
        >>"$out/storm-cpu.samples"
}
# busy_ticks: the clock ticks all CPUs spent busy (user, nice, system, irq, softirq; /proc/stat), machine-wide.
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
: >"$out/storm-cpu.samples"
# The order alternates from one repetition to the next (ABBA...), so that neither kind always goes first.
for ((rep = 1; rep <= STORM_REPS; rep++)); do
    log "login storm $rep: $STORM_N ssh logins at once of bstorm (sandboxed) and of bplain, in turn"
    if ((rep % 2)); then
        storm sandboxed bstorm
        storm plain bplain
    else
        storm plain bplain
        storm sandboxed bstorm
    fi
done
# Where a storm's CPU goes: one more storm of each kind under perf record -a -g (bench/storm-cpu.awk), not timed.
log "login storm: one more storm of each kind under perf record -a -g"
for who in sandboxed plain; do
    user=bstorm
    [ "$who" = plain ] && user=bplain
    perf record -q -a -g -F 250 -o "$out/storm-cpu-$who.perf" >"$out/storm-perf-$who.log" 2>&1 &
    storm_perf=$!
    sleep 0.5
    storm "$who-profiled" "$user"
    kill -INT "$storm_perf"
    wait "$storm_perf" || true
    perf script -i "$out/storm-cpu-$who.perf" -F comm,pid,ip,sym,dso 2>/dev/null |
        awk -f "$top/bench/samples.awk" -f "$top/bench/storm-cpu.awk" >"$out/storm-cpu-$who.txt"
    rm -f "$out/storm-cpu-$who.perf"
done
sbx_wait_for '! pgrep -u bstorm >/dev/null && [ -z "$(user_cgroups bstorm)" ]' 100 || true
storm_left_procs=$(pgrep -u bstorm | wc -l)
storm_left_cg=$(user_cgroups bstorm | wc -l)
storm_left_mounts=$(awk -v r="$R" 'index($5, r) == 1' /proc/self/mountinfo | wc -l)
awk '{ printf "storm.%s %.3f\n", $1, ($4 - $3) * 1000 }' "$out/storm.txt" >"$out/storm.samples"
stats "$out/storm.samples" >"$out/storm.stats"
column -t "$out/storm.stats" >&2
stats "$out/storm-cpu.samples" >"$out/storm-cpu.stats"
column -t "$out/storm-cpu.stats" >&2
log "login storm: left $storm_left_procs processes, $storm_left_cg cgroups, $storm_left_mounts mounts"
fi
if part ssh || part storm; then
sbx_sshd_stop
sbx_wait_for "! ss -Hltn 'sport = :$SBX_SSH_PORT' | grep -q ." 100 || true
fi

# ---- 4. scale: SCALE_N concurrent sessions ----
if part scale; then
# Each session is the real chain: a PAM session (sbx-pam-session, in sshd's place: it opens the session, runs the
# login shell as a child, closes the session when it ends), sbx-launch (the user change), sandbox-shell, PID 1.
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
n_hier=0
for d in "${CG_DIRS[@]}"; do
    k=$(ls -d "$d"/bscale/session-* 2>/dev/null | wc -l)
    leaves=$((leaves + k))
    [ "$k" -gt 0 ] && n_hier=$((n_hier + 1))
done
one_helper=$(echo "$helpers" | awk '{ print $1 }')
grep -E '^(VmRSS|RssAnon|RssFile|RssShmem)' "/proc/$one_helper/status" >"$out/scale-one-helper.txt"
log "scale: tearing down (SIGHUP to every outer helper, as at a hang-up)"
t2=$(now_ms)
kill -HUP $helpers
# A watchdog bounds the wait: after 300 s it kills what is left (the exit hook then cleans up).
( sleep 300; [ -e "$out/scale.done" ] || kill -KILL "${holders[@]}" ) 2>/dev/null &
watchdog=$!
: >"$out/scale-status.txt"
for p in "${holders[@]}"; do
    rc=0
    wait "$p" || rc=$?
    echo "$rc" >>"$out/scale-status.txt"
done
t3=$(now_ms)
: >"$out/scale.done"
pkill -P "$watchdog" 2>/dev/null || true
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || true
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
# The session ends with a hang-up of its outer helper. Timed:
# from the signal until the PAM session is closed (PID 1 and every process of the namespace killed and reaped, the
# leaf cgroups removed): the holder's exit.
# PID 1 (busybox sh) runs a pipeline of MANY_N - 1 sleeps: every one its child, and no /dev/null needed (the floor
# has no /dev, and busybox sh opens /dev/null for background jobs).
PIPE="sleep 3600"
for ((i = 2; i < MANY_N; i++)); do PIPE+=" | sleep 3600"; done
: >"$out/many.txt"
for ((rep = 1; rep <= MANY_REPS; rep++)); do
    "$SBX_PAM_SESSION" "$PAMDIR" bench bmany "$L" bmany "$S" -c "$PIPE" \
        </dev/null >/dev/null 2>>"$out/many-sessions.txt" &
    holder=$!
    deadline=$((SECONDS + 120))
    while [ "$(pgrep -u bmany | wc -l)" -lt $((MANY_N + 1)) ] && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    n=$(pgrep -u bmany | wc -l)
    helper=$(pgrep -u bmany -x sandbox-shell || true)
    [ "$n" -ge $((MANY_N + 1)) ] && [ -n "$helper" ] ||
        sbx_fail "the $MANY_N-process session did not start (have $n processes of bmany)"
    sleep 0.5
    pid1=$(pgrep -P "$helper" | head -n 1)
    # SIGHUP (1) to the helper; the exits of PID 1 (its namespace emptied), of the helper and of the PAM holder
    # (session closed), in microseconds from the signal.
    "$build/bench/killwait" 1 "$helper" "$pid1" "$helper" "$holder" >"$out/many-$rep.txt" || true
    rc=0
    wait "$holder" || rc=$?
    left=$(pgrep -u bmany | wc -l)
    t_pid1=$(awk -v p="$pid1" '$1 == p { print $2 }' "$out/many-$rep.txt")
    t_helper=$(awk -v p="$helper" '$1 == p { print $2 }' "$out/many-$rep.txt")
    t_holder=$(awk -v p="$holder" '$1 == p { print $2 }' "$out/many-$rep.txt")
    echo "many ${t_holder:-0} $n $rc $left ${t_pid1:-0} ${t_helper:-0}" >>"$out/many.txt"
    log "teardown of $n processes: PID 1 gone after ${t_pid1:-?} us, helper ${t_helper:-?} us, session closed ${t_holder:-?} us"
done
# The floor of a teardown: the kernel alone ending a PID namespace of MANY_N processes (SIGKILL to PID 1 of
# bench/floor, run by root; no helper, no PAM, no cgroups).
: >"$out/many-floor.txt"
for ((rep = 1; rep <= MANY_REPS; rep++)); do
    "$FLOOR" "$R" /bin/sh -c "$PIPE" \
        </dev/null >/dev/null 2>&1 &
    fpid=$!
    deadline=$((SECONDS + 120))
    fpid1=
    while [ $SECONDS -lt $deadline ]; do
        fpid1=$(pgrep -P "$fpid" | head -n 1)
        [ -n "$fpid1" ] && [ "$(pgrep -P "$fpid1" | wc -l)" -ge $((MANY_N - 1)) ] && break
        sleep 0.05
    done
    [ -n "$fpid1" ] || sbx_fail "the floor's $MANY_N-process namespace did not start"
    sleep 0.5
    "$build/bench/killwait" 9 "$fpid1" "$fpid1" >"$out/many-floor-$rep.txt" || true
    wait "$fpid" || true
    awk '{ print "floor", $2 }' "$out/many-floor-$rep.txt" >>"$out/many-floor.txt"
done
log "the floor: $(awk '{ printf "%.1f ms ", $2 / 1000 }' "$out/many-floor.txt")"
many_left_cg=$(user_cgroups bmany | wc -l)
fi

# ---- 6. profiles: where the time goes ----
if part profile; then
log "profiles (perf, strace)"
# The PAM cycle: the driver runs as root and loads the module itself, so a per-task perf record sees every frame.
# The module stays loaded (SBX_BENCH_KEEP_LOADED), so that the profile shows open and close, not the loader.
SBX_BENCH_KEEP_LOADED=$SBX_PAM_MODULE perf record -q -F 2000 --call-graph dwarf -o "$out/pam.perf" -- \
    "$build/bench/pam-cycle" "$PAMDIR" bench bpam 300 5 >"$out/pam-profiled.txt" 2>&1 || true
perf report -i "$out/pam.perf" --children --sort sym --stdio -g none --percent-limit 2 2>/dev/null |
    grep -E '^ +[0-9]' | head -45 >"$out/pam-profile.txt" || true
# Wall time per system call of the PAM cycle (strace -w: what it waits for, not only what it computes).
strace -w -c -o "$out/pam-strace.txt" "$build/bench/pam-cycle" "$PAMDIR" bench bpam 100 1 >/dev/null 2>&1 || true
# The helper: counting per task ends at a file-capability exec, so the start-up is profiled system-wide, under a
# name of its own (its PID 1 keeps that name until it execs /bin/true).
install -m 0755 "$S" "$SBX_WS/bin/sbx-bench-shell"
setcap "$SBX_HELPER_CAPS+ei" "$SBX_WS/bin/sbx-bench-shell"
check "sbx-bench-shell" "$L" bt "$SBX_WS/bin/sbx-bench-shell" -c true
perf record -q -a -F 4000 -g -o "$out/sbx.perf" -- \
    bash -c "echo \$\$ >$out/sbx-loop.pid; for i in \$(seq 300); do $L bt $SBX_WS/bin/sbx-bench-shell -c true; done" \
    >/dev/null 2>&1 || true
# Only the processes of that loop (the machine is shared): the descendants of its shell, from the fork records.
sbx_pids=$(perf script -i "$out/sbx.perf" --show-task-events 2>/dev/null |
    sed -n 's/.*PERF_RECORD_FORK(\([0-9]*\):[0-9]*):(\([0-9]*\):.*/\1 \2/p' |
    awk -v r="$(cat "$out/sbx-loop.pid" 2>/dev/null)" 'BEGIN { s[r] = 1; l = r } ($2 in s) && !($1 in s) { s[$1] = 1; l = l "," $1 } END { print l }')
perf report -i "$out/sbx.perf" --pid "$sbx_pids" --comms sbx-bench-shell --percentage relative --children --sort sym \
    --stdio -g none --percent-limit 1.5 2>/dev/null | grep -E '^ +[0-9]' | head -60 >"$out/sbx-profile.txt" || true
perf report -i "$out/sbx.perf" --pid "$sbx_pids" --percentage relative --sort comm --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | head -8 >"$out/sbx-profile-comms.txt" || true
# System calls of one start, counted exactly (strace as root keeps the helper's file capabilities).
strace -f -c -o "$out/sbx-strace.txt" "$L" bt "$SBX_WS/bin/sbx-bench-shell" -c true >/dev/null 2>&1 || true
strace -f -c -o "$out/floor-strace.txt" "$L" bt "$SBX_WS/bin/floor" "$R" /bin/true >/dev/null 2>&1 || true
fi

# ---- RESULTS.md ----
# Parts not run (SBX_BENCH_PARTS) leave files missing: the writer shows n/a for them instead of stopping.
set +e
log "writing bench/RESULTS.md"
load_end=$(cut -d" " -f1-3 /proc/loadavg)
# row FILE NAME DESCRIPTION: one line of a start-up table.
S_STATS=$out/startup.stats
S_CPU=$out/startup.cpu
cat "$out"/startup-*.cpustats >"$S_CPU" 2>/dev/null || true
row() {
    local p=$1 name=$2 what=$3 m c fl fll cf
    m=$(med "$S_STATS" "$p.$name")
    [ -n "$m" ] || return 0
    fl=$(med "$S_STATS" "$p.floor")
    fll=$(med "$S_STATS" "$p.floor-launch")
    c=$(awk -v n="$p.$name" '$1 == n { printf "%.2f", $6 }' "$S_CPU")
    cf=$(awk -v n="$p.floor" '$1 == n { print $6 }' "$S_CPU")
    awk -v n="$p.$name" -v what="$what" -v fl="$fl" -v fll="$fll" -v c="$c" -v cf="$cf" '$1 == n {
        printf "| %s | %d | %.2f | %.2f-%.2f | %.2fx | %.2fx | %s | %.2fx |\n", what, $2, $3, $4, $5, $3 / fl, $3 / fll,
            c, (cf > 0 ? c / cf : 0) }' "$S_STATS"
}
startup_table() {
    local p=$1
    echo "| command | runs | median ms | p10-p90 ms | x floor | x floor via sbx-launch | CPU ms (user+sys) | CPU x floor |"
    echo "|---|---|---|---|---|---|---|---|"
    row "$p" bare "bare exec, no sandbox"
    row "$p" launch "sbx-launch alone: grant, initgroups/setgid/setuid, exec (no sandbox)"
    row "$p" floor "**floor** (static C, root): clone, bind, proc, pivot_root, exec"
    row "$p" floor-launch "**floor through sbx-launch** (as the user, file capabilities +ei, like the helper)"
    row "$p" sbx "**sandbox-shell, default policy** (Network none is the default), through sbx-launch"
    row "$p" sbx-nethost "sandbox-shell, \`Network host\`, through sbx-launch"
    row "$p" sbx-named "sandbox-shell, default policy, the users named (\`Match User\`), side by side with the next row"
    row "$p" sbx-group "sandbox-shell, default policy, the users matched by \`Match Group\`"
    row "$p" unshare "unshare(1), same namespaces, chroot + fresh /proc"
    row "$p" bwrap "bwrap unprivileged (user namespace) through sbx-launch, the floor's namespaces and mounts"
    row "$p" bwrap-full "**bwrap unprivileged (user namespace) through sbx-launch, sandbox-shell's namespaces and mounts**"
    row "$p" firejail "firejail --noprofile"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "" || v == "n/a") print "not measured"; else if (v + 0 <= t + 0) print "**met**"; else print "**missed**" }'; }

sbx_true=$(med "$S_STATS" true.sbx 2>/dev/null || true)
r_floor=$(ratio "$sbx_true" "$(med "$S_STATS" true.floor 2>/dev/null)")
r_floorl=$(ratio "$sbx_true" "$(med "$S_STATS" true.floor-launch 2>/dev/null)")
r_unshare=$(ratio "$sbx_true" "$(med "$S_STATS" true.unshare 2>/dev/null)")
r_bwrap=$(ratio "$sbx_true" "$(med "$S_STATS" true.bwrap 2>/dev/null)")
pam_oc=$(pam_fig "$out/pam-limits.txt" open+close 2 2>/dev/null || true)
ssh_s=$(med "$out/ssh.stats" ssh.sandboxed 2>/dev/null || true)
ssh_p=$(med "$out/ssh.stats" ssh.plain 2>/dev/null || true)
ssh_pct=$(awk -v s="$ssh_s" -v p="$ssh_p" 'BEGIN { if (s == "" || p == "") print "n/a"; else printf "%+.1f", (s - p) / p * 100 }')
# Half the p10-p90 spread of the plain login, in per cent of its median: a difference below it is not resolved.
ssh_spread=$(awk '$1 == "ssh.plain" { printf "%.1f", ($5 - $4) / 2 / $3 * 100 }' "$out/ssh.stats" 2>/dev/null || true)
ssh_verdict=$(awk -v v="$ssh_pct" -v s="${ssh_spread:-0}" 'BEGIN {
    if (v == "n/a") print "not measured"
    else if (v < 0) printf "**not resolved**: negative, inside this run'\''s spread (+-%s%%)", s
    else if (v <= 3) printf "**met**%s", (v < s ? " on the median, inside the spread" : "")
    else if (v < s) printf "**missed** on the median, inside this run'\''s spread (+-%s%%)", s
    else print "**missed**" }')
per_rss_kb=$(awk -v t="${rss_kb:-0}" -v n="${n_helpers:-0}" 'BEGIN { if (n > 0) printf "%.0f", t / n; else print "" }')
per_pss_kb=$(awk -v t="${pss_kb:-0}" -v n="${n_helpers:-0}" 'BEGIN { if (n > 0) printf "%.0f", t / n; else print "" }')
many_med_us=$(awk '{ print $2 }' "$out/many.txt" 2>/dev/null | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
many_all=$(awk '{ printf "%s%.1f", (NR > 1 ? ", " : ""), $2 / 1000 }' "$out/many.txt" 2>/dev/null)
many_n=$(awk 'NR == 1 { print $3 }' "$out/many.txt" 2>/dev/null)
many_left=$(awk '{ s += $5 } END { print s + 0 }' "$out/many.txt" 2>/dev/null)
medcol() { awk -v c="$1" '{ print $c }' "$out/many.txt" 2>/dev/null | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'; }
many_pid1=$(medcol 6)
many_floor=$(awk '{ print $2 }' "$out/many-floor.txt" 2>/dev/null | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)] / 1000 }')
many_floor_all=$(awk '{ printf "%s%.1f", (NR > 1 ? ", " : ""), $2 / 1000 }' "$out/many-floor.txt" 2>/dev/null)
many_helper=$(medcol 7)
# Network private: the start-up pair, its steps, the transfers.
NP_STATS=$out/netprivate.stats
np_none=$(med "$NP_STATS" np.none 2>/dev/null)
np_priv=$(med "$NP_STATS" np.private 2>/dev/null)
np_diff=$(awk -v a="$np_priv" -v b="$np_none" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%+.1f", a - b }')
np_ratio=$(ratio "$np_priv" "$np_none")
np_cpu_none=$(awk '$1 == "np.none" { printf "%.2f", $6 }' "$out/netprivate.cpustats" 2>/dev/null)
np_cpu_priv=$(awk '$1 == "np.private" { printf "%.2f", $6 }' "$out/netprivate.cpustats" 2>/dev/null)
np_cpu_diff=$(awk -v a="$np_cpu_priv" -v b="$np_cpu_none" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%+.1f", a - b }')
# ph PHASE: the median of a step, ms (bench/np-phases.awk).
ph() { awk -v n="$1" '$1 == n { printf "%.2f", $3 }' "$out/np-phases.stats" 2>/dev/null; }
phd() { awk -v a="$(ph "$1")" -v b="$(ph "$2")" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%+.1f", a - b }'; }
np_start_diff=$(phd private.startup none.startup)
np_end_diff=$(phd private.teardown none.teardown)
np_phase_row() {
    printf '| %s | %s | %s |\n' "$1" "$( [ -n "$2" ] && ph "none.$2" || echo)" "$(ph "private.$3")"
}
# np_tp WHO: the median MiB/s of WHO's transfers (the sender's own timing) and the median CPU seconds per GiB of the
# sending side (the shell's user + system time: the sender; for a sandbox also its stack and its helper).
median_of() { sort -n | awk -v f="$1" '{ v[NR] = $1 } END { if (NR) printf f, v[int((NR + 1) / 2)] }'; }
np_tp() { awk -v w="$1" '$1 == w && $3 > 0 { print $2 / $3 }' "$out/np-throughput.txt" 2>/dev/null | median_of %.0f; }
np_tp_all() { awk -v w="$1" '$1 == w && $3 > 0 { printf "%s%.0f", (n++ ? ", " : ""), $2 / $3 }' "$out/np-throughput.txt" 2>/dev/null; }
np_tp_cpu() {
    awk -v w="$1" '$1 == w && $2 > 0 { print ($5 + $6) / ($2 / 1024) }' "$out/np-throughput.txt" 2>/dev/null | median_of %.2f
}
np_tp_host=$(np_tp host)
np_tp_priv=$(np_tp private)
np_tp_ratio=$(ratio "$np_tp_priv" "$np_tp_host")
np_tp_n=$(awk '$1 == "host"' "$out/np-throughput.txt" 2>/dev/null | wc -l)
np_pin() { awk -v w="$1" '$1 == w && $3 > 0 { printf "%s%.0f", (n++ ? ", " : ""), $2 / $3 }' "$out/np-throughput-pinned.txt" 2>/dev/null; }
# np_share FILE WHO: WHO's share of the samples of a profiled transfer (bench/np-cpu.awk), in per cent of all the
# CPUs; np_stack_share WHAT: what the stack did, in per cent of its own samples.
share_of() { awk -v w="$2" -v t="$3" '$1 == t { a = $2 } $1 == w { n = $2 } END { if (a) printf "%.0f%%", n / a * 100; else print "n/a" }' "$1" 2>/dev/null; }
np_share() { share_of "$1" "$2" all.samples; }
np_stack_share() { share_of "$out/np-cpu-private.txt" "stack.$1" stack; }
# The TCP state of the sandbox's connection in the middle of a transfer (ss -ti in its namespace).
np_ss_field() { grep -o "$1[^ ]*" "$out/np-ss-sandbox.txt" 2>/dev/null | head -n 1 | sed "s/^$1//"; }
np_ss_mss=$(np_ss_field mss:)
np_ss_wnd=$(np_ss_field snd_wnd:)
np_ss_rwnd=$(np_ss_field rwnd_limited: | sed -n 's/^\([0-9]*\)ms(\([0-9.]*%\))$/\2 (\1 ms)/p')
np_ss_wscale=$(grep -q 'wscale:' "$out/np-ss-sandbox.txt" 2>/dev/null && echo "window scaling in use" || echo "no window scaling")
np_ss_stack_wscale=$(grep -o 'wscale:[^ ]*' "$out/np-ss-stack.txt" 2>/dev/null | head -n 1)
many_ratio=$(ratio "$(awk -v v="${many_med_us:-}" 'BEGIN { if (v != "") print v / 1000 }')" "$many_floor")
r_bwrap_full=$(ratio "$sbx_true" "$(med "$S_STATS" true.bwrap-full 2>/dev/null)")
pam_ms() { awk -v v="$1" 'BEGIN { if (v == "") print "n/a"; else printf "%.2f", v / 1000 }'; }
pam_v2_oc=$(pam_fig "$out/pam-v2.txt" open+close 2 2>/dev/null)
# The pty relay: MiB/s of each cat (bytes over the seconds from the first byte to the last), the medians; the echo
# round trips (each run's median and p99, then the median of those over the runs); the idle relay's CPU time.
tty_mibs() { awk -v w="$1" '$1 == w && $3 > 0 { print $2 / 1048576 / $3 }' "$out/tty-out.txt" 2>/dev/null | median_of %.0f; }
tty_mibs_all() { awk -v w="$1" '$1 == w && $3 > 0 { printf "%s%.0f", (n++ ? ", " : ""), $2 / 1048576 / $3 }' "$out/tty-out.txt" 2>/dev/null; }
tty_mib_rel=$(tty_mibs relay)
tty_mib_dir=$(tty_mibs direct)
tty_ratio=$(ratio "$tty_mib_rel" "$tty_mib_dir")
tty_bytes=$(awk 'NR == 1 { print $2 }' "$out/tty-out.txt" 2>/dev/null)
# echo_fig WHO COLUMN: the median over the runs of WHO's column (3 median, 4 p90, 5 p99, 6 mean; microseconds).
echo_fig() { awk -v w="$1" -v c="$2" '$1 == w { print $c }' "$out/tty-echo.txt" 2>/dev/null | median_of %.1f; }
echo_med_rel=$(echo_fig relay 3) echo_med_dir=$(echo_fig direct 3)
echo_p99_rel=$(echo_fig relay 5) echo_p99_dir=$(echo_fig direct 5)
echo_p90_rel=$(echo_fig relay 4) echo_p90_dir=$(echo_fig direct 4)
diff_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%+.1f", a - b }'; }
echo_add_med=$(diff_of "$echo_med_rel" "$echo_med_dir")
echo_add_p99=$(diff_of "$echo_p99_rel" "$echo_p99_dir")
echo_runs=$(awk '$1 == "relay"' "$out/tty-echo.txt" 2>/dev/null | wc -l)
# The steps of a keystroke (bench/relay-echo.awk): "median | p10-p90 | mean" of STEP, in µs; the relay's system calls
# per keystroke (the means), by name.
relay_step() { awk -v n="$1" '$1 == n { printf "%.1f | %.1f-%.1f | %.1f", $3, $4, $5, $6 }' "$out/relay-echo.stats" 2>/dev/null; }
relay_calls() {
    awk 'BEGIN { name[0] = "read"; name[1] = "write"; name[7] = "poll"; name[16] = "ioctl"; name[271] = "ppoll"
            name[232] = "epoll_wait"; name[281] = "epoll_pwait"; name[14] = "rt_sigprocmask" }
        $1 == "relay.calls" { keys = $2; total = $6 }
        $1 ~ /^relay\.nr-/ { nr[++k] = substr($1, 10); sum[k] = $2 * $6 }
        END {
            if (!keys) { print "n/a"; exit }
            for (i = 1; i <= k; i++)
                list = list sprintf("%s%s %.1f", (i > 1 ? ", " : ""), (nr[i] in name ? name[nr[i]] : "nr " nr[i]), sum[i] / keys)
            printf "%.1f (%s)", total, list
        }' "$out/relay-echo.stats" 2>/dev/null
}
# relay_share FILE WHO: WHO's share of a profiled cat's samples (bench/relay-cpu.awk), in per cent of both CPUs;
# relay_own WHAT: what the relay did, in per cent of its own samples.
relay_share() { share_of "$out/relay-cpu-$1.samples" "$2" all.samples; }
relay_own() { share_of "$out/relay-cpu-relay.samples" "relay.$1" relay; }
# top_leaves FILE PREFIX WHO: the first five functions of the PREFIX.FUNCTION counts of a profile's FILE, in per cent
# of WHO's samples; relay_leaves WHAT: those of the relay's WHAT samples (bench/relay-cpu.awk).
top_leaves() {
    awk -v p="$2." -v w="$3" '$1 == w { all = $2 } index($1, p) == 1 { print $2, substr($1, length(p) + 1) }
        END { print all, "ALL" }' "$1" 2>/dev/null | sort -rn |
        awk '$2 == "ALL" { all = $1; next } { f[++n] = $2; c[n] = $1 }
            END { if (!all) { print "n/a"; exit } for (i = 1; i <= n && i <= 5; i++) printf "%s`%s` %.0f%%", (i > 1 ? ", " : ""), f[i], c[i] / all * 100 }'
}
relay_leaves() { top_leaves "$out/relay-cpu-relay.samples" "relay-leaf.$1" relay; }
read -r idle_ut idle_st idle_ns idle_cs idle_bytes < <(awk '{ print $2, $3, $4, $5, $6 }' "$out/tty-idle.txt" 2>/dev/null)
idle_ticks=$(awk -v u="$idle_ut" -v s="$idle_st" 'BEGIN { if (u == "") print ""; else print u + s }')
idle_verdict=$(awk -v t="$idle_ticks" 'BEGIN { if (t == "") print "not measured"; else if (t == 0) print "**met**"; else print "**missed**" }')
echo_verdict=$(awk -v m="$echo_add_med" -v p="$echo_add_p99" 'BEGIN {
    if (m == "n/a" || p == "n/a") print "not measured"; else if (m + 0 <= 50 && p + 0 <= 200) print "**met**"; else print "**missed**" }')
# Joining an instance.
inst_join=$(med "$out/instance.stats" instance.join 2>/dev/null | awk '{ printf "%.2f", $1 }')
inst_fresh=$(med "$out/instance.stats" instance.fresh 2>/dev/null | awk '{ printf "%.2f", $1 }')
inst_ratio=$(ratio "$inst_join" "$inst_fresh")
# The login storm: per kind, the logins, how many succeeded, p50 and p99 (ms).
pct() { awk -v n="storm.$1" -v p="$2" '$1 == n { v[++k] = $2 } END {
        if (!k) exit
        for (a = 2; a <= k; a++) { x = v[a]; b = a - 1; while (b > 0 && v[b] > x) { v[b + 1] = v[b]; b-- } v[b + 1] = x }
        i = int((k - 1) * p + 0.5) + 1; printf "%.1f", v[i] }' "$out/storm.samples" 2>/dev/null; }
storm_n() { awk -v w="$1" '$1 == w' "$out/storm.txt" 2>/dev/null | wc -l; }
storm_ok() { awk -v w="$1" '$1 == w && $2 == 0' "$out/storm.txt" 2>/dev/null | wc -l; }
storm_s_n=$(storm_n sandboxed) storm_s_ok=$(storm_ok sandboxed) storm_p_n=$(storm_n plain) storm_p_ok=$(storm_ok plain)
storm_s_p50=$(pct sandboxed 0.5) storm_s_p99=$(pct sandboxed 0.99)
storm_p_p50=$(pct plain 0.5) storm_p_p99=$(pct plain 0.99)
storm_r50=$(ratio "$storm_s_p50" "$storm_p_p50")
storm_r99=$(ratio "$storm_s_p99" "$storm_p_p99")
# storm_ms KIND WHO: WHO's CPU time per login in the profiled storm of KIND (bench/storm-cpu.awk; a sample is 4 ms
# of one CPU at -F 250), in ms; storm_lock KIND WHO: the share of WHO's samples in a kernel lock's spin or slow path;
# storm_leaves WHO: the innermost functions of WHO's samples in the sandboxed storm, the first five.
storm_ms() { awk -v w="$2" -v n="$STORM_N" '$1 == w { printf "%.1f", $2 * 4 / n; f = 1 } END { if (!f) print "0.0" }' "$out/storm-cpu-$1.txt" 2>/dev/null; }
storm_lock() { share_of "$out/storm-cpu-$1.txt" "$2.lock" "$2"; }
storm_leaves() { top_leaves "$out/storm-cpu-sandboxed.txt" "leaf.$1" "$1"; }
# The machine's CPU time per storm (the median over the storms of each kind, s), and what a sandboxed login adds.
storm_cpu() { awk -v n="storm-cpu.$1" '$1 == n { printf "%.2f", $3 }' "$out/storm-cpu.stats" 2>/dev/null; }
storm_cpu_s=$(storm_cpu sandboxed) storm_cpu_p=$(storm_cpu plain)
storm_cpu_r=$(ratio "$storm_cpu_s" "$storm_cpu_p")
storm_cpu_add=$(awk -v a="$storm_cpu_s" -v b="$storm_cpu_p" -v n="$STORM_N" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%.1f", (a - b) / n * 1000 }')
storm_cpu_login=$(awk -v b="$storm_cpu_p" -v n="$STORM_N" 'BEGIN { if (b == "") print "n/a"; else printf "%.1f", b / n * 1000 }')
storm_verdict=$(awk -v n="$storm_s_n" -v ok="$storm_s_ok" -v a="$storm_r50" -v b="$storm_r99" \
    -v l="${storm_left_procs:-x}${storm_left_cg:-x}${storm_left_mounts:-x}" 'BEGIN {
    if (n == 0 || a == "n/a" || b == "n/a") print "not measured"
    else if (ok == n && a + 0 <= 1.1 && b + 0 <= 1.1 && l == "000") print "**met**"
    else {
        m = ""
        if (ok != n) m = m ", " (n - ok) " logins failed"
        if (a + 0 > 1.1) m = m ", p50"
        if (b + 0 > 1.1) m = m ", p99"
        if (l != "000") m = m ", leftovers"
        print "**missed** (" substr(m, 3) ")" } }')

{
cat <<MD
# sandbox-shell benchmark results

Written by \`bench/run.sh\`$([ "$quick" = 1 ] && echo ' **--quick** (few repetitions: a check that every part works, not a measurement)') on $bench_start, in ${SECONDS} s.
Every figure below comes from that one run; the raw data (hyperfine JSON, samples, perf profiles) is in
\`build-bench/bench/out/\` after a run.

## Machine and versions

| what | value |
|---|---|
| kernel | $(uname -r) ($(uname -m)) |
| CPU | $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) online |
| memory | $(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |
| system | Debian $(cat /etc/debian_version) |
| cgroups | hybrid: v1 $(awk '$3 == "cgroup" { split($4, o, ","); for (i in o) if (o[i] ~ /^(memory|pids|cpu)$/) printf "%s ", o[i] }' /proc/mounts)+ v2 at /sys/fs/cgroup/unified (no controllers); CgroupRoot \`%c/$CGNAME\` |
| load average (1, 5, 15 min) | at the start: $load_start; at the end: $load_end |
| sandbox-shell | $(awk -F"'" '/^ *version:/ { print $2; exit }' "$top/meson.build") at $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "?")$(git -C "$top" diff --quiet HEAD -- lib wrapper pam_module 2>/dev/null || echo " + uncommitted changes in lib/, wrapper/, pam_module/"); meson buildtype $(meson introspect --buildoptions "$build" 2>/dev/null | jq -r '.[] | select(.name == "buildtype") | .value'), $(cc --version | head -n 1) |
| peers | $(hyperfine --version); bubblewrap $(bwrap --version | awk '{ print $2 }'); $(firejail --version | head -n 1); unshare from util-linux $(unshare --version | awk '{ print $NF }'); $(ssh -V 2>&1); busybox $(busybox | head -n 1 | awk '{ print $2 }') |
| profilers | $(perf --version); $(strace -V | head -n 1) |
| Network private | libslirp $(dpkg-query -W -f='${Version}' libslirp0 2>/dev/null), libnftables $(dpkg-query -W -f='${Version}' libnftables1 2>/dev/null); the stack's program from this build at \`$SBX_NETSTACK_PATH\` (an overlay in the benchmark's mount namespace) |

The machine is shared: other work ran on it during the benchmark (see the load average; 2 cores). Wall-clock figures
include the time a process waits for a CPU; the CPU columns (user + system time of the command and everything it waited
for, from hyperfine's rusage) do not, and are the steadier comparison when the load is high. Each start-up command ran
in $ROUNDS interleaved rounds, so that a change of load touches every command alike.

## Targets

| target | figure | verdict |
|---|---|---|
| start-up: \`sandbox-shell -c true\`, default policy, at most 1.3x the floor started through the same launcher | ${r_floorl}x the floor started the same way (through sbx-launch); ${r_floor}x the floor started directly by root | $(verdict "$r_floorl" 1.3) |
| start-up: at most 0.8x bwrap with the same namespaces and mounts, unprivileged (user namespace), started the same way | ${r_bwrap_full}x bwrap (section 1: its command line) | $(verdict "$r_bwrap_full" 0.8) |
| PAM open+close with three controllers, median at most 0.8 ms on this hybrid host | median $(pam_ms "$pam_oc") ms; on pure cgroup v2, in a user-mode-linux guest (not comparable in absolute terms, section 2): $([ "${uml_status:-not run}" = measured ] && echo "$(pam_ms "$pam_v2_oc") ms" || echo "${uml_status:-not run}") | $(verdict "$(pam_ms "$pam_oc")" 0.8) |
| teardown of a session holding ${MANY_N} processes at most 1.2x the kernel's own time for the same namespace | ${many_ratio}x: median $(awk -v v="${many_med_us:-}" 'BEGIN { if (v == "") print "n/a"; else printf "%.1f ms", v / 1000 }'), the kernel alone ${many_floor:-n/a} ms | $(verdict "$many_ratio" 1.2) |
| pty relay: \`cat\` of ${TTY_MIB} MiB to the terminal at least 0.8x the same without the relay | ${tty_mib_rel:-n/a} MiB/s through the relay, ${tty_mib_dir:-n/a} MiB/s without: ${tty_ratio}x | $(awk -v r="$tty_ratio" 'BEGIN { if (r == "n/a") print "not measured"; else if (r + 0 >= 0.8) print "**met**"; else print "**missed**" }') |
| pty relay: a keystroke's echo, the relay adds at most 50 µs to the median and 200 µs to p99 | median ${echo_med_rel:-n/a} against ${echo_med_dir:-n/a} µs (${echo_add_med} µs), p99 ${echo_p99_rel:-n/a} against ${echo_p99_dir:-n/a} µs (${echo_add_p99} µs) | ${echo_verdict} |
| pty relay: no CPU time while the session is idle | ${idle_ticks:-n/a} clock ticks (utime + stime) in ${IDLE_S} s; $(awk -v n="${idle_ns:-}" 'BEGIN { if (n == "") print "n/a"; else printf "%.0f µs", n / 1000 }') on a CPU, ${idle_cs:-n/a} context switches | ${idle_verdict} |
| joining a running instance (\`Instance user\`) at most the start-up of a fresh sandbox | a login that joins: ${inst_join:-n/a} ms; a fresh sandbox: ${inst_fresh:-n/a} ms (${inst_ratio}x; whole logins: PAM session, launcher, helper) | $(verdict "$inst_ratio" 1) |
| login storm: ${STORM_N} ssh key logins at once all succeed, p50 and p99 at most 1.1x unsandboxed, nothing left | ${storm_s_ok:-0} of ${storm_s_n:-0} sandboxed logins succeeded (plain: ${storm_p_ok:-0} of ${storm_p_n:-0}); p50 ${storm_s_p50:-n/a} against ${storm_p_p50:-n/a} ms (${storm_r50}x), p99 ${storm_s_p99:-n/a} against ${storm_p_p99:-n/a} ms (${storm_r99}x); left: ${storm_left_procs:-?} processes, ${storm_left_cg:-?} cgroups, ${storm_left_mounts:-?} mounts | ${storm_verdict} |
| sandboxing adds at most 3% to an ssh key login | ${ssh_pct}% on the median (p10-p90 spread of the plain login: +-${ssh_spread:-?}%) | ${ssh_verdict} |
| outer helper at most 1 MiB resident per session | RSS $(mib "${per_rss_kb:-0}") MiB, PSS $(mib "${per_pss_kb:-0}") MiB per session | RSS $(verdict "$(awk -v k="${per_rss_kb:-}" 'BEGIN { if (k != "") print k / 1024 }')" 1), PSS $(verdict "$(awk -v k="${per_pss_kb:-}" 'BEGIN { if (k != "") print k / 1024 }')" 1) |
| 500 sessions hold | ${n_helpers:-0} of ${SCALE_N} sessions ran at once; ${closed:-0} closed cleanly; leftovers: ${scale_left_procs:-?} processes, ${scale_left_cg:-?} cgroups | $([ "${n_helpers:-0}" -ge 500 ] && [ "${scale_left_procs:-1}" = 0 ] && [ "${scale_left_cg:-1}" = 0 ] && echo "**met**" || echo "**missed**") |
| \`Network private\` adds at most 3 ms to start-up (\`sandbox-shell -c true\` against \`Network none\`) | ${np_diff} ms on the median (${np_ratio}x); by the steps, timed apart (section 6): ${np_start_diff} ms until the shell's exec, ${np_end_diff} ms at the end of the session | $(verdict "${np_diff#+}" 3) |
| \`Network private\` TCP throughput at least 0.5x the host's | ${np_tp_priv:-n/a} MiB/s from a sandbox, ${np_tp_host:-n/a} MiB/s from the host: ${np_tp_ratio}x | $(awk -v r="$np_tp_ratio" 'BEGIN { if (r == "n/a") print "not measured"; else if (r + 0 >= 0.5) print "**met**"; else print "**missed**" }') |

## 1. Start-up

\`true\` and \`sh -c true\` (busybox, static, from the rootfs every tool uses) run by hyperfine without an intermediate
shell (\`hyperfine -N\`), $RUNS runs per command (firejail: $RUNS_SLOW), after warm-up runs. The floor
(\`bench/floor.c\`) is the least a sandbox of this kind can do; the helper needs to be started as the user with the
capability grant of a PAM session, which \`sbx-launch\` (tests/lib/sbx-launch.c) gives, so the floor is also measured
started that same way: that pair compares like with like. The sandbox-shell rows run \`sandbox-shell -c true\`, whose
policy's \`Shell\` is \`/bin/true\` (user bt) or \`/bin/sh\` (user bs). The configuration names the sandboxed users
(\`Match User\`); the last two rows of each table compare that with a configuration that selects them by group
instead, which makes the helper ask NSS for the user's supplementary groups (section 8 says what that costs, and
why): they ran in a batch of their own, alternating, with the configuration swapped before every run.

What the sandboxed program saw (a check that the sandbox is the real one): \`${sandbox_view:-not run}\`

### \`true\`

$(startup_table true)

### \`sh -c true\`

$(startup_table sh)

bwrap runs as it does for an unprivileged user on Debian, whose bwrap is not setuid: in a user namespace of its own
(\`--unshare-user\`), as the same user (bt, or bs for \`sh -c true\`), started by the same launcher as the helper
(sbx-launch; bwrap has no file capabilities, so the launcher's grant gives it nothing). Its full form makes what the
helper makes for the default policy: PID, mount, IPC, UTS, network (\`Network none\`) and cgroup namespaces, the
rootfs bound read-only, a fresh \`/proc\`, a minimal \`/dev\` (with devpts and \`/dev/shm\`), a private \`/tmp\`, a
tmpfs over \`/home\` holding the home bound read-write and entered, the hostname, every capability dropped. It does
not do what the helper does besides (the masked \`/proc\`, the syscall filter, the cgroup). The command line, for
\`true\`:

\`$(bwrap_full bt) /bin/true\`

What a program in that bwrap saw (user bs): \`${bwrap_view:-not run}\`

Firejail: $([ "${firejail_ok:-1}" = 1 ] && echo "runs here (as root, no profile, the host's root filesystem: it does not change the root, so its figure is not a like-for-like comparison)." || echo "**could not run here**: \`$firejail_err\`")

Command lines ($R is the busybox rootfs, $SBX_WS/bin/floor the floor with the helper's file capabilities):

| name | command |
|---|---|
$(cat "$out/commands.txt" 2>/dev/null | grep -v '^| `ssh')

## 2. PAM session cycle

\`bench/pam-cycle\`: the real libpam (\`pam_start_confdir\`) with a service of one line, \`session required
pam_sandbox.so\`, $PAM_N cycles of \`pam_open_session\` + \`pam_close_session\` for one user, after 20 warm-up cycles.
Microseconds:

| user | phase | median | p90 | mean | min | max |
|---|---|---|---|---|---|---|
$(awk '{ printf "| bpam: MemoryMax, TasksMax, CPUQuota | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$out/pam-limits.txt" 2>/dev/null)
$(awk '{ printf "| bs: no limit | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$out/pam-nolimits.txt" 2>/dev/null)
$(awk '{ printf "| bpam, the users matched by `Match Group` | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$out/pam-group.txt" 2>/dev/null)

The limits a bpam session gets (read from inside one): \`${pam_limits:-not run}\`. Cgroups left after the cycles: ${pam_left:-none}.
"start+open+close+end" adds \`pam_start\` and \`pam_end\`, which load and unload the module and its libraries.
"open+close-cpu" is the CPU time (user and system) the process spent in open+close, system calls included: where it
is close to the open+close wall time, the cycle is working rather than waiting for a CPU or for the kernel.

### One move between cgroups

What each write to \`cgroup.procs\` of the cycle costs (\`bench/cg-migrate\`: this process moved into a child of
its own cgroup2 cgroup and back, $(awk '$1 == "migrate.after-quiet" { print $2 }' "$out/migrate.stats" 2>/dev/null) times; the
cgroup2 mount's options: \`${mig_opts:-n/a}\`). Milliseconds:

| the move | median | p10-p90 |
|---|---|---|
$(awk '$1 == "migrate.after-quiet" { printf "| after 100 ms without a move (a login'\''s open, a session'\''s close) | %.3f | %.3f-%.3f |\n", $3, $4, $5 }
       $1 == "migrate.back-to-back" { printf "| right after another (the PAM cycle'\''s own moves, but the first) | %.3f | %.3f-%.3f |\n", $3, $4, $5 }' "$out/migrate.stats" 2>/dev/null)
$(awk '$1 == "uml-plain.after-quiet" { printf "| pure cgroup v2 in the user-mode-linux guest (2b), after 100 ms without a move | %.3f | %.3f-%.3f |\n", $3, $4, $5 }
       $1 == "uml-plain.back-to-back" { printf "| ... the same guest, right after another | %.3f | %.3f-%.3f |\n", $3, $4, $5 }' "$out/uml-migrate.stats" 2>/dev/null)

Every move takes the kernel's global \`cgroup_threadgroup_rwsem\` for writing, which first waits for an RCU grace
period unless another move held it within the last grace periods (or the hierarchy is mounted with
\`favordynmods\`): section 8 says what that means for a login. The user-mode-linux guest runs one CPU, where a
grace period ends at once: its moves cost the same either way.

### On pure cgroup v2, in a user-mode-linux guest

This host's cgroups are hybrid. The same cycle on pure cgroup v2 ran in the user-mode-linux guest of the uml suite
(tests/uml/: Debian's linux.uml ${uml_kernel:-}, mem=768M, the host's filesystem as its read-only root, cgroup2 alone at
\`/sys/fs/cgroup\`), driven by \`bench/pam-v2.sh\`: the same \`bench/pam-cycle\` and module, bpam with the same three
limits, ${UML_PAM_N:-?} cycles after 20 warm-up cycles. **Measured in a UML guest**: every system call there is a
round trip through ptrace on the host, so these figures compare with each other (open against close, limits
against none), not with the host's in absolute terms$([ "${uml_status:-not run}" = measured ] && echo . || echo ". **${uml_status:-not run}**.") The guest took
${uml_secs:-?} s, boot included. (The CPU-time row of the host's table is left out: the guest's process times count
whole clock ticks.)

| phase | median | p90 | mean | min | max |
|---|---|---|---|---|---|
$(awk '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$out/pam-v2.txt" 2>/dev/null)

What a bpam session got there (the guest's root \`subtree_control\`, then the user cgroup's limits, read from inside
one): \`${uml_limits:-not run}\`. Cgroups left after the cycles: ${uml_left:-?}.

## 3. ssh key login

Debian's sshd on 127.0.0.1 with \`etc/sshd_config.d/sandbox-shell.conf\` and pam_sandbox in the session stack; the
OpenSSH client logs in with an ed25519 key and runs \`true\`: $RUNS_SSH logins per user, in $((RUNS_SSH >= 60 ? 20 : 5)) rounds.
Sandboxed user bs (login shell sandbox-shell, default policy) saw: \`${ssh_view:-not run}\`; plain user bplain (login
shell: the same busybox sh, \`Sandbox no\`) saw: \`${plain_view:-not run}\`.

| login | runs | median ms | p10 ms | p90 ms | mean ms |
|---|---|---|---|---|---|
$(awk '{ printf "| %s | %s | %.1f | %.1f | %.1f | %.1f |\n", $1, $2, $3, $4, $5, $6 }' "$out/ssh.stats" 2>/dev/null)

Overhead of the sandbox on the median: **${ssh_pct}%** (half the p10-p90 spread of the plain login: ${ssh_spread:-?}%). Command: \`$(grep '^| `ssh.sandboxed' "$out/commands.txt" 2>/dev/null | cut -d'`' -f4)\`

## 4. Scale: ${SCALE_N} concurrent sessions

Each session is the whole chain: \`sbx-pam-session\` (tests/lib/sbx-pam-session.c, in sshd's place: opens the PAM
session with the three limits, runs the login shell as a child, closes the session when it ends) -> \`sbx-launch\` ->
\`sandbox-shell -c 'exec sleep 3600'\` -> PID 1 \`sleep\`. All are started at once from one shell; the teardown sends
SIGHUP to every outer helper (as a hang-up does) and ends when every PAM session is closed.

| figure | value |
|---|---|
| sessions running at once | ${n_helpers:-0} outer helpers; ${leaves:-0} session leaves, one in each of the ${n_hier:-0} hierarchies it uses |
| time to start all | $(( ${t1:-0} - ${t0:-0} )) ms |
| outer helpers, total RSS | $(mib "${rss_kb:-0}") MiB, **$(mib "${per_rss_kb:-0}") MiB per session** |
| outer helpers, total PSS (shared pages divided among the sharers) | $(mib "${pss_kb:-0}") MiB, **$(mib "${per_pss_kb:-0}") MiB per session** |
| one helper | $(tr -s ' \t\n' ' ' <"$out/scale-one-helper.txt" 2>/dev/null) |
| the PAM holders (sbx-pam-session, standing in for sshd; not the product) | $(mib "${holder_rss_kb:-0}") MiB RSS in all |
| MemAvailable before and with the sessions (everything: kernel objects, namespaces, tmpfs; noisy on a shared machine) | $(( ${avail0:-0} / 1024 )) MiB -> $(( ${avail1:-0} / 1024 )) MiB: $(awk -v a="${avail0:-0}" -v b="${avail1:-0}" -v n="$SCALE_N" 'BEGIN { printf "%.2f MiB per session", (a - b) / 1024 / n }') |
| time to tear all down | $(( ${t3:-0} - ${t2:-0} )) ms |
| exit status of the PAM holders | ${scale_status:-n/a} (129 = the shell was ended by SIGHUP) |
| \`close_session: Success\` lines | ${closed:-0} |
| left after | **${scale_left_procs:-?} processes, ${scale_left_cg:-?} cgroup directories, ${scale_left_mounts:-?} mounts of the rootfs** |

## 5. Teardown of one session holding ${many_n:-$MANY_N} processes

PID 1 (busybox sh) runs a pipeline of $((MANY_N - 1)) \`sleep\`s; the count includes the outer helper. Timed from the
SIGHUP to the outer helper until the PAM session is closed (every process killed and reaped, the leaf cgroups gone):
the PAM holder's exit. ${MANY_REPS} repetitions: ${many_all:-n/a} ms; median **$(awk -v v="${many_med_us:-}" 'BEGIN { if (v == "") print "n/a"; else printf "%.1f ms", v / 1000 }')**.
Where it goes (medians): PID 1 exits, its namespace emptied (every process killed and reaped by the kernel), after
${many_pid1:-?} ms; the outer helper exits after ${many_helper:-?} ms; the PAM session is closed (leaf cgroups removed) after
$(awk -v v="${many_med_us:-}" 'BEGIN { if (v == "") print "n/a"; else printf "%.1f", v / 1000 }') ms.
Processes left: ${many_left:-?}; cgroups left: ${many_left_cg:-?}.

The floor for this figure: the kernel alone ends a PID namespace of the same $MANY_N processes (SIGKILL to PID 1 of
\`bench/floor\`, as root; no helper, no PAM, no cgroup) in ${many_floor_all:-n/a} ms; median **${many_floor:-n/a} ms**.
The session's teardown, measured in the same run, is **${many_ratio}x** the kernel's own.

## 6. Network private

The benchmark runs in a network namespace of its own, "the host", with an internet of its own behind a veth
(\`sbx-inet\`, 203.0.113.1; tests/lib/netprivate.sh, as the Network private test has them), \`/dev/net/tun\` usable
by the user, and the stack's program of this build at its installed path. Users btp (\`Shell /bin/true\`) and bsp
(\`Shell /bin/sh\`) have \`Network private\` and the default policy otherwise, with the same rootfs as everyone. What
a Network private sandbox reached (a check that its network is the real one): \`${np_view:-not run}\`

### Start-up: \`sandbox-shell -c true\`, \`Network private\` against \`Network none\`

The two side by side, $RUNS runs of each in $ROUNDS interleaved rounds (hyperfine, through sbx-launch, as in section 1):

| policy | runs | median ms | p10-p90 ms | CPU ms (user+sys) |
|---|---|---|---|---|
$(awk -v c="$np_cpu_none" '$1 == "np.none" { printf "| `Network none` (user bt, as `true.sbx` in section 1) | %d | %.2f | %.2f-%.2f | %s |\n", $2, $3, $4, $5, c }' "$NP_STATS" 2>/dev/null)
$(awk -v c="$np_cpu_priv" '$1 == "np.private" { printf "| `Network private` (user btp) | %d | %.2f | %.2f-%.2f | %s |\n", $2, $3, $4, $5, c }' "$NP_STATS" 2>/dev/null)

\`Network private\` adds **${np_diff} ms** on the median (**${np_ratio}x**), and ${np_cpu_diff} ms of CPU time.

Where it goes: the steps of ${NP_PHASE_N:-?} starts of each policy, alternating, timed by kernel tracepoints (perf
record -a; no tracer stops the processes; \`bench/np-phases.awk\`), medians in ms. Each step runs from one event to
the next: PID 1 makes the tap device and sends it to the outer half, which starts the stack with it; meanwhile PID 1
loads libnftables, installs the filter and builds the rootfs, then waits for the stack's "ready" before the exec.
The two tracks run side by side, so their steps do not add up to PID 1's total.

| step | \`Network none\` | \`Network private\` |
|---|---|---|
$(np_phase_row "the helper: from its exec to the clone of PID 1 (policy, identity; for Network private also the ruleset rendered)" helper helper)
$(np_phase_row "PID 1: the tap device (TUNSETIFF to the default route)" "" tap)
$(np_phase_row "PID 1's track: the device sent, libnftables loaded (dlopen of it and libmnl, libnftnl, libxtables, libjansson, libgmp) and its context made" "" nft-load)
$(np_phase_row "PID 1's track: the ruleset run (cache, parse, evaluate, commit), then the rootfs, to the wait for \"ready\"" "" nft-run)
$(np_phase_row "the stack's track: the device to the outer half, which opens the stack's program and forks" "" handover)
$(np_phase_row "the stack: fork to exec" "" stack-fork)
$(np_phase_row "the stack: exec to its confinement (dynamic loading: libslirp, glib, pcre2, libcap, libbsd)" "" stack-load)
$(np_phase_row "the stack: its confinement (mount namespace, empty root, capabilities, its syscall filter as the build compiled it) and slirp_new, to \"ready\"" "" stack-confine)
$(np_phase_row "PID 1: from the stack's \"ready\" to the exec of the shell" "" go)
$(np_phase_row "**PID 1, from its clone to the shell's exec**" pid1 pid1)
$(np_phase_row "**start-up: the helper's exec to the shell's exec**" startup startup)
$(np_phase_row "the shell (\`true\`) runs" shell shell)
$(np_phase_row "the end: from PID 1's exit to the outer half's SIGKILL to the stack" "" end-kill)
$(np_phase_row "the end: the stack's exit (from the SIGKILL until the outer half has reaped it)" "" end-stack)
$(np_phase_row "**the end: from PID 1's exit to the helper's**" teardown teardown)
$(np_phase_row "**the whole session: the helper's exec to its exit**" total total)

The stack's own waits (perf record -a -g of its context switches in ${NP_PHASE_N:-?} more sessions of btp; \`bench/np-offcpu.awk\`):
the time it spent off a CPU from each switch away until it ran again, summed per session by the kernel frames it
slept in, in ms per session:

| median | mean | times per session | where (kernel frames under the scheduler's) |
|---|---|---|---|
$(awk '$2 >= 0.02 { printf "| %.2f | %.2f | %s | `%s` |\n", $1, $2, $3, $4 }' "$out/np-offcpu.txt" 2>/dev/null | head -n 8)

The close of the last descriptor of an up tap device, apart (\`bench/tap-close\`: a network namespace of its own, the
device made and configured as the helper makes it, ${NP_TAP_N:-?} times each, alternating), in ms:

| the device | median | p10-p90 |
|---|---|---|
$(awk '$1 == "tap-close.plain" { printf "| as the helper makes it (the stack'\''s exit) | %.2f | %.2f-%.2f |\n", $3, $4, $5 }' "$out/np-tap-close.stats" 2>/dev/null)
$(awk '$1 == "tap-close.persist" { printf "| with TUNSETPERSIST set after TUNSETIFF (left to the namespace'\''s teardown) | %.2f | %.2f-%.2f |\n", $3, $4, $5 }' "$out/np-tap-close.stats" 2>/dev/null)

### Throughput: ${NP_MIB:-1024} MiB over TCP to the internet

\`sbx-netfilter send 203.0.113.1 ${NP_PORT:-5201} ${NP_MIB:-1024}\` to a \`sbx-netfilter sink\` in the internet's namespace, from the
host's namespace and from a Network private sandbox (user bsp), alternately, ${np_tp_n} of each. MiB/s from the sender's
own timing (from the first write until the sink has read everything); CPU time of the sending side per GiB from the
shell's user + system time (the sender; for the sandbox also its stack and its helper; the sink's is in neither).

| from | MiB/s (each transfer) | median MiB/s | CPU s per GiB, sending side |
|---|---|---|---|
| the host's namespace (veth to the internet) | $(np_tp_all host) | ${np_tp_host:-n/a} | $(np_tp_cpu host) |
| a Network private sandbox (tap, the stack, then the same veth) | $(np_tp_all private) | ${np_tp_priv:-n/a} | $(np_tp_cpu private) |

From a sandbox: **${np_tp_ratio}x** the host's.

On two vCPUs the sandbox's figure depends on where the scheduler puts the sender and the stack. The same transfer
with the session pinned to vCPU 0 (taskset on sbx-launch), ${NP_PIN_REPS:-?} of each, alternating, in MiB/s:

| placement | MiB/s (each transfer) |
|---|---|
| the sender and the stack on the same vCPU | $(np_pin together) |
| the stack moved to the other vCPU as soon as it runs | $(np_pin apart) |

Who has the two CPUs during one more transfer of each, under perf record -a -g (\`bench/np-cpu.awk\`; per cent of
all the samples of both CPUs; the receiving side's TCP work on a veth runs mostly in the softirq of the process that
sends, so the sink's own share is small):

| transfer | the sender | the stack | the sink (internet) | idle | other |
|---|---|---|---|---|---|
| from the host | $(np_share "$out/np-cpu-host.txt" sender) | - | $(np_share "$out/np-cpu-host.txt" sink) | $(np_share "$out/np-cpu-host.txt" idle) | $(np_share "$out/np-cpu-host.txt" other) |
| from a sandbox | $(np_share "$out/np-cpu-private.txt" sender) | $(np_share "$out/np-cpu-private.txt" stack) | $(np_share "$out/np-cpu-private.txt" sink) | $(np_share "$out/np-cpu-private.txt" idle) | $(np_share "$out/np-cpu-private.txt" other) |

The stack's share, by what it was doing: writing frames to the tap device $(np_stack_share tap-write) (the sandbox's own
TCP processing of them - the ACKs, and the data they let it send - runs inside that write), sending to the internet
$(np_stack_share sock-send), reading frames from the tap device $(np_stack_share tap-read), receiving from the internet
$(np_stack_share sock-recv), poll $(np_stack_share poll), interrupts on its time $(np_stack_share kernel-irq), other
system calls $(np_stack_share syscall-other); in user space: libslirp $(np_stack_share user-libslirp), libc
$(np_stack_share user-libc), the rest $(np_stack_share user-other).

The sandbox's TCP connection in the middle of that transfer (\`ss -ti\` in its namespace): mss ${np_ss_mss:-?}, the
window the stack offers (snd_wnd) $([ -n "$np_ss_wnd" ] && echo "$np_ss_wnd bytes" ||
    echo "0 bytes (ss prints none: the window was closed at that instant)"), ${np_ss_wscale}; limited by that window
(rwnd_limited) ${np_ss_rwnd:-?} of its busy time. The stack's own connection to the internet: ${np_ss_stack_wscale:-?}.

This section took ${np_secs:-?} s. Left after it: ${np_left:-?} processes of btp and bsp, ${np_left_stacks:-?} stacks
(the internet's namespace and its processes go at the benchmark's exit, with its own namespaces).

## 7. Profiles

### Start-up of the helper (perf record -a -g, 300 starts, samples of the helper and of its PID 1 before the exec; inclusive %)

\`\`\`
$(cat "$out/sbx-profile.txt" 2>/dev/null | cut -c1-100 | head -50)
\`\`\`

### System calls of one start (strace -f -c): sandbox-shell, then the floor, both through sbx-launch

\`\`\`
$(awk 'NR <= 2 || ($4 + 0 >= 3)' "$out/sbx-strace.txt" 2>/dev/null | head -40)
\`\`\`
\`\`\`
$(awk 'NR <= 2 || ($4 + 0 >= 3)' "$out/floor-strace.txt" 2>/dev/null | head -30)
\`\`\`

### PAM open+close (perf record --call-graph dwarf, 300 cycles, the module kept loaded; inclusive %)

\`\`\`
$(cat "$out/pam-profile.txt" 2>/dev/null | cut -c1-100 | head -45)
\`\`\`

### PAM cycle, wall time per system call (strace -w -c, 100 whole cycles: pam_start, open, close, pam_end)

\`\`\`
$(head -25 "$out/pam-strace.txt" 2>/dev/null)
\`\`\`

MD
cat "$top/bench/analysis.md" 2>/dev/null || true
cat <<MD

## 9. The pty relay

When the login has a terminal, the helper's outer half relays between it and the sandbox's own pty (docs/ARCHITECTURE.md,
\`lib/core/pty.c\` \`sbx_relay_*\`). \`bench/pty-drive\` plays the login's terminal: a pty of its own (80x24, the
kernel's default settings, as sshd makes one), on which it runs, as user bs through sbx-launch, either the helper
(\`sandbox-shell -c ...\`: the relay between the two ptys) or the same busybox program outside the sandbox, where
nothing relays. What the sandbox's side saw: \`${relay_view:-not run}\`

### Throughput: \`cat\` of ${TTY_MIB} MiB to the terminal

A file of ${TTY_MIB} MiB of 80-byte lines on a tmpfs of its own below the rootfs (\`$TTY_FILE\` in the sandbox,
\`$R$TTY_FILE\` outside), \`cat\` to the terminal, ${TTY_REPS} times each, alternating; MiB/s of what the terminal
received (${tty_bytes:-?} bytes: the tty's ONLCR adds a CR to each line) from its first byte to its last.

| path | MiB/s (each run) | median MiB/s |
|---|---|---|
| through the relay: \`sbx-launch bs sandbox-shell -c 'cat $TTY_FILE'\` | $(tty_mibs_all relay) | ${tty_mib_rel:-n/a} |
| without: \`sbx-launch bs $R/bin/cat $R$TTY_FILE\` | $(tty_mibs_all direct) | ${tty_mib_dir:-n/a} |

Through the relay: **${tty_ratio}x**.

Who has the two CPUs during one more cat of each, under perf record -a -g (\`bench/relay-cpu.awk\`; per cent of all
the samples of both CPUs). A pty's bytes reach the reader of its other side through the kernel's \`flush_to_ldisc\`
worker, which puts them through that side's line discipline; through the relay that happens twice (the sandbox's pty,
then the login's terminal):

| cat | \`cat\` (its writes, with their ONLCR output processing) | the relay | the terminal (pty-drive) | the kernel's workers (of which inside \`flush_to_ldisc\`) | idle | other |
|---|---|---|---|---|---|---|
| through the relay | $(relay_share relay cat) | $(relay_share relay relay) | $(relay_share relay driver) | $(relay_share relay worker) ($(relay_share relay worker.ldisc)) | $(relay_share relay idle) | $(relay_share relay other) |
| without | $(relay_share direct cat) | - | $(relay_share direct driver) | $(relay_share direct worker) ($(relay_share direct worker.ldisc)) | $(relay_share direct idle) | $(relay_share direct other) |

The relay's share, by what it was doing: reading the sandbox's pty $(relay_own read), writing to the login's
terminal $(relay_own write) (of which the terminal's output processing, \`n_tty_write\`, $(relay_own ldisc)), poll
$(relay_own poll), other system calls $(relay_own syscall-other), interrupts on its time $(relay_own kernel-irq),
user space $(relay_own user). The innermost functions of its reads: $(relay_leaves read); of its writes:
$(relay_leaves write) (per cent of the relay's samples).

### Keystroke echo

The program on the terminal is \`$ECHO_CMD\` (busybox), in the sandbox and outside it; once it prints READY,
\`pty-drive\` writes one byte and waits until its echo comes back, ${ECHO_N} times, ${echo_runs:-?} runs of each,
alternating. The echo is the tty's own (\`ECHO\`, not canonical): outside, the terminal's line discipline echoes at
once; through the relay the byte goes to the helper, which writes it to the sandbox's pty, whose line discipline
echoes it back to the helper, which writes it to the terminal. Microseconds, the median over the runs of each
run's figure:

| path | median | p90 | p99 | each run: median / p99 |
|---|---|---|---|---|
| through the relay | ${echo_med_rel:-n/a} | ${echo_p90_rel:-n/a} | ${echo_p99_rel:-n/a} | $(awk '$1 == "relay" { printf "%s%s / %s", (n++ ? "; " : ""), $3, $5 }' "$out/tty-echo.txt" 2>/dev/null) |
| without | ${echo_med_dir:-n/a} | ${echo_p90_dir:-n/a} | ${echo_p99_dir:-n/a} | $(awk '$1 == "direct" { printf "%s%s / %s", (n++ ? "; " : ""), $3, $5 }' "$out/tty-echo.txt" 2>/dev/null) |

The relay adds **${echo_add_med} µs** to the median and **${echo_add_p99} µs** to p99.

Where a keystroke's time goes: ${RELAY_TRACE_N:-?} more keystrokes of each path under a system-wide perf record of
tracepoints (\`bench/relay-echo.awk\`: the driver's write of the keystroke, every system call of the relay, the
driver's read of the echo; no tracer stops a process, but every traced call costs a little, so these totals are
above the table's), each step from one event to the next, in µs:

| step | median | p10-p90 | mean |
|---|---|---|---|
| without the relay: the keystroke to its echo (the terminal's own line discipline echoes it) | $(relay_step direct.total) |
| **through the relay: the keystroke to its echo** | $(relay_step relay.total) |
| 1. the login's terminal: the keystroke through its line discipline's worker, the relay woken from poll, to its read | $(relay_step relay.caller-in) |
| 2. the relay: its read of the keystroke to its write to the sandbox's pty | $(relay_step relay.relay-in) |
| 3. the sandbox's pty: that write, its line discipline's worker echoing, the relay woken again, to its read of the echo | $(relay_step relay.sandbox-pty) |
| 4. the relay: that read to its write of the echo to the login's terminal | $(relay_step relay.relay-out) |
| 5. the login's terminal: that write, through its worker, to the driver's read of the echo | $(relay_step relay.caller-out) |

The relay's system calls per keystroke (means): $(relay_calls).

### The relay at rest

An interactive login of bs (\`sbx-launch --argv0 -sandbox-shell bs sandbox-shell\`: busybox sh at its prompt in the
sandbox) on the terminal; after a command and its output, the session sat idle for ${IDLE_S} s. The relay's process (the
outer helper) over those seconds: **${idle_ticks:-n/a} clock ticks** of CPU time (utime ${idle_ut:-?} + stime ${idle_st:-?},
/proc/PID/stat), $(awk -v n="${idle_ns:-}" 'BEGIN { if (n == "") print "n/a"; else printf "%.0f µs", n / 1000 }') on a CPU
by the scheduler's count (/proc/PID/schedstat), ${idle_cs:-?} context switches (wake-ups); the terminal received ${idle_bytes:-?} bytes meanwhile.

## 10. Joining an instance

User bi has the default policy with \`Instance user\` (sandbox-shell.conf(5)); a first login of bi holds the instance
(\`sandbox-shell -c 'exec sleep 3600'\`), so that every timed login of bi joins it. User bs has the same policy
without it: every login is a fresh sandbox. Each timed command is a whole login without ssh, \`sbx-pam-session\`
(the PAM session with pam_sandbox, in sshd's place) -> \`sbx-launch\` -> \`sandbox-shell -c true\`, the two side by side,
${RUNS} runs of each in ${ROUNDS} interleaved rounds (hyperfine). What a joined login saw: \`${inst_view:-not run}\`

| login | runs | median ms | p10-p90 ms | mean ms |
|---|---|---|---|---|
$(awk '$1 == "instance.join" { printf "| joins the running instance (bi) | %d | %.2f | %.2f-%.2f | %.2f |\n", $2, $3, $4, $5, $6 }' "$out/instance.stats" 2>/dev/null)
$(awk '$1 == "instance.fresh" { printf "| a fresh sandbox (bs) | %d | %.2f | %.2f-%.2f | %.2f |\n", $2, $3, $4, $5, $6 }' "$out/instance.stats" 2>/dev/null)

A login that joins: **${inst_ratio}x** a fresh one. Left after the instance ended: ${inst_left:-?} processes of bi, ${inst_left_cg:-?} cgroups.

## 11. A login storm: ${STORM_N} ssh logins at once

The sshd of section 3 (\`MaxStartups 1000\`, so that none of the storm's unauthenticated connections is dropped), the
same key login running \`true\`: ${STORM_N} clients forked first, then released together (each waits at the open of a
FIFO that the benchmark opens for writing once all are forked), each timed from its release to its exit. Sandboxed
user bstorm (default policy) and plain user bplain (\`Sandbox no\`, the same busybox sh), ${STORM_REPS} storm(s) of
each, in turn (the first kind alternating), each storm after the previous one's sessions are all closed. On two
vCPUs the logins of a storm share the CPUs, so each takes about as long as the whole storm. Milliseconds:

| user | logins | succeeded | p50 | p90 | p99 | max |
|---|---|---|---|---|---|---|
| bstorm (sandboxed) | ${storm_s_n:-0} | ${storm_s_ok:-0} | ${storm_s_p50:-n/a} | $(pct sandboxed 0.9) | ${storm_s_p99:-n/a} | $(pct sandboxed 1) |
| bplain | ${storm_p_n:-0} | ${storm_p_ok:-0} | ${storm_p_p50:-n/a} | $(pct plain 0.9) | ${storm_p_p99:-n/a} | $(pct plain 1) |

Sandboxed against plain: **${storm_r50}x** at p50, **${storm_r99}x** at p99. After every logout:
**${storm_left_procs:-?} processes, ${storm_left_cg:-?} cgroup directories, ${storm_left_mounts:-?} mounts of the rootfs** left (the checks of section 4).

What a storm costs the machine: the CPU time of all CPUs from its release until its last session closed
(\`/proc/stat\`: user, nice, system, irq and softirq), the median over the storms of each kind: sandboxed
${storm_cpu_s:-n/a} s, plain ${storm_cpu_p:-n/a} s (**${storm_cpu_r}x**). A plain key login costs ${storm_cpu_login} ms of CPU (sshd's key
exchange, authentication and session, the client's); a sandboxed one ${storm_cpu_add} ms more (the PAM session's
cgroups, the helper, its namespaces, rootfs and filter, their teardown). Both CPUs are busy for most of a storm, so
its last logins end about when the machine has done the storm's work: the CPU ratio is the floor of the p99 ratio,
and what the p99 ratio has above it is waiting (for locks, for the scheduler), not work.

Who did that work: one more storm of each kind under perf record -a -g (\`bench/storm-cpu.awk\`, not timed), the
CPU time of each kind of process per login, in ms (in brackets: the share of its samples spinning on, or in the slow
path of, a kernel lock):

| storm | sshd (with its PAM modules) | ssh (the client) | the helper (\`sandbox-shell\`, PID 1 until its exec) | the shell | the kernel's threads | other (the benchmark's own shells: the clients' wrappers, its wait for the close) |
|---|---|---|---|---|---|---|
| sandboxed (bstorm) | $(storm_ms sandboxed sshd) ($(storm_lock sandboxed sshd)) | $(storm_ms sandboxed client) | $(storm_ms sandboxed helper) ($(storm_lock sandboxed helper)) | $(storm_ms sandboxed shell) | $(storm_ms sandboxed kernel) | $(storm_ms sandboxed other) |
| plain (bplain) | $(storm_ms plain sshd) ($(storm_lock plain sshd)) | $(storm_ms plain client) | - | $(storm_ms plain shell) | $(storm_ms plain kernel) | $(storm_ms plain other) |

The innermost functions of the helper's samples in the sandboxed storm: $(storm_leaves helper); of sshd's:
$(storm_leaves sshd).
MD
} >"$top/bench/RESULTS.md"
log "done in ${SECONDS} s: bench/RESULTS.md"
