# A symlink in the home pointing at /etc/shadow resolves in the rootfs (which has none), not on the host.
. /escape/lib.sh
ln -sf /etc/shadow ~/shadow-link
out=$(cat ~/shadow-link 2>&1)
rm -f ~/shadow-link
case "$out" in *"No such file"*) ;; *) escaped "read through ~/shadow-link: $out" ;; esac
ln -sf "$HOST_MARKER" ~/marker-link
cat ~/marker-link 2>/dev/null && { rm -f ~/marker-link; escaped "read the host marker through a symlink"; }
rm -f ~/marker-link
held
