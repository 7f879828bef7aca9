. /escape/lib.sh
expect unshare-pid "unshare-pid: Operation not permitted" "$(sbx-escape unshare-pid)"
held
