. /escape/lib.sh
caps=$(grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status | awk '{ print $2 }' | sort -u)
expect "capability sets" 0000000000000000 "$caps"
held
