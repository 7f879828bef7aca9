# Network none: only lo, and the host's 127.0.0.1 listener is not reachable.
. /escape/lib.sh
applet ip
expect interfaces lo "$(ip -o link | awk -F': ' '{ print $2 }')"
expect "connect to the host listener" "connect: Connection refused" "$(sbx-escape connect "$HOST_PORT")"
held
