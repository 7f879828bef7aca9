. /escape/lib.sh
expect unshare-user "unshare-user: Operation not permitted" "$(sbx-escape unshare-user)"
held
