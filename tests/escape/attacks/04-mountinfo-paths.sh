# Every path mountinfo names (mount roots and mount points) leads into the sandbox, never to the host marker.
. /escape/lib.sh
n=0
while read -r _ _ _ root point _; do
    n=$((n + 1))
    for p in "$root" "$point"; do
        cat "$p$HOST_MARKER" 2>/dev/null && escaped "read the host marker under $p"
    done
done </proc/self/mountinfo
[ "$n" -gt 0 ] || escaped "mountinfo unreadable"
cat "$HOST_MARKER" 2>/dev/null && escaped "the host marker is reachable by its host path"
held
