. /escape/lib.sh
out=$(dd if=/dev/zero of=/dev/shm/fill bs=1M count=70 2>&1)
rm -f /dev/shm/fill
case "$out" in *"No space left"*) ;; *) escaped "wrote 70M to /dev/shm: $out" ;; esac
held
