#!/bin/bash
# compare-cpu.sh KEY(ec|rsa) VERSION(-tls1_3|-tls1_2) N RUNS LABEL=STAPLE [LABEL=STAPLE ...]
#
# MODE=interleaved (the default): in each run two parallel loops make N rounds of one handshake with
# every server in turn, and each server's CPU over the run is divided by its 2 x N handshakes: every
# server sees the same seconds of the shared machine's load. MODE=sequential: the servers one after
# the other, as described below.
# Server CPU per stapled handshake of one or more `staple serve` builds and of nginx (2 workers,
# ssl_stapling_file), all running at once and measured in turn, RUNS times, alternating: for each
# server (each run starting with the next one), two parallel loops of N `openssl s_client -status` handshakes, and the server's CPU over
# them, utime+stime from /proc/PID/stat (nginx: master and workers summed) and, where perf can
# count it, `perf stat -e task-clock` (ns resolution instead of 10 ms ticks).
# Prints one line per server and run, then per server the median of the runs and its ratio
# nginx/ours (above 1 favours staple serve).
#
# Example (PKI from make-pki.sh):
#   Benchmarks/handshake/make-pki.sh /tmp/h9/pki
#   PKI=/tmp/h9/pki WORK=/tmp/h9/cmp Benchmarks/handshake/compare-cpu.sh ec -tls1_3 150 3 \
#       before=/tmp/staple-before after=.build/release/staple
. "$(dirname "$0")/nginx-conf.sh"
K=$1; V=$2; N=$3; RUNS=$4; shift 4
P=${PKI:-/tmp/ptls/pki}; W=${WORK:-/tmp/ptls/cmp}; mkdir -p $W
tick=$(getconf CLK_TCK)
ticks() { local t=0; for p in "$@"; do local s; s=$(sed 's/.*) //' /proc/$p/stat); set -- $s; t=$((t + ${12} + ${13})); done; echo $t; }
loop() { local n=0; for i in $(seq $N); do openssl s_client -connect 127.0.0.1:$1 -servername bench.test -status $V </dev/null 2>/dev/null | grep -q 'OCSP Response Status: successful' && n=$((n+1)); done; echo $n; }
# measure LABEL PORT PIDS... -> "LABEL us_per_handshake(ticks) us_per_handshake(task-clock) stapled/total"
measure() {
  local label=$1 port=$2; shift 2
  local pids; pids=$(echo "$@" | tr ' ' ',')
  perf stat -x, -e task-clock -p $pids -o $W/perf-$label.txt & local ps=$!
  sleep 0.3
  local b; b=$(ticks "$@")
  loop $port > $W/l1 & local l1=$!; loop $port > $W/l2 & local l2=$!; wait $l1 $l2
  local a; a=$(ticks "$@")
  kill -INT $ps; wait $ps 2>/dev/null
  local ms; ms=$(grep task-clock $W/perf-$label.txt | cut -d, -f1)
  local ok=$(( $(cat $W/l1) + $(cat $W/l2) ))
  local tc="-"; [ -n "$ms" ] && tc=$(echo "$ms * 1000 / (2 * $N)" | bc)
  echo "$label $(( (a-b) * 1000000 / tick / (2*N) )) $tc $ok/$((2*N))"
}
# interleaved RUN: every loop iteration makes one handshake with each server in turn, so that all
# servers are measured over the same seconds, under the same load from the rest of the machine.
iloop() { local id=$1; for i in $(seq $N); do for j in "${!labels[@]}"; do
  openssl s_client -connect 127.0.0.1:${ports[$j]} -servername bench.test -status $V </dev/null 2>/dev/null | grep -q 'OCSP Response Status: successful' && echo ${labels[$j]}; done; done > $W/i$id; }
interleaved() {
  local r=$1 j before=() stats=()
  for j in "${!labels[@]}"; do
    perf stat -x, -e task-clock -p $(echo ${pidsets[$j]} | tr ' ' ',') -o $W/iperf-${labels[$j]}.txt & stats+=($!)
  done
  sleep 0.3
  for j in "${!labels[@]}"; do before+=($(ticks ${pidsets[$j]})); done
  iloop 1 & local a=$!; iloop 2 & local b=$!; wait $a $b
  for j in "${!labels[@]}"; do
    local after; after=$(ticks ${pidsets[$j]})
    kill -INT ${stats[$j]}; wait ${stats[$j]} 2>/dev/null
    local ms; ms=$(grep task-clock $W/iperf-${labels[$j]}.txt | cut -d, -f1)
    local ok; ok=$(cat $W/i1 $W/i2 | grep -cx ${labels[$j]})
    echo "${labels[$j]} $(( (after - ${before[$j]}) * 1000000 / tick / (2*N) )) $(echo "$ms * 1000 / (2 * $N)" | bc) $ok/$((2*N))"
  done
}
start_compared_servers "$@"
for j in "${!labels[@]}"; do for w in 1 2 3 4 5; do openssl s_client -connect 127.0.0.1:${ports[$j]} -status $V </dev/null >/dev/null 2>&1; done; done
echo "# $K $V, 2 x $N handshakes per server and run, $RUNS runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# server us/handshake(/proc ticks) us/handshake(task-clock) stapled"
# Each run starts with the next server (run 1: the first, run 2: the second, ...), so that no build is
# always measured right after the same other one.
count=${#labels[@]}
if [ "${MODE:-interleaved}" = interleaved ]; then
  echo "# interleaved: each loop iteration makes one handshake with every server in turn"
  for r in $(seq $RUNS); do interleaved $r | tee -a $W/results; done
else for r in $(seq $RUNS); do
  for o in $(seq 0 $((count - 1))); do
    j=$(( (r - 1 + o) % count ))
    measure ${labels[$j]} ${ports[$j]} ${pidsets[$j]} | tee -a $W/results
  done
done; fi
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ng=$(tail -n $((RUNS * ${#labels[@]})) $W/results | awk '$1=="nginx"{print $3}' | median)
for l in "${labels[@]}"; do
  m=$(tail -n $((RUNS * ${#labels[@]})) $W/results | awk -v l=$l '$1==l{print $3}' | median)
  echo "median $l: $m us (task-clock); ratio nginx/$l $(echo "scale=2; $ng / $m" | bc)"
done
for j in "${!labels[@]}"; do [ "${labels[$j]}" = nginx ] && kill -QUIT ${pidsets[$j]%% *} || kill ${pidsets[$j]}; done
wait 2>/dev/null
