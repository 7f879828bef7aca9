# io_uring_setup is allowed (not in the deny list): what is true is asserted. Its operations act with the user's
# own credentials inside the sandbox's namespaces; none of them mounts, unshares or loads code.
. /escape/lib.sh
expect io_uring_setup "io_uring_setup: ok" "$(sbx-escape io_uring_setup)"
held
