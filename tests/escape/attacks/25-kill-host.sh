# The test's own shell and a host sleeper, by their host PIDs: not in this PID namespace.
. /escape/lib.sh
kill -0 "$HOST_SLEEPER" 2>/dev/null && escaped "kill -0 of the host PID $HOST_SLEEPER succeeded"
kill -TERM "$HOST_SLEEPER" 2>/dev/null && escaped "kill -TERM of the host PID $HOST_SLEEPER succeeded"
kill -9 -1 2>/dev/null
held
