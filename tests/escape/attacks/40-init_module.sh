. /escape/lib.sh
expect init_module "init_module: Operation not permitted" "$(sbx-escape init_module)"
held
