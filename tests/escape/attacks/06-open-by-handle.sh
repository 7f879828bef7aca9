. /escape/lib.sh
denied open_by_handle_at "$(sbx-escape open_by_handle)"
held
