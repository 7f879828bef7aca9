. /escape/lib.sh
(echo h >/proc/sysrq-trigger) 2>/dev/null && escaped "wrote /proc/sysrq-trigger"
held
