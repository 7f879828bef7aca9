# SPDX-License-Identifier: LGPL-2.1-or-later
# Where a keystroke's echo spends its time, from a system-wide perf record of `pty-drive echo N ...` through the relay
# and without it (bench/run.sh, part relay), with these events: the driver's one-byte writes (the keystroke,
# syscalls:sys_enter_write), the driver's reads that return something (the echo, syscalls:sys_exit_read), and every
# system call entry of the relay (raw_syscalls:sys_enter of the outer helper, comm sandbox-shell). No tracer stops a
# process: each step runs from one event to the next.
# Input: `perf script -F comm,pid,time,event,trace`. Output: "STEP µs" lines, one set per keystroke, for bench/run.sh's
# stats, and per keystroke through the relay the relay's system calls ("relay.calls N" and "relay.nr-NR N"):
#   direct.total              the keystroke written to the echo read, without the relay
#   relay.total               the same through the relay, made of:
#   relay.caller-in           the keystroke through the login's terminal to the relay (its read of the terminal)
#   relay.relay-in            the relay's read of the terminal to its write to the sandbox's pty
#   relay.sandbox-pty         that write to the relay's read of the echo from the sandbox's pty (its line discipline
#                             echoes, the master's side of it wakes the relay)
#   relay.relay-out           that read to the relay's write of the echo to the login's terminal
#   relay.caller-out          that write to the driver's read of the echo
function flush() {
    if (key == "" || echo == "")
        return
    if (t["in"] == "") {
        printf "direct.total %.1f\n", (echo - key) * 1e6
    } else if (t["tomaster"] != "" && t["frommaster"] != "" && t["out"] != "") {
        printf "relay.total %.1f\n", (echo - key) * 1e6
        printf "relay.caller-in %.1f\n", (t["in"] - key) * 1e6
        printf "relay.relay-in %.1f\n", (t["tomaster"] - t["in"]) * 1e6
        printf "relay.sandbox-pty %.1f\n", (t["frommaster"] - t["tomaster"]) * 1e6
        printf "relay.relay-out %.1f\n", (t["out"] - t["frommaster"]) * 1e6
        printf "relay.caller-out %.1f\n", (echo - t["out"]) * 1e6
        printf "relay.calls %d\n", calls
        for (nr in per)
            printf "relay.nr-%s %d\n", nr, per[nr]
    }
}
function reset() {
    key = echo = ""
    t["in"] = t["tomaster"] = t["frommaster"] = t["out"] = ""
    master = ""
    calls = 0
    for (nr in per)
        delete per[nr]
}
BEGIN { reset() }
{
    time = $3
    sub(/:$/, "", time)
    ev = $4
    sub(/:$/, "", ev)
}
$1 == "pty-drive" && ev == "syscalls:sys_enter_write" {
    flush()
    reset()
    key = time
    next
}
$1 == "pty-drive" && ev == "syscalls:sys_exit_read" && key != "" && echo == "" {
    echo = time
    next
}
# The relay's calls: "NR nr (fd, buf, count, ...)", the arguments in hex.
$1 == "sandbox-shell" && ev == "raw_syscalls:sys_enter" && key != "" && echo == "" {
    nr = $6
    a = $0
    sub(/^[^(]*\(/, "", a)
    split(a, arg, /[,)] */)
    fd = arg[1]
    calls++
    per[nr]++
    if (nr == 0 && fd == "0" && t["in"] == "")
        t["in"] = time
    else if (nr == 1 && t["in"] != "" && t["tomaster"] == "" && fd != "1" && fd != "2") {
        t["tomaster"] = time
        master = fd
    } else if (nr == 0 && master != "" && fd == master && t["frommaster"] == "")
        t["frommaster"] = time
    else if (nr == 1 && t["frommaster"] != "" && t["out"] == "" && (fd == "1" || fd == "2"))
        t["out"] = time
    next
}
END { flush() }
