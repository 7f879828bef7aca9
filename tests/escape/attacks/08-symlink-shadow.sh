# A symlink in the home pointing at /etc/shadow resolves in the rootfs (which has none), not on the host.
. /escape/lib.sh
ln -sf /etc/shadow ~/shadow-link
out=$(cat ~/shadow-link 2>&1) && { rm -f ~/shadow-link; escaped "read through ~/shadow-link: $out"; }
rm -f ~/shadow-link
expect "read /etc/shadow through ~/shadow-link" "cat: can't open '$HOME/shadow-link': No such file or directory" "$out"
ln -sf "$HOST_MARKER" ~/marker-link
out=$(cat ~/marker-link 2>&1) && { rm -f ~/marker-link; escaped "read the host marker through a symlink: $out"; }
rm -f ~/marker-link
expect "read the host marker through ~/marker-link" "cat: can't open '$HOME/marker-link': No such file or directory" "$out"
held
