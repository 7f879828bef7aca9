# /proc/sysrq-trigger, where the kernel has it, is covered by an empty file on a read-only mount.
. /escape/lib.sh
if [ "$HOST_SYSRQ" = yes ]; then want="Read-only file system"; else want="nonexistent directory"; fi
write_fails "write /proc/sysrq-trigger" /proc/sysrq-trigger "$want"
held
