# Sourced by quick-cpu.sh, compare-cpu.sh and stime-rate.sh: the nginx they compare against,
# configured as `staple serve` runs (2 workers, TLS 1.2 and 1.3, the same certificate and staple
# file), and the start of every compared server.
#
#   handshake_nginx_conf ROOT PKI_DIR KEY_NAME PORT    writes ROOT/nginx.conf (and ROOT/logs, ROOT/tmp)
#   start_compared_servers LABEL=STAPLE...             with P (PKI dir), K (key name), W (work dir) set:
#       one `staple serve` per LABEL=STAPLE and then nginx, on consecutive ports; fills the arrays
#       labels, ports and pidsets (nginx's master and workers in its entry), NPID = nginx's master
handshake_nginx_conf() {
  local R=$1 P=$2 K=$3 NP=$4
  mkdir -p "$R/logs" "$R/tmp"
  cat > "$R/nginx.conf" <<NG
daemon off; worker_processes 2; pid $R/nginx.pid; error_log $R/logs/error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $R/tmp/body; proxy_temp_path $R/tmp/proxy; fastcgi_temp_path $R/tmp/f; uwsgi_temp_path $R/tmp/u; scgi_temp_path $R/tmp/s;
 server { listen 127.0.0.1:$NP ssl; ssl_protocols TLSv1.2 TLSv1.3; ssl_certificate $P/$K.pem; ssl_certificate_key $P/$K.key; ssl_stapling on; ssl_stapling_file $P/$K.ocsp; location / { return 200 "ok"; } } }
NG
}

start_compared_servers() {
  labels=(); ports=(); pidsets=()
  local base=$((20000 + RANDOM % 20000)) i=0 spec label bin port
  for spec in "$@"; do
    label=${spec%%=*}; bin=${spec#*=}; port=$((base + i)); i=$((i+1))
    $bin serve --listen 127.0.0.1:$port --cert $P/$K.pem --key $P/$K.key --backend 127.0.0.1:9 \
      --state-dir $P/state-$K --startup-wait 0 --log-level info > $W/serve-$label.log 2>&1 &
    labels+=($label); ports+=($port); pidsets+=("$!")
  done
  local NP=$((base + i)) R=$W/ng
  handshake_nginx_conf $R $P $K $NP
  nginx -p $R -c $R/nginx.conf & NPID=$!
  sleep 2
  labels+=(nginx); ports+=($NP); pidsets+=("$NPID $(ps -o pid= --ppid $NPID | tr '\n' ' ')")
}
