. /escape/lib.sh
denied syslog "$(sbx-escape syslog)"
held
