. /escape/lib.sh
expect move_mount "move_mount: Operation not permitted" "$(sbx-escape move_mount)"
held
