#!/bin/bash
# count-events.sh KEY(ec|rsa) VERSION(-tls1_3|-tls1_2) N EVENTS LABEL=STAPLE [LABEL=STAPLE ...]
#
# Events per stapled handshake of each `staple serve` build and of nginx (2 workers), counted with
# `perf stat -e EVENTS -p PIDS` (nginx: master and workers) over N sequential `openssl s_client
# -status` handshakes per server: counts, not times, so they do not depend on the machine's load.
# EVENTS is perf's comma-separated list: syscalls, context switches, uprobes.
#
# Example (PKI from make-pki.sh):
#   PKI=/tmp/h9/pki WORK=/tmp/h9/cnt Benchmarks/handshake/count-events.sh ec -tls1_3 100 \
#       raw_syscalls:sys_enter,syscalls:sys_enter_write,syscalls:sys_enter_epoll_wait,context-switches \
#       ours=.build/release/staple
#   (malloc calls: perf probe -x /lib/x86_64-linux-gnu/libc.so.6 -a malloc, then probe_libc:malloc)
. "$(dirname "$0")/nginx-conf.sh"
K=$1; V=$2; N=$3; EV=$4; shift 4
P=${PKI:-/tmp/ptls/pki}; W=${WORK:-/tmp/ptls/cnt}; mkdir -p $W
start_compared_servers "$@"
for j in "${!labels[@]}"; do for w in 1 2 3; do openssl s_client -connect 127.0.0.1:${ports[$j]} -status $V </dev/null >/dev/null 2>&1; done; done
for j in "${!labels[@]}"; do
  perf stat -x, -e $EV -p $(echo ${pidsets[$j]} | tr ' ' ',') -o $W/c-${labels[$j]}.txt & s=$!
  sleep 0.5
  for i in $(seq $N); do openssl s_client -connect 127.0.0.1:${ports[$j]} -servername bench.test -status $V </dev/null >/dev/null 2>&1; done
  sleep 0.3; kill -INT $s; wait $s 2>/dev/null
  awk -F, -v l=${labels[$j]} -v n=$N '$3!="" {printf "%s %s %.1f/handshake\n", l, $3, $1/n}' $W/c-${labels[$j]}.txt
done
for j in "${!labels[@]}"; do [ "${labels[$j]}" = nginx ] && kill -QUIT ${pidsets[$j]%% *} || kill ${pidsets[$j]}; done
wait 2>/dev/null
