# SPDX-License-Identifier: LGPL-2.1-or-later
# Who has the CPUs while `cat` writes to a terminal, through the relay or without it, from a system-wide
# `perf record -a -g` of one run of `pty-drive out ...` (bench/run.sh, part relay), read by bench/samples.awk
# (`awk -f bench/samples.awk -f bench/relay-cpu.awk`). Output: "WHO.WHAT samples" lines:
#   all.samples, and per process its samples: cat (the writer), relay (the outer helper, comm sandbox-shell),
#   driver (pty-drive, the login's terminal), worker (the kernel's threads: on an otherwise idle machine nearly all
#   of them the workqueue's, running the ptys' flush_to_ldisc, which puts a pty's bytes through the line discipline
#   of its other side; worker.ldisc counts the samples inside flush_to_ldisc itself, the rest is the workqueue's own
#   handling of them; a PID 0 sample outside the idle loop is a kernel thread's), idle, other.
#   relay.WHAT: the relay's samples by the system call its kernel frames are under (read, write, poll, syscall-other),
#   kernel-irq, or user space (user);
#   cat.ldisc and relay.ldisc: the samples of the line discipline's output processing (n_tty_write) in the writer's
#   and the relay's own calls; relay-leaf.WHAT.FUNCTION: the relay's samples by WHAT and the innermost function.
function sample() {
    if (comm == "cat")
        who = "cat"
    else if (comm == "sandbox-shell")
        who = "relay"
    else if (comm == "pty-drive")
        who = "driver"
    else if (comm ~ /^kworker/ || (comm == "swapper" && !idle))
        who = "worker"
    else if (comm == "swapper")
        who = "idle"
    else
        who = "other"
    n[who]++
    if (who == "relay") {
        if (first !~ /^ffff/)
            what = "user"
        else if (sys == "")
            what = "kernel-irq"
        else if (sys ~ /^(read|write|poll|ppoll)$/)
            what = sys
        else
            what = "syscall-other"
        k["relay." what]++
        # Where the relay's samples were: the innermost function, by what the relay was doing.
        k["relay-leaf." what "." firstsym]++
    }
    if ((who == "relay" || who == "cat") && ("n_tty_write" in frame))
        k[who ".ldisc"]++
    if (who == "worker" && ("flush_to_ldisc" in frame))
        k["worker.ldisc"]++
}
