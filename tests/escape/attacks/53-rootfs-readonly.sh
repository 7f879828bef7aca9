. /escape/lib.sh
for f in /bin/evil /etc/evil /escape/evil /evil; do
    fails "create $f" "touch: $f: Read-only file system" touch "$f"
done
write_fails "append to /etc/passwd" /etc/passwd "Permission denied" append
fails "remove /bin/busybox" "rm: can't remove '/bin/busybox': Read-only file system" rm -f /bin/busybox
[ -e /bin/busybox ] || escaped "removed /bin/busybox"
held
