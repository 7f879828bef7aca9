. /escape/lib.sh
expect bpf "bpf: Operation not permitted" "$(sbx-escape bpf)"
held
