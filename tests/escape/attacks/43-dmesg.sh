. /escape/lib.sh
fails "dmesg reads the kernel log" "dmesg: klogctl: Operation not permitted" dmesg
held
