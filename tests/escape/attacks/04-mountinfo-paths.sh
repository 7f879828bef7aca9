# Every path mountinfo names (mount roots and mount points) leads into the sandbox, never to the host marker.
. /escape/lib.sh
n=0
while read -r _ _ _ root point _; do
    n=$((n + 1))
    for p in "$root" "$point"; do
        # Below a file (a device node bound in /dev, a masked /proc file) a path cannot go on.
        if [ -e "$p" ] && [ ! -d "$p" ]; then err="Not a directory"; else err="No such file or directory"; fi
        fails "read the host marker under $p" "cat: can't open '$p$HOST_MARKER': $err" cat "$p$HOST_MARKER"
    done
done </proc/self/mountinfo
[ "$n" -gt 0 ] || escaped "mountinfo unreadable"
fails "read the host marker by its host path" "cat: can't open '$HOST_MARKER': No such file or directory" cat "$HOST_MARKER"
held
