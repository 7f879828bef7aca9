. /escape/lib.sh
expect TIOCLINUX "TIOCLINUX: Operation not permitted" "$(sbx-probe tioclinux)"
held
