# /tmp is a 64 MiB tmpfs: writing 70 MiB fails with ENOSPC.
. /escape/lib.sh
applet dd
out=$(dd if=/dev/zero of=/tmp/fill bs=1M count=70 2>&1) && escaped "wrote 70M to /tmp: $out"
rm -f /tmp/fill
expect "write 70M to /tmp" "dd: error writing '/tmp/fill': No space left on device" "$(echo "$out" | head -n 1)"
held
