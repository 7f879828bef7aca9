# /proc/1/root is the sandbox's own root: the host file is not behind it, the rootfs is.
. /escape/lib.sh
fails "read the host marker through /proc/1/root" \
    "cat: can't open '/proc/1/root$HOST_MARKER': No such file or directory" cat "/proc/1/root$HOST_MARKER"
[ -f /proc/1/root/escape/lib.sh ] || escaped "/proc/1/root is not the rootfs"
expect "readlink /proc/1/root" / "$(readlink /proc/1/root)"
held
