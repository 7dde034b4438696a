# Sourced by quick-cpu.sh and compare-cpu.sh: the nginx both compare against, configured as
# `staple serve` runs (2 workers, TLS 1.2 and 1.3, the same certificate and staple file).
#
#   handshake_nginx_conf ROOT PKI_DIR KEY_NAME PORT    writes ROOT/nginx.conf (and ROOT/logs, ROOT/tmp)
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
