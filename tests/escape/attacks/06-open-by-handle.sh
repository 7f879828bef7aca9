. /escape/lib.sh
expect open_by_handle_at "open_by_handle: Operation not permitted" "$(sbx-escape open_by_handle)"
held
