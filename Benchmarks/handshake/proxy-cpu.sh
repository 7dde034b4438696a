#!/bin/bash
# proxy-cpu.sh KEY(ec|rsa) VERSION(-tls1_3|-tls1_2) N RUNS LABEL=STAPLE [LABEL=STAPLE ...]
#
# Server CPU per *proxied* connection of `staple serve` builds: like compare-cpu.sh's interleaved
# mode, but every `openssl s_client -status` sends one line of application data, so that each
# connection is handed to a channel, connects the backend (a Python echo server, whose CPU is not
# counted) and is proxied, then closed. Two parallel loops make N rounds of one connection with
# every server in turn; each server's CPU (utime+stime from /proc/PID/stat, and perf stat
# task-clock) over the run is divided by its 2 x N connections. No nginx: this measures what the
# hand-off from the handshake front to a channel costs against the channel-per-connection path.
#
# Example (PKI from make-pki.sh):
#   PKI=/tmp/h9b/pki WORK=/tmp/h9b/px Benchmarks/handshake/proxy-cpu.sh ec -tls1_3 100 2 \
#       base=/tmp/h9b/staple-base front=.build/release/staple
K=$1; V=$2; N=$3; RUNS=$4; shift 4
P=${PKI:-/tmp/ptls/pki}; W=${WORK:-/tmp/ptls/px}; mkdir -p $W
tick=$(getconf CLK_TCK)
ticks() { local t=0; for p in "$@"; do local s; s=$(sed 's/.*) //' /proc/$p/stat); set -- $s; t=$((t + ${12} + ${13})); done; echo $t; }
base=$((20000 + RANDOM % 20000)); EP=$((base + 99))
python3 -c "
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $EP)); s.listen(128)
def echo(c):
    with c:
        while (d := c.recv(65536)): c.sendall(d)
while True:
    c, _ = s.accept(); threading.Thread(target=echo, args=(c,), daemon=True).start()
" & EPID=$!
labels=(); ports=(); pids=()
i=0
for spec in "$@"; do
  label=${spec%%=*}; bin=${spec#*=}; port=$((base + i)); i=$((i+1))
  $bin serve --listen 127.0.0.1:$port --cert $P/$K.pem --key $P/$K.key --backend 127.0.0.1:$EP \
    --state-dir $P/state-$K --startup-wait 0 --log-level info > $W/serve-$label.log 2>&1 &
  labels+=($label); ports+=($port); pids+=($!)
done
sleep 2
# One connection: handshake with status, one line of data, end of input (s_client then closes).
one() { echo "ping" | openssl s_client -connect 127.0.0.1:$1 -servername bench.test -status $V -quiet -no_ign_eof >/dev/null 2>&1; }
iloop() { for n in $(seq $N); do for j in "${!labels[@]}"; do one ${ports[$j]}; done; done; }
for j in "${!labels[@]}"; do for w in 1 2 3; do one ${ports[$j]}; done; done
echo "# $K $V proxied, 2 x $N connections per server and run, $RUNS runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# server us/connection(/proc ticks) us/connection(task-clock)"
for r in $(seq $RUNS); do
  before=(); stats=()
  for j in "${!labels[@]}"; do perf stat -x, -e task-clock -p ${pids[$j]} -o $W/perf-${labels[$j]}.txt & stats+=($!); done
  sleep 0.3
  for j in "${!labels[@]}"; do before+=($(ticks ${pids[$j]})); done
  iloop & a=$!; iloop & b=$!; wait $a $b
  for j in "${!labels[@]}"; do
    after=$(ticks ${pids[$j]}); kill -INT ${stats[$j]}; wait ${stats[$j]} 2>/dev/null
    ms=$(grep task-clock $W/perf-${labels[$j]}.txt | cut -d, -f1)
    echo "${labels[$j]} $(( (after - ${before[$j]}) * 1000000 / tick / (2*N) )) $(echo "$ms * 1000 / (2 * $N)" | bc)"
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in "${pids[@]}"; do kill $p; done; kill $EPID; wait 2>/dev/null
