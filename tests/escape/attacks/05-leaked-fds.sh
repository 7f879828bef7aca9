# Nothing beyond 0-2 is inherited from the helper: a child lists only 0-2 and the directory it reads.
. /escape/lib.sh
fds=$(sbx-escape fds)
expect "inherited descriptors" "0 1 2" "$fds"
held
