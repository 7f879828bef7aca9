# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by every attack script inside the sandbox (busybox sh). /escape/host.env, written by the runner, holds
# what the host side looks like: HOST_PID (the test's own shell), HOST_SLEEPER (a host process that records any
# signal), HOST_MARKER (a host file outside the rootfs), HOST_PORT (a host listener on 127.0.0.1), HOST_UID.
. /escape/host.env
escaped() { echo "ESCAPED: $*"; exit 1; }
# expect WHAT WANT GOT: the attack's outcome is exactly WANT.
expect() { [ "$2" = "$3" ] || escaped "$1: expected '$2', got '$3'"; }
# denied WHAT GOT: one probe line that is not "...: ok".
denied() { case "$2" in *": ok"|"") escaped "$1: $2" ;; esac; }
held() { echo held; exit 0; }
