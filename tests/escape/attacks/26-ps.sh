# ps shows only the sandbox: PID 1 is this session's shell and every process is the user's.
. /escape/lib.sh
others=$(ps -o user,pid,comm | awk 'NR > 1 && $1 != "sbxshell"')
expect "processes of others" "" "$others"
expect "owner of PID 1" "$HOST_UID" "$(stat -c %u /proc/1)"
held
