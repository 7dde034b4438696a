#!/usr/bin/env bash
# Benchmark of `staple respond` (issue 11): requests per second for a cached GET answer, and CPU
# per request of each server process, against `openssl ocsp -index` and nginx serving the same DER
# bytes as a static file. Same load tool (wrk), same index, same request, same machine.
#
#   swift build -c release --product staple
#   Benchmarks/respond/run.sh [.build/release/staple]        # DURATION=10s CONNECTIONS=32 LEAVES=1000
#
# CPU per request: utime + stime (fields 14 and 15 of /proc/PID/stat, all server processes) over the
# run, divided by the requests wrk counted (TESTING-NOTES "Measuring a server's CPU per operation").
# Readiness is read from /proc/net/tcp (Benchmarks/lib/servers.sh), never by connecting: `openssl ocsp`
# spins on an empty connection.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pki.sh"
. "$HERE/../lib/servers.sh"
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
LEAVES=${LEAVES:-1000}
bench_needs "wrk nginx openssl curl" "wrk nginx openssl curl"
STAPLE=$(bench_staple "${1:-.build/release/staple}")

bench_workdir staple-respond-bench   # nginx workers read resp.der from it
HZ=$(getconf CLK_TCK)

# --- The CA, with `openssl ca` writing the index -------------------------------------------------
pki_ca "$DIR" "Bench CA"
pki_leaf bench-leaf
# The other certificates of the index: lines as `openssl ca` writes them (issuing 1000 would take minutes).
expiry=$(awk -F'\t' 'NR==1 {print $2}' index.txt)
for i in $(seq 1 "$LEAVES"); do
    printf 'V\t%s\t\t%X\tunknown\t/CN=filler-%d\n' "$expiry" $((0x20000 + i)) "$i" >> index.txt
done

GETPATH=$(pki_get_path ca.pem leaf.pem)

ticks() { local total=0; for pid in "$@"; do read -r -a f < "/proc/$pid/stat"; total=$((total + f[13] + f[14])); done; echo "$total"; }

# --- The three servers ---------------------------------------------------------------------------
"$STAPLE" respond --ca ca.pem --ca-key ca.key --index index.txt --listen 127.0.0.1:18080 --log-level warning \
    2> staple.log &
STAPLE_PID=$!; PIDS+=("$STAPLE_PID")
# wrk opens a probe connection before its run and keeps it open, idle: a single `openssl ocsp` process
# blocks on it and never answers wrk (0 requests). With -multi 3, one child waits on the probe and two
# answer, one per core: the best `openssl ocsp` does here.
openssl ocsp -index index.txt -CA ca.pem -rsigner ca.pem -rkey ca.key -port 18081 -ndays 1 -multi 3 \
    > openssl.log 2>&1 &
OPENSSL_PID=$!; PIDS+=("$OPENSSL_PID")
wait_listening 18080
wait_listening 18081

# nginx serves staple respond's own answer for this request, byte for byte, as a static file.
pki_fetch_good "http://127.0.0.1:18080$GETPATH" resp.der
bench_nginx_conf "$DIR/nginx" warn 4096 <<NGINX
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:18082;
        location / { root $DIR; default_type application/ocsp-response; try_files /resp.der =404; }
    }
NGINX
nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
wait_listening 18082
sleep 0.5   # nginx forks its workers after it listens
NGINX_ALL=("$NGINX_PID" $(pgrep -P "$NGINX_PID"))
OPENSSL_ALL=("$OPENSSL_PID" $(pgrep -P "$OPENSSL_PID"))
curl -s -o nginx.der "http://127.0.0.1:18082$GETPATH"; cmp nginx.der resp.der || { echo "nginx does not serve resp.der:"; cat nginx/logs/error.log; head -c 300 nginx.der; exit 3; } >&2

# --- Runs ----------------------------------------------------------------------------------------
echo "| server | connections | requests/s | CPU µs/request | non-2xx |"
echo "|---|---|---|---|---|"
run() { # name, port, "keep-alive"|"close", pids...
    local name=$1 port=$2 mode=$3; shift 3
    local header=()
    [ "$mode" = close ] && header=(-H "Connection: close")
    local before after out requests rate errors
    before=$(ticks "$@")
    out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "${header[@]}" "http://127.0.0.1:$port$GETPATH")
    after=$(ticks "$@")
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
    echo "| $name | $mode | $rate | $cpu | ${errors:-0} |"
    local key
    key=$(echo "$name $mode" | tr -c 'a-zA-Z0-9\n' _)
    eval "rate_$key=$rate"
    eval "cpu_$key=$cpu"
}
run "staple respond" 18080 keep-alive "$STAPLE_PID"
run "nginx static file" 18082 keep-alive "${NGINX_ALL[@]}"
run "staple respond" 18080 close "$STAPLE_PID"
run "openssl ocsp -index -multi 3" 18081 close "${OPENSSL_ALL[@]}"
run "nginx static file" 18082 close "${NGINX_ALL[@]}"
result() { # metric, ours, theirs, peer name[, unit, higherIsBetter]
    echo "RESULT {\"benchmark\":\"respond\",\"metric\":\"$1\",\"staple\":$2,\"peer\":$3,\"peerName\":\"$4\",\"unit\":\"${5:-requests/s}\",\"higherIsBetter\":${6:-true}}"
}
result "cached GET, keep-alive" "$rate_staple_respond_keep_alive" "$rate_nginx_static_file_keep_alive" "nginx static file"
result "cached GET, new connections" "$rate_staple_respond_close" "$rate_openssl_ocsp__index__multi_3_close" "openssl ocsp -index -multi 3"
# CPU per request over new connections: against openssl ocsp, and against nginx's static file, the
# ceiling (over new connections the rate is bound by wrk and the kernel's TCP set-up on 2 shared
# cores, so nginx is no faster there; its CPU per request shows what is left to gain).
result "CPU per request, new connections" "$cpu_staple_respond_close" "$cpu_openssl_ocsp__index__multi_3_close" \
    "openssl ocsp -index -multi 3" "µs/request" false
result "CPU per request, new connections" "$cpu_staple_respond_close" "$cpu_nginx_static_file_close" \
    "nginx static file" "µs/request" false
result "cached GET, new connections" "$rate_staple_respond_close" "$rate_nginx_static_file_close" "nginx static file"
echo
echo "wrk -t1 -c$CONNECTIONS -d$DURATION, index of $((LEAVES + 1)) certificates, $(nproc) cores, $(openssl version | cut -d' ' -f1-2), $(nginx -v 2>&1 | cut -d' ' -f3)"
