#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `su - user` typed in root's terminal (a tmux pane running root's shell): the sandbox gets a pty of its own and never
# holds root's terminal. A process in the sandbox that keeps a duplicate of its fd 0, or passes it over a unix socket
# in the home to another session of the same user, can use it only while the session lasts (positive control: what it
# writes shows in root's pane then); after su returns it can neither write into root's terminal nor read what root
# types. A keeper that outlives the shell's exit (a session of its own, SIGHUP ignored) ends with the sandbox's PID
# namespace when the shell, its PID 1, exits. Through the new pty vi, Ctrl-C, Ctrl-Z/fg, a window resize and `exit 3`
# work as on any terminal, and so does Ctrl-D: it ends what cat reads, and at an empty prompt the shell, su returning
# the status of its last command. With only su's output a terminal, the shell reads root's pipe to its end.
. "$(dirname "$0")/common.sh"
sbx_e2e_setup "$@"
sbx_tmux_init sbx-su-term
SBX_TMUX_WAIT=150
install -m 0755 "$SBX_ESCAPE" "$SBX_WS/rootfs/bin/sbx-escape"
# The keeper that stays through `exit 3`: a duplicate of fd 0 and a tick through it every 0.3 s, SIGHUP ignored (the
# hang-up of the terminal when the shell exits does not end it).
cat >"$SBX_WS/rootfs/bin/sbx-keeper" <<'EOF'
#!/bin/sh
trap '' HUP
exec 3<&0 >/dev/null 2>&1
while :; do
    echo "STAY-TICK-$((6 * 7))" >&3
    sleep 0.3
done
EOF
chmod 0755 "$SBX_WS/rootfs/bin/sbx-keeper"
H=/home/sbxuser1

# Root's terminal: a shell with a prompt that cannot be mistaken for the sandbox's ('$ ').
tm new-session -d -x 120 -y 40 "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=xterm PS1='root# ' bash --norc --noprofile"
expect '^root# ?$' "root's shell is up in the pane"

# The other session of the same user, without a terminal: it waits for a descriptor on a socket in the home.
su sbxuser1 -c "/bin/sbx-escape fd-recv $H/fd.sock $H" </dev/null >"$SBX_WS/recv.out" 2>&1 &
recv_pid=$!
sbx_wait_for "grep -q '^listening' '$SBX_WS/recv.out'" 100 || sbx_fail "the receiving session did not start: $(cat "$SBX_WS/recv.out")"
echo "ok - a second session of sbxuser1 listens on a socket in the home"

# From root's terminal with every descriptor redirected (su without -c, which does not start a session of its own:
# the shell reads its commands from a file): su's session still has root's terminal, which /dev/tty names. The sandbox
# has a session of its own, where /dev/tty names nothing (positive control: a plain user's shell reaches it).
echo 'echo x 2>/dev/null >/dev/tty && echo TTY-OPEN || echo TTY-NONE' >"$SBX_WS/probe.sh"
chmod 0644 "$SBX_WS/probe.sh"
send "clear; su - plainuser <$SBX_WS/probe.sh >$SBX_WS/tty-plain.out 2>&1; su - sbxuser1 <$SBX_WS/probe.sh >$SBX_WS/tty-sbx.out 2>&1; echo PROBED" Enter
expect '^PROBED$' "the /dev/tty probes ran"
sbx_assert_eq "a plain user's shell under su with its descriptors redirected reaches root's terminal (positive control)" \
    TTY-OPEN "$(cat "$SBX_WS/tty-plain.out")"
sbx_assert_eq "... the sandbox's does not: it has a session of its own, without root's terminal" TTY-NONE \
    "$(cat "$SBX_WS/tty-sbx.out")"
send 'clear; su - sbxuser1' Enter
expect '\$ ?$' "su - sbxuser1 from root's terminal gives the sandbox's prompt"
send 'clear; echo PID=$$ TTY=$(tty)' Enter
expect '^PID=1 TTY=/dev/pts/0$' "the shell is PID 1 on a terminal of the sandbox's own devpts"

# The keeper: a background job that keeps a duplicate of fd 0 and writes a tick through it every 0.3 s.
send 'clear; (exec 3<&0; while :; do echo KEEPER-TICK-$((6 * 7)) >&3; sleep 0.3; done) >/dev/null 2>&1 &' Enter
expect '^KEEPER-TICK-42' "the keeper writes through its duplicate of fd 0 (positive control)"
send "/bin/sbx-escape fd-send $H/fd.sock 0" Enter
expect '^fd-send: ok$' "fd 0 is passed over the socket in the home"
sbx_wait_for "grep -q '^received' '$SBX_WS/recv.out'" 100 || sbx_fail "the descriptor did not arrive: $(cat "$SBX_WS/recv.out")"
touch "$H/go1"
sbx_wait_for "grep -q '^read1:' '$SBX_WS/recv.out'" 100 || sbx_fail "the receiver did not act: $(cat "$SBX_WS/recv.out")"
sbx_assert_match "while the session lasts, the passed descriptor writes (positive control)" '^write1: ok$' \
    "$(cat "$SBX_WS/recv.out")"
expect 'FD-WRITE-1' "... and what it writes shows in root's pane (positive control)"

# Through the new pty: Ctrl-C, Ctrl-Z and fg, a resize, vi. Job control is checked where the screen cannot lie: the
# kernel's state of the job's process (S running, T stopped, gone), and lines the shell computes (busybox sh sets $?
# to 130 on a Ctrl-C at an idle prompt too, so a status alone proves nothing).
# The keeper goes first, and is reaped before the next prompt: busybox sh drops what was typed so far when a job's
# SIGCHLD comes in while it reads a line (plain busybox in tmux does the same, sandbox or not).
send 'kill %1; wait; sleep 1; clear; echo KEEPER-GONE' Enter
expect '^KEEPER-GONE$' "the keeper is stopped"
send 'sleep 300' Enter
expect_proc sbxuser1 'sleep 300' S "the foreground job runs"
send C-c
expect_proc sbxuser1 'sleep 300' '' "Ctrl-C ends the foreground job"
send 'st=$?; clear; echo AFTER-CTRL-C=$st' Enter
expect '^AFTER-CTRL-C=130$' "... (status 130) and the shell goes on"
send 'sleep 301' Enter
expect_proc sbxuser1 'sleep 301' S "a second foreground job runs"
send C-z
expect_proc sbxuser1 'sleep 301' T "Ctrl-Z stops the foreground job"
expect '(^|\^Z)\[1\]\+ +Stopped +sleep 301$' "... and the shell reports it stopped"
send 'clear; fg' Enter
expect '^sleep 301$' "fg names the job it resumes"
expect_proc sbxuser1 'sleep 301' S "fg resumes it"
send C-c
expect_proc sbxuser1 'sleep 301' '' "Ctrl-C ends the resumed job"
send 'st=$?; clear; echo FG-STATUS=$st' Enter
expect '^FG-STATUS=130$' "... which the shell saw die of SIGINT"
send 'clear; stty size' Enter
expect '^40 120$' "the window size reaches the sandbox's pty"
tm resize-window -x 100 -y 30
sleep 0.5
send 'clear; stty size' Enter
expect '^30 100$' "a window resize reaches the sandbox's pty"
send 'clear; vi ~/notes' Enter
expect '^~ *$' "vi draws its screen"
send 'i' 'written in vi'
sleep 0.3
send Escape
sleep 0.5
send ':wq' Enter
sleep 1
send 'clear; sed "s/^/NOTES:/" ~/notes' Enter
expect '^NOTES:written in vi$' "vi wrote the file"
sbx_assert_eq "... in the home" "written in vi" "$(cat "$H/notes")"

# The second keeper, started after the job-control steps: it is no job of the shell (a non-interactive sh puts it in
# the background and exits at once; such a shell gives a background command /dev/null as stdin unless it is
# redirected), so the shell's exit neither waits for it nor signals it, and setsid gives it a session of its own, so
# no hang-up of the shell's session reaches it.
send 'clear; sh -c "exec 4<&0; setsid /bin/sbx-keeper <&4 4<&- &"' Enter
expect '^STAY-TICK-42' "a second keeper writes through its duplicate of fd 0 (positive control)"
keeper=$(pgrep -u sbxuser1 -xf '/bin/sh /bin/sbx-keeper' || true)
[ -n "$keeper" ] && [ "$(ps -o sid= -p "$keeper" | tr -d ' ')" = "$keeper" ] ||
    sbx_fail "the second keeper does not run in a session of its own: $(ps -u sbxuser1 -o pid,sid,args 2>&1)"
echo "ok - ... from a session of its own"

send 'exit 3' Enter
expect '^root# ?$' "su returns to root's shell"
# su returns after the helper reaped PID 1, which the kernel lets go only once every other process of its PID namespace
# is gone (the session's close, before su returns, kills what is left in its cgroup too): no waiting here.
sbx_assert_eq "the second keeper ended with the sandbox's PID namespace" "" \
    "$(pgrep -u sbxuser1 -af 'sbx-keeper|^sleep 0\.3$' || true)"
send 'st=$?; clear; echo SU-EXIT=$st' Enter
expect '^SU-EXIT=3$' "exit 3 in the sandbox is su's status"

# After su returned: the keepers died with the sandbox, the passed descriptor is hung up. The screen was cleared
# above; a keeper ticking every 0.3 s would show within the second.
sleep 1
sbx_assert_no_match "no keeper tick reaches root's terminal after su returned" 'KEEPER-TICK|STAY-TICK' "$(screen)"
touch "$H/go2"
sleep 0.3
send 'echo ROOT-TYPED-$((2 + 2))' Enter
sbx_wait_for "grep -q '^read2:' '$SBX_WS/recv.out'" 100 || sbx_fail "the receiver did not act: $(cat "$SBX_WS/recv.out")"
out=$(cat "$SBX_WS/recv.out")
sbx_assert_match "after su returned, writing through the passed descriptor fails" '^write2: Input/output error$' "$out"
sbx_assert_no_match "... and reading from it gets nothing root typed" "^read2: .*ROOT-TYPED" "$out"
expect '^ROOT-TYPED-4$' "what root typed reached root's own shell"
sbx_assert_no_match "nothing the receiver wrote shows in root's pane after su returned" 'FD-WRITE-2' "$(screen)"
touch "$H/stop"
wait "$recv_pid"

# Ctrl-D, which the relay passes on as the byte it is: the sandbox's own pty makes it the end of what a reader gets.
# The keys go only once cat sleeps in its read, in canonical mode (typed earlier, they could reach the shell's line
# editor, which reads them raw).
send 'clear; su - sbxuser1' Enter
expect '\$ ?$' "su - sbxuser1 again"
send 'clear; cat >~/typed; echo CAT-DONE=$?' Enter
expect_proc sbxuser1 cat S "cat reads the terminal"
send 'line one' Enter
send 'line two' C-d
sleep 0.3
expect_proc sbxuser1 cat S "... and reads on after a Ctrl-D that ends a line part-typed"
send C-d
expect '(^|line two)CAT-DONE=0$' "a Ctrl-D at the start of a line ends cat's input"
sbx_assert_eq "... and cat got what was typed, the part-typed line without a newline" "line one
line two|" "$(cat "$H/typed"; echo '|')"
send 'clear; echo READY-$((2 + 3)); (exit 5)' Enter
expect '^READY-5$' "the shell is back at its prompt"
sleep 0.5
send C-d
expect '^root# ?$' "Ctrl-D at the sandbox's empty prompt ends the shell, and su returns to root's shell"
send 'st=$?; clear; echo EOF-EXIT=$st' Enter
expect '^EOF-EXIT=5$' "... with the status of the shell's last command"
sbx_e2e_assert_clean sbxuser1 "after Ctrl-D"

# Root's pipe as su's stdin, the pane as its output: the sandbox's pty takes the place of fds 1 and 2 only, the shell
# reads the pipe and ends at its end.
printf 'echo PIPED=$((6 * 7)) PID=$$ OUT=$(readlink /proc/self/fd/2)\n(exit 6)\n' >"$SBX_WS/piped"
send "clear; cat $SBX_WS/piped | su - sbxuser1; echo PIPE-EXIT=\$?" Enter
expect '^PIPED=42 PID=1 OUT=/dev/pts/0$' "with a pipe as su's stdin, the shell runs what it reads, writing to its pty"
expect '^PIPE-EXIT=6$' "... and ends at the pipe's end, su giving the status of its last command"
tm kill-server 2>/dev/null
sbx_e2e_assert_clean sbxuser1
