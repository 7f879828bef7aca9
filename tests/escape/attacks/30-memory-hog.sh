# A memory hog is refused by the address-space limit (LimitAS 512M in the test's policy).
. /escape/lib.sh
expect "allocate 1 GiB" "hog: Cannot allocate memory" "$(sbx-escape hog 1024)"
held
