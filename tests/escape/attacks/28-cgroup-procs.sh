# No cgroupfs inside, and none can be mounted, so the cgroup cannot be left.
. /escape/lib.sh
expect "cgroup mounts" "" "$(awk '$3 ~ /^cgroup/' /proc/mounts)"
for f in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/pids/cgroup.procs; do
    (echo $$ >"$f") 2>/dev/null && escaped "wrote $f"
done
mount -t cgroup2 none /tmp 2>/dev/null && escaped "mounted cgroup2"
mount -t cgroup -o pids none /tmp 2>/dev/null && escaped "mounted cgroup v1"
held
