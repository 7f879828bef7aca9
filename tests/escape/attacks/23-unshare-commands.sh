. /escape/lib.sh
for f in -U -m -p -n -i -u "-U -m -p -f"; do
    unshare $f true 2>/dev/null && escaped "unshare $f"
done
held
