# No process outside the sandbox is visible, so no outside cwd/root link can be followed.
. /escape/lib.sh
applet stat
for d in /proc/[0-9]*; do
    u=$(stat -c %u "$d" 2>/dev/null) || continue # gone since the glob
    expect "owner of $d" "$HOST_UID" "$u"
    # (The init of an instance, not dumpable, lets nobody follow its links.)
    want="No such file or directory"
    [ "$d" = /proc/1 ] && [ $$ != 1 ] && want="Permission denied"
    for l in cwd root; do
        fails "read the host marker through $d/$l" "cat: can't open '$d/$l$HOST_MARKER': $want" cat "$d/$l$HOST_MARKER"
    done
done
[ -e "/proc/$HOST_SLEEPER" ] && escaped "the host PID $HOST_SLEEPER is visible"
held
