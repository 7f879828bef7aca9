. /escape/lib.sh
cat "/proc/self/root$HOST_MARKER" 2>/dev/null && escaped "read the host marker through /proc/self/root"
cat "/proc/self/root/..$HOST_MARKER" 2>/dev/null && escaped "read the host marker through /proc/self/root/.."
expect "readlink /proc/self/root" / "$(readlink /proc/self/root)"
held
