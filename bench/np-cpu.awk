# SPDX-License-Identifier: LGPL-2.1-or-later
# Where the CPU of a Network private transfer goes, from a system-wide `perf record -a -g` of one transfer
# (bench/run.sh, part netprivate). Input: `perf script -F comm,pid,ip,sym,dso`; -v sink=PID: the internet's sink
# (its comm is the sender's, sbx-netfilter). Output: "PROCESS.WHAT samples" lines:
#   all.samples, and per process (stack, sender, sink, idle, other) its samples;
#   stack.WHAT: the stack's samples by what it was doing: the system call its kernel frames are under (tap-write:
#   frames to the sandbox, whose own TCP processing of them - the ACKs, and the data they let it send - runs in that
#   call; tap-read, sock-send, sock-recv, poll, syscall-other), kernel-irq (interrupts and softirqs on its time), or,
#   in user space, the library: user-libslirp, user-libc, user-other.
function flush() {
    if (comm == "")
        return
    all++
    if (comm == "sandbox-shell-n")
        who = "stack"
    else if (comm == "sbx-netfilter")
        who = (pid == sink) ? "sink" : "sender"
    else if (comm == "swapper")
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
            what = tun_w ? "tap-write" : "sock-send"
        else if (sys ~ /^(read|readv)$/)
            what = tun_r ? "tap-read" : "sock-recv"
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
    comm = ""
}
/^[^\t]/ && NF {
    flush()
    comm = $1
    pid = $2
    first = ""
    firstdso = ""
    sys = ""
    tun_w = tun_r = 0
    next
}
/^\t/ {
    if (first == "") {
        first = $1
        firstdso = $NF
    }
    # The outermost frame that names the system call (the __x64_sys_ wrapper is often a tail call, not a frame).
    if ($2 ~ /^(__x64_sys_|__do_sys_|ksys_|__sys_|do_sys_)[a-z0-9]+$/) {
        sys = $2
        sub(/^(__x64_sys_|__do_sys_|ksys_|__sys_|do_sys_)/, "", sys)
    }
    if ($2 == "tun_chr_write_iter")
        tun_w = 1
    if ($2 == "tun_chr_read_iter")
        tun_r = 1
    next
}
END {
    flush()
    print "all.samples", all + 0
    for (w in n)
        print w, n[w]
    for (w in k)
        print w, k[w]
}
