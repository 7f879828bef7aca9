# The 32-bit ABI: mount through int 0x80 is refused by the filter, which covers that ABI too; where the kernel has no
# 32-bit ABI, the kernel kills the caller with SIGSEGV.
. /escape/lib.sh
out=$(sbx-escape int80-mount)
if [ "$HOST_IA32" = yes ]; then
    expect "int 0x80 mount: status, output" "0:int80-mount: Operation not permitted" "$?:$out"
else
    expect "int 0x80 mount without a 32-bit ABI: status, output" "139:" "$?:$out"
fi
held
