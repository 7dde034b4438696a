#!/bin/sh
# The share of the first two TLS connections after each nginx start that carry a valid staple:
# nginx 1.22 (worker_processes 2) stapling from the file staple run's nginx output manages
# (the include snippet: ssl_stapling on; ssl_stapling_file ...), against nginx alone with
# `ssl_stapling on` fetching from a local `openssl ocsp` responder itself.
#
#   sh Benchmarks/run-outputs/first-connections.sh [STARTS]      (default 20)
#
# Needs nginx, openssl (apt-get install nginx openssl). "Valid" means what
# `openssl s_client -status` printed: a successful response, the leaf's serial, Cert Status good.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/../lib/listening.sh"
starts=${1:-20}
d=$(mktemp -d /tmp/first-connections-XXXXXX)
trap 'kill $(cat "$d/ocsp.pid") 2>/dev/null || true; rm -rf "$d"' EXIT
cd "$d"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ocsp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -subj /CN=bench-ca -days 2 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
    -subj /CN=www.test 2>/dev/null
printf 'subjectAltName=DNS:www.test\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:%s/\n' "$ocsp" > ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x5151 -out leaf.pem -days 1 \
    -extfile ext 2>/dev/null
cat leaf.pem ca.pem > chain.pem
printf 'V\t301231000000Z\t\t5151\tunknown\t/CN=www.test\n' > index.txt
# The staple the managed mode serves, as the output would write it (a verified good response).
openssl ocsp -issuer ca.pem -cert leaf.pem -no_nonce -reqout req.der
openssl ocsp -index index.txt -CA ca.pem -rsigner ca.pem -rkey ca.key -reqin req.der -respout staple.der \
    -ndays 1 2>/dev/null
openssl ocsp -index index.txt -port "$ocsp" -CA ca.pem -rsigner ca.pem -rkey ca.key -ndays 1 \
    > ocsp.log 2>&1 &
echo $! > ocsp.pid
until listening "$ocsp"; do sleep 0.05; done
mkdir -p logs tmp
run() { # $1: the stapling lines of the server{}
    printf '%s\n' "$1" > stapling.conf
    cat > nginx.conf <<CONF
daemon off; worker_processes 2; pid $d/nginx.pid; error_log $d/logs/error.log;
events {}
http { access_log off; client_body_temp_path tmp/b; proxy_temp_path tmp/p; fastcgi_temp_path tmp/f;
       uwsgi_temp_path tmp/u; scgi_temp_path tmp/s;
  server { listen 127.0.0.1:$port ssl; server_name www.test; ssl_protocols TLSv1.2 TLSv1.3;
           ssl_certificate $d/chain.pem; ssl_certificate_key $d/leaf.key;
           include $d/stapling.conf; return 200 "ok\n"; } }
CONF
    good=0
    later=0
    for i in $(seq "$starts"); do
        nginx -p "$d" -c "$d/nginx.conf" &
        until listening "$port"; do sleep 0.05; done
        for c in 1 2; do
            out=$(openssl s_client -connect "127.0.0.1:$port" -servername www.test -status </dev/null 2>/dev/null)
            if echo "$out" | grep -q "OCSP Response Status: successful" &&
                echo "$out" | grep -q "Serial Number: 5151" && echo "$out" | grep -q "Cert Status: good"; then
                good=$((good + 1))
            fi
        done
        # Sanity: nginx alone does staple, later (connections 3 to 6, a moment after start).
        sleep 0.5
        for c in 3 4 5 6; do
            out=$(openssl s_client -connect "127.0.0.1:$port" -servername www.test -status </dev/null 2>/dev/null)
            if echo "$out" | grep -q "Cert Status: good"; then later=$((later + 1)); fi
        done
        kill -QUIT "$(cat nginx.pid)"
        wait
    done
    echo "$good $later"
}
managed=$(run "ssl_stapling on; ssl_stapling_file $d/staple.der;")
alone=$(run "ssl_stapling on;")
total=$((starts * 2))
echo "first two connections after each of $starts starts carrying a valid staple:"
echo "  staple run's managed file: ${managed% *}/$total (connections 3-6: ${managed#* }/$((starts * 4)))"
echo "  nginx alone (ssl_stapling on, local responder): ${alone% *}/$total (connections 3-6: ${alone#* }/$((starts * 4)))"
echo "RESULT {\"benchmark\":\"run\",\"metric\":\"first two connections after $starts nginx starts stapled\",\"staple\":${managed% *},\"peer\":${alone% *},\"peerName\":\"nginx alone\",\"unit\":\"of $total\",\"higherIsBetter\":true}"
