# SPDX-License-Identifier: LGPL-2.1-or-later
# Where the time of a Network private start goes, from a system-wide perf record of a loop of
# `sbx-launch USER sbx-bench-shell -c true` (bench/run.sh, part netprivate) with these events: sched_process_exec,
# sched_process_fork, sched_process_exit; and, filtered to the calls that mark the steps, the syscall entries
# ioctl(TUNSETIFF) and ioctl(SIOCADDRT) (the first and the last step of the tap device, in PID 1),
# socket(AF_NETLINK, NETLINK_NETFILTER) (libnftables loaded, its context made: the ruleset follows), PID 1's first
# recvmsg (it waits for the stack's "ready"), unshare (the stack's confinement begins), write(4, "ready\n"), kill(SIGKILL) (the outer half ends the stack) and the exit of
# wait4.
# Input: `perf script -F comm,pid,time,event,trace`, -v helper=COMM: the helper's name (a copy of its own, so that
# the events of other sandboxes on the machine are not taken for its own). Output: "PHASE ms" lines, one set per start, for bench/run.sh's
# stats; a start without a stack (Network none) gives the "none." phases, one with a stack the "private." ones.
#
# The processes of one start: the outer half H (sbx-launch, then the helper: the same PID), PID 1 (the helper's
# first child: its comm is the helper's until it execs /bin/true), the stack (the helper's second child:
# sandbox-shell-netstack, executed from a descriptor; this kernel names it after the file, cut to "sandbox-shell-n").
function t(name) { return name in at ? at[name] : "" }
function emit(tag, a, b) {
    if (t(a) != "" && t(b) != "" && at[b] >= at[a])
        printf "%s.%s %.3f\n", kind, tag, (at[b] - at[a]) * 1000
}
function flush() {
    if (!started)
        return
    kind = ("stack.exec" in at) ? "private" : "none"
    emit("helper", "helper.exec", "pid1.fork")
    if (kind == "private") {
        emit("tap", "pid1.tap", "pid1.route")
        emit("nft-load", "pid1.route", "pid1.netlink")
        emit("nft-run", "pid1.netlink", "pid1.wait")
        emit("handover", "pid1.route", "stack.fork")
        emit("stack-fork", "stack.fork", "stack.exec")
        emit("stack-load", "stack.exec", "stack.unshare")
        emit("stack-confine", "stack.unshare", "stack.ready")
        emit("go", "stack.ready", "pid1.exec")
    }
    emit("pid1", "pid1.fork", "pid1.exec")
    emit("startup", "helper.exec", "pid1.exec")
    emit("shell", "pid1.exec", "pid1.exit")
    if (kind == "private") {
        emit("end-kill", "pid1.exit", "stack.kill")
        emit("end-stack", "stack.kill", "stack.reaped")
    }
    emit("teardown", "pid1.exit", "helper.exit")
    emit("total", "helper.exec", "helper.exit")
    delete at
    started = 0
}
{
    comm = $1
    pid = $2
    time = $3
    sub(/:$/, "", time)
    ev = $4
    sub(/:$/, "", ev)
}
ev == "sched:sched_process_exec" && $5 ~ /\/sbx-launch$/ {
    flush()
    started = 1
    h = pid
    forks = 0
    waits = 0
    next
}
!started { next }
ev == "sched:sched_process_exec" && pid == h && !("helper.exec" in at) { at["helper.exec"] = time; next }
ev == "sched:sched_process_fork" && pid == h {
    forks++
    if (forks == 1)
        at["pid1.fork"] = time
    else if (forks == 2)
        at["stack.fork"] = time
    next
}
ev == "syscalls:sys_enter_ioctl" && pid != h && comm == helper && $8 == "0x400454ca," && !("pid1.tap" in at) { at["pid1.tap"] = time; next }
ev == "syscalls:sys_enter_ioctl" && pid != h && comm == helper && $8 == "0x0000890b," && !("pid1.route" in at) { at["pid1.route"] = time; next }
ev == "syscalls:sys_enter_socket" && pid != h && comm == helper && !("pid1.netlink" in at) { at["pid1.netlink"] = time; next }
ev == "syscalls:sys_enter_recvmsg" && pid != h && comm == helper && !("pid1.wait" in at) { at["pid1.wait"] = time; next }
ev == "sched:sched_process_exec" && comm == "sandbox-shell-n" { at["stack.exec"] = time; next }
ev == "syscalls:sys_enter_unshare" && comm == "sandbox-shell-n" && !("stack.unshare" in at) { at["stack.unshare"] = time; next }
ev == "syscalls:sys_enter_write" && comm == "sandbox-shell-n" && !("stack.ready" in at) { at["stack.ready"] = time; next }
ev == "sched:sched_process_exec" && $5 == "filename=/bin/true" && !("pid1.exec" in at) { at["pid1.exec"] = time; next }
ev == "sched:sched_process_exit" && comm == "true" && !("pid1.exit" in at) { at["pid1.exit"] = time; next }
ev == "syscalls:sys_enter_kill" && pid == h { at["stack.kill"] = time; next }
ev == "syscalls:sys_exit_wait4" && pid == h && ("stack.kill" in at) { at["stack.reaped"] = time; next }
ev == "sched:sched_process_exit" && pid == h { at["helper.exit"] = time; flush(); next }
END { flush() }
