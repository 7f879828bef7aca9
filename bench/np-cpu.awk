# SPDX-License-Identifier: LGPL-2.1-or-later
# Where the CPU of a Network private transfer goes, from a system-wide `perf record -a -g` of one transfer
# (bench/run.sh, part netprivate), read by bench/samples.awk (`awk -f bench/samples.awk -f bench/np-cpu.awk`);
# -v sink=PID: the internet's sink (its comm is the sender's, sbx-netfilter). Output: "PROCESS.WHAT samples" lines:
#   all.samples, and per process (stack, sender, sink, idle, other: a PID 0 sample outside the idle loop is a
#   kernel thread's) its samples;
#   stack.WHAT: the stack's samples by what it was doing: the system call its kernel frames are under (tap-write:
#   frames to the sandbox, whose own TCP processing of them - the ACKs, and the data they let it send - runs in that
#   call; tap-read, sock-send, sock-recv, poll, syscall-other), kernel-irq (interrupts and softirqs on its time), or,
#   in user space, the library: user-libslirp, user-libc, user-other.
function sample() {
    if (comm == "sandbox-shell-n")
        who = "stack"
    else if (comm == "sbx-netfilter")
        who = (pid == sink) ? "sink" : "sender"
    else if (comm == "swapper" && idle)
        who = "idle"
    else
        who = "other"
    n[who]++
    if (who == "stack") {
        if (first !~ /^ffff/)
            what = (firstdso ~ /libslirp/) ? "user-libslirp" : (firstdso ~ /libc\.so/) ? "user-libc" : "user-other"
        else if (sys == "")
            what = "kernel-irq"
        else if (sys ~ /^(write|writev)$/)
            what = ("tun_chr_write_iter" in frame) ? "tap-write" : "sock-send"
        else if (sys ~ /^(read|readv)$/)
            what = ("tun_chr_read_iter" in frame) ? "tap-read" : "sock-recv"
        else if (sys ~ /^(sendto|sendmsg)$/)
            what = "sock-send"
        else if (sys ~ /^(recvfrom|recvmsg)$/)
            what = "sock-recv"
        else if (sys ~ /^(poll|ppoll)$/)
            what = "poll"
        else
            what = "syscall-other"
        k["stack." what]++
    }
}
