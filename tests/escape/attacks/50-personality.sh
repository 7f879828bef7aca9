. /escape/lib.sh
expect "personality(ADDR_NO_RANDOMIZE)" "personality: Operation not permitted" "$(sbx-escape personality)"
held
