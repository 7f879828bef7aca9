. /escape/lib.sh
expect fsopen "fsopen: Operation not permitted" "$(sbx-escape fsopen)"
held
