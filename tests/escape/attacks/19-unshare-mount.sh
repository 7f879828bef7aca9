. /escape/lib.sh
expect unshare-mount "unshare-mount: Operation not permitted" "$(sbx-escape unshare-mount)"
held
