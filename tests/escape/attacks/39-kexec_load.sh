. /escape/lib.sh
expect kexec_load "kexec_load: Operation not permitted" "$(sbx-escape kexec_load)"
held
