. /escape/lib.sh
expect sethostname "sethostname: Operation not permitted" "$(sbx-escape sethostname)"
hostname escaped 2>/dev/null && escaped "hostname escaped"
expect hostname box-sbxshell "$(hostname)"
held
