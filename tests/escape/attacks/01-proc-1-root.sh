# /proc/1/root is the sandbox's own root: the host file is not behind it, the rootfs is.
# In a shell that joined an instance (Instance user), PID 1 is the instance's init, which is not dumpable: its root is
# not even to be looked at, and the shell's own is the sandbox's root.
. /escape/lib.sh
p=1
if [ $$ != 1 ]; then
    fails "read the host marker through the init's /proc/1/root" \
        "cat: can't open '/proc/1/root$HOST_MARKER': Permission denied" cat "/proc/1/root$HOST_MARKER"
    p=$$
fi
fails "read the host marker through /proc/$p/root" \
    "cat: can't open '/proc/$p/root$HOST_MARKER': No such file or directory" cat "/proc/$p/root$HOST_MARKER"
[ -f "/proc/$p/root/escape/lib.sh" ] || escaped "/proc/$p/root is not the rootfs"
expect "readlink /proc/$p/root" / "$(readlink "/proc/$p/root")"
held
