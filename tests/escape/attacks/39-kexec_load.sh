. /escape/lib.sh
denied kexec_load "$(sbx-escape kexec_load)"
held
