# Setuid-root copies in the rootfs (put there by the runner) do not elevate: nosuid and no_new_privs.
. /escape/lib.sh
expect "setuid probe" "uid=$HOST_UID euid=$HOST_UID" "$(/bin/suid-escape ids)"
expect "setuid busybox id -u" "$HOST_UID" "$(/suid/busybox id -u)"
[ -u /bin/suid-escape ] || escaped "the setuid bit is not there (the test proves nothing)"
held
