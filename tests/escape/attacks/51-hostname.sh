. /escape/lib.sh
expect sethostname "sethostname: Operation not permitted" "$(sbx-escape sethostname)"
fails "hostname escaped" "hostname: sethostname: Operation not permitted" hostname escaped
expect hostname box-sbxshell "$(hostname)"
held
