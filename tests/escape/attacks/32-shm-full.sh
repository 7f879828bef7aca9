. /escape/lib.sh
applet dd
out=$(dd if=/dev/zero of=/dev/shm/fill bs=1M count=70 2>&1) && escaped "wrote 70M to /dev/shm: $out"
rm -f /dev/shm/fill
expect "write 70M to /dev/shm" "dd: error writing '/dev/shm/fill': No space left on device" "$(echo "$out" | head -n 1)"
held
