. /escape/lib.sh
expect TIOCSTI "TIOCSTI: Operation not permitted" "$(sbx-probe tiocsti)"
held
