. /escape/lib.sh
expect "ptrace the host PID" "ptrace: No such process" "$(sbx-escape ptrace "$HOST_SLEEPER")"
held
