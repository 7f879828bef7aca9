# The 32-bit ABI: mount through int 0x80 is refused, or the ABI is absent (the kernel kills the caller with SIGSEGV).
. /escape/lib.sh
out=$(sbx-escape int80-mount 2>/dev/null)
rc=$?
[ "$rc" = 139 ] || denied "int 0x80 mount" "$out"
held
