# /dev holds only the harmless nodes (plus the pts/shm/fd plumbing).
. /escape/lib.sh
devs=$(find /dev -type c -o -type b | grep -v '^/dev/pts/' | sort | tr '\n' ' ')
expect "device nodes" "/dev/full /dev/null /dev/random /dev/tty /dev/urandom /dev/zero " "$devs"
held
