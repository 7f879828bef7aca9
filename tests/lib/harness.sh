# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared harness for the root test suites (integration, e2e). Source it, then call sbx_enter_private_ns "$@" first.
#
# Hermetic by construction:
#  - the test re-runs itself inside new mount and PID namespaces (unshare --mount --pid --fork --mount-proc): every
#    mount it makes disappears with it, and when it exits the kernel kills whatever process it left;
#  - /etc is a private copy (a tmpfs with `cp -a /etc`) bound over /etc, so passwd, group, shadow, pam.d, ssh and
#    sandbox-shell/ are the test's own; the machine's /etc is never written;
#  - /home and /run get private tmpfs mounts; the workspace $SBX_WS is /run/sbx-test.PID, root-owned 0755 (a rootfs
#    under it passes the ChrootDirectory-style ownership check that /tmp, being world-writable, would fail);
#  - cgroups a test makes live below the test's own cgroup, and sbx_cleanup_cgroups removes them.
#
# Environment from meson: SBX_SRCDIR SBX_BUILDDIR SBX_HELPER SBX_CTL SBX_PAM_MODULE SBX_HELPER_CAPS.

set -u

sbx_log() { printf '# %s\n' "$*" >&2; }

# Skip (77) when not root, unless SBX_MUST_WORK=1 turns every skip into a failure.
sbx_skip() {
    if [ "${SBX_MUST_WORK:-0}" = 1 ]; then
        echo "FAIL (SBX_MUST_WORK=1 forbids skipping): $*" >&2
        exit 1
    fi
    echo "SKIP: $*" >&2
    exit 77
}

sbx_need_root() {
    [ "$(id -u)" = 0 ] || sbx_skip "needs root"
    local t
    for t in unshare setcap busybox; do
        command -v "$t" >/dev/null 2>&1 || sbx_skip "needs $t (run tools/test.sh, which installs it)"
    done
}

sbx_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Re-executes the calling script inside private namespaces; returns only inside them.
sbx_enter_private_ns() {
    sbx_need_root
    if [ -z "${SBX_IN_NS:-}" ]; then
        SBX_IN_NS=1 exec unshare --mount --pid --fork --mount-proc --propagation private -- bash "$0" "$@"
    fi
    SBX_WS=/run/sbx-test.$$
    export SBX_WS
    set -e
    # A private /run (sshd wants /run/sshd, login writes utmp) holding the workspace: nothing is created on the host.
    mount -t tmpfs -o mode=0755,size=16m sbx-run /run
    mkdir -m 0755 "$SBX_WS"
    mount -t tmpfs -o mode=0755,size=512m sbx-ws "$SBX_WS"
    mkdir -p "$SBX_WS/etc" "$SBX_WS/bin" "$SBX_WS/tmp"
    chmod 1777 "$SBX_WS/tmp"
    cp -a /etc/. "$SBX_WS/etc/"
    mount --bind "$SBX_WS/etc" /etc
    mount -t tmpfs -o mode=0755,size=64m sbx-home /home
    mkdir -p /etc/sandbox-shell/sandbox-shell.conf.d
    chmod 0755 /etc/sandbox-shell /etc/sandbox-shell/sandbox-shell.conf.d
    # A copy of the helper with its file capabilities (+ei), as meson install sets them; the build tree's binary
    # is left as built.
    install -m 0755 "$SBX_HELPER" "$SBX_WS/bin/sandbox-shell"
    setcap "$SBX_HELPER_CAPS+ei" "$SBX_WS/bin/sandbox-shell"
    SBX_SHELL="$SBX_WS/bin/sandbox-shell"
    export SBX_SHELL
    trap sbx_on_exit EXIT
    set +e
}

# sbx_private_tmp: a private /tmp (a tmpfs) for a test whose programs write there (sshd makes forwarded agents'
# sockets in /tmp/ssh-*): what they make is all there is in it, and nothing reaches the machine's /tmp. The source
# and build trees, when they are below /tmp (a CI clone, say), are bound back where they were.
sbx_private_tmp() {
    local d keep=()
    for d in "$SBX_SRCDIR" "$SBX_BUILDDIR"; do
        case $d in /tmp/*) keep+=("$d") ;; esac
    done
    mkdir -p "$SBX_WS/host-tmp"
    mount --bind /tmp "$SBX_WS/host-tmp"
    mount -t tmpfs -o mode=1777,size=16m sbx-tmp /tmp
    for d in "${keep[@]}"; do
        mkdir -p "$d"
        mount --bind "$SBX_WS/host-tmp/${d#/tmp/}" "$d"
    done
    umount "$SBX_WS/host-tmp"
}

# Cleanup hooks a test registers with sbx_at_exit "cmd"; they run in reverse order at exit.
SBX_EXIT_HOOKS=()
sbx_at_exit() { SBX_EXIT_HOOKS+=("$1"); }
sbx_on_exit() {
    local rc=$? i
    for ((i = ${#SBX_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
        eval "${SBX_EXIT_HOOKS[$i]}" || true
    done
    exit $rc
}

# sbx_add_user NAME UID [SHELL]: a user with its own group (gid = uid) and a home in /home (private tmpfs).
# The password field is '*': no password login, but not locked, so key logins and su from root work.
sbx_add_user() {
    local name=$1 uid=$2 shell=${3:-$SBX_SHELL}
    echo "$name:x:$uid:$uid:sandbox test user:/home/$name:$shell" >>/etc/passwd
    echo "$name:x:$uid:" >>/etc/group
    echo "$name:*:19000:0:99999:7:::" >>/etc/shadow
    mkdir -p "/home/$name"
    chown "$uid:$uid" "/home/$name"
    chmod 0750 "/home/$name"
}

# sbx_add_group NAME GID MEMBER...: a supplementary group.
sbx_add_group() {
    local name=$1 gid=$2
    shift 2
    local IFS=,
    echo "$name:x:$gid:$*" >>/etc/group
}

# sbx_write_conf TEXT: the main config file, root-owned 0644.
sbx_write_conf() {
    printf '%s\n' "$1" >/etc/sandbox-shell/sandbox-shell.conf
    chmod 0644 /etc/sandbox-shell/sandbox-shell.conf
}

# sbx_make_rootfs DIR: a small rootfs: busybox (static) and its applets, /etc/passwd and group from the private /etc,
# the directories the sandbox mounts on. Every component root-owned, 0755.
sbx_make_rootfs() {
    local root=$1 bb applet
    bb=$(command -v busybox)
    mkdir -p "$root"
    (cd "$root" && mkdir -p bin sbin usr/bin usr/sbin etc proc dev tmp home root run var/tmp)
    install -m 0755 "$bb" "$root/bin/busybox"
    for applet in $("$bb" --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
    cp /etc/passwd /etc/group "$root/etc/"
    chmod -R go-w "$root"
    chown -R 0:0 "$root"
    chmod 0755 "$root"
}

# sbx_rootfs_add_prog DIR PROG...: copies host programs and the shared libraries they need into a rootfs.
sbx_rootfs_add_prog() {
    local root=$1 prog lib
    shift
    for prog in "$@"; do
        mkdir -p "$root$(dirname "$prog")"
        install -m 0755 "$prog" "$root$prog"
        for lib in $(ldd "$prog" | grep -oE '/[^ ]+'); do
            mkdir -p "$root$(dirname "$lib")"
            [ -e "$root$lib" ] || install -m 0755 "$lib" "$root$lib"
        done
    done
    chown -R 0:0 "$root"
    chmod -R go-w "$root"
}

# sbx_cgroup_self HIERARCHY: this process's cgroup path in a v1 hierarchy ("memory", "pids") or "" for the v2 one.
sbx_cgroup_self() {
    local want=$1
    awk -F: -v w="$want" '($2 == w) || (w == "" && $1 == "0") { print $3; exit }' /proc/self/cgroup
}

# sbx_cgroup_mount HIERARCHY: where a v1 hierarchy ("memory", "pids") or, for "", the cgroup2 one is mounted.
sbx_cgroup_mount() {
    if [ -z "$1" ]; then
        awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
    else
        awk -v h="$1" '$3 == "cgroup" && ("," $4 ",") ~ ("," h ",") { print $2; exit }' /proc/mounts
    fi
}

# sbx_cgroup_dirs_below_self NAME: for every hierarchy this process is in, the directory NAME below its own cgroup
# there (what CgroupRoot %c/NAME becomes for sessions opened by this test), one per line.
sbx_cgroup_dirs_below_self() {
    local hier path mnt
    while IFS=: read -r _ hier path; do
        mnt=$(sbx_cgroup_mount "$hier")
        [ -n "$mnt" ] && echo "$mnt${path%/}/$1"
    done </proc/self/cgroup
    return 0
}

# Removes, depth first, every cgroup directory below the given cgroupfs directories (after its processes are gone).
sbx_cleanup_cgroup_dirs() {
    local d
    for d in "$@"; do
        [ -d "$d" ] || continue
        find "$d" -depth -mindepth 0 -type d -exec rmdir {} \; 2>/dev/null || true
    done
}

# sbx_user_dirs USER DIR...: DIR/USER for each DIR where it exists now (one per line): a user's cgroup directories
# in the hierarchies a test made its trees in.
sbx_user_dirs() {
    local u=$1 d
    shift
    for d in "$@"; do
        [ -d "$d/$u" ] && echo "$d/$u"
    done
    return 0
}

# sbx_free_port: a TCP port no socket at all uses on this host, below the kernel's ephemeral range (a client's
# connection elsewhere may take any port of that range between this check and the bind: the suites run side by side,
# and a login storm opens hundreds).
sbx_free_port() {
    local p i lo
    read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
    [ "$lo" -gt 12000 ] || lo=32768
    for ((i = 0; i < 200; i++)); do
        p=$((10000 + RANDOM % (lo - 10000)))
        if ! ss -Htan "sport = :$p" | grep -q .; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# Polls CMD (a shell string) until it succeeds, at most N tenths of a second (default 100 = 10 s).
sbx_wait_for() {
    local cmd=$1 n=${2:-100} i
    for ((i = 0; i < n; i++)); do
        eval "$cmd" && return 0
        sleep 0.1
    done
    return 1
}

# Assertions: print what differs, then fail.
sbx_assert_eq() {
    local what=$1 want=$2 got=$3
    [ "$want" = "$got" ] || sbx_fail "$what: expected '$want', got '$got'"
    echo "ok - $what"
}

# sbx_assert_match WHAT PATTERN TEXT: some line of TEXT matches the extended regex PATTERN. A pattern must be one
# line: grep -E would take each of its lines as an alternative and pass on any of them (sbx_assert_lines matches
# consecutive lines).
sbx_assert_match() {
    local what=$1 pattern=$2 got=$3
    sbx_one_line_pattern "$what" "$pattern"
    printf '%s' "$got" | grep -Eq -- "$pattern" || sbx_fail "$what: expected to match /$pattern/, got '$got'"
    echo "ok - $what"
}

sbx_assert_no_match() {
    local what=$1 pattern=$2 got=$3
    sbx_one_line_pattern "$what" "$pattern"
    if printf '%s' "$got" | grep -Eq -- "$pattern"; then
        sbx_fail "$what: expected no match for /$pattern/, got '$got'"
    fi
    echo "ok - $what"
}

sbx_one_line_pattern() {
    case $2 in
    *$'\n'*) sbx_fail "$1: the pattern /$2/ spans lines: grep would accept any one of them; use sbx_assert_lines" ;;
    esac
}

# sbx_assert_lines WHAT TEXT PATTERN...: TEXT has consecutive lines matching the extended regexes PATTERN... in order
# (the first anywhere, each next one on the line right after).
sbx_assert_lines() {
    local what=$1 got=$2
    shift 2
    local p
    for p in "$@"; do
        sbx_one_line_pattern "$what" "$p"
    done
    printf '%s\n' "$got" | awk -v n=$# '
        BEGIN { for (i = 1; i <= n; i++) pat[i] = ARGV[i]; ARGC = 1 }
        { line[NR] = $0 }
        END {
            for (s = 1; s + n - 1 <= NR; s++) {
                for (i = 1; i <= n && line[s + i - 1] ~ pat[i]; i++)
                    ;
                if (i > n)
                    exit 0
            }
            exit 1
        }' "$@" || sbx_fail "$what: expected consecutive lines matching $(printf '/%s/ ' "$@")got '$got'"
    echo "ok - $what"
}

# sbx_syslog_start: a syslog sink at /dev/log; $SBX_SYSLOG collects the lines it receives. The machine has no syslog
# daemon and no /dev/log, and its devtmpfs must not be written: the test's /dev becomes a tmpfs holding copies of the
# usual device nodes (fuse for sshfs), the host's devpts and shm, and the socket, served by sbx-syslog-listen.
sbx_syslog_start() {
    local dev=$SBX_WS/dev n
    mkdir -p "$dev"
    mount -t tmpfs -o mode=0755,size=1m sbx-dev "$dev"
    mkdir -p "$dev/net"
    for n in null zero full random urandom tty ptmx fuse net/tun; do
        if [ -e "/dev/$n" ]; then cp -a "/dev/$n" "$dev/$n"; fi
    done
    mkdir -p "$dev/pts" "$dev/shm"
    mount --bind /dev/pts "$dev/pts"
    mount --bind /dev/shm "$dev/shm"
    ln -s /proc/self/fd "$dev/fd"
    ln -s /proc/self/fd/0 "$dev/stdin"
    ln -s /proc/self/fd/1 "$dev/stdout"
    ln -s /proc/self/fd/2 "$dev/stderr"
    mount --move "$dev" /dev
    SBX_SYSLOG=$SBX_WS/syslog.txt
    : >"$SBX_SYSLOG"
    "$SBX_SYSLOG_LISTEN" /dev/log "$SBX_SYSLOG" >"$SBX_WS/syslog.ready" &
    SBX_SYSLOG_PID=$!
    sbx_at_exit 'kill $SBX_SYSLOG_PID 2>/dev/null'
    sbx_wait_for '[ -s "$SBX_WS/syslog.ready" ]' 50 || sbx_fail "the syslog listener did not start"
}

# Terminal tests: sbx_tmux_init NAME starts nothing yet but gives the test a private tmux server (socket NAME in the
# workspace, killed at exit) and these helpers: tm ARGS (tmux on that server), screen (the visible pane; with
# SBX_TMUX_HISTORY=N also N lines of history), send KEYS, expect PATTERN WHAT (waits up to SBX_TMUX_WAIT tenths of a
# second, default 150, for an extended regex on the screen, then prints "ok - WHAT" or fails showing the screen).
# What is typed stays on the screen: a PATTERN must match only what the step's program prints (anchor it, or have the
# shell compute what it prints, e.g. `echo A$((1+1))` and expect '^A2$'), never the prompt and command line.
sbx_tmux_init() {
    command -v tmux >/dev/null || sbx_skip "needs tmux (run tools/test.sh, which installs it)"
    export TMUX_TMPDIR=$SBX_WS/tmux
    mkdir -p "$TMUX_TMPDIR"
    SBX_TMUX_SOCK=$1
    sbx_at_exit "tmux -L $1 kill-server 2>/dev/null"
}
tm() { tmux -L "$SBX_TMUX_SOCK" "$@"; }
# Ends the tmux server and waits until it answers no more: a new session started while the old server is still
# exiting would attach to it and die with it (the socket file itself stays; a new server replaces it).
tm_restart() {
    tm kill-server 2>/dev/null || true
    sbx_wait_for "! tm has-session 2>/dev/null" 50 || true
}
screen() { tm capture-pane -p ${SBX_TMUX_HISTORY:+-S -$SBX_TMUX_HISTORY}; }
send() { tm send-keys "$@"; }
expect() {
    sbx_one_line_pattern "$2" "$1"
    SBX_EXPECT_PATTERN=$1
    sbx_wait_for 'screen | grep -Eq -- "$SBX_EXPECT_PATTERN"' "${SBX_TMUX_WAIT:-150}" || sbx_fail "$2: no /$1/ on screen:
$(screen)"
    echo "ok - $2"
}

# What the screen cannot show: sbx_proc_states USER CMDLINE prints the state (R, S, T, Z, ...), as the kernel reports
# it, of each process of USER whose command line is exactly CMDLINE (nothing when there is none). expect_proc USER
# CMDLINE STATES WHAT waits like expect until the states, run together, are STATES ("" for no such process left):
# `expect_proc u 'sleep 301' T "Ctrl-Z stopped it"`.
sbx_proc_states() {
    local pid
    for pid in $(pgrep -u "$1" -xf -- "$2"); do
        sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1
    done
    return 0
}
expect_proc() {
    SBX_EXPECT_PROC=("$1" "$2" "$3")
    sbx_wait_for '[ "$(sbx_proc_states "${SBX_EXPECT_PROC[0]}" "${SBX_EXPECT_PROC[1]}" | tr -d "\n")" = "${SBX_EXPECT_PROC[2]}" ]' \
        "${SBX_TMUX_WAIT:-150}" || sbx_fail "$4: the processes '$2' of $1 are in the states \
'$(sbx_proc_states "$1" "$2" | tr -d '\n')', not '$3'; the processes of $1:
$(ps -u "$1" -o pid,ppid,pgid,tpgid,stat,wchan:16,args 2>&1)
the screen:
$(screen)"
    echo "ok - $4"
}
