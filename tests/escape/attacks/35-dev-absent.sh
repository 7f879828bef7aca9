. /escape/lib.sh
for d in /dev/mem /dev/kmem /dev/port /dev/kmsg /dev/sda /dev/vda /dev/nvme0n1 /dev/loop0 /dev/console /dev/tty0; do
    [ -e "$d" ] && escaped "$d exists"
done
held
