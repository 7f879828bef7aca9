. /escape/lib.sh
expect keyctl "keyctl: Operation not permitted" "$(sbx-probe keyctl)"
held
