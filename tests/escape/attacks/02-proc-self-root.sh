. /escape/lib.sh
fails "read the host marker through /proc/self/root" \
    "cat: can't open '/proc/self/root$HOST_MARKER': No such file or directory" cat "/proc/self/root$HOST_MARKER"
fails "read the host marker through /proc/self/root/.." \
    "cat: can't open '/proc/self/root/..$HOST_MARKER': No such file or directory" cat "/proc/self/root/..$HOST_MARKER"
expect "readlink /proc/self/root" / "$(readlink /proc/self/root)"
held
