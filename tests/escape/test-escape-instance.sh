#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The escape suite (test-escape.sh) with Instance user: every attack runs in a shell that joined the user's instance
# through the joiner, beside the instance's init, instead of as PID 1.
SBX_ESCAPE_INSTANCE=1 exec bash "$(dirname "$0")/test-escape.sh" "$@"
