. /escape/lib.sh
for h in /home/plainuser /root/.profile; do
    [ -e "$h" ] && escaped "$h is visible"
done
fails "create /home/plainuser" "mkdir: can't create directory '/home/plainuser': Read-only file system" mkdir /home/plainuser
held
