. /escape/lib.sh
expect pivot_root "pivot_root: Operation not permitted" "$(sbx-escape pivot_root)"
held
