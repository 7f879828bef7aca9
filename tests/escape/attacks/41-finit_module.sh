. /escape/lib.sh
expect finit_module "finit_module: Operation not permitted" "$(sbx-escape finit_module)"
held
