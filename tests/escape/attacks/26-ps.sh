# ps shows only the sandbox: PID 1 is this session's shell and every process is the user's.
. /escape/lib.sh
applet ps awk
list=$(ps -o user,pid,comm)
expect "processes of others" "" "$(echo "$list" | awk 'NR > 1 && $1 != "sbxshell"')"
expect "ps lists PID 1, the user's" sbxshell "$(echo "$list" | awk '$2 == 1 { print $1 }')"
expect "owner of PID 1" "$HOST_UID" "$(stat -c %u /proc/1)"
held
