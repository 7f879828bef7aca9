# /proc/1/root is the sandbox's own root: the host file is not behind it, the rootfs is.
. /escape/lib.sh
cat "/proc/1/root$HOST_MARKER" 2>/dev/null && escaped "read the host marker through /proc/1/root"
[ -f /proc/1/root/escape/lib.sh ] || escaped "/proc/1/root is not the rootfs"
expect "readlink /proc/1/root" / "$(readlink /proc/1/root)"
held
