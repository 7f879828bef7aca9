# Network none: only lo, and the host's 127.0.0.1 listener is not reachable.
. /escape/lib.sh
expect interfaces lo "$(ls /sys/class/net 2>/dev/null || ip -o link | awk -F': ' '{ print $2 }')"
expect "connect to the host listener" "connect: Connection refused" "$(sbx-escape connect "$HOST_PORT")"
held
