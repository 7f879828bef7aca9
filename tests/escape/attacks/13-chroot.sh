. /escape/lib.sh
expect chroot "chroot: Operation not permitted" "$(sbx-escape chroot)"
held
