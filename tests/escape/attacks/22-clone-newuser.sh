. /escape/lib.sh
expect clone-newuser "clone-newuser: Operation not permitted" "$(sbx-escape clone-newuser)"
held
