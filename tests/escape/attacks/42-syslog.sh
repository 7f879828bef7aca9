. /escape/lib.sh
expect syslog "syslog: Operation not permitted" "$(sbx-escape syslog)"
held
