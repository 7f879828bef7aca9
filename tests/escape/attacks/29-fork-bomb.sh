# A fork bomb stops at the process limit (LimitNPROC 64 in the test's policy); the session's end reaps the rest.
. /escape/lib.sh
out=$(sh -c 'i=0; while [ $i -lt 200 ]; do sleep 30 >/dev/null 2>&1 & i=$((i + 1)); done' 2>&1)
case "$out" in *"Resource temporarily unavailable"*) ;; *) escaped "200 forks did not hit the limit: $out" ;; esac
set -- /proc/[0-9]*
n=$#
kill -9 -1 2>/dev/null
[ "$n" -le 70 ] || escaped "$n processes alive above LimitNPROC 64"
held
