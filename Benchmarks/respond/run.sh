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
# Readiness is checked with `ss -ltn`, never by connecting: `openssl ocsp` spins on an empty connection.
set -euo pipefail

STAPLE=${1:-.build/release/staple}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
LEAVES=${LEAVES:-1000}
for tool in wrk nginx openssl ss curl; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y wrk nginx iproute2 curl)" >&2; exit 2; }
done
[ -x "$STAPLE" ] || { echo "no $STAPLE: swift build -c release --product staple" >&2; exit 2; }
STAPLE=$(cd "$(dirname "$STAPLE")" && pwd)/$(basename "$STAPLE")

DIR=$(mktemp -d /tmp/staple-respond-bench.XXXXXX)
chmod 755 "$DIR"   # nginx workers (www-data when started as root) read resp.der from here
PIDS=()
cleanup() {
    # SIGTERM first: nginx's master and openssl's -multi parent stop their own workers (a worker
    # killed before its master is forked again). Then SIGKILL whatever is left.
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${PIDS[@]}"; do
        for child in $(pgrep -P "$pid"); do kill -9 "$child" 2>/dev/null || true; done
        kill -9 "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$DIR"
}
trap cleanup EXIT
cd "$DIR"
HZ=$(getconf CLK_TCK)

# --- The CA, with `openssl ca` writing the index -------------------------------------------------
mkdir newcerts
: > index.txt
echo "unique_subject = no" > index.txt.attr
echo 1000 > serial
cat > ca.cnf <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $DIR
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
serial = \$dir/serial
default_md = sha256
default_days = 30
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ leaf_ext ]
basicConstraints = CA:FALSE
CNF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -subj "/CN=Bench CA" -days 30 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
    -subj "/CN=bench-leaf" 2>/dev/null
openssl ca -batch -config ca.cnf -in leaf.csr -out leaf.pem -extensions leaf_ext -notext 2>/dev/null
# The other certificates of the index: lines as `openssl ca` writes them (issuing 1000 would take minutes).
expiry=$(awk -F'\t' 'NR==1 {print $2}' index.txt)
for i in $(seq 1 "$LEAVES"); do
    printf 'V\t%s\t\t%X\tunknown\t/CN=filler-%d\n' "$expiry" $((0x20000 + i)) "$i" >> index.txt
done

openssl ocsp -issuer ca.pem -cert leaf.pem -no_nonce -reqout req.der 2>/dev/null
GETPATH=/$(base64 -w0 req.der | sed -e 's/+/%2B/g' -e 's/\//%2F/g' -e 's/=/%3D/g')

wait_listening() { for _ in $(seq 1 300); do ss -ltnH "sport = :$1" | grep -q LISTEN && return 0; sleep 0.1; done; echo "port $1 never listened" >&2; exit 3; }
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
curl -s -o resp.der "http://127.0.0.1:18080$GETPATH"
chmod 644 resp.der
openssl ocsp -respin resp.der -issuer ca.pem -cert leaf.pem -CAfile ca.pem 2>&1 | grep -q "leaf.pem: good"
mkdir -p nginx/logs
cat > nginx/nginx.conf <<NGINX
daemon off;
worker_processes auto;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $DIR/nginx/body; proxy_temp_path $DIR/nginx/proxy;
    fastcgi_temp_path $DIR/nginx/fastcgi; uwsgi_temp_path $DIR/nginx/uwsgi; scgi_temp_path $DIR/nginx/scgi;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:18082;
        location / { root $DIR; default_type application/ocsp-response; try_files /resp.der =404; }
    }
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
