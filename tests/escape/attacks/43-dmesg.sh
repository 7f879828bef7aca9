. /escape/lib.sh
dmesg >/dev/null 2>&1 && escaped "dmesg read the kernel log"
held
