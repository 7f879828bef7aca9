. /escape/lib.sh
expect unshare-net "unshare-net: Operation not permitted" "$(sbx-escape unshare-net)"
held
