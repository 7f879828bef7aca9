. /escape/lib.sh
denied "personality(ADDR_NO_RANDOMIZE)" "$(sbx-escape personality)"
held
