# io_uring is denied by the syscall filter: a ring's operations would reach the kernel without passing the filter.
. /escape/lib.sh
expect io_uring_setup "io_uring_setup: Operation not permitted" "$(sbx-escape io_uring_setup)"
held
