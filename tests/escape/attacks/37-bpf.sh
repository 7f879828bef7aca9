. /escape/lib.sh
denied bpf "$(sbx-escape bpf)"
held
