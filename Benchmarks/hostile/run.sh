#!/usr/bin/env bash
# Hostile load (issue 16), loopback only, bounded: `staple serve` against nginx (TLS), and
# `staple respond` against nginx serving the same DER as a static file (HTTP), under the same
# attacks (slowloris, half handshakes / half requests, oversized and garbage input), while a
# well-behaved client keeps making complete exchanges. Prints a Markdown table of the client's
# latency percentiles, its failures, and each server's CPU seconds during the run.
#
#   swift build -c release --product staple
#   Benchmarks/hostile/run.sh [.build/release/staple]     # DURATION=20 CONNECTIONS=2000 ATTACKS="..."
#
# Not part of `swift test`. Every attack is bounded (CONNECTIONS at once, DURATION seconds each plus 5 s of
# ramp-up) and aims at 127.0.0.1 only.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pki.sh"
. "$HERE/../lib/servers.sh"
SECONDS_EACH=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-2000}
ATTACKS=${ATTACKS:-"none slowloris half oversized garbage"}
bench_needs "nginx openssl curl python3" "nginx openssl curl python3"
STAPLE=$(bench_staple "${1:-.build/release/staple}")
ulimit -n "$(ulimit -Hn)"   # 2,000 attack connections on each side need more than the usual 1,024

bench_workdir staple-hostile

P_RESPOND=19180; P_NGINX_OCSP=19181; P_BACKEND=19182; P_SERVE=19183; P_NGINX_TLS=19184

# --- PKI: a CA, an index, a leaf whose AIA points at staple respond ------------------------------
pki_ca "$DIR" "Hostile CA" "subjectAltName = DNS:hostile.test" "authorityInfoAccess = OCSP;URI:http://127.0.0.1:$P_RESPOND/"
pki_leaf hostile.test
cat leaf.pem ca.pem > chain.pem
GETPATH=$(pki_get_path ca.pem leaf.pem)

# --- staple respond, then the staple nginx is given ----------------------------------------------
"$STAPLE" respond --ca ca.pem --ca-key ca.key --index index.txt --listen 127.0.0.1:$P_RESPOND --log-level warning \
    2> respond.log &
RESPOND_PID=$!; PIDS+=("$RESPOND_PID")
wait_listening $P_RESPOND
pki_fetch_good "http://127.0.0.1:$P_RESPOND$GETPATH" resp.der

# --- nginx: the backend (HTTP), the TLS server (stapling the same response), the static OCSP file -
bench_nginx_conf "$DIR/nginx" crit 16384 "worker_rlimit_nofile 16384;" <<NGINX
    server { listen 127.0.0.1:$P_BACKEND; location / { return 200 "ok\n"; } }
    server {
        listen 127.0.0.1:$P_NGINX_TLS ssl;
        ssl_certificate $DIR/chain.pem; ssl_certificate_key $DIR/leaf.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_stapling on; ssl_stapling_file $DIR/resp.der;
        location / { return 200 "ok\n"; }
    }
    server {
        listen 127.0.0.1:$P_NGINX_OCSP;
        location / { root $DIR; default_type application/ocsp-response; try_files /resp.der =404; }
    }
NGINX
nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
wait_listening $P_NGINX_TLS
sleep 0.5
NGINX_ALL=$(echo "$NGINX_PID" $(pgrep -P "$NGINX_PID") | tr ' ' ',')

# --- staple serve, proxying to the nginx backend -------------------------------------------------
"$STAPLE" serve --listen 127.0.0.1:$P_SERVE --cert chain.pem --key leaf.key --backend 127.0.0.1:$P_BACKEND \
    --state-dir "$DIR/state" --log-level warning 2> serve.log &
SERVE_PID=$!; PIDS+=("$SERVE_PID")
wait_listening $P_SERVE
openssl s_client -connect 127.0.0.1:$P_SERVE -status -servername hostile.test < /dev/null 2>/dev/null \
    | grep -q "Cert Status: good" || { echo "staple serve does not staple:"; cat serve.log; exit 3; } >&2

# --- Runs ----------------------------------------------------------------------------------------
echo "| attack | server | client ok | client failed | p50 ms | p99 ms | server CPU s | attack connections open at end |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
row() { # attack, label, kind, port, pids
    local out
    out=$(python3 "$HERE/hostile.py" --kind "$3" --port "$4" --attack "$1" --seconds "$SECONDS_EACH" \
        --connections "$CONNECTIONS" --path "$GETPATH" --pids "$5" --label "$2")
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("| %s | %s | %d | %d | %s | %s | %s | %s |" % (r["attack"], r["label"], r["ok"], r["failed"], r["p50_ms"], r["p99_ms"], r["server_cpu_s"], r["attack_connections_open_at_end"]))' "$out"
    kill -0 "$SERVE_PID" "$RESPOND_PID" "$NGINX_PID" 2>/dev/null || { echo "a server died during $1 on $2" >&2; exit 1; }
    sleep 2
}
for attack in $ATTACKS; do
    row "$attack" "staple serve" tls $P_SERVE "$SERVE_PID"
    row "$attack" "nginx (TLS)" tls $P_NGINX_TLS "$NGINX_ALL"
    row "$attack" "staple respond" http $P_RESPOND "$RESPOND_PID"
    row "$attack" "nginx (static file)" http $P_NGINX_OCSP "$NGINX_ALL"
done
echo
echo "DURATION=$SECONDS_EACH CONNECTIONS=$CONNECTIONS, $(nproc) cores, $(openssl version | cut -d' ' -f1-2), $(nginx -v 2>&1 | cut -d' ' -f3), nginx worker_processes auto"
# A staple must still be served after all of it.
openssl s_client -connect 127.0.0.1:$P_SERVE -status -servername hostile.test < /dev/null 2>/dev/null \
    | grep -q "Cert Status: good" && echo "after the attacks: staple serve still staples (openssl s_client -status: good)"
