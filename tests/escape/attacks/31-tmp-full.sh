# /tmp is a 64 MiB tmpfs: writing 70 MiB fails with ENOSPC.
. /escape/lib.sh
out=$(dd if=/dev/zero of=/tmp/fill bs=1M count=70 2>&1)
rm -f /tmp/fill
case "$out" in *"No space left"*) ;; *) escaped "wrote 70M to /tmp: $out" ;; esac
held
