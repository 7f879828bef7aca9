. /escape/lib.sh
denied finit_module "$(sbx-escape finit_module)"
held
