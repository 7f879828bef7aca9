# A memory hog is killed by the cgroup's OOM killer (MemoryMax 256M, MemorySwapMax 0 in the test's policy; the runner
# checks the OOM kill was counted): it gets its memory (no address-space limit) and dies touching it, by SIGKILL.
. /escape/lib.sh
out=$(sbx-escape hog 1024)
expect "allocate and touch 1 GiB: status, output" "137:" "$?:$out"
held
