# SPDX-License-Identifier: LGPL-2.1-or-later
# Where the CPU of a login storm goes, from a system-wide `perf record -a -g` of one storm (bench/run.sh, part
# storm), read by bench/samples.awk (`awk -f bench/samples.awk -f bench/storm-cpu.awk`). Output: "WHO samples"
# lines: all.samples, and per process its samples: sshd (every sshd process: the listener, each connection's, the
# session's, with the PAM modules they run), client (ssh), helper (sandbox-shell: the outer half and PID 1 until its
# exec), shell (what the login runs: busybox sh, true), kernel (the kernel's threads: kworker, and a PID 0 sample
# outside the idle loop), idle, other; WHO.lock: the samples of WHO spinning on or waiting for a kernel lock (an
# optimistic spin on a mutex or rwsem, a queued spinlock's slow path); leaf.WHO.FUNCTION: the samples of the helper
# and of sshd by their innermost function; comm.COMM: the other samples by process name.
function sample() {
    if (comm == "sshd")
        who = "sshd"
    else if (comm == "ssh")
        who = "client"
    else if (comm == "sandbox-shell")
        who = "helper"
    else if (comm == "sh" || comm == "true" || comm == "busybox")
        who = "shell"
    else if (comm ~ /^kworker/ || (comm == "swapper" && !idle))
        who = "kernel"
    else if (comm == "swapper")
        who = "idle"
    else
        who = "other"
    n[who]++
    if (who == "other")
        k["comm." comm]++
    if (("osq_lock" in frame) || ("mutex_spin_on_owner" in frame) || ("rwsem_spin_on_owner" in frame) ||
        ("native_queued_spin_lock_slowpath" in frame) || ("__mutex_lock" in frame) || ("rwsem_down_write_slowpath" in frame) ||
        ("rwsem_down_read_slowpath" in frame))
        k[who ".lock"]++
    if (who == "helper" || who == "sshd")
        k["leaf." who "." firstsym]++
}
