. /escape/lib.sh
expect umount "umount: Operation not permitted" "$(sbx-escape umount)"
held
