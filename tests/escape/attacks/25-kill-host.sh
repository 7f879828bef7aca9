# The test's own shell and a host sleeper, by their host PIDs: not in this PID namespace.
. /escape/lib.sh
fails "kill -0 of the host PID $HOST_SLEEPER" "sh: can't kill pid $HOST_SLEEPER: No such process" kill -0 "$HOST_SLEEPER"
fails "kill -TERM of the host PID $HOST_SLEEPER" "sh: can't kill pid $HOST_SLEEPER: No such process" \
    kill -TERM "$HOST_SLEEPER"
if [ $$ = 1 ]; then
    # Every process this one may signal: none but itself and the sandbox's init, which kill(-1) spares.
    fails "kill -9 -1" "sh: can't kill pid -1: No such process" kill -9 -1
else
    # A shell that joined an instance (Instance user): kill(-1) reaches this script's own shell too, which ignores
    # SIGTERM here; a host process it reached would die of it (the suite then finds the host sleeper gone).
    trap '' TERM
    got=$(kill -TERM -1 2>&1) || escaped "kill -TERM -1 reached not even this shell: $got"
    trap - TERM
fi
held
