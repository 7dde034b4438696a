#!/bin/bash
# profile-both.sh KEY(ec|rsa) VERSION(-tls1_3|-tls1_2) N LABEL=STAPLE [LABEL=STAPLE ...]
#
# `perf record -e task-clock -c 10000` of each `staple serve` build and of nginx (2 workers; master
# and workers) while two parallel loops make N rounds of one `openssl s_client -status` handshake
# with every server in turn; writes WORK/LABEL.data and WORK/LABEL.txt (samples per library and
# symbol, `perf report --sort dso,sym`), to compare symbol by symbol.
#
# Example: PKI=/tmp/h9/pki WORK=/tmp/h9/prof Benchmarks/handshake/profile-both.sh ec -tls1_3 300 ours=.build/release/staple
. "$(dirname "$0")/nginx-conf.sh"
K=$1; V=$2; N=$3; shift 3
P=${PKI:-/tmp/ptls/pki}; W=${WORK:-/tmp/ptls/prof}; mkdir -p $W
start_compared_servers "$@"
for j in "${!labels[@]}"; do for w in 1 2 3; do openssl s_client -connect 127.0.0.1:${ports[$j]} -status $V </dev/null >/dev/null 2>&1; done; done
recs=()
for j in "${!labels[@]}"; do
  perf record -e task-clock -c 10000 -p $(echo ${pidsets[$j]} | tr ' ' ',') -o $W/${labels[$j]}.data >/dev/null 2>&1 & recs+=($!)
done
sleep 1
iloop() { for i in $(seq $N); do for j in "${!labels[@]}"; do openssl s_client -connect 127.0.0.1:${ports[$j]} -servername bench.test -status $V </dev/null >/dev/null 2>&1; done; done; }
iloop & a=$!; iloop & b=$!; wait $a $b
for r in "${recs[@]}"; do kill -INT $r; done; wait "${recs[@]}" 2>/dev/null
for j in "${!labels[@]}"; do [ "${labels[$j]}" = nginx ] && kill -QUIT ${pidsets[$j]%% *} || kill ${pidsets[$j]}; done
wait 2>/dev/null
for l in "${labels[@]}"; do
  perf report -i $W/$l.data --no-children --sort dso,sym -F overhead,sample,dso,sym --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' > $W/$l.txt
done
