#!/usr/bin/env bash
# NOT RUN YET: written at the end of the session, no figures come from it (see docs/fleet.md).
# The fleet benchmark (issue 13): N `staple serve --store` nodes on this machine sharing one
# PostgreSQL 15, C certificates, `staple respond` as a responder that keeps up.
#
#   Benchmarks/fleet/run.sh NODES CERTIFICATES SECONDS
#   STAPLE=.build/debug/staple Benchmarks/fleet/run.sh 5 1000 180
#
# Responses are valid 16 minutes, so every node is due for every certificate about a minute after
# installing it (the refresh policy's floor): the run sees ~C refreshes a minute. Reported, over the
# measured window after every node has a staple for every certificate:
#   - responder requests per hour (from its ocsp_responder_requests_total), flat in N is the target;
#   - propagation: time from a write to its installation on a node that did not write it, from the
#     nodes' "Staple from the store" lines (store.age_seconds: the row's age in the database's clock
#     when read for installation), median and p99, target p99 <= 1 s;
#   - PostgreSQL CPU (utime+stime of the postmaster and all its children, /proc/PID/stat 14+15) per
#     responder request, and connections per node (pg_stat_activity), target <= 2.
# Needs: postgresql (15), openssl, curl, iproute2; run as root (PostgreSQL runs as postgres).
set -euo pipefail
N=${1:-5}
C=${2:-1000}
T=${3:-180}
STAPLE=$(readlink -f "${STAPLE:-.build/debug/staple}")
PGBIN=/usr/lib/postgresql/15/bin
work=$(mktemp -d /tmp/staple-fleet-bench.XXXXXX)
chmod 755 "$work"
cd "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -f data/postmaster.pid ] && runuser -u postgres -- $PGBIN/pg_ctl -D data -m fast -w stop >/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

RPORT=$(free_port); MPORT=$(free_port); PGPORT=$(free_port)
echo "work $work, $N nodes, $C certificates, $T s measured" >&2

# PKI: a P-256 CA, C leaves sharing one key (key generation is not what is measured).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -subj /CN=fleet-bench-ca \
    -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature 2>/dev/null
openssl ecparam -genkey -name prime256v1 -noout -out leaf.key
openssl req -new -key leaf.key -subj /CN=leaf.bench -out leaf.csr
: > index.txt
certargs=()
for i in $(seq 1 "$C"); do
    printf 'subjectAltName=DNS:leaf%d.bench\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:%d/\nbasicConstraints=critical,CA:FALSE\n' "$i" "$RPORT" > ext
    serial=$(printf '%X' $((0x100000 + i)))
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial "0x$serial" -days 20 -extfile ext -out "leaf$i.pem" 2>/dev/null
    cat ca.pem >> "leaf$i.pem"
    printf 'V\t%s\t\t%s\tunknown\t/CN=leaf%d.bench\n' "$(date -u -d '+20 days' +%y%m%d%H%M%SZ)" "$serial" "$i" >> index.txt
    certargs+=(--cert "$work/leaf$i.pem" --key "$work/leaf.key")
done

"$STAPLE" respond --ca ca.pem --ca-key ca.key --index index.txt --listen "127.0.0.1:$RPORT" --validity 16m --refresh 20s \
    --metrics-listen "127.0.0.1:$MPORT" > responder.log 2>&1 &
pids+=($!)

chown postgres "$work"
runuser -u postgres -- $PGBIN/initdb -D data -A trust -U staple --no-sync >/dev/null
runuser -u postgres -- $PGBIN/pg_ctl -D data -o "-p $PGPORT -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" \
    -l pg.log -w start >/dev/null
URL="postgresql://staple@127.0.0.1:$PGPORT/postgres?sslmode=disable"
psql_() { psql -h 127.0.0.1 -p "$PGPORT" -U staple -d postgres -At -c "$1"; }

for n in $(seq 1 "$N"); do
    port=$(free_port)
    "$STAPLE" serve --listen "127.0.0.1:$port" --backend 127.0.0.1:9 --state-dir "$work/state-$n" --store "$URL" \
        --startup-wait 1 --log-level debug "${certargs[@]}" > "node$n.log" 2>&1 &
    pids+=($!)
done

requests() { curl -s "http://127.0.0.1:$MPORT/metrics" | awk '/^ocsp_responder_requests_total/ { s += $2 } END { print s + 0 }'; }
pg_ticks() {
    local pm; pm=$(head -1 data/postmaster.pid)
    local total=0
    for pid in $pm $(ps -o pid= --ppid "$pm"); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo $total
}

# Warm-up: every node has installed a staple for every certificate.
echo "waiting for every node to staple all $C certificates..." >&2
deadline=$((SECONDS + 900))
while :; do
    rows=$(psql_ "SELECT count(*) FROM staples WHERE version > 0" 2>/dev/null || echo 0)
    [ "$rows" -ge "$C" ] && break
    [ $SECONDS -lt $deadline ] || { echo "warm-up did not finish: $rows rows" >&2; exit 1; }
    sleep 2
done
sleep 70   # one refresh round
r0=$(requests); p0=$(pg_ticks); t0=$(date +%s.%N)
marks=(); for n in $(seq 1 "$N"); do marks+=($(wc -l < "node$n.log")); done
sleep "$T"
r1=$(requests); p1=$(pg_ticks); t1=$(date +%s.%N)
connections=$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'staple %'")
ages=$(for n in $(seq 1 "$N"); do tail -n +"${marks[$((n-1))]}" "node$n.log"; done \
    | grep 'Staple from the store' | grep -o 'store.age_seconds=[0-9.]*' | cut -d= -f2 | sort -n)
count=$(printf '%s\n' "$ages" | grep -c . || true)
pct() { [ "$count" -gt 0 ] && printf '%s\n' "$ages" | awk -v p="$1" -v n="$count" 'NR == int((n - 1) * p) + 1 { print; exit }' || echo "-"; }
hz=$(getconf CLK_TCK)
python3 - "$N" "$C" "$r0" "$r1" "$t0" "$t1" "$p0" "$p1" "$hz" "$connections" "$count" "$(pct 0.5)" "$(pct 0.99)" <<'PY'
import sys
n, c, r0, r1, t0, t1, p0, p1, hz, conns, count, p50, p99 = sys.argv[1:]
n, c = int(n), int(c)
seconds = float(t1) - float(t0)
reqs = int(float(r1) - float(r0))
cpu = (int(p1) - int(p0)) / int(hz)
print(f"nodes={n} certificates={c} window={seconds:.0f}s responder_requests={reqs} "
      f"requests_per_hour={reqs * 3600 / seconds:.0f} per_certificate_per_hour={reqs * 3600 / seconds / c:.1f} "
      f"installs_from_store={count} propagation_p50={p50}s propagation_p99={p99}s "
      f"postgres_cpu={cpu:.2f}s ({1000 * cpu / max(reqs, 1):.2f} ms per responder request) "
      f"connections_per_node={int(conns) / n:.1f}")
PY
