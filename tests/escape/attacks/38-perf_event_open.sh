. /escape/lib.sh
denied perf_event_open "$(sbx-escape perf_event_open)"
held
