. /escape/lib.sh
for f in /proc/sys/kernel/hostname /proc/sys/kernel/core_pattern /proc/sys/vm/drop_caches /proc/sys/kernel/modprobe; do
    want="Read-only file system"
    [ "$f" = /proc/sys/kernel/modprobe ] && [ "$HOST_MODPROBE" != yes ] && want="nonexistent directory"
    write_fails "write $f" "$f" "$want"
done
expect "core_pattern mount" ro "$(awk '$5 == "/proc/sys" { split($6, o, ","); print o[1] }' /proc/self/mountinfo | head -1)"
held
