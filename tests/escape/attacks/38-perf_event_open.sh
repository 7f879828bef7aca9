. /escape/lib.sh
expect perf_event_open "perf_event_open: Operation not permitted" "$(sbx-escape perf_event_open)"
held
