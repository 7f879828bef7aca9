. /escape/lib.sh
denied init_module "$(sbx-escape init_module)"
held
