# No cgroupfs inside, and none can be mounted, so the cgroup cannot be left.
. /escape/lib.sh
applet awk
expect "cgroup mounts" "" "$(awk '$3 ~ /^cgroup/' /proc/mounts)"
for f in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/pids/cgroup.procs; do
    write_fails "write $f" "$f" "nonexistent directory"
done
fails "mount cgroup2" "mount: permission denied (are you root?)" mount -t cgroup2 none /tmp
fails "mount cgroup v1" "mount: permission denied (are you root?)" mount -t cgroup -o pids none /tmp
held
