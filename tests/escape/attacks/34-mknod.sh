. /escape/lib.sh
expect mknod "mknod: Operation not permitted" "$(sbx-escape mknod)"
fails "mknod /tmp/mem" "mknod: /tmp/mem: Operation not permitted" mknod /tmp/mem c 1 1
fails "mknod /dev/shm/sda" "mknod: /dev/shm/sda: Operation not permitted" mknod /dev/shm/sda b 8 0
held
