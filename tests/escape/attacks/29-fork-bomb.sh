# A fork bomb stops at the cgroup's task limit (TasksMax 64 in the test's policy; the runner checks that pids.events
# counted it); the session's end reaps the rest.
. /escape/lib.sh
applet sleep
out=$(sh -c 'i=0; while [ $i -lt 200 ]; do sleep 30 >/dev/null 2>&1 & i=$((i + 1)); done' 2>&1)
expect "200 forks" "sh: can't fork: Resource temporarily unavailable" "$out"
set -- /proc/[0-9]*
n=$#
kill -9 -1
[ "$n" -le 64 ] || escaped "$n processes alive above TasksMax 64"
held
