#!/bin/bash
# quick.sh STAPLE KEY(ec|rsa) VERSION(-tls1_3|-tls1_2) N(per loop) [nginx]
# The shell form of HandshakeBenchmark's first figure, used for docs/perf-handshake.md. PKI from make-pki.sh.
# Example: Benchmarks/handshake/make-pki.sh /tmp/ptls/pki && RUNS=1 Benchmarks/handshake/quick-cpu.sh .build/release/staple ec -tls1_3 150 nginx
# CPU per stapled handshake of staple serve (and nginx) from /proc/PID/stat, 2 parallel s_client loops.
. "$(dirname "$0")/nginx-conf.sh"
STAPLE=$1; K=$2; V=$3; N=$4; P=${PKI:-/tmp/ptls/pki}; W=${WORK:-/tmp/ptls}; mkdir -p $W
tick=$(getconf CLK_TCK)
cpu() { local t=0; for p in "$@"; do s=$(sed 's/.*) //' /proc/$p/stat); set -- $s; t=$((t + ${12} + ${13})); done; echo $t; }
tree() { echo $1 $(ps -o pid= --ppid $1); }
loop() { local n=0; for i in $(seq $N); do openssl s_client -connect 127.0.0.1:$1 -servername bench.test -status $V </dev/null 2>/dev/null | grep -q 'OCSP Response Status: successful' && n=$((n+1)); done; echo $n; }
measure() { # port pids...
  local port=$1; shift; local b=$(cpu "$@"); local s1=$(date +%s.%N)
  loop $port > $W/l1 & loop $port > $W/l2 & wait
  local a=$(cpu "$@"); local s2=$(date +%s.%N)
  echo "$(( (a-b) * 1000000 / tick / (2*N) )) us/handshake, stapled $(( $(cat $W/l1) + $(cat $W/l2) ))/$((2*N)), $(echo "$s2 - $s1" | bc) s"
}
SP=$((20000 + RANDOM % 20000))
$STAPLE serve --listen 127.0.0.1:$SP --cert $P/$K.pem --key $P/$K.key --backend 127.0.0.1:9 --state-dir $P/state-$K --startup-wait 0 --log-level info > $W/serve-$SP.log 2>&1 &
SPID=$!
if [ "$5" = nginx ]; then
  NP=$((SP+1)); R=$W/ng; handshake_nginx_conf $R $P $K $NP
  nginx -p $R -c $R/nginx.conf & NPID=$!
fi
sleep 1.5
for i in 1 2 3 4 5; do openssl s_client -connect 127.0.0.1:$SP -status $V </dev/null >/dev/null 2>&1; done
[ -n "$NPID" ] && for i in 1 2 3 4 5; do openssl s_client -connect 127.0.0.1:$NP -status $V </dev/null >/dev/null 2>&1; done
for r in ${RUNS:-1}; do :; done
for r in $(seq ${RUNS:-1}); do
  echo "staple: $(measure $SP $SPID)"
  [ -n "$NPID" ] && echo "nginx:  $(measure $NP $(tree $NPID))"
done
kill $SPID; [ -n "$NPID" ] && kill -QUIT $NPID; wait 2>/dev/null
