# `..` of the root after the pivot is the root itself.
. /escape/lib.sh
applet ls
cd /.. && expect "pwd after cd /.." / "$(pwd -P)"
expect "ls /.. lists the rootfs" "$(ls /)" "$(ls /../../..)"
[ -d /../escape ] || escaped "/.. is not the rootfs"
held
