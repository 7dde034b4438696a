# Sourced by the benchmark scripts (bash, set -euo pipefail): a work directory that is removed on
# exit with every server started into PIDS stopped, and waiting for a server to listen.
# Sources listening.sh beside it.
#
#   . "$(dirname "$0")/../lib/servers.sh"
#   bench_workdir staple-respond-bench        # DIR, PIDS=(), cd "$DIR", cleanup on EXIT
#   some-server --port 18080 & PIDS+=("$!")
#   wait_listening 18080

. "$(dirname "${BASH_SOURCE[0]}")/listening.sh"

# bench_needs "TOOL..." "PACKAGE...": exits 2 naming the Debian packages unless every tool is on PATH.
bench_needs() {
    for tool in $1; do
        command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y $2)" >&2; exit 2; }
    done
}

# bench_staple PATH: prints the absolute path of the staple executable at PATH; exits 2 when it is not built.
bench_staple() {
    [ -x "$1" ] || { echo "no $1: swift build -c release --product staple" >&2; exit 2; }
    echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

# bench_workdir NAME: DIR=/tmp/NAME.XXXXXX (mode 755: nginx workers, www-data when started as
# root, read files from it), made the current directory; PIDS starts empty; bench_cleanup on EXIT.
bench_workdir() {
    DIR=$(mktemp -d "/tmp/$1.XXXXXX")
    chmod 755 "$DIR"
    PIDS=()
    trap bench_cleanup EXIT
    cd "$DIR"
}

# SIGTERM first: nginx's master and openssl's -multi parent stop their own workers (a worker killed
# before its master is forked again). Then SIGKILL whatever is left, children first, and remove DIR.
bench_cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${PIDS[@]}"; do
        for child in $(pgrep -P "$pid"); do kill -9 "$child" 2>/dev/null || true; done
        kill -9 "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$DIR"
}

# wait_listening PORT: returns once PORT listens; exits 3 after 30 s (a server that never started).
wait_listening() {
    for _ in $(seq 1 300); do listening "$1" && return 0; sleep 0.1; done
    echo "port $1 never listened" >&2
    exit 3
}

# bench_nginx_conf ROOT ERROR_LEVEL WORKER_CONNECTIONS [MAIN_LINE...]: writes ROOT/nginx.conf for a
# private nginx (`nginx -p ROOT -c ROOT/nginx.conf`): daemon off, worker_processes auto, the main
# lines given, pid, logs and temp paths under ROOT, no access log; standard input is the rest of
# the http{} block (servers). The shell twin of the Swift side's PrivateNginxConfiguration.
bench_nginx_conf() {
    local root=$1 level=$2 connections=$3; shift 3
    mkdir -p "$root/logs"
    {
        echo "daemon off;"
        echo "worker_processes auto;"
        for line in "$@"; do echo "$line"; done
        cat <<NGINX
pid $root/nginx.pid;
error_log $root/logs/error.log $level;
events { worker_connections $connections; }
http {
    access_log off;
    client_body_temp_path $root/body; proxy_temp_path $root/proxy;
    fastcgi_temp_path $root/fastcgi; uwsgi_temp_path $root/uwsgi; scgi_temp_path $root/scgi;
NGINX
        cat
        echo "}"
    } > "$root/nginx.conf"
}
