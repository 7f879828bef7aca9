. /escape/lib.sh
for f in /bin/evil /etc/evil /escape/evil /evil; do
    touch "$f" 2>/dev/null && escaped "created $f"
done
(echo "evil::0:0::/:/bin/sh" >>/etc/passwd) 2>/dev/null && escaped "appended to /etc/passwd"
rm -f /bin/busybox 2>/dev/null; [ -e /bin/busybox ] || escaped "removed /bin/busybox"
held
