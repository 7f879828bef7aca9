. /escape/lib.sh
for h in /home/plainuser /root/.profile; do
    [ -e "$h" ] && escaped "$h is visible"
done
mkdir /home/plainuser 2>/dev/null && escaped "created /home/plainuser"
held
