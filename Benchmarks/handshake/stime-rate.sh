#!/bin/bash
# stime-rate.sh KEY(ec|rsa) VERSION(-tls1_3|-tls1_2) SECONDS RUNS LABEL=STAPLE [LABEL=STAPLE ...]
#
# New handshakes per second with two parallel `openssl s_time -new` clients (no status request:
# s_time cannot ask for one), for each `staple serve` build and nginx (2 workers), one server after
# the other within each run, the order rotating between runs; plus each server's CPU per handshake
# under that load (utime+stime from /proc/PID/stat, nginx's master and workers summed). The shell
# form of HandshakeBenchmark's s_time lines.
#
# Example (PKI from make-pki.sh):
#   PKI=/tmp/h9b/pki WORK=/tmp/h9b/st Benchmarks/handshake/stime-rate.sh ec -tls1_3 8 3 \
#       base=/tmp/h9b/staple-base front=.build/release/staple
. "$(dirname "$0")/nginx-conf.sh"
K=$1; V=$2; S=$3; RUNS=$4; shift 4
P=${PKI:-/tmp/ptls/pki}; W=${WORK:-/tmp/ptls/st}; mkdir -p $W
tick=$(getconf CLK_TCK)
ticks() { local t=0; for p in "$@"; do local s; s=$(sed 's/.*) //' /proc/$p/stat); set -- $s; t=$((t + ${12} + ${13})); done; echo $t; }
start_compared_servers "$@"
echo "# $K $V, 2 parallel openssl s_time -new -time $S per server and run, $RUNS runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# server handshakes/s us/handshake(/proc ticks)"
count=${#labels[@]}
for r in $(seq $RUNS); do
  for o in $(seq 0 $((count - 1))); do
    j=$(( (r - 1 + o) % count ))
    b=$(ticks ${pidsets[$j]})
    openssl s_time -connect 127.0.0.1:${ports[$j]} -new $V -time $S > $W/s1 2>&1 & c1=$!
    openssl s_time -connect 127.0.0.1:${ports[$j]} -new $V -time $S > $W/s2 2>&1 & c2=$!
    wait $c1 $c2
    a=$(ticks ${pidsets[$j]})
    n=$(cat $W/s1 $W/s2 | awk '/connections in .* real seconds/ {n += $1; t = ($4 > t ? $4 : t)} END {print n, t}')
    set -- $n
    echo "${labels[$j]} $(echo "scale=0; $1 / $2" | bc) $(( (a - b) * 1000000 / tick / ($1 > 0 ? $1 : 1) ))"
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for j in "${!labels[@]}"; do [ "${labels[$j]}" = nginx ] && kill -QUIT ${pidsets[$j]%% *} || kill ${pidsets[$j]}; done
wait 2>/dev/null
