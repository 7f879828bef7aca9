# The user-facing tools the same way.
. /escape/lib.sh
fails "mount tmpfs" "mount: permission denied (are you root?)" mount -t tmpfs none /tmp
fails "mount --bind" "mount: permission denied (are you root?)" mount --bind / /tmp
fails chroot "chroot: can't change root directory to '/tmp': Operation not permitted" chroot /tmp /bin/true
fails "umount /proc" "umount: can't unmount /proc: Operation not permitted" umount -l /proc
held
