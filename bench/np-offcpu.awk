# SPDX-License-Identifier: LGPL-2.1-or-later
# Where the stack of Network private waits, from `perf record -a -g -e sched:sched_switch` filtered to its switches
# (bench/run.sh, part netprivate), one stack per session. Input: `perf script -F time,event,trace,ip,sym`. Output:
# "MEDIAN MEAN TIMES WHERE" lines: the time a stack spent off a CPU (asleep, or runnable and waiting for one) from
# each switch away until it ran again, summed per session by WHERE (the three kernel frames under the scheduler's own
# in the stack it left on); the median and the mean over the sessions, in ms, and the times per session (mean).
/sched:sched_switch:/ {
    flush()
    t = $1
    sub(/:$/, "", t)
    match($0, /prev_pid=[0-9]+/)
    pp = substr($0, RSTART + 9, RLENGTH - 9)
    match($0, /next_pid=[0-9]+/)
    np = substr($0, RSTART + 9, RLENGTH - 9)
    if ($0 ~ /next_comm=sandbox-shell-n / && (np in out)) {
        w = key[np]
        if (!(w in seen)) {
            seen[w] = 1
            wheres[++nw] = w
        }
        total[np, w] += (t - out[np]) * 1000
        times[w]++
        delete out[np]
    }
    taking = ($0 ~ /prev_comm=sandbox-shell-n /)
    if (taking) {
        if (!(pp in session)) {
            session[pp] = 1
            sessions[++ns] = pp
        }
        out[pp] = t
        cur = pp
        k = ""
        depth = 0
    }
    next
}
taking && /^\t/ {
    if ($2 ~ /^(__schedule|schedule|schedule_.*|preempt_schedule.*|io_schedule.*)$/ || depth >= 3)
        next
    k = k (depth ? ";" : "") $2
    depth++
    next
}
function flush() {
    if (taking)
        key[cur] = (k == "" ? "?" : k)
    taking = 0
}
END {
    flush()
    for (i = 1; i <= nw; i++) {
        w = wheres[i]
        sum = 0
        for (j = 1; j <= ns; j++) {
            v[j] = ((sessions[j], w) in total) ? total[sessions[j], w] : 0
            sum += v[j]
        }
        for (a = 2; a <= ns; a++) {
            x = v[a]
            b = a - 1
            while (b > 0 && v[b] > x) {
                v[b + 1] = v[b]
                b--
            }
            v[b + 1] = x
        }
        med = (ns % 2) ? v[(ns + 1) / 2] : (v[ns / 2] + v[ns / 2 + 1]) / 2
        printf "%.3f %.3f %.1f %s\n", med, sum / ns, times[w] / ns, w
    }
}
