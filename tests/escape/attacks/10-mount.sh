. /escape/lib.sh
expect mount "mount: Operation not permitted" "$(sbx-escape mount)"
held
