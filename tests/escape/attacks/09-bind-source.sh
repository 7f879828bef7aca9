# The home is a bind mount: its parent is the rootfs's /home, and other users' homes are not there.
. /escape/lib.sh
expect "ls ~/.." sbxshell "$(ls ~/..)"
[ -e /home/plainuser ] && escaped "another user's home is visible"
cd ~/../.. && [ -d escape ] || escaped "~/../.. is not the rootfs"
held
