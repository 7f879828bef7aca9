. /escape/lib.sh
# The flags and the clone flags busybox unshare passes for them.
for f in "-U 0x10000000" "-m 0x20000" "-p 0x20000000" "-n 0x40000000" "-i 0x8000000" "-u 0x4000000" \
    "-U -m -p -f 0x30020000"; do
    flags=${f% *}
    fails "unshare $flags" "unshare: unshare(${f##* }): Operation not permitted" unshare $flags true
done
held
