. /escape/lib.sh
expect open_tree "open_tree: Operation not permitted" "$(sbx-escape open_tree)"
held
