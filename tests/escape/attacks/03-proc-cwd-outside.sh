# No process outside the sandbox is visible, so no outside cwd/root link can be followed.
. /escape/lib.sh
for d in /proc/[0-9]*; do
    u=$(stat -c %u "$d" 2>/dev/null) || continue
    expect "owner of $d" "$HOST_UID" "$u"
    cat "$d/cwd$HOST_MARKER" "$d/root$HOST_MARKER" 2>/dev/null && escaped "read the host marker through $d"
done
[ -e "/proc/$HOST_SLEEPER" ] && escaped "the host PID $HOST_SLEEPER is visible"
held
