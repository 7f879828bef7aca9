# SPDX-License-Identifier: LGPL-2.1-or-later
# The reader of a system-wide profile's samples, shared by bench/np-cpu.awk and bench/relay-cpu.awk
# (`awk -f bench/samples.awk -f bench/THAT.awk`). Input: `perf script -F comm,pid,ip,sym,dso` of a
# `perf record -a -g`. For each sample it sets comm, pid, first, firstsym and firstdso (the innermost frame's
# address, function and object), sys (the system call the kernel frames are under: the outermost frame that names
# one, without its prefix - the __x64_sys_ wrapper is often a tail call, not a frame; "" for none), idle (1 when the
# sample is in the idle loop, cpu_startup_entry) and frame[FUNCTION] for every function of the chain, then calls
# sample(), which counts into n[WHO] and k[WHAT]; at the end it prints "all.samples N", then every n and k.
# The benchmark runs in a PID namespace of its own, where every task outside it has PID 0, as the idle task does:
# a PID 0 sample (comm swapper) is the idle task's only when idle is set.
function sample_done() {
    if (comm == "")
        return
    all++
    sample()
    comm = ""
}
/^[^\t]/ && NF {
    sample_done()
    comm = $1
    pid = $2
    first = firstsym = firstdso = sys = ""
    idle = 0
    split("", frame)
    next
}
/^\t/ {
    if (first == "") {
        first = $1
        firstsym = $2
        firstdso = $NF
    }
    if ($2 ~ /^(__x64_sys_|__do_sys_|ksys_|__sys_|do_sys_)[a-z0-9]+$/) {
        sys = $2
        sub(/^(__x64_sys_|__do_sys_|ksys_|__sys_|do_sys_)/, "", sys)
    }
    if ($2 == "do_idle" || $2 == "cpu_startup_entry")
        idle = 1
    frame[$2] = 1
    next
}
END {
    sample_done()
    print "all.samples", all + 0
    for (w in n)
        print w, n[w]
    for (w in k)
        print w, k[w]
}
